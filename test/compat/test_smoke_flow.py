import hashlib, os, uuid
import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

@pytest.fixture(autouse=True)
def _uri():
    mlflow.set_tracking_uri(os.environ["CHRONICLE_URL"])

def test_run_lifecycle_params_metrics_tags(tmp_path):
    exp = mlflow.set_experiment(f"smoke-{uuid.uuid4().hex}")
    with mlflow.start_run() as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_params({"a": 1, "b": "x"})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8})
        mlflow.set_tag("team", "core")
        mlflow.set_tags({"t1": "v1", "t2": "v2"})
        mlflow.delete_tag("t2")
        with mlflow.start_run(nested=True) as child:
            mlflow.log_metric("inner", 1)
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(5 * 1024 * 1024))
        mlflow.log_artifact(str(big), artifact_path="data")
        mlflow.log_text("hello", "notes/hello.txt")
        mlflow.log_dict({"k": 1}, "conf.json")
    client = MlflowClient()
    got = client.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.data.params == {"lr": "0.1", "a": "1", "b": "x"}
    assert got.data.metrics["loss"] == pytest.approx(0.2)
    assert got.data.tags["team"] == "core" and "t2" not in got.data.tags
    assert client.get_run(child.info.run_id).data.tags["mlflow.parentRunId"] == run.info.run_id
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == [0, 1, 2, 3, 4]
    names = sorted(a.path for a in client.list_artifacts(run.info.run_id))
    assert names == ["conf.json", "data", "notes"]
    out = client.download_artifacts(run.info.run_id, "data/big.bin", str(tmp_path / "dl"))
    assert hashlib.sha256(open(out, "rb").read()).hexdigest() == hashlib.sha256(big.read_bytes()).hexdigest()
    runs = client.search_runs([exp.experiment_id], "metrics.acc > 0.5 and params.b = 'x'", order_by=["metrics.acc DESC"])
    assert [r.info.run_id for r in runs] == [run.info.run_id]

def test_errors():
    client = MlflowClient()
    with pytest.raises(MlflowException) as e:
        client.get_run("0" * 32)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    name = f"dup-{uuid.uuid4().hex}"
    client.create_experiment(name)
    with pytest.raises(MlflowException) as e:
        client.create_experiment(name)
    assert e.value.error_code == "RESOURCE_ALREADY_EXISTS"
    exp = mlflow.set_experiment(f"err-{uuid.uuid4().hex}")
    with mlflow.start_run():
        mlflow.log_param("p", 1)
        with pytest.raises(MlflowException) as e:
            mlflow.log_param("p", 2)
        assert e.value.error_code == "INVALID_PARAMETER_VALUE"

def test_delete_restore_experiment_cascades():
    client = MlflowClient()
    exp_id = client.create_experiment(f"del-{uuid.uuid4().hex}")
    run = client.create_run(exp_id)
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    client.restore_experiment(exp_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"
