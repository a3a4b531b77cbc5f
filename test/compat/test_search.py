"""search_runs: filter grammar, ordering and pagination.

A module-scoped experiment holds four runs with known data; the tests only read it.

    run    start  status    acc   loss  eval/acc  lr     model    team
    alpha  1000   FINISHED  0.9   0.1   0.8       0.1    Linear   Alpha
    beta   2000   FAILED    0.5   0.4   -         0.01   linear   alpha
    gamma  3000   RUNNING   0.7   -     -         0.1    Tree     Beta
    delta  4000   KILLED    -     0.2   -         1.0    tree     beta
"""

from __future__ import annotations

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException

from conftest import CHRONICLE_URL, unique_name

ROWS = {
    "alpha": dict(start=1000, status="FINISHED", metrics={"acc": 0.9, "loss": 0.1, "eval/acc": 0.8},
                  params={"lr": "0.1", "model": "Linear"}, team="Alpha"),
    "beta": dict(start=2000, status="FAILED", metrics={"acc": 0.5, "loss": 0.4},
                 params={"lr": "0.01", "model": "linear"}, team="alpha"),
    "gamma": dict(start=3000, status="RUNNING", metrics={"acc": 0.7},
                  params={"lr": "0.1", "model": "Tree"}, team="Beta"),
    "delta": dict(start=4000, status="KILLED", metrics={"loss": 0.2},
                  params={"lr": "1.0", "model": "tree"}, team="beta"),
}


class Data:
    def __init__(self, client: MlflowClient, exp_id: str, ids: dict[str, str]):
        self.client = client
        self.exp_id = exp_id
        self.ids = ids
        self.names = {v: k for k, v in ids.items()}

    def search(self, filter_string="", **kw):
        runs = self.client.search_runs([self.exp_id], filter_string, **kw)
        return [self.names[r.info.run_id] for r in runs]

    def found(self, filter_string="", **kw):
        return set(self.search(filter_string, **kw))


@pytest.fixture(scope="module")
def data() -> Data:
    client = MlflowClient(tracking_uri=CHRONICLE_URL)
    exp_id = client.create_experiment(unique_name("compat-search"))
    ids = {}
    for name, row in ROWS.items():
        run = client.create_run(
            exp_id, start_time=row["start"], run_name=f"{name}-run", tags={"team": row["team"]}
        )
        rid = run.info.run_id
        client.log_batch(
            rid,
            metrics=[Metric(k, v, row["start"], 0) for k, v in row["metrics"].items()],
            params=[Param(k, v) for k, v in row["params"].items()],
            tags=[RunTag("idx", name)],
        )
        if row["status"] != "RUNNING":
            client.set_terminated(rid, status=row["status"], end_time=row["start"] + 500)
        ids[name] = rid
    return Data(client, exp_id, ids)


# ---- filters -----------------------------------------------------------------


@pytest.mark.parametrize(
    "flt,expected",
    [
        ("metrics.acc > 0.6", {"alpha", "gamma"}),
        ("metrics.acc >= 0.7", {"alpha", "gamma"}),
        ("metrics.acc < 0.7", {"beta"}),
        ("metrics.acc = 0.5", {"beta"}),
        ("metrics.acc != 0.5", {"alpha", "gamma"}),
        ("metrics.loss <= 0.2", {"alpha", "delta"}),
        ("metric.acc > 0.6", {"alpha", "gamma"}),
        ("metrics.`eval/acc` > 0", {"alpha"}),
        ('metrics."eval/acc" > 0', {"alpha"}),
        ("metrics.acc >= 0.5 AND metrics.loss < 0.3", {"alpha"}),
    ],
)
def test_filter_metrics(data, flt, expected):
    assert data.found(flt) == expected


@pytest.mark.parametrize(
    "flt,expected",
    [
        ("params.lr = '0.1'", {"alpha", "gamma"}),
        ('params.lr = "0.1"', {"alpha", "gamma"}),
        ("params.lr != '0.1'", {"beta", "delta"}),
        ("param.model = 'Tree'", {"gamma"}),
        ("params.model LIKE '%inear'", {"alpha", "beta"}),
        ("params.model LIKE 'L%'", {"alpha"}),
        ("params.model ILIKE 'l%'", {"alpha", "beta"}),
        ("params.model ILIKE 'TREE'", {"gamma", "delta"}),
        ("params.missing = 'x'", set()),
    ],
)
def test_filter_params(data, flt, expected):
    assert data.found(flt) == expected


