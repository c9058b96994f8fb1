"""The fake server's seeded events, and the export CSV made from them."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from wandr.corsight import fake_server, mapping


def test_the_same_seed_gives_the_same_events_and_new_events_extend_them() -> None:
    assert fake_server.demo_events(50, seed=3) == fake_server.demo_events(50, seed=3)
    assert fake_server.demo_events(80, seed=3)[:50] == fake_server.demo_events(50, seed=3)
    assert fake_server.demo_events(20, seed=3) != fake_server.demo_events(20, seed=4)


def test_the_events_have_repeat_visitors_over_several_days_in_opening_hours() -> None:
    rows = mapping.to_rows(fake_server.demo_events(1500, seed=7))
    people = [r["person_id"] for r in rows]
    days = {r["utc_time_started"][:10] for r in rows}
    hours = {int(r["utc_time_started"][11:13]) for r in rows}

    assert len(set(people)) < len(people) / 2
    assert len(days) >= 2
    assert min(hours) >= 9 and max(hours) < 22


def test_the_export_csv_holds_the_same_events_and_instants_as_a_pulled_object() -> None:
    events = fake_server.demo_events(200, seed=7)
    exported = list(csv.DictReader(io.StringIO(fake_server.export_csv(200, seed=7).decode())))
    pulled = list(csv.DictReader(io.StringIO(mapping.events_csv(events).decode())))

    assert len(exported) == len(pulled) == 200
    for export_row, pulled_row in zip(exported, pulled, strict=True):
        for column in ("utc_time_started", "utc_time_ended", "utc_time_recorded"):
            as_epoch = float(export_row[column])
            as_iso = datetime.fromisoformat(pulled_row[column]).timestamp()
            assert as_epoch == as_iso
            export_row[column] = pulled_row[column] = ""
        assert export_row == pulled_row
