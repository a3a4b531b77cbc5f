"""MLflow 3 LoggedModel API: create, finalize, tags, params, metrics, search, delete."""

from __future__ import annotations

import re

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
from mlflow.exceptions import MlflowException
from sklearn.linear_model import LinearRegression

from conftest import unique_name

MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")


def test_initialize_then_finalize(experiment_id, client):
    model = mlflow.initialize_logged_model(
        name="my-model", model_type="agent", tags={"t": "1"}, params={"p": "x"}
    )
    assert MODEL_ID.match(model.model_id)
    assert model.experiment_id == experiment_id
    assert model.name == "my-model"
    assert model.model_type == "agent"
    assert model.status == LoggedModelStatus.PENDING
    assert model.tags["t"] == "1"
    assert model.params == {"p": "x"}
    exp = client.get_experiment(experiment_id)
    assert model.artifact_location == f"{exp.artifact_location}/models/{model.model_id}/artifacts"

    finalized = mlflow.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    assert finalized.status == LoggedModelStatus.READY
    fetched = mlflow.get_logged_model(model.model_id)
    assert fetched.status == LoggedModelStatus.READY
    assert fetched.last_updated_timestamp >= fetched.creation_timestamp


def test_finalize_as_failed(experiment_id):
    model = mlflow.initialize_logged_model(name="broken")
    mlflow.finalize_logged_model(model.model_id, "FAILED")
    assert mlflow.get_logged_model(model.model_id).status == LoggedModelStatus.FAILED


def test_create_external_model_is_ready(experiment_id):
    model = mlflow.create_external_model(name="external", model_type="llm")
    assert model.status == LoggedModelStatus.READY
    assert mlflow.get_logged_model(model.model_id).name == "external"


def test_model_gets_random_name_when_unnamed(experiment_id):
    model = mlflow.initialize_logged_model()
    assert model.name


def test_client_create_logged_model_with_source_run(experiment_id, client):
    with mlflow.start_run() as run:
        model = client.create_logged_model(
            experiment_id, name="from-run", source_run_id=run.info.run_id
        )
    assert model.source_run_id == run.info.run_id
    assert client.get_logged_model(model.model_id).source_run_id == run.info.run_id


def test_logged_model_tags(experiment_id):
    model = mlflow.initialize_logged_model(name="tagged", tags={"keep": "a"})
    mlflow.set_logged_model_tags(model.model_id, {"env": "prod", "keep": "b"})
    tags = mlflow.get_logged_model(model.model_id).tags
    assert tags["env"] == "prod" and tags["keep"] == "b"
    mlflow.delete_logged_model_tag(model.model_id, "env")
    tags = mlflow.get_logged_model(model.model_id).tags
    assert "env" not in tags and tags["keep"] == "b"


def test_logged_model_params(experiment_id, client):
    model = mlflow.initialize_logged_model(name="params", params={"a": "1"})
    client.log_model_params(model.model_id, {"b": "2", "c": "3"})
    assert client.get_logged_model(model.model_id).params == {"a": "1", "b": "2", "c": "3"}


def test_metric_linked_to_logged_model(experiment_id, client):
    model = mlflow.initialize_logged_model(name="scored")
    with mlflow.start_run() as run:
        mlflow.log_metric("acc", 0.93, model_id=model.model_id)
    metrics = client.get_logged_model(model.model_id).metrics
    assert [(m.key, m.value, m.run_id) for m in metrics] == [("acc", 0.93, run.info.run_id)]
    # The metric is also a normal run metric, and the model is a run input.
    got = client.get_run(run.info.run_id)
    assert got.data.metrics["acc"] == 0.93
    assert model.model_id in [m.model_id for m in got.inputs.model_inputs]


def test_get_unknown_logged_model(client):
    with pytest.raises(MlflowException) as exc:
        client.get_logged_model("m-" + "0" * 32)
    assert exc.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_delete_logged_model(experiment_id, client):
    keep = mlflow.initialize_logged_model(name="keep")
    gone = mlflow.initialize_logged_model(name="gone")
    client.delete_logged_model(gone.model_id)
    found = client.search_logged_models([experiment_id])
    assert [m.model_id for m in found] == [keep.model_id]
    with pytest.raises(MlflowException) as exc:
        client.get_logged_model(gone.model_id)
    assert exc.value.error_code == "RESOURCE_DOES_NOT_EXIST"


