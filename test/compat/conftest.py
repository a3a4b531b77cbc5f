"""Shared setup for the Chronicle MLflow-compatibility suite.

The suite drives the real ``mlflow`` Python client (and, in test_rest_wire.py,
raw HTTP) against the server named by ``CHRONICLE_URL``.  Every test works in
its own freshly named experiment, so the suite can run against a server that
already holds data and tests can run in any order.
"""

from __future__ import annotations

import os
import uuid

import pytest

CHRONICLE_URL = os.environ.get("CHRONICLE_URL", "").strip().rstrip("/")

if not CHRONICLE_URL:
    raise pytest.UsageError(
        "CHRONICLE_URL is not set: point it at the running server under test, "
        "e.g. CHRONICLE_URL=http://127.0.0.1:5000 pytest test/compat"
    )

# These must be in the environment before the mlflow client makes any request.
os.environ["MLFLOW_TRACKING_URI"] = CHRONICLE_URL
# Fail fast: the client retries 5xx responses 7 times with backoff (~4 minutes)
# by default, which would turn one server bug into a very slow test run.
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] = "0"
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
# Keep the client quiet and deterministic.
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

# Optional credentials / workspace, passed through to the client unchanged.
_PASSTHROUGH = {
    "CHRONICLE_USERNAME": "MLFLOW_TRACKING_USERNAME",
    "CHRONICLE_PASSWORD": "MLFLOW_TRACKING_PASSWORD",
    "CHRONICLE_TOKEN": "MLFLOW_TRACKING_TOKEN",
    "CHRONICLE_WORKSPACE": "MLFLOW_WORKSPACE",
}
for _src, _dst in _PASSTHROUGH.items():
    if os.environ.get(_src):
        os.environ[_dst] = os.environ[_src]

import mlflow  # noqa: E402  (imported after the environment is prepared)
import requests  # noqa: E402
from mlflow import MlflowClient  # noqa: E402


def unique_name(prefix: str = "compat") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def base_url() -> str:
    return CHRONICLE_URL


@pytest.fixture(scope="session", autouse=True)
def _server_reachable(base_url):
    try:
        requests.get(f"{base_url}/health", timeout=10)
    except requests.RequestException as exc:  # pragma: no cover - environment issue
        pytest.exit(f"server at CHRONICLE_URL={base_url} is not reachable: {exc}", returncode=3)
    mlflow.set_tracking_uri(base_url)


@pytest.fixture
def client() -> MlflowClient:
    return MlflowClient(tracking_uri=CHRONICLE_URL)


@pytest.fixture
def exp_name(request) -> str:
    """A fresh experiment name, unique per test (and per run of the suite)."""
    short = request.node.name.replace("[", "-").replace("]", "")[:60]
    return unique_name(f"compat-{short}")


@pytest.fixture
def experiment_id(exp_name) -> str:
    """A fresh experiment, also made the active experiment of the fluent API."""
    return mlflow.set_experiment(exp_name).experiment_id


@pytest.fixture(autouse=True)
def _clean_fluent_state():
    """End any run a test left active, so one failure does not cascade."""
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


class Api:
    """Tiny raw-HTTP helper for wire-level tests."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        user, pw = os.environ.get("CHRONICLE_USERNAME"), os.environ.get("CHRONICLE_PASSWORD")
        token = os.environ.get("CHRONICLE_TOKEN")
        if user and pw:
            self.session.auth = (user, pw)
        elif token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if os.environ.get("CHRONICLE_WORKSPACE"):
            self.session.headers["X-MLFLOW-WORKSPACE"] = os.environ["CHRONICLE_WORKSPACE"]

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        return self.session.get(self.url(path), **kw)

    def post(self, path, json=None, **kw):
        kw.setdefault("timeout", 30)
        return self.session.post(self.url(path), json=json, **kw)

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.url(path), **kw)


@pytest.fixture
def api(base_url) -> Api:
    return Api(base_url)
