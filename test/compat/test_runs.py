"""Run lifecycle, params and tags through the mlflow client."""

from __future__ import annotations

import re
import secrets
import time

import mlflow
import pytest
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME, MLFLOW_USER

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def now_ms() -> int:
    return int(time.time() * 1000)


def test_start_run_defaults(experiment_id, client):
    before = now_ms()
    with mlflow.start_run() as run:
        info = run.info
        fetched = client.get_run(info.run_id)
    assert HEX32.match(info.run_id)
    assert info.experiment_id == experiment_id
    assert info.status == "RUNNING"
    assert info.lifecycle_stage == "active"
    # A name is generated when none is given, and mirrored in the mlflow.runName tag.
    assert info.run_name
    assert fetched.data.tags[MLFLOW_RUN_NAME] == info.run_name
    assert fetched.info.run_name == info.run_name
    assert MLFLOW_USER in fetched.data.tags
    assert before - 60_000 <= info.start_time <= now_ms() + 60_000
    exp = client.get_experiment(experiment_id)
    assert info.artifact_uri == f"{exp.artifact_location}/{info.run_id}/artifacts"


def test_start_run_with_name_and_tags(experiment_id, client):
    with mlflow.start_run(run_name="my-run", tags={"t1": "v1"}, description="hello") as run:
        pass
    got = client.get_run(run.info.run_id)
    assert got.info.run_name == "my-run"
    assert got.data.tags[MLFLOW_RUN_NAME] == "my-run"
    assert got.data.tags["t1"] == "v1"
    assert got.data.tags["mlflow.note.content"] == "hello"


def test_context_manager_finishes_run(experiment_id, client):
    with mlflow.start_run() as run:
        pass
    info = client.get_run(run.info.run_id).info
    assert info.status == "FINISHED"
    assert info.end_time is not None and info.end_time >= info.start_time


@pytest.mark.parametrize("status", ["FINISHED", "FAILED", "KILLED"])
def test_end_run_with_status(experiment_id, client, status):
    run = mlflow.start_run()
    mlflow.end_run(status=status)
    info = client.get_run(run.info.run_id).info
    assert info.status == status
    assert info.end_time is not None and info.end_time >= info.start_time


def test_exception_in_context_marks_run_failed(experiment_id, client):
    with pytest.raises(RuntimeError):
        with mlflow.start_run() as run:
            raise RuntimeError("boom")
    assert client.get_run(run.info.run_id).info.status == "FAILED"


def test_set_terminated_with_explicit_end_time(experiment_id, client):
    run = client.create_run(experiment_id, start_time=1_600_000_000_000)
    assert run.info.start_time == 1_600_000_000_000
    client.set_terminated(run.info.run_id, status="KILLED", end_time=1_600_000_123_456)
    info = client.get_run(run.info.run_id).info
    assert info.status == "KILLED"
    assert info.end_time == 1_600_000_123_456