@pytest.fixture(scope="module")
def three_models():
    exp_id = MlflowClient().create_experiment(unique_name("compat-logged-models"))
    a = mlflow.initialize_logged_model(
        name="alpha", model_type="clf", tags={"team": "x"}, params={"depth": "3"}, experiment_id=exp_id
    )
    b = mlflow.initialize_logged_model(
        name="beta", model_type="clf", tags={"team": "y"}, params={"depth": "5"}, experiment_id=exp_id
    )
    c = mlflow.create_external_model(name="gamma", model_type="reg", tags={"team": "x"}, experiment_id=exp_id)
    mlflow.finalize_logged_model(a.model_id, "READY")
    with mlflow.start_run(experiment_id=exp_id):
        mlflow.log_metric("score", 0.5, model_id=a.model_id)
        mlflow.log_metric("score", 0.8, model_id=b.model_id)
    return exp_id, {a.model_id: "alpha", b.model_id: "beta", c.model_id: "gamma"}


@pytest.mark.parametrize(
    "flt,expected",
    [
        ("name = 'beta'", {"beta"}),
        ("name LIKE '%a'", {"alpha", "beta", "gamma"}),
        ("name != 'alpha'", {"beta", "gamma"}),
        ("model_type = 'clf'", {"alpha", "beta"}),
        ("tags.team = 'x'", {"alpha", "gamma"}),
        ("params.depth = '5'", {"beta"}),
        ("metrics.score > 0.6", {"beta"}),
        ("name = 'alpha' AND tags.team = 'x'", {"alpha"}),
    ],
)
def test_search_logged_models_filters(client, three_models, flt, expected):
    exp_id, names = three_models
    found = client.search_logged_models([exp_id], filter_string=flt)
    assert {names[m.model_id] for m in found} == expected


def test_search_logged_models_order_and_pages(client, three_models):
    exp_id, names = three_models
    by_name = [{"field_name": "name", "ascending": False}]
    got = client.search_logged_models([exp_id], order_by=by_name)
    assert [names[m.model_id] for m in got] == ["gamma", "beta", "alpha"]

    # Default order: newest first (creation times may tie within a millisecond).
    got = client.search_logged_models([exp_id])
    assert {names[m.model_id] for m in got} == {"alpha", "beta", "gamma"}
    stamps = [m.creation_timestamp for m in got]
    assert stamps == sorted(stamps, reverse=True)

    seen, token = [], None
    for _ in range(5):
        page = client.search_logged_models([exp_id], max_results=2, order_by=by_name, page_token=token)
        seen += [names[m.model_id] for m in page]
        token = page.token
        if not token:
            break
    assert seen == ["gamma", "beta", "alpha"]


def test_fluent_search_logged_models_list(three_models):
    exp_id, names = three_models
    got = mlflow.search_logged_models(
        experiment_ids=[exp_id], filter_string="name = 'gamma'", output_format="list"
    )
    assert [names[m.model_id] for m in got] == ["gamma"]


@pytest.mark.slow
def test_log_model_in_run_links_output_and_artifacts(experiment_id, client, tmp_path):
    X = np.arange(20, dtype=float).reshape(-1, 1)
    y = 3 * X[:, 0] + 1
    est = LinearRegression().fit(X, y)
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(
            est, name="linreg", input_example=X[:2], pip_requirements=["scikit-learn"]
        )
    model_id = info.model_id
    assert MODEL_ID.match(model_id)

    model = client.get_logged_model(model_id)
    assert model.status == LoggedModelStatus.READY
    assert model.source_run_id == run.info.run_id
    assert model.name == "linreg"

    outputs = client.get_run(run.info.run_id).outputs
    assert model_id in [o.model_id for o in outputs.model_outputs]

    files = {f.path for f in client.list_logged_model_artifacts(model_id)}
    assert "MLmodel" in files

    local = mlflow.artifacts.download_artifacts(f"models:/{model_id}", dst_path=str(tmp_path))
    assert "flavors" in open(f"{local}/MLmodel").read()

    loaded = mlflow.sklearn.load_model(f"models:/{model_id}")
    np.testing.assert_allclose(loaded.predict(X), est.predict(X))
    pyfunc = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/linreg")
    np.testing.assert_allclose(pyfunc.predict(X), est.predict(X))
