"""Metric logging, history and the 'latest value' rule."""

from __future__ import annotations

import math
import sys
import time

import mlflow
import pytest
from mlflow.entities import Metric

from conftest import Api


def now_ms() -> int:
    return int(time.time() * 1000)


def history(client, run_id, key):
    return [(m.step, m.timestamp, m.value) for m in client.get_metric_history(run_id, key)]


def test_log_metric_with_steps_and_timestamps(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_metric("loss", 0.9, step=0, timestamp=1_000)
        mlflow.log_metric("loss", 0.5, step=1, timestamp=2_000)
        mlflow.log_metric("loss", 0.1, step=2, timestamp=3_000)
    assert history(client, run.info.run_id, "loss") == [
        (0, 1_000, 0.9),
        (1, 2_000, 0.5),
        (2, 3_000, 0.1),
    ]
    assert client.get_run(run.info.run_id).data.metrics == {"loss": 0.1}


def test_metric_defaults_step_zero_and_current_time(experiment_id, client):
    before = now_ms()
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 3.25)
    [metric] = client.get_metric_history(run.info.run_id, "m")
    assert metric.key == "m"
    assert metric.value == 3.25
    assert metric.step == 0
    assert before - 60_000 <= metric.timestamp <= now_ms() + 60_000


def test_log_metrics_dict(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_metrics({"a": 1, "b": 2.5}, step=4)
    data = client.get_run(run.info.run_id).data
    assert data.metrics == {"a": 1.0, "b": 2.5}
    assert [m.step for m in client.get_metric_history(run.info.run_id, "b")] == [4]


def test_metric_values_append_and_never_overwrite(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "m", 1.0, timestamp=100, step=0)
    client.log_metric(run_id, "m", 2.0, timestamp=200, step=0)
    client.log_metric(run_id, "m", 2.0, timestamp=300, step=0)
    assert sorted(history(client, run_id, "m")) == [(0, 100, 1.0), (0, 200, 2.0), (0, 300, 2.0)]


def test_metric_history_is_ordered(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    # Logged out of order; history comes back ordered by timestamp, then step.
    for step, ts in [(3, 3_000), (1, 1_000), (2, 2_000), (0, 500)]:
        client.log_metric(run_id, "m", float(step), timestamp=ts, step=step)
    assert [m.step for m in client.get_metric_history(run_id, "m")] == [0, 1, 2, 3]


def test_metric_history_several_hundred_points(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    n = 600
    metrics = [Metric("curve", i * 0.5, 1_000_000 + i, i) for i in range(n)]
    client.log_batch(run_id, metrics=metrics)
    hist = client.get_metric_history(run_id, "curve")
    assert len(hist) == n
    assert [m.step for m in hist] == list(range(n))
    assert [m.value for m in hist] == [i * 0.5 for i in range(n)]


def test_history_of_unknown_key_is_empty(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    assert client.get_metric_history(run_id, "never-logged") == []


def test_latest_metric_is_max_by_step_then_timestamp(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    # The highest step wins even when logged earlier and with an older timestamp.
    client.log_metric(run_id, "m", 1.0, timestamp=5_000, step=10)
    client.log_metric(run_id, "m", 2.0, timestamp=9_000, step=3)
    assert client.get_run(run_id).data.metrics["m"] == 1.0
    # On the same step the newer timestamp wins.
    client.log_metric(run_id, "m", 3.0, timestamp=6_000, step=10)
    client.log_metric(run_id, "m", 4.0, timestamp=5_500, step=10)
    assert client.get_run(run_id).data.metrics["m"] == 3.0


def test_latest_metric_ties_break_on_value(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "m", 7.0, timestamp=1_000, step=1)
    client.log_metric(run_id, "m", 5.0, timestamp=1_000, step=1)
    assert client.get_run(run_id).data.metrics["m"] == 7.0


def test_latest_metric_in_search_results(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "m", 1.0, timestamp=1_000, step=2)
    client.log_metric(run_id, "m", 9.0, timestamp=2_000, step=1)
    [found] = client.search_runs([experiment_id])
    assert found.data.metrics["m"] == 1.0
    assert client.search_runs([experiment_id], "metrics.m = 1.0")
    assert client.search_runs([experiment_id], "metrics.m = 9.0") == []


def test_nan_metric_round_trip(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "nan", float("nan"), timestamp=1_000, step=0)
    assert math.isnan(client.get_run(run_id).data.metrics["nan"])
    [m] = client.get_metric_history(run_id, "nan")
    assert math.isnan(m.value)


def test_infinite_metric_values(experiment_id, client):
    # MLflow's SQL store clamps +/-inf to +/-sys.float_info.max; accept either form.
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "pos", float("inf"), timestamp=1_000, step=0)
    client.log_metric(run_id, "neg", float("-inf"), timestamp=1_000, step=0)
    metrics = client.get_run(run_id).data.metrics
    assert metrics["pos"] >= sys.float_info.max
    assert metrics["neg"] <= -sys.float_info.max


def test_negative_and_large_values(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "neg", -123.456, timestamp=1, step=-5)
    client.log_metric(run_id, "big", 1e300, timestamp=2**41, step=2**40)
    [neg] = client.get_metric_history(run_id, "neg")
    assert (neg.value, neg.step, neg.timestamp) == (-123.456, -5, 1)
    [big] = client.get_metric_history(run_id, "big")
    assert (big.value, big.step, big.timestamp) == (1e300, 2**40, 2**41)


def test_client_chunks_large_log_batch(experiment_id, client):
    # The client splits >1000 metrics into several log-batch requests.
    run_id = client.create_run(experiment_id).info.run_id
    metrics = [Metric("many", float(i), 1_000 + i, i) for i in range(1001)]
    client.log_batch(run_id, metrics=metrics)
    assert len(client.get_metric_history(run_id, "many")) == 1001


def test_raw_log_batch_over_1000_metrics_rejected(experiment_id, client, base_url):
    run_id = client.create_run(experiment_id).info.run_id
    metrics = [{"key": "m", "value": 1.0, "timestamp": 1_000 + i, "step": i} for i in range(1001)]
    resp = Api(base_url).post(
        "/api/2.0/mlflow/runs/log-batch", json={"run_id": run_id, "metrics": metrics}
    )
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    "field,count",
    [("params", 101), ("tags", 101)],
)
def test_raw_log_batch_over_100_params_or_tags_rejected(experiment_id, client, base_url, field, count):
    run_id = client.create_run(experiment_id).info.run_id
    items = [{"key": f"k{i}", "value": "v"} for i in range(count)]
    resp = Api(base_url).post("/api/2.0/mlflow/runs/log-batch", json={"run_id": run_id, field: items})
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_raw_log_batch_at_limits_accepted(experiment_id, client, base_url):
    run_id = client.create_run(experiment_id).info.run_id
    metrics = [{"key": "m", "value": 1.0, "timestamp": 1_000 + i, "step": i} for i in range(800)]
    params = [{"key": f"p{i}", "value": "v"} for i in range(100)]
    tags = [{"key": f"t{i}", "value": "v"} for i in range(100)]
    resp = Api(base_url).post(
        "/api/2.0/mlflow/runs/log-batch",
        json={"run_id": run_id, "metrics": metrics, "params": params, "tags": tags},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json() == {}
    run = client.get_run(run_id)
    assert len(run.data.params) == 100
    assert len([k for k in run.data.tags if k.startswith("t")]) == 100
    assert len(client.get_metric_history(run_id, "m")) == 800