@pytest.mark.parametrize(
    "flt,expected",
    [
        ("tags.team = 'Alpha'", {"alpha"}),
        ("tags.team != 'Alpha'", {"beta", "gamma", "delta"}),
        ("tags.team LIKE 'al%'", {"beta"}),
        ("tags.team LIKE 'Al%'", {"alpha"}),
        ("tags.team ILIKE 'al%'", {"alpha", "beta"}),
        ("tags.team ILIKE '%ET_'", {"gamma", "delta"}),
        ("tags.`mlflow.runName` = 'gamma-run'", {"gamma"}),
        ("tag.idx = 'delta'", {"delta"}),
    ],
)
def test_filter_tags_like_vs_ilike(data, flt, expected):
    assert data.found(flt) == expected


@pytest.mark.parametrize(
    "flt,expected",
    [
        ("attributes.status = 'FINISHED'", {"alpha"}),
        ("attributes.status != 'RUNNING'", {"alpha", "beta", "delta"}),
        ("attribute.status = 'KILLED'", {"delta"}),
        ("status = 'FAILED'", {"beta"}),
        ("attributes.run_name = 'beta-run'", {"beta"}),
        ("attributes.run_name LIKE '%ta-run'", {"beta", "delta"}),
        ("attributes.run_name ILIKE 'ALPHA%'", {"alpha"}),
        ("attributes.start_time > 2500", {"gamma", "delta"}),
        ("attributes.start_time >= 1000 AND attributes.start_time < 3000", {"alpha", "beta"}),
        ("attributes.end_time = 2500", {"beta"}),
    ],
)
def test_filter_attributes(data, flt, expected):
    assert data.found(flt) == expected


def test_filter_run_id_in_and_not_in(data):
    a, c = data.ids["alpha"], data.ids["gamma"]
    assert data.found(f"attributes.run_id IN ('{a}', '{c}')") == {"alpha", "gamma"}
    assert data.found(f"attributes.run_id NOT IN ('{a}', '{c}')") == {"beta", "delta"}
    assert data.found(f"attributes.run_id = '{a}'") == {"alpha"}


def test_filter_mixed_entity_types(data):
    flt = "metrics.acc > 0.1 AND params.lr = '0.1' AND tags.team ILIKE 'b%' AND attributes.status = 'RUNNING'"
    assert data.found(flt) == {"gamma"}


def test_filter_nothing_matches(data):
    assert data.search("metrics.acc > 100") == []


# ---- ordering ----------------------------------------------------------------


def test_default_order_is_start_time_desc(data):
    assert data.search() == ["delta", "gamma", "beta", "alpha"]


def test_order_by_start_time_asc(data):
    assert data.search(order_by=["attributes.start_time ASC"]) == ["alpha", "beta", "gamma", "delta"]


def test_order_by_metric_desc_missing_last(data):
    assert data.search(order_by=["metrics.acc DESC"]) == ["alpha", "gamma", "beta", "delta"]


def test_order_by_metric_asc_missing_last(data):
    assert data.search(order_by=["metrics.acc ASC"]) == ["beta", "gamma", "alpha", "delta"]
    assert data.search(order_by=["metrics.acc"]) == ["beta", "gamma", "alpha", "delta"]


def test_order_by_metric_with_several_missing(data):
    assert data.search(order_by=["metrics.loss DESC"]) == ["beta", "delta", "alpha", "gamma"]


def test_order_by_param_ties_break_on_start_time_desc(data):
    # lr: beta 0.01 < gamma 0.1 = alpha 0.1 < delta 1.0; the tie goes to the later start.
    assert data.search(order_by=["params.lr ASC"]) == ["beta", "gamma", "alpha", "delta"]


def test_order_by_run_name(data):
    assert data.search(order_by=["attributes.run_name ASC"]) == ["alpha", "beta", "delta", "gamma"]
    assert data.search(order_by=["attributes.run_name DESC"]) == ["gamma", "delta", "beta", "alpha"]


def test_order_by_multiple_keys(data):
    got = data.search(order_by=["params.lr DESC", "metrics.acc ASC"])
    assert got == ["delta", "gamma", "alpha", "beta"]


def test_filter_and_order_together(data):
    assert data.search("metrics.acc > 0", order_by=["metrics.acc DESC"]) == ["alpha", "gamma", "beta"]


# ---- pagination --------------------------------------------------------------


