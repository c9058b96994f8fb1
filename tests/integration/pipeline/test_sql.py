"""Analysts' Athena (Trino) SQL runs locally on DuckDB against the same tables and views."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from wandr import catalog
from wandr import sql as lake_sql
from wandr.lake import Lake

DAY = "2025-04-02"
FILE = (
    "event_id,person_id,camera_id,camera_group_name,utc_time_started,utc_time_ended\n"
    f"s1,p1,cam-1,Atrium,{DAY}T10:00:00Z,{DAY}T10:10:00Z\n"
    f"s2,p2,cam-1,Atrium,{DAY}T10:00:00Z,{DAY}T10:20:00Z\n"
    f"s3,p3,cam-2,Food court,{DAY}T12:00:00Z,{DAY}T12:30:00Z\n"
)


@pytest.fixture(scope="module")
def lake(stack, tmp_path_factory):
    path = tmp_path_factory.mktemp("sql") / "sql-day.csv"
    path.write_text(FILE)
    client = stack.client("acme", "analyst")
    assert client.wait(client.upload(path)["upload_id"], timeout=180)["status"] == "succeeded"
    return Lake.s3(stack.resources.lake_bucket)


def test_trino_functions_run_on_the_events_view(lake):
    columns, rows = lake_sql.run(
        "SELECT camera_group_name, count(*) AS events, "
        "approx_percentile(dwell_s, 0.5) AS median_dwell_s, "
        "date_diff('minute', min(utc_time_started), max(utc_time_ended)) AS span_min "
        f"FROM v_events WHERE tenant = 'acme' AND dt = '{DAY}' "
        "GROUP BY 1 ORDER BY 1",
        lake,
    )
    assert columns == ["camera_group_name", "events", "median_dwell_s", "span_min"]
    assert rows[0][:2] == ("Atrium", 2)
    assert rows[0][3] == 20
    assert rows[1] == ("Food court", 1, 1800.0, 30)


def test_every_catalog_view_answers(lake):
    for view in catalog.VIEWS:
        columns, _ = lake_sql.run(f"SELECT * FROM {view.name} LIMIT 1", lake)
        assert "tenant" in columns, view.name


def test_the_cli_prints_the_result_of_a_query(stack, lake, tmp_path, monkeypatch):
    from wandr import cli
    from wandr.localstack import stack as stack_module

    state_file = tmp_path / "stack.json"
    state_file.write_text(json.dumps(stack.local.describe()))
    monkeypatch.setattr(stack_module, "STATE_FILE", state_file)

    result = CliRunner().invoke(cli.app, [
        "sql", f"SELECT count(DISTINCT person_id) AS people FROM v_events WHERE dt = '{DAY}' "
        "AND tenant = 'acme'"])  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "people" in result.output
    assert " 3 " in result.output
