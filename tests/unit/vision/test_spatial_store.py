from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from wandr import spatial_store as store
from wandr.resources import Resources


@pytest.fixture
def table(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        spec = Resources().spatial_table
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName=store.SpatialItem.Meta.table_name,
            KeySchema=[
                {"AttributeName": spec.partition_key, "KeyType": "HASH"},
                {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield


def test_pins_are_created_listed_and_deleted_through_the_map(table, mall_geojson):
    store.put_map("t1", mall_geojson)
    assert [p["id"] for p in store.list_pins("t1")] == ["a", "b", "c"]
    store.put_pin("t1", {"id": "d", "label": "D", "pin_kind": "normal", "adjacent_to": ["c"]})
    assert store.get_pin("t1", "d")["adjacent_to"] == ["c"]
    assert store.delete_pin("t1", "c")
    assert store.get_pin("t1", "d")["adjacent_to"] == []
    assert store.list_pins("t2") == []


def test_republishing_journeys_replaces_them_and_filters_apply(table):
    rows = [
        {
            "journey_id": "j1",
            "date": "2024-05-01",
            "confidence": 0.9,
            "entry_pin": "a",
            "start": "1",
        },
        {
            "journey_id": "j2",
            "date": "2024-05-01",
            "confidence": 0.5,
            "entry_pin": "c",
            "start": "2",
        },
    ]
    store.replace_journeys("t1", rows)
    store.replace_journeys("t1", rows[:1])
    assert [j["journey_id"] for j in store.list_journeys("t1")] == ["j1"]
    store.replace_journeys("t1", rows)
    assert [j["journey_id"] for j in store.list_journeys("t1", min_confidence=0.8)] == ["j1"]
    assert [j["journey_id"] for j in store.list_journeys("t1", entry_pin="c")] == ["j2"]
    assert store.list_journeys("t1", date="2024-05-02") == []
    assert store.list_journeys("other") == []


def test_videos_associations_and_reports_round_trip_per_tenant(table):
    store.register_video("t1", "u1", "a", filename="cam.mp4", recorded_at="2024-05-01T10:00:00Z")
    store.update_video("t1", "u1", status="processed")
    assert store.list_videos("t1", pin_id="a")[0]["status"] == "processed"
    store.replace_associations("t1", [{"link_id": "l1", "decision": "link", "score": 0.8}])
    assert store.list_associations("t1", decision="link")[0]["score"] == 0.8
    store.put_reports("t1", {"summary": {"journeys": 1}})
    assert store.get_report("t1", "summary") == {"journeys": 1}
    with pytest.raises(ValueError):
        store.get_report("t1", "nope")