def test_pagination_walks_all_runs_in_order(data):
    seen, token, pages = [], None, 0
    while True:
        page = data.client.search_runs(
            [data.exp_id], order_by=["attributes.start_time ASC"], max_results=3, page_token=token
        )
        seen += [data.names[r.info.run_id] for r in page]
        pages += 1
        token = page.token
        if not token:
            break
        assert pages < 10
    assert seen == ["alpha", "beta", "gamma", "delta"]


def test_pagination_page_size_one(data):
    first = data.client.search_runs([data.exp_id], max_results=1)
    assert len(first) == 1 and first.token
    second = data.client.search_runs([data.exp_id], max_results=1, page_token=first.token)
    assert len(second) == 1
    assert [data.names[r.info.run_id] for r in list(first) + list(second)] == ["delta", "gamma"]


def test_pagination_with_filter(data):
    page1 = data.client.search_runs(
        [data.exp_id], "metrics.acc > 0", max_results=2, order_by=["metrics.acc DESC"]
    )
    assert [data.names[r.info.run_id] for r in page1] == ["alpha", "gamma"]
    page2 = data.client.search_runs(
        [data.exp_id], "metrics.acc > 0", max_results=2, order_by=["metrics.acc DESC"],
        page_token=page1.token,
    )
    assert [data.names[r.info.run_id] for r in page2] == ["beta"]


# ---- other entry points ------------------------------------------------------


def test_fluent_search_runs_dataframe(data):
    df = mlflow.search_runs(
        experiment_ids=[data.exp_id], filter_string="metrics.acc > 0", order_by=["metrics.acc DESC"]
    )
    assert list(df["run_id"]) == [data.ids["alpha"], data.ids["gamma"], data.ids["beta"]]
    assert list(df["metrics.acc"]) == [0.9, 0.7, 0.5]
    assert list(df["params.model"]) == ["Linear", "Tree", "linear"]
    assert list(df["tags.team"]) == ["Alpha", "Beta", "alpha"]
    assert list(df["status"]) == ["FINISHED", "RUNNING", "FAILED"]


def test_fluent_search_runs_list_by_experiment_name(data):
    name = data.client.get_experiment(data.exp_id).name
    runs = mlflow.search_runs(experiment_names=[name], output_format="list")
    assert {r.info.run_id for r in runs} == set(data.ids.values())


def test_search_across_experiments(client):
    e1 = client.create_experiment(unique_name("compat-multi"))
    e2 = client.create_experiment(unique_name("compat-multi"))
    r1 = client.create_run(e1).info.run_id
    r2 = client.create_run(e2).info.run_id
    found = client.search_runs([e1, e2])
    assert {r.info.run_id for r in found} == {r1, r2}
    assert {r.info.experiment_id for r in found} == {e1, e2}


def test_search_run_view_type(client, experiment_id):
    live = client.create_run(experiment_id).info.run_id
    dead = client.create_run(experiment_id).info.run_id
    client.delete_run(dead)
    ids = lambda v: {r.info.run_id for r in client.search_runs([experiment_id], run_view_type=v)}  # noqa: E731
    assert ids(ViewType.ACTIVE_ONLY) == {live}
    assert ids(ViewType.DELETED_ONLY) == {dead}
    assert ids(ViewType.ALL) == {live, dead}


def test_search_result_carries_full_run(data):
    [run] = data.client.search_runs([data.exp_id], "attributes.run_name = 'alpha-run'")
    assert run.data.metrics == ROWS["alpha"]["metrics"]
    assert run.data.params == ROWS["alpha"]["params"]
    assert run.data.tags["team"] == "Alpha"
    assert run.info.status == "FINISHED"
    assert run.info.start_time == 1000
    assert run.info.end_time == 1500


@pytest.mark.parametrize(
    "flt",
    [
        "metrics.acc > 0.5 OR metrics.loss < 0.2",
        "params.lr = 0.1",  # unquoted string
        "metrics.acc > 'high'",
        "(metrics.acc > 0.5)",
        "foo.bar = 'x'",
        "metrics.acc LIKE '0.%'",
    ],
)
def test_invalid_filters_rejected(data, flt):
    with pytest.raises(MlflowException) as exc:
        data.client.search_runs([data.exp_id], flt)
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"


def test_invalid_order_by_rejected(data):
    with pytest.raises(MlflowException) as exc:
        data.client.search_runs([data.exp_id], order_by=["metrics.acc SIDEWAYS"])
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
