"""A tenant load takes what the API process keeps out of the garbage collector's full passes,
once per load, never per request (full passes of an API worker stalled every request in it)."""

from __future__ import annotations

import gc

import pytest

from wandr import aggregate_store, card_cache
from wandr.aggregates import Cell


class FakeStore:
    def __init__(self) -> None:
        self.token = "v1"

    def version(self, tenant: str) -> str:
        return self.token

    def load(self, tenant: str):
        return iter([Cell("2024-03-01", "site", "site", events=2)])


@pytest.fixture
def store(monkeypatch):
    fake = FakeStore()
    monkeypatch.setattr(aggregate_store, "version", fake.version)
    monkeypatch.setattr(aggregate_store, "load", fake.load)
    card_cache.clear()
    collections: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            collections.append(1)

    gc.callbacks.append(count)
    yield fake, collections
    gc.callbacks.remove(count)
    card_cache.clear()
    gc.unfreeze()


def tracked(obj: object) -> bool:
    """Whether the collector's passes still walk `obj` (frozen objects are not listed)."""
    return any(o is obj for o in gc.get_objects())


def test_a_load_freezes_the_snapshot_it_keeps(store) -> None:
    snap = card_cache.snapshot("t")
    assert gc.get_freeze_count() > 0
    assert not tracked(snap.cells)


def test_a_warm_request_runs_no_full_collection(store) -> None:
    _, collections = store
    card_cache.snapshot("t")
    loaded = len(collections)
    assert loaded >= 1  # the load's own collection, before freezing
    for _ in range(100):
        card_cache.snapshot("t")
    assert len(collections) == loaded


def test_a_new_version_is_frozen_too(store) -> None:
    fake, _ = store
    card_cache.snapshot("t")
    fake.token = "v2"
    snap = card_cache.snapshot("t")
    assert snap.token == "v2"
    assert not tracked(snap.cells)
