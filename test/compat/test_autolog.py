"""mlflow.sklearn.autolog() end to end: params, metrics, tags, dataset and a LoggedModel."""

from __future__ import annotations

import mlflow
import numpy as np
import pytest
from mlflow.entities import LoggedModelStatus
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

from conftest import unique_name

pytestmark = pytest.mark.slow


def _data():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


class Trained:
    def __init__(self, **kw):
        self.__dict__.update(kw)


@pytest.fixture(scope="module")
def trained():
    """Train once (autolog is slow: it infers pip requirements); the tests only read."""
    client = MlflowClient()
    experiment_id = client.create_experiment(unique_name("compat-autolog"))
    X, y = _data()
    mlflow.sklearn.autolog(log_input_examples=True, log_datasets=True, silent=True)
    try:
        with mlflow.start_run(experiment_id=experiment_id) as run:
            est = LogisticRegression(C=0.5, max_iter=200).fit(X, y)
        model = mlflow.last_logged_model()
    finally:
        mlflow.sklearn.autolog(disable=True)
    return Trained(
        run_id=run.info.run_id, est=est, X=X, client=client, experiment_id=experiment_id, model=model
    )


def test_autolog_logs_params_metrics_tags(trained):
    run_id, client = trained.run_id, trained.client
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["C"] == "0.5"
    assert run.data.params["max_iter"] == "200"
    assert "training_accuracy_score" in run.data.metrics
    assert 0.5 <= run.data.metrics["training_accuracy_score"] <= 1.0
    assert run.data.tags["estimator_name"] == "LogisticRegression"
    assert run.data.tags["estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"


def test_autolog_logs_training_dataset(trained):
    run_id, client = trained.run_id, trained.client
    inputs = client.get_run(run_id).inputs.dataset_inputs
    assert len(inputs) >= 1
    contexts = {t.value for i in inputs for t in i.tags if t.key == "mlflow.data.context"}
    assert "train" in contexts


def test_autolog_creates_logged_model(trained):
    run_id, client, experiment_id = trained.run_id, trained.client, trained.experiment_id
    model = trained.model
    assert model is not None
    assert model.source_run_id == run_id
    assert model.experiment_id == experiment_id
    assert model.status == LoggedModelStatus.READY
    assert client.get_logged_model(model.model_id).status == LoggedModelStatus.READY

    found = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
    assert model.model_id in [m.model_id for m in found]
    found = client.search_logged_models([experiment_id], filter_string=f"source_run_id = '{run_id}'")
    assert [m.model_id for m in found] == [model.model_id]

    outputs = client.get_run(run_id).outputs.model_outputs
    assert model.model_id in [o.model_id for o in outputs]


def test_autolog_model_artifacts_download_and_predict(trained, tmp_path):
    est, X, client, model = trained.est, trained.X, trained.client, trained.model
    files = {f.path for f in client.list_logged_model_artifacts(model.model_id)}
    assert "MLmodel" in files

    local = mlflow.artifacts.download_artifacts(f"models:/{model.model_id}", dst_path=str(tmp_path))
    mlmodel = open(f"{local}/MLmodel").read()
    assert "sklearn" in mlmodel and model.model_id in mlmodel

    loaded = mlflow.sklearn.load_model(f"models:/{model.model_id}")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
