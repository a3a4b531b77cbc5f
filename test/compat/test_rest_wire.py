"""Wire details the mlflow client hides: status codes, envelopes, JSON shapes, routes."""

from __future__ import annotations

import json
import os
import re
import uuid

import pytest
from packaging.version import Version

from conftest import unique_name

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


def assert_error(resp, status: int, code: str):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["error_code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.fixture
def exp(api):
    resp = api.post(f"{API}/experiments/create", json={"name": unique_name("compat-wire")})
    assert resp.status_code == 200, resp.text
    return resp.json()["experiment_id"]


@pytest.fixture
def run(api, exp):
    resp = api.post(f"{API}/runs/create", json={"experiment_id": exp, "start_time": 1_700_000_000_123})
    assert resp.status_code == 200, resp.text
    return resp.json()["run"]


# ---- server-level routes -----------------------------------------------------


def test_health(api):
    resp = api.get("/health")
    assert resp.status_code == 200
    assert resp.text.strip() == "OK"


def test_version_is_at_least_3_4(api):
    resp = api.get("/version")
    assert resp.status_code == 200
    assert Version(resp.text.strip()) >= Version("3.4")


def test_server_info_for_workspace_probe(api):
    # The 3.17 client probes /api/3.0/mlflow/server-info and falls back to
    # /api/3.0/mlflow/server-features; either must answer a JSON object.
    resp = api.get("/api/3.0/mlflow/server-info")
    if resp.status_code == 404:
        resp = api.get("/api/3.0/mlflow/server-features")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert isinstance(body, dict)
    assert isinstance(body.get("workspaces_enabled", False), bool)


def test_unmapped_route_is_404(api):
    assert api.get(f"{API}/no-such-endpoint").status_code == 404
    assert api.post(f"{API}/runs/no-such-endpoint", json={}).status_code == 404


# ---- error envelope ----------------------------------------------------------


def test_unknown_run_is_404_envelope(api):
    assert_error(api.get(f"{API}/runs/get", params={"run_id": uuid.uuid4().hex}), 404, "RESOURCE_DOES_NOT_EXIST")


def test_unknown_experiment_is_404_envelope(api):
    assert_error(
        api.get(f"{API}/experiments/get", params={"experiment_id": "987654321"}), 404, "RESOURCE_DOES_NOT_EXIST"
    )
    assert_error(
        api.get(f"{API}/experiments/get-by-name", params={"experiment_name": unique_name("nope")}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )


def test_duplicate_experiment_is_400_resource_already_exists(api):
    name = unique_name("compat-dup")
    assert api.post(f"{API}/experiments/create", json={"name": name}).status_code == 200
    assert_error(api.post(f"{API}/experiments/create", json={"name": name}), 400, "RESOURCE_ALREADY_EXISTS")


def test_missing_required_field_is_400(api):
    assert_error(api.post(f"{API}/experiments/create", json={}), 400, "INVALID_PARAMETER_VALUE")
    assert_error(api.get(f"{API}/runs/get"), 400, "INVALID_PARAMETER_VALUE")


def test_changed_param_is_400(api, run):
    rid = run["info"]["run_id"]
    ok = api.post(f"{API}/runs/log-parameter", json={"run_id": rid, "key": "p", "value": "1"})
    assert ok.status_code == 200 and ok.json() == {}
    same = api.post(f"{API}/runs/log-parameter", json={"run_id": rid, "key": "p", "value": "1"})
    assert same.status_code == 200
    assert_error(
        api.post(f"{API}/runs/log-parameter", json={"run_id": rid, "key": "p", "value": "2"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )


def test_search_or_filter_is_400(api, exp):
    body = {"experiment_ids": [exp], "filter": "params.a = '1' OR params.b = '2'"}
    assert_error(api.post(f"{API}/runs/search", json=body), 400, "INVALID_PARAMETER_VALUE")


def test_search_max_results_over_50000_is_400(api, exp):
    body = {"experiment_ids": [exp], "max_results": 50001}
    assert_error(api.post(f"{API}/runs/search", json=body), 400, "INVALID_PARAMETER_VALUE")


def test_rename_deleted_experiment_is_invalid_state(api, exp):
    assert api.post(f"{API}/experiments/delete", json={"experiment_id": exp}).status_code == 200
    resp = api.post(f"{API}/experiments/update", json={"experiment_id": exp, "new_name": unique_name("x")})
    # MLflow answers 500 here, which its client retries for minutes; Chronicle deliberately
    # answers 400 with the same error code (set CHRONICLE_COMPAT_REFERENCE=mlflow to check MLflow).
    status = 500 if os.environ.get("CHRONICLE_COMPAT_REFERENCE") == "mlflow" else 400
    assert_error(resp, status, "INVALID_STATE")


def test_write_to_deleted_run_is_400(api, run):
    rid = run["info"]["run_id"]
    assert api.post(f"{API}/runs/delete", json={"run_id": rid}).json() == {}
    resp = api.post(f"{API}/runs/set-tag", json={"run_id": rid, "key": "k", "value": "v"})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")


# ---- request parsing ---------------------------------------------------------


def test_post_without_content_type_is_400(api):
    resp = api.post(f"{API}/experiments/create", data=json.dumps({"name": unique_name("ct")}))
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")


def test_post_with_wrong_content_type_is_400(api):
    resp = api.post(
        f"{API}/experiments/create",
        data=json.dumps({"name": unique_name("ct")}),
        headers={"Content-Type": "text/plain"},
    )
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")


def test_content_type_parameters_are_accepted(api):
    resp = api.post(
        f"{API}/experiments/create",
        data=json.dumps({"name": unique_name("ct")}),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert resp.status_code == 200, resp.text
    assert isinstance(resp.json()["experiment_id"], str)


def test_empty_json_body_counts_as_empty_object(api):
    resp = api.post(f"{API}/experiments/create", data="", headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")  # 'name' is missing, not a parse error


def test_unknown_json_fields_are_ignored(api, exp):
    body = {"experiment_id": exp, "run_name": "r", "no_such_field": {"x": [1, 2]}, "another": 5}
    resp = api.post(f"{API}/runs/create", json=body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["run"]["info"]["run_name"] == "r"


def test_run_uuid_alias_accepted(api, run):
    rid = run["info"]["run_id"]
    resp = api.get(f"{API}/runs/get", params={"run_uuid": rid})
    assert resp.status_code == 200
    assert resp.json()["run"]["info"]["run_id"] == rid


def test_get_with_repeated_query_keys(api, exp):
    rids = []
    for i in range(2):
        rid = api.post(f"{API}/runs/create", json={"experiment_id": exp}).json()["run"]["info"]["run_id"]
        api.post(f"{API}/runs/log-metric", json={"run_id": rid, "key": "m", "value": i, "timestamp": 1, "step": 0})
        rids.append(rid)
    resp = api.get(
        f"{API}/metrics/get-history-bulk-interval",
        params=[("run_ids", rids[0]), ("run_ids", rids[1]), ("metric_key", "m")],
    )
    assert resp.status_code == 200, resp.text
    got = {(m["run_id"], m["value"]) for m in resp.json()["metrics"]}
    assert got == {(rids[0], 0), (rids[1], 1)}


def test_experiments_search_get_and_post(api, exp):
    name = api.get(f"{API}/experiments/get", params={"experiment_id": exp}).json()["experiment"]["name"]
    flt = f"name = '{name}'"
    by_get = api.get(f"{API}/experiments/search", params={"filter": flt, "max_results": 10})
    by_post = api.post(f"{API}/experiments/search", json={"filter": flt, "max_results": 10})
    assert by_get.status_code == by_post.status_code == 200
    assert [e["experiment_id"] for e in by_get.json()["experiments"]] == [exp]
    assert by_post.json()["experiments"] == by_get.json()["experiments"]


# ---- response shape ----------------------------------------------------------


def test_empty_responses_are_empty_objects(api, run):
    rid = run["info"]["run_id"]
    calls = [
        ("runs/set-tag", {"run_id": rid, "key": "k", "value": "v"}),
        ("runs/delete-tag", {"run_id": rid, "key": "k"}),
        ("runs/log-parameter", {"run_id": rid, "key": "p", "value": "v"}),
        ("runs/log-metric", {"run_id": rid, "key": "m", "value": 1.0, "timestamp": 1, "step": 0}),
        ("runs/log-batch", {"run_id": rid, "metrics": [], "params": [], "tags": []}),
        ("runs/delete", {"run_id": rid}),
        ("runs/restore", {"run_id": rid}),
    ]
    for path, body in calls:
        resp = api.post(f"{API}/{path}", json=body)
        assert resp.status_code == 200, (path, resp.text)
        assert resp.headers["Content-Type"].startswith("application/json")
        assert resp.json() == {}, path


def test_run_create_shape(api, exp, run):
    info = run["info"]
    assert re.fullmatch(r"[0-9a-f]{32}", info["run_id"])
    assert info["run_uuid"] == info["run_id"]
    assert info["experiment_id"] == exp and isinstance(info["experiment_id"], str)
    assert info["status"] == "RUNNING"  # enum as its name
    assert info["lifecycle_stage"] == "active"
    assert info["start_time"] == 1_700_000_000_123  # int64 as a JSON number
    assert isinstance(info["start_time"], int)
    assert "end_time" not in info  # unset fields are omitted
    assert info["run_name"]
    assert info["artifact_uri"].endswith(f"/{exp}/{info['run_id']}/artifacts")
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["mlflow.runName"] == info["run_name"]


def test_run_update_returns_run_info(api, run):
    rid = run["info"]["run_id"]
    resp = api.post(f"{API}/runs/update", json={"run_id": rid, "status": "FINISHED", "end_time": 1_700_000_999_000})
    assert resp.status_code == 200
    info = resp.json()["run_info"]
    assert info["status"] == "FINISHED"
    assert info["end_time"] == 1_700_000_999_000
    got = api.get(f"{API}/runs/get", params={"run_id": rid}).json()["run"]["info"]
    assert got["status"] == "FINISHED" and got["end_time"] == 1_700_000_999_000


def test_experiment_shape(api, exp):
    e = api.get(f"{API}/experiments/get", params={"experiment_id": exp}).json()["experiment"]
    assert e["experiment_id"] == exp
    assert e["lifecycle_stage"] == "active"
    assert isinstance(e["creation_time"], int) and isinstance(e["last_update_time"], int)
    assert e["artifact_location"]


def test_metric_shape_and_int64(api, run):
    rid = run["info"]["run_id"]
    big_ts = 2**41 + 7
    api.post(f"{API}/runs/log-metric", json={"run_id": rid, "key": "m", "value": 0.25, "timestamp": big_ts, "step": 2**33})
    resp = api.get(f"{API}/metrics/get-history", params={"run_id": rid, "metric_key": "m"})
    [m] = resp.json()["metrics"]
    assert m["key"] == "m" and m["value"] == 0.25
    assert m["timestamp"] == big_ts and isinstance(m["timestamp"], int)
    assert m["step"] == 2**33 and isinstance(m["step"], int)
    metrics = api.get(f"{API}/runs/get", params={"run_id": rid}).json()["run"]["data"]["metrics"]
    assert [(x["key"], x["value"], x["timestamp"], x["step"]) for x in metrics] == [("m", 0.25, big_ts, 2**33)]


def test_nan_metric_on_the_wire(api, run):
    rid = run["info"]["run_id"]
    resp = api.post(f"{API}/runs/log-metric", json={"run_id": rid, "key": "n", "value": "NaN", "timestamp": 1, "step": 0})
    assert resp.status_code == 200, resp.text
    [m] = api.get(f"{API}/metrics/get-history", params={"run_id": rid, "metric_key": "n"}).json()["metrics"]
    assert m["value"] == "NaN"


def test_search_runs_pages_with_token(api, exp):
    for _ in range(3):
        api.post(f"{API}/runs/create", json={"experiment_id": exp})
    seen, token = [], None
    for _ in range(6):
        body = {"experiment_ids": [exp], "max_results": 2}
        if token:
            body["page_token"] = token
        resp = api.post(f"{API}/runs/search", json=body).json()
        seen += [r["info"]["run_id"] for r in resp.get("runs", [])]
        token = resp.get("next_page_token")
        if not token:
            break
    assert len(seen) == 3 and len(set(seen)) == 3


def test_search_runs_empty_result(api, exp):
    resp = api.post(f"{API}/runs/search", json={"experiment_ids": [exp]})
    assert resp.status_code == 200
    assert resp.json().get("runs", []) == []
    assert not resp.json().get("next_page_token")


def test_ajax_api_mirrors_api(api, exp, run):
    a = api.get(f"{API}/experiments/get", params={"experiment_id": exp})
    b = api.get("/ajax-api/2.0/mlflow/experiments/get", params={"experiment_id": exp})
    assert b.status_code == 200 and b.json() == a.json()
    s = api.post("/ajax-api/2.0/mlflow/runs/search", json={"experiment_ids": [exp]})
    assert s.status_code == 200
    assert [r["info"]["run_id"] for r in s.json()["runs"]] == [run["info"]["run_id"]]
    assert_error(
        api.get("/ajax-api/2.0/mlflow/runs/get", params={"run_id": uuid.uuid4().hex}), 404, "RESOURCE_DOES_NOT_EXIST"
    )


def test_logged_model_patch_and_delete_take_json(api, exp):
    resp = api.post(f"{API}/logged-models", json={"experiment_id": exp, "name": "wire-model", "tags": [{"key": "k", "value": "v"}]})
    assert resp.status_code == 200, resp.text
    model = resp.json()["model"]
    mid = model["info"]["model_id"]
    assert model["info"]["status"] == "LOGGED_MODEL_PENDING"
    assert isinstance(model["info"]["creation_timestamp_ms"], int)

    resp = api.request("PATCH", f"{API}/logged-models/{mid}", json={"model_id": mid, "status": "LOGGED_MODEL_READY"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["model"]["info"]["status"] == "LOGGED_MODEL_READY"

    resp = api.request("DELETE", f"{API}/logged-models/{mid}/tags/k", json={"model_id": mid, "tag_key": "k"})
    assert resp.status_code == 200 and resp.json() == {}
    resp = api.request("DELETE", f"{API}/logged-models/{mid}", json={"model_id": mid})
    assert resp.status_code == 200 and resp.json() == {}
    assert_error(api.get(f"{API}/logged-models/{mid}"), 404, "RESOURCE_DOES_NOT_EXIST")


# ---- artifact proxy ----------------------------------------------------------


def test_artifact_put_get_list_delete(api, exp, run):
    rid = run["info"]["run_id"]
    base = f"{ARTIFACTS}/{exp}/{rid}/artifacts"
    payload = bytes(range(256)) * 10

    put = api.request("PUT", f"{base}/dir/data.bin", data=payload)
    assert put.status_code == 200, put.text

    got = api.get(f"{base}/dir/data.bin")
    assert got.status_code == 200
    assert got.content == payload
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert "data.bin" in got.headers["Content-Disposition"]

    listing = api.get(ARTIFACTS, params={"path": f"{exp}/{rid}/artifacts/dir"}).json()
    assert listing["files"] == [{"path": "data.bin", "is_dir": False, "file_size": len(payload)}]
    top = api.get(ARTIFACTS, params={"path": f"{exp}/{rid}/artifacts"}).json()
    assert top["files"] == [{"path": "dir", "is_dir": True}]

    run_list = api.get(f"{API}/artifacts/list", params={"run_id": rid, "path": "dir"}).json()
    assert run_list["root_uri"] == run["info"]["artifact_uri"]
    assert run_list["files"] == [{"path": "dir/data.bin", "is_dir": False, "file_size": len(payload)}]

    deleted = api.request("DELETE", f"{base}/dir/data.bin")
    assert deleted.status_code == 200 and deleted.json() == {}
    assert_error(api.get(f"{base}/dir/data.bin"), 404, "RESOURCE_DOES_NOT_EXIST")


def test_run_artifact_list_of_empty_run(api, run):
    resp = api.get(f"{API}/artifacts/list", params={"run_id": run["info"]["run_id"]})
    assert resp.status_code == 200
    body = resp.json()
    assert body["root_uri"] == run["info"]["artifact_uri"]
    assert body.get("files", []) == []


@pytest.mark.parametrize("bad", ["%2e%2e/%2e%2e/%2e%2e/etc/passwd", "a/%2e%2e/%2e%2e/%2e%2e/%2e%2e/x", "..%2fx", "a%23b"])
def test_artifact_download_path_traversal_is_400(api, run, bad):
    exp, rid = run["info"]["experiment_id"], run["info"]["run_id"]
    resp = api.get(f"{ARTIFACTS}/{exp}/{rid}/artifacts/{bad}")
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")


def test_artifact_upload_path_traversal_is_400(api, run):
    exp, rid = run["info"]["experiment_id"], run["info"]["run_id"]
    resp = api.request("PUT", f"{ARTIFACTS}/{exp}/{rid}/artifacts/%2e%2e/%2e%2e/evil.txt", data=b"x")
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")


@pytest.mark.parametrize("bad", ["../x", "a/../../b", "/etc", "a#b"])
def test_artifact_list_path_traversal_is_400(api, run, bad):
    assert_error(api.get(ARTIFACTS, params={"path": bad}), 400, "INVALID_PARAMETER_VALUE")
    resp = api.get(f"{API}/artifacts/list", params={"run_id": run["info"]["run_id"], "path": bad})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")


def test_log_batch_rejects_repeated_param_keys_even_with_equal_values(api, run):
    rid = run["info"]["run_id"]
    params = [{"key": "p", "value": "1"}, {"key": "p", "value": "1"}]
    resp = api.post(f"{API}/runs/log-batch", json={"run_id": rid, "params": params})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")
    assert "Duplicate parameter keys" in resp.json()["message"]
