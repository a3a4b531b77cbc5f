"""Authentication, workspaces and permissions, driven by the real mlflow client.

The suite signs in as the first administrator (CHRONICLE_USERNAME / CHRONICLE_PASSWORD). These
tests create a workspace and users of their own, then switch the client's credentials and
workspace the way a user would: MLFLOW_TRACKING_USERNAME / PASSWORD, MLFLOW_TRACKING_TOKEN and
mlflow.set_workspace (the X-MLFLOW-WORKSPACE header).
"""

from __future__ import annotations

import contextlib
import os
import uuid

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException
from mlflow.server.auth.client import AuthServiceClient

from conftest import CHRONICLE_URL

ADMIN = (os.environ.get("CHRONICLE_USERNAME"), os.environ.get("CHRONICLE_PASSWORD"))

pytestmark = pytest.mark.skipif(not all(ADMIN), reason="needs the server's administrator credentials")


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _admin_api(method: str, path: str, **kw) -> requests.Response:
    return requests.request(method, CHRONICLE_URL + path, auth=ADMIN, timeout=30, **kw)


@contextlib.contextmanager
def signed_in(*, username=None, password=None, token=None, workspace=None):
    """Switch the mlflow client's credentials and workspace, restoring the suite's afterwards."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")}
    for key in saved:
        os.environ.pop(key, None)
    if username:
        os.environ["MLFLOW_TRACKING_USERNAME"] = username
        os.environ["MLFLOW_TRACKING_PASSWORD"] = password
    if token:
        os.environ["MLFLOW_TRACKING_TOKEN"] = token
    mlflow.set_workspace(workspace)
    try:
        yield MlflowClient(tracking_uri=CHRONICLE_URL)
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_workspace(None)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def team():
    """A fresh workspace with an editor and a viewer, created through the client as the administrator."""
    workspace = _name("team")
    mlflow.create_workspace(workspace, description="compat auth tests")
    auth = AuthServiceClient(CHRONICLE_URL)
    people = {}
    for role in ("editor", "viewer"):
        username, password = _name(role), f"pw-{uuid.uuid4().hex}"
        auth.create_user(username, password)
        response = _admin_api("PUT", f"/api/chronicle/v1/workspaces/{workspace}/members", json={"principal": f"user:{username}", "role": role})
        assert response.status_code == 200, response.text
        people[role] = (username, password)
    return {"workspace": workspace, **people}


def test_a_request_without_credentials_is_challenged():
    response = requests.post(f"{CHRONICLE_URL}/api/2.0/mlflow/experiments/search", json={"max_results": 10}, timeout=30)
    assert response.status_code == 401
    assert "Basic" in response.headers["WWW-Authenticate"]
    assert response.json()["error_code"] == "UNAUTHENTICATED"


def test_wrong_password_is_unauthenticated():
    with signed_in(username=ADMIN[0], password="not-the-password"), pytest.raises(MlflowException) as failure:
        mlflow.search_experiments()
    assert "401" in str(failure.value) or "UNAUTHENTICATED" in str(failure.value)


def test_server_reports_workspaces_and_lists_the_new_one(team):
    assert requests.get(f"{CHRONICLE_URL}/api/2.0/mlflow/server-features", timeout=30).json()["workspaces_enabled"] is True
    assert team["workspace"] in [w.name for w in mlflow.list_workspaces()]


def test_username_and_password_on_a_non_default_workspace(team):
    username, password = team["editor"]
    with signed_in(username=username, password=password, workspace=team["workspace"]) as client:
        experiment_id = mlflow.set_experiment(_name("editor-exp")).experiment_id
        with mlflow.start_run() as run:
            mlflow.log_param("lr", "0.1")
            mlflow.log_metric("loss", 0.5, step=1)
        found = mlflow.search_runs([experiment_id], output_format="list")
        assert [r.info.run_id for r in found] == [run.info.run_id]
        assert client.get_run(run.info.run_id).data.params == {"lr": "0.1"}
    # The same experiment does not exist in the default workspace, where the editor is no member.
    with signed_in(username=username, password=password, workspace="default"), pytest.raises(RestException) as failure:
        mlflow.search_experiments()
    assert failure.value.error_code == "PERMISSION_DENIED"


def test_a_token_on_a_non_default_workspace_until_it_is_revoked(team):
    username, password = team["editor"]
    response = requests.post(
        f"{CHRONICLE_URL}/api/chronicle/v1/tokens",
        json={"name": "ci", "workspace": team["workspace"], "expires_in_seconds": 3600},
        auth=(username, password),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    token_id, secret = response.json()["token"]["id"], response.json()["secret"]

    with signed_in(token=secret, workspace=team["workspace"]):
        experiment_id = mlflow.set_experiment(_name("token-exp")).experiment_id
        with mlflow.start_run():
            mlflow.log_metrics({"acc": 0.9, "loss": 0.1})
        assert len(mlflow.search_runs([experiment_id], output_format="list")) == 1
    # A token acts in its own workspace only.
    with signed_in(token=secret, workspace="default"), pytest.raises(RestException) as failure:
        mlflow.search_experiments()
    assert failure.value.error_code == "PERMISSION_DENIED"

    revoke = requests.delete(f"{CHRONICLE_URL}/api/chronicle/v1/tokens/{token_id}", auth=(username, password), timeout=30)
    assert revoke.status_code == 200, revoke.text
    with signed_in(token=secret, workspace=team["workspace"]), pytest.raises(MlflowException) as failure:
        mlflow.search_experiments()
    assert "UNAUTHENTICATED" in str(failure.value) or "401" in str(failure.value)


def test_a_viewer_reads_but_cannot_write(team):
    editor, viewer = team["editor"], team["viewer"]
    with signed_in(username=editor[0], password=editor[1], workspace=team["workspace"]):
        experiment_id = mlflow.set_experiment(_name("shared")).experiment_id
        run_id = mlflow.start_run().info.run_id
        mlflow.end_run()
    with signed_in(username=viewer[0], password=viewer[1], workspace=team["workspace"]) as client:
        assert client.get_run(run_id).info.experiment_id == experiment_id
        with pytest.raises(RestException) as failure:
            client.log_metric(run_id, "loss", 1.0)
        assert failure.value.error_code == "PERMISSION_DENIED"
        with pytest.raises(RestException) as failure:
            client.create_experiment(_name("viewer-exp"))
        assert failure.value.error_code == "PERMISSION_DENIED"


def test_per_experiment_grants_through_the_auth_client(team):
    editor, viewer = team["editor"], team["viewer"]
    with signed_in(username=editor[0], password=editor[1], workspace=team["workspace"]):
        hidden = mlflow.set_experiment(_name("hidden")).experiment_id
        writable = mlflow.set_experiment(_name("writable")).experiment_id
        run_id = mlflow.start_run().info.run_id
        mlflow.end_run()
        # The creator holds MANAGE, so it may hand out permissions on its experiments.
        auth = AuthServiceClient(CHRONICLE_URL)
        auth.grant_user_permission(viewer[0], "experiment", hidden, "NO_PERMISSIONS")
        auth.grant_user_permission(viewer[0], "experiment", writable, "EDIT")

    with signed_in(username=viewer[0], password=viewer[1], workspace=team["workspace"]) as client:
        visible = {e.experiment_id for e in client.search_experiments()}
        assert writable in visible and hidden not in visible
        with pytest.raises(RestException) as failure:
            client.get_experiment(hidden)
        assert failure.value.error_code == "PERMISSION_DENIED"
        client.log_metric(run_id, "loss", 0.25)  # EDIT on the run's experiment
        assert client.get_metric_history(run_id, "loss")[0].value == 0.25

    with signed_in(username=editor[0], password=editor[1], workspace=team["workspace"]):
        AuthServiceClient(CHRONICLE_URL).revoke_user_permission(viewer[0], "experiment", hidden)
    with signed_in(username=viewer[0], password=viewer[1], workspace=team["workspace"]) as client:
        assert client.get_experiment(hidden).experiment_id == hidden


def test_a_workspace_holding_experiments_cannot_be_deleted(team):
    with pytest.raises(MlflowException):
        mlflow.delete_workspace(team["workspace"])
    assert team["workspace"] in [w.name for w in mlflow.list_workspaces()]
