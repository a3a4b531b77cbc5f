"""Dataset inputs (mlflow.log_input) and searching runs by dataset."""

from __future__ import annotations

import mlflow
import mlflow.data
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.data.pandas_dataset import PandasDataset

from conftest import unique_name


def _numpy_dataset(name: str):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(20, 3))
    targets = (features[:, 0] > 0).astype(int)
    return mlflow.data.from_numpy(features, targets=targets, name=name, source="s3://bucket/x.npy")


def test_log_input_numpy_dataset(experiment_id, client):
    ds = _numpy_dataset("train-np")
    with mlflow.start_run() as run:
        mlflow.log_input(ds, context="training", tags={"split": "train"})
    [inp] = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert inp.dataset.name == "train-np"
    assert inp.dataset.digest == ds.digest
    assert inp.dataset.source_type == ds.source._get_source_type()
    assert inp.dataset.schema and inp.dataset.profile
    tags = {t.key: t.value for t in inp.tags}
    assert tags["mlflow.data.context"] == "training"
    assert tags["split"] == "train"


def test_log_input_pandas_dataset_round_trip(experiment_id, client):
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    ds = mlflow.data.from_pandas(df, targets="y", name="train-pd", source="file:///tmp/train.csv")
    with mlflow.start_run() as run:
        mlflow.log_input(ds, context="eval")
    [inp] = client.get_run(run.info.run_id).inputs.dataset_inputs
    loaded = mlflow.data.get_source(inp.dataset)
    assert loaded.uri == "file:///tmp/train.csv"
    assert inp.dataset.digest == ds.digest
    assert isinstance(ds, PandasDataset)


def test_same_dataset_twice_is_deduplicated(experiment_id, client):
    ds = _numpy_dataset("dup")
    with mlflow.start_run() as run:
        mlflow.log_input(ds, context="training")
        mlflow.log_input(ds, context="training")
    assert len(client.get_run(run.info.run_id).inputs.dataset_inputs) == 1


def test_multiple_datasets_on_one_run(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_inputs(
            [_numpy_dataset("a-set"), _numpy_dataset("b-set")], contexts=["training", "validation"],
            tags_list=[{"k": "a"}, {"k": "b"}],
        )
    names = {i.dataset.name for i in client.get_run(run.info.run_id).inputs.dataset_inputs}
    assert names == {"a-set", "b-set"}


@pytest.fixture(scope="module")
def two_runs_with_datasets():
    experiment_id = MlflowClient().create_experiment(unique_name("compat-datasets"))
    with mlflow.start_run(experiment_id=experiment_id) as r1:
        mlflow.log_input(_numpy_dataset("Customers-2024"), context="training")
    with mlflow.start_run(experiment_id=experiment_id) as r2:
        mlflow.log_input(_numpy_dataset("orders"), context="validation")
    with mlflow.start_run(experiment_id=experiment_id) as r3:
        pass
    return experiment_id, {r1.info.run_id: "r1", r2.info.run_id: "r2", r3.info.run_id: "r3"}


@pytest.mark.parametrize(
    "flt,expected",
    [
        ("datasets.name = 'orders'", {"r2"}),
        ("dataset.name = 'Customers-2024'", {"r1"}),
        ("datasets.name LIKE 'Cust%'", {"r1"}),
        ("datasets.name LIKE 'cust%'", set()),
        ("datasets.name ILIKE 'cust%'", {"r1"}),
        ("datasets.name IN ('orders', 'Customers-2024')", {"r1", "r2"}),
        ("datasets.context = 'validation'", {"r2"}),
    ],
)
def test_search_runs_by_dataset(client, two_runs_with_datasets, flt, expected):
    exp_id, names = two_runs_with_datasets
    found = {names[r.info.run_id] for r in client.search_runs([exp_id], flt)}
    assert found == expected


def test_search_runs_by_dataset_digest(client, two_runs_with_datasets):
    exp_id, names = two_runs_with_datasets
    digest = _numpy_dataset("orders").digest
    found = {names[r.info.run_id] for r in client.search_runs([exp_id], f"datasets.digest = '{digest}'")}
    # Both datasets hold the same arrays, so they share a digest.
    assert found == {"r1", "r2"}
