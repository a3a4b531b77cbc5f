"""Artifact upload / list / download through the server's artifact proxy."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import mlflow
import pytest
import yaml


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def listing(client, run_id, path=None):
    return {(a.path, a.is_dir, a.file_size) for a in client.list_artifacts(run_id, path)}


def test_run_artifact_uri_uses_proxy(experiment_id):
    with mlflow.start_run() as run:
        pass
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")
    assert run.info.artifact_uri.endswith(f"/{run.info.run_id}/artifacts")


def test_log_artifact_and_download_roundtrip(experiment_id, client, tmp_path):
    src = tmp_path / "hello.txt"
    src.write_text("hello chronicle\n")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(src))
    assert listing(client, run.info.run_id) == {("hello.txt", False, src.stat().st_size)}
    out = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="hello.txt", dst_path=str(tmp_path / "dl")
    )
    assert Path(out).read_text() == "hello chronicle\n"


def test_log_artifact_under_artifact_path(experiment_id, client, tmp_path):
    src = tmp_path / "data.bin"
    src.write_bytes(bytes(range(256)) * 4)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(src), artifact_path="deep/er")
    rid = run.info.run_id
    assert listing(client, rid) == {("deep", True, None)}
    assert listing(client, rid, "deep") == {("deep/er", True, None)}
    assert listing(client, rid, "deep/er") == {("deep/er/data.bin", False, 1024)}
    out = client.download_artifacts(rid, "deep/er/data.bin", str(tmp_path))
    assert Path(out).read_bytes() == src.read_bytes()


def test_log_artifacts_directory_tree(experiment_id, client, tmp_path):
    src = tmp_path / "tree"
    (src / "sub" / "subsub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.json").write_text('{"b": 1}')
    (src / "sub" / "subsub" / "c.csv").write_text("x,y\n1,2\n")
    (src / "file with space.txt").write_text("spaced")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(src), artifact_path="out")
    rid = run.info.run_id
    assert listing(client, rid, "out") == {
        ("out/a.txt", False, 1),
        ("out/file with space.txt", False, 6),
        ("out/sub", True, None),
    }
    assert listing(client, rid, "out/sub") == {
        ("out/sub/b.json", False, 8),
        ("out/sub/subsub", True, None),
    }
    dst = tmp_path / "dl"
    dst.mkdir()
    local = mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="out", dst_path=str(dst))
    got = {
        str(p.relative_to(local)): p.read_bytes() for p in Path(local).rglob("*") if p.is_file()
    }
    want = {str(p.relative_to(src)): p.read_bytes() for p in src.rglob("*") if p.is_file()}
    assert got == want


def test_download_whole_run_root(experiment_id, tmp_path):
    with mlflow.start_run() as run:
        mlflow.log_text("one", "x/one.txt")
        mlflow.log_text("two", "two.txt")
    local = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=str(tmp_path)))
    assert (local / "x" / "one.txt").read_text() == "one"
    assert (local / "two.txt").read_text() == "two"


def test_log_text_and_load_text(experiment_id):
    text = "line 1\nunicode: é ü 漢字 🚀\n"
    with mlflow.start_run() as run:
        mlflow.log_text(text, "notes/readme.md")
    uri = f"runs:/{run.info.run_id}/notes/readme.md"
    assert mlflow.artifacts.load_text(uri) == text


def test_log_dict_json_and_yaml(experiment_id):
    payload = {"a": 1, "nested": {"list": [1, 2, 3], "s": "x"}}
    with mlflow.start_run() as run:
        mlflow.log_dict(payload, "cfg/config.json")
        mlflow.log_dict(payload, "cfg/config.yaml")
    rid = run.info.run_id
    assert mlflow.artifacts.load_dict(f"runs:/{rid}/cfg/config.json") == payload
    assert yaml.safe_load(mlflow.artifacts.load_text(f"runs:/{rid}/cfg/config.yaml")) == payload
    raw = mlflow.artifacts.load_text(f"runs:/{rid}/cfg/config.json")
    assert json.loads(raw) == payload


def test_list_artifacts_of_empty_run(experiment_id, client):
    run_id = client.create_run(experiment_id).info.run_id
    assert client.list_artifacts(run_id) == []
    assert client.list_artifacts(run_id, "no/such/dir") == []


def test_overwrite_artifact(experiment_id, client, tmp_path):
    f = tmp_path / "v.txt"
    with mlflow.start_run() as run:
        f.write_text("first")
        mlflow.log_artifact(str(f))
        f.write_text("second, longer")
        mlflow.log_artifact(str(f))
    assert listing(client, run.info.run_id) == {("v.txt", False, len("second, longer"))}
    assert mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/v.txt") == "second, longer"


def test_empty_file_artifact(experiment_id, client, tmp_path):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(f))
    [info] = client.list_artifacts(run.info.run_id)
    assert (info.path, info.is_dir) == ("empty.txt", False)
    # MLflow omits file_size 0 on the wire, so the client sees None; 0 is fine too.
    assert info.file_size in (0, None)
    out = client.download_artifacts(run.info.run_id, "empty.txt", str(tmp_path / "dl"))
    assert Path(out).read_bytes() == b""


@pytest.mark.slow
def test_large_binary_artifact_is_byte_identical(experiment_id, client, tmp_path):
    size = 6 * 1024 * 1024 + 12345  # several MB, not a multiple of any chunk size
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(size))
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(src), artifact_path="blobs")
    assert listing(client, run.info.run_id, "blobs") == {("blobs/big.bin", False, size)}
    dst = tmp_path / "dl"
    dst.mkdir()
    out = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="blobs/big.bin", dst_path=str(dst)
    )
    assert os.path.getsize(out) == size
    assert sha256(out) == sha256(src)


def test_artifacts_are_per_run(experiment_id, client):
    with mlflow.start_run() as r1:
        mlflow.log_text("1", "f.txt")
    with mlflow.start_run() as r2:
        mlflow.log_text("22", "f.txt")
    assert mlflow.artifacts.load_text(f"runs:/{r1.info.run_id}/f.txt") == "1"
    assert mlflow.artifacts.load_text(f"runs:/{r2.info.run_id}/f.txt") == "22"
