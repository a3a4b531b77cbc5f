"""Error codes the client surfaces as MlflowException.error_code."""

from __future__ import annotations

import uuid

import mlflow
import pytest
from mlflow.exceptions import MlflowException

from conftest import unique_name


def error_code(fn, *args, **kwargs) -> str:
    with pytest.raises(MlflowException) as exc:
        fn(*args, **kwargs)
    return exc.value.error_code


UNKNOWN_RUN = uuid.uuid4().hex


def test_unknown_run(client):
    assert error_code(client.get_run, UNKNOWN_RUN) == "RESOURCE_DOES_NOT_EXIST"


def test_log_to_unknown_run(client):
    assert error_code(client.log_param, UNKNOWN_RUN, "k", "v") == "RESOURCE_DOES_NOT_EXIST"
    assert error_code(client.log_metric, UNKNOWN_RUN, "m", 1.0) == "RESOURCE_DOES_NOT_EXIST"
    assert error_code(client.set_tag, UNKNOWN_RUN, "t", "v") == "RESOURCE_DOES_NOT_EXIST"


def test_delete_unknown_run(client):
    assert error_code(client.delete_run, UNKNOWN_RUN) == "RESOURCE_DOES_NOT_EXIST"


def test_unknown_experiment(client):
    assert error_code(client.get_experiment, "987654321") == "RESOURCE_DOES_NOT_EXIST"


def test_delete_unknown_experiment(client):
    assert error_code(client.delete_experiment, "987654321") == "RESOURCE_DOES_NOT_EXIST"


def test_create_run_in_unknown_experiment(client):
    assert error_code(client.create_run, "987654321") == "RESOURCE_DOES_NOT_EXIST"


def test_duplicate_experiment(client, exp_name):
    client.create_experiment(exp_name)
    assert error_code(client.create_experiment, exp_name) == "RESOURCE_ALREADY_EXISTS"


def test_rename_to_existing_name(client):
    a = unique_name("compat-rename-a")
    b = unique_name("compat-rename-b")
    client.create_experiment(a)
    b_id = client.create_experiment(b)
    # MLflow 3.17 answers 400 BAD_REQUEST (a wrapped SQL unique-constraint error);
    # RESOURCE_ALREADY_EXISTS or INVALID_PARAMETER_VALUE would be equally acceptable.
    code = error_code(client.rename_experiment, b_id, a)
    assert code in ("BAD_REQUEST", "RESOURCE_ALREADY_EXISTS", "INVALID_PARAMETER_VALUE")
    assert client.get_experiment(b_id).name == b


def test_changed_param(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_param(run_id, "p", "1")
    assert error_code(client.log_param, run_id, "p", "2") == "INVALID_PARAMETER_VALUE"


def test_search_with_or_filter(client, experiment_id):
    code = error_code(client.search_runs, [experiment_id], "params.a = '1' OR params.b = '2'")
    assert code == "INVALID_PARAMETER_VALUE"


def test_search_runs_max_results_over_limit(client, experiment_id):
    code = error_code(client.search_runs, [experiment_id], max_results=50001)
    assert code == "INVALID_PARAMETER_VALUE"


def test_search_runs_max_results_at_limit_ok(client, experiment_id):
    assert list(client.search_runs([experiment_id], max_results=50000)) == []


def test_search_experiments_max_results_over_limit(client):
    code = error_code(client.search_experiments, max_results=50001)
    assert code == "INVALID_PARAMETER_VALUE"


def test_bad_page_token(client, experiment_id):
    code = error_code(client.search_runs, [experiment_id], page_token="not-a-token")
    assert code == "INVALID_PARAMETER_VALUE"


def test_invalid_experiment_name(client):
    assert error_code(client.create_experiment, "") == "INVALID_PARAMETER_VALUE"


def test_rename_deleted_experiment(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    client.delete_experiment(exp_id)
    # MLflow answers INVALID_STATE with HTTP 500 (see test_rest_wire). The client treats
    # 500 as transient, so after its retries it raises INTERNAL_ERROR, not INVALID_STATE.
    with pytest.raises(MlflowException):
        client.rename_experiment(exp_id, exp_name + "-x")
    assert client.get_experiment(exp_id).name == exp_name


def test_fluent_error_leaves_run_usable(experiment_id, client):
    with mlflow.start_run() as run:
        mlflow.log_param("p", "1")
        with pytest.raises(MlflowException):
            mlflow.log_param("p", "2")
        mlflow.log_param("q", "3")
    assert client.get_run(run.info.run_id).data.params == {"p": "1", "q": "3"}
