"""Card answers are kept serialised per tenant, version token and query; detail never is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wandr import card_cache, queries
from wandr.api import analytics
from wandr.api.filters import DetailQuery, Filters
from wandr.api.routing import JsonText


@pytest.fixture
def world(monkeypatch) -> dict[str, Any]:
    state: dict[str, Any] = {"tokens": {"demo": "v1", "acme": "a1"}, "calls": 0}

    def summary(tenant: str, f: queries.Filters) -> dict[str, Any]:
        state["calls"] += 1
        return {"tenant": tenant, "token": state["tokens"][tenant], "from": str(f.date_from)}

    def events(tenant: str, f: queries.Filters, **kwargs: Any) -> dict[str, Any]:
        state["calls"] += 1
        return {"items": [], "tenant": tenant}

    monkeypatch.setattr(card_cache, "version", lambda tenant: state["tokens"][tenant])
    monkeypatch.setattr(queries, "summary", summary)
    monkeypatch.setattr(queries, "events", events)
    analytics.answers.clear()
    yield state
    analytics.answers.clear()


def body(answer: Any) -> Any:
    assert isinstance(answer, JsonText)
    return json.loads(answer)


def test_a_card_is_computed_once_per_version_and_query(world) -> None:
    march = Filters.model_validate({"start": "2024-03-01"})
    first = body(analytics.run("summary", "demo", march))
    assert body(analytics.run("summary", "demo", Filters.model_validate({"start": "2024-03-01"})))
    assert world["calls"] == 1
    assert first == {"tenant": "demo", "token": "v1", "from": "2024-03-01"}
    assert body(analytics.run("summary", "demo", Filters()))["from"] == "None"
    assert world["calls"] == 2


def test_a_new_version_token_is_answered_afresh(world) -> None:
    analytics.run("summary", "demo", Filters())
    world["tokens"]["demo"] = "v2"  # an upload's aggregate step replaced the token
    assert body(analytics.run("summary", "demo", Filters()))["token"] == "v2"


def test_tenants_never_share_an_answer_even_with_equal_tokens(world) -> None:
    world["tokens"]["acme"] = "v1"
    assert body(analytics.run("summary", "demo", Filters()))["tenant"] == "demo"
    assert body(analytics.run("summary", "acme", Filters()))["tenant"] == "acme"
    assert world["calls"] == 2


def test_detail_rows_are_read_on_every_request(world) -> None:
    for _ in range(2):
        assert analytics.run("detail", "demo", DetailQuery())["tenant"] == "demo"
    assert world["calls"] == 2