def test_nested_runs_record_parent(experiment_id, client):
    with mlflow.start_run() as parent:
        with mlflow.start_run(nested=True) as child:
            assert mlflow.active_run().info.run_id == child.info.run_id
        assert mlflow.active_run().info.run_id == parent.info.run_id
    child_run = client.get_run(child.info.run_id)
    assert child_run.data.tags[MLFLOW_PARENT_RUN_ID] == parent.info.run_id
    assert MLFLOW_PARENT_RUN_ID not in client.get_run(parent.info.run_id).data.tags
    found = client.search_runs(
        [experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert [r.info.run_id for r in found] == [child.info.run_id]


def test_resume_run_sets_running_again(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_param("p", "1")
    assert client.get_run(run.info.run_id).info.status == "FINISHED"
    with mlflow.start_run(run_id=run.info.run_id):
        assert client.get_run(run.info.run_id).info.status == "RUNNING"
        mlflow.log_param("q", "2")
    got = client.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.data.params == {"p": "1", "q": "2"}


def test_update_run_name(experiment_id, client):
    run = client.create_run(experiment_id, run_name="before")
    client.update_run(run.info.run_id, name="after")
    got = client.get_run(run.info.run_id)
    assert got.info.run_name == "after"
    assert got.data.tags[MLFLOW_RUN_NAME] == "after"
    assert got.info.status == "RUNNING"  # untouched fields stay


def test_log_param_and_params(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"layers": 3, "opt": "adam", "name with space": "x y"})
    params = client.get_run(run.info.run_id).data.params
    # Params are stored as strings.
    assert params == {"lr": "0.01", "layers": "3", "opt": "adam", "name with space": "x y"}


def test_log_same_param_value_twice_is_ok(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_param("k", "v")
        mlflow.log_param("k", "v")
        mlflow.log_params({"k": "v"})
    assert client.get_run(run.info.run_id).data.params == {"k": "v"}


def test_changed_param_value_is_rejected(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_param("k", "v1")
        with pytest.raises(MlflowException) as exc:
            mlflow.log_param("k", "v2")
        assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_run(run.info.run_id).data.params["k"] == "v1"


def test_set_tag_overwrites_and_delete_tag(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.set_tag("color", "red")
        mlflow.set_tag("color", "blue")
        mlflow.set_tags({"shape": "round", "size": 3})
        mlflow.delete_tag("shape")
    tags = client.get_run(run.info.run_id).data.tags
    assert tags["color"] == "blue"
    assert tags["size"] == "3"
    assert "shape" not in tags


def test_delete_unknown_tag_fails(experiment_id, client):
    run = client.create_run(experiment_id)
    with pytest.raises(MlflowException) as exc:
        client.delete_tag(run.info.run_id, "never-set")
    assert exc.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_log_batch_params_tags_metrics(experiment_id, client):
    run = client.create_run(experiment_id)
    ts = now_ms()
    client.log_batch(
        run.info.run_id,
        metrics=[Metric("m", 1.5, ts, 0), Metric("m", 2.5, ts + 1, 1), Metric("n", -1, ts, 7)],
        params=[Param("p1", "a"), Param("p2", "b")],
        tags=[RunTag("t1", "x")],
    )
    data = client.get_run(run.info.run_id).data
    assert data.metrics == {"m": 2.5, "n": -1.0}
    assert data.params == {"p1": "a", "p2": "b"}
    assert data.tags["t1"] == "x"


def test_delete_and_restore_run(experiment_id, client):
    keep = client.create_run(experiment_id).info.run_id
    gone = client.create_run(experiment_id).info.run_id
    client.delete_run(gone)
    assert client.get_run(gone).info.lifecycle_stage == "deleted"

    def ids(view):
        return {r.info.run_id for r in client.search_runs([experiment_id], run_view_type=view)}

    assert ids(ViewType.ACTIVE_ONLY) == {keep}
    assert ids(ViewType.DELETED_ONLY) == {gone}
    assert ids(ViewType.ALL) == {keep, gone}

    client.restore_run(gone)
    assert client.get_run(gone).info.lifecycle_stage == "active"
    assert ids(ViewType.ACTIVE_ONLY) == {keep, gone}


def test_fluent_delete_run(experiment_id, client):
    with mlflow.start_run() as run:
        pass
    mlflow.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"


def test_write_to_deleted_run_fails(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    client.delete_run(run_id)
    with pytest.raises(MlflowException) as exc:
        client.log_param(run_id, "k", "v")
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as exc:
        client.set_tag(run_id, "k", "v")
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"


def test_get_run_returns_all_sections(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_param("p", "1")
        mlflow.log_metric("m", 2.0)
        mlflow.set_tag("t", "3")
    got = client.get_run(run.info.run_id)
    assert got.info.run_id == run.info.run_id
    assert got.data.params == {"p": "1"}
    assert got.data.metrics == {"m": 2.0}
    assert got.data.tags["t"] == "3"
    assert got.inputs is not None and list(got.inputs.dataset_inputs) == []


def test_last_active_run(experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1)
    last = mlflow.last_active_run()
    assert last.info.run_id == run.info.run_id
    assert last.data.metrics == {"m": 1.0}


def test_long_param_and_tag_values_round_trip(client, experiment_id):
    # Incompressible values at MLflow's limits (6000 for params, 8000 for run tags).
    param = secrets.token_hex(3000)
    tag = secrets.token_hex(4000)
    run_id = client.create_run(experiment_id).info.run_id
    client.log_param(run_id, "long", param)
    client.set_tag(run_id, "long", tag)
    data = client.get_run(run_id).data
    assert data.params["long"] == param
    assert data.tags["long"] == tag
    found = client.search_runs([experiment_id], f"params.long = '{param}'")
    assert [r.info.run_id for r in found] == [run_id]
