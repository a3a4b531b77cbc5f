"""Experiment lifecycle through the mlflow client."""

from __future__ import annotations

import time

import mlflow
import pytest
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

from conftest import unique_name


def test_set_experiment_creates_then_reuses(exp_name):
    first = mlflow.set_experiment(exp_name)
    second = mlflow.set_experiment(exp_name)
    assert first.experiment_id == second.experiment_id
    assert isinstance(first.experiment_id, str)
    assert first.name == exp_name
    assert first.lifecycle_stage == "active"


def test_new_experiment_fields(client, exp_name):
    before = int(time.time() * 1000)
    exp_id = client.create_experiment(exp_name)
    exp = client.get_experiment(exp_id)
    assert exp.experiment_id == exp_id
    assert exp.name == exp_name
    assert exp.lifecycle_stage == "active"
    # With served artifacts (the default) the root is the mlflow-artifacts proxy.
    assert exp.artifact_location.rstrip("/").endswith(exp_id)
    assert before - 60_000 <= exp.creation_time <= int(time.time() * 1000) + 60_000
    assert exp.last_update_time >= exp.creation_time


def test_create_experiment_with_tags(client, exp_name):
    exp_id = client.create_experiment(exp_name, tags={"team": "search", "k2": "v2"})
    exp = client.get_experiment(exp_id)
    assert exp.tags["team"] == "search"
    assert exp.tags["k2"] == "v2"


def test_get_experiment_by_name(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    exp = client.get_experiment_by_name(exp_name)
    assert exp is not None
    assert exp.experiment_id == exp_id
    assert mlflow.get_experiment_by_name(exp_name).experiment_id == exp_id


def test_get_experiment_by_unknown_name_is_none(client):
    assert client.get_experiment_by_name(unique_name("missing")) is None


def test_default_experiment_exists(client):
    exp = client.get_experiment("0")
    assert exp.name == "Default"
    assert exp.experiment_id == "0"


def test_rename_experiment(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    new_name = exp_name + "-renamed"
    client.rename_experiment(exp_id, new_name)
    assert client.get_experiment(exp_id).name == new_name
    assert client.get_experiment_by_name(new_name).experiment_id == exp_id
    assert client.get_experiment_by_name(exp_name) is None


def test_experiment_tag_set_overwrite_delete(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    client.set_experiment_tag(exp_id, "stage", "dev")
    assert client.get_experiment(exp_id).tags["stage"] == "dev"
    client.set_experiment_tag(exp_id, "stage", "prod")
    assert client.get_experiment(exp_id).tags["stage"] == "prod"
    client.delete_experiment_tag(exp_id, "stage")
    assert "stage" not in client.get_experiment(exp_id).tags


def test_fluent_set_experiment_tags(experiment_id, client):
    mlflow.set_experiment_tags({"a": "1", "b": "2"})
    tags = client.get_experiment(experiment_id).tags
    assert tags["a"] == "1" and tags["b"] == "2"


def test_delete_and_restore_experiment(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    client.delete_experiment(exp_id)
    exp = client.get_experiment(exp_id)  # still readable after soft delete
    assert exp.lifecycle_stage == "deleted"
    assert client.get_experiment_by_name(exp_name).lifecycle_stage == "deleted"
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"


def test_delete_experiment_cascades_to_runs(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    run_ids = [client.create_run(exp_id).info.run_id for _ in range(2)]
    client.delete_experiment(exp_id)
    for rid in run_ids:
        assert client.get_run(rid).info.lifecycle_stage == "deleted"
    assert client.search_runs([exp_id], run_view_type=ViewType.ACTIVE_ONLY) == []
    deleted = client.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY)
    assert sorted(r.info.run_id for r in deleted) == sorted(run_ids)

    client.restore_experiment(exp_id)
    for rid in run_ids:
        assert client.get_run(rid).info.lifecycle_stage == "active"
    active = client.search_runs([exp_id], run_view_type=ViewType.ACTIVE_ONLY)
    assert sorted(r.info.run_id for r in active) == sorted(run_ids)


def test_search_experiments_view_type(client):
    prefix = unique_name("compat-viewtype")
    keep = client.create_experiment(prefix + "-keep")
    gone = client.create_experiment(prefix + "-gone")
    client.delete_experiment(gone)
    flt = f"name LIKE '{prefix}%'"

    def ids(view):
        return {e.experiment_id for e in client.search_experiments(view_type=view, filter_string=flt)}

    assert ids(ViewType.ACTIVE_ONLY) == {keep}
    assert ids(ViewType.DELETED_ONLY) == {gone}
    assert ids(ViewType.ALL) == {keep, gone}
    # Default is ACTIVE_ONLY.
    assert {e.experiment_id for e in mlflow.search_experiments(filter_string=flt)} == {keep}


def test_search_experiments_filter_order_and_pages(client):
    prefix = unique_name("compat-expsearch")
    names = [f"{prefix}-{c}" for c in "cab"]
    ids = {n: client.create_experiment(n, tags={"letter": n[-1]}) for n in names}

    got = client.search_experiments(filter_string=f"name LIKE '{prefix}%'", order_by=["name ASC"])
    assert [e.name for e in got] == sorted(names)

    got = client.search_experiments(filter_string=f"name LIKE '{prefix}%'", order_by=["name DESC"])
    assert [e.name for e in got] == sorted(names, reverse=True)

    got = client.search_experiments(filter_string=f"name LIKE '{prefix}%' AND tags.letter = 'a'")
    assert [e.experiment_id for e in got] == [ids[f"{prefix}-a"]]

    page1 = client.search_experiments(
        max_results=2, filter_string=f"name LIKE '{prefix}%'", order_by=["name ASC"]
    )
    assert len(page1) == 2 and page1.token
    page2 = client.search_experiments(
        max_results=2,
        filter_string=f"name LIKE '{prefix}%'",
        order_by=["name ASC"],
        page_token=page1.token,
    )
    assert [e.name for e in list(page1) + list(page2)] == sorted(names)
    assert not page2.token


def test_search_experiments_ilike_is_case_insensitive(client):
    prefix = unique_name("compat-Case")
    exp_id = client.create_experiment(prefix + "-X")
    assert client.search_experiments(filter_string=f"name LIKE '{prefix.lower()}%'") == []
    got = client.search_experiments(filter_string=f"name ILIKE '{prefix.lower()}%'")
    assert [e.experiment_id for e in got] == [exp_id]


def test_deleted_experiment_name_stays_reserved(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    client.delete_experiment(exp_id)
    with pytest.raises(MlflowException) as exc:
        client.create_experiment(exp_name)
    assert exc.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_set_experiment_refuses_deleted_experiment(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    client.delete_experiment(exp_id)
    with pytest.raises(MlflowException):
        mlflow.set_experiment(exp_name)


def test_create_run_in_deleted_experiment_fails(client, exp_name):
    exp_id = client.create_experiment(exp_name)
    client.delete_experiment(exp_id)
    with pytest.raises(MlflowException) as exc:
        client.create_run(exp_id)
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
