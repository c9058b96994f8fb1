"""On the local stack: pulled events become the same dashboard numbers as an uploaded export.

One tenant pulls the fake server's seeded events (in several objects); another uploads the
CSV an operator would export for the same events. After the ingest workflow has run, both
uploads succeeded and both tenants hold identical aggregate cells (the numbers behind the
dashboard cards and charts).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from wandr import aggregate_store, aws, rawkeys, uploads
from wandr.corsight import fake_server
from wandr.corsight.pull import PullOptions, run_pull, secret_name
from wandr.corsight.state import PullState
from wandr.uploads import Upload

EVENTS = 600
SEED = 7


def cells(tenant: str) -> list[str]:
    """The tenant's aggregate cells, comparable across tenants."""

    def plain(value: Any) -> Any:
        return value.tolist() if hasattr(value, "tolist") else value

    return sorted(
        json.dumps({k: plain(v) for k, v in dataclasses.asdict(cell).items()}, sort_keys=True)
        for cell in aggregate_store.load(tenant)
    )


def test_pulled_events_give_the_same_dashboard_numbers_as_the_uploaded_export(stack) -> None:
    PullState._connection = None  # another suite may have bound these to another endpoint
    Upload._connection = None
    pulled, uploaded = "corsight-pulled", "corsight-uploaded"
    with fake_server.start(EVENTS, SEED) as fake:
        aws.client("secretsmanager").create_secret(
            Name=secret_name(pulled), SecretString=json.dumps(fake.secret())
        )
        result = run_pull(pulled, options=PullOptions(page_size=200, max_events_per_object=250))
    export_key = str(rawkeys.RawKey(uploaded, "csv", "export", "export.csv"))
    aws.client("s3").put_object(
        Bucket=stack.resources.raw_bucket,
        Key=export_key,
        Body=fake_server.export_csv(EVENTS, SEED),
    )
    stack.wait_idle(timeout=300)

    assert [o.upload_id for o in result.objects] == [
        "corsight-start-250",
        "corsight-250-500",
        "corsight-500-600",
    ]
    for pulled_object in result.objects:
        item = uploads.get(pulled, pulled_object.upload_id)
        assert item is not None and (item.status, item.source) == ("succeeded", "corsight")
    export = uploads.get(uploaded, "export")
    assert export is not None and export.status == "succeeded"
    assert cells(pulled) and cells(pulled) == cells(uploaded)
