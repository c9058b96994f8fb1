"""The dashboard in a real browser against the real local stack: log in, upload a CSV and
watch it through the pipeline to the cards, filter and export the events, open the map and
a journey, and never log a console error or reach past 127.0.0.1."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Watched, login

DAY = "2024-02-29"  # a day no other suite's data uses, so the cards show only this file
CAMERAS = [
    ("cam-e2e-1", "E2E Entrance"),
    ("cam-e2e-2", "E2E Food court"),
    ("cam-e2e-3", "E2E Atrium"),
]
GROUPS = {"cam-e2e-1": "E2E North", "cam-e2e-2": "E2E South", "cam-e2e-3": "E2E South"}
BAD_ROWS = 3


def write_events_csv(path: Path, rows: int = 120) -> dict[str, Any]:
    """A small camera-event export for DAY with three broken rows, and its expected numbers."""
    header = [
        "event_id", "person_id", "camera_id", "camera_description", "camera_group_name",
        "utc_time_started", "utc_time_ended", "gender_outcome", "age_group_outcome",
    ]  # fmt: skip
    good: list[dict[str, Any]] = []
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i in range(rows):
            cam, desc = CAMERAS[i % 3]
            person = f"p-e2e-{i % 45:03d}"
            start_s = 9 * 3600 + i * 180
            dwell = 30 + (i * 37) % 1500
            end_s = start_s + dwell
            t = lambda s: f"{DAY}T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}Z"  # noqa: E731
            gender = ("male", "female", "not_determined")[i % 3]
            age = ("18-25", "26-40", "41-60")[i % 3]
            writer.writerow(
                [f"e2e-{i}", person, cam, desc, GROUPS[cam], t(start_s), t(end_s), gender, age]
            )
            good.append({"person": person, "camera": cam, "dwell": dwell})
        ten, nine, five_past = f"{DAY}T10:00:00Z", f"{DAY}T09:00:00Z", f"{DAY}T10:05:00Z"
        blank = ["", ""]
        writer.writerow(["e2e-bad-1", "p-x", "cam-e2e-1", *blank, "not a time", ten, *blank])
        writer.writerow(["e2e-bad-2", "p-x", "cam-e2e-1", *blank, ten, nine, *blank])
        writer.writerow(["e2e-bad-3", "", "cam-e2e-1", *blank, ten, five_past, *blank])
    return {
        "events": len(good),
        "visitors": len({g["person"] for g in good}),
        "per_camera": {c: sum(1 for g in good if g["camera"] == c) for c, _ in CAMERAS},
    }


def declared(stack: Any, method: str, path: str) -> bool:
    doc = stack.client().call("GET", "/openapi.json")
    return method.lower() in doc.get("paths", {}).get(path, {})


def digits(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text))


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("e2e") / "e2e-camera-events.csv"
    return path, write_events_csv(path)


def test_login_shows_tenant_and_role_and_logout(stack: Any, web: Watched, shoot: Any) -> None:
    web.goto("/")
    expect(web.page.get_by_role("button", name="Sign in")).to_be_visible()
    shoot("login")
    page = web.page
    page.get_by_label("Username").fill("admin@demo.local")
    page.get_by_label("Password", exact=True).fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    web.errors.clear()  # the browser logs the refused login's 401; the form shows it
    user = stack.user("demo", "admin")
    login(web, user)
    expect(page.get_by_test_id("tenant")).to_contain_text("demo")
    expect(page.get_by_test_id("role")).to_have_text("admin")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_upload_csv_reaches_done_and_its_numbers_reach_the_cards(
    stack: Any, web: Watched, shoot: Any, events_csv: tuple[Path, dict[str, Any]]
) -> None:
    path, expected = events_csv
    login(web, stack.user("demo", "analyst"), "/uploads")
    page = web.page
    # a file of the wrong type is refused before anything is sent
    wrong = path.with_name("notes.txt")
    wrong.write_text("hello")
    page.locator("[data-testid=dropzone] input[type=file]").set_input_files(str(wrong))
    expect(page.get_by_test_id("rejected")).to_be_visible()

    page.locator("[data-testid=dropzone] input[type=file]").set_input_files(str(path))
    task = page.get_by_test_id("upload-task").filter(has_text=path.name)
    expect(task).to_have_attribute("data-phase", "succeeded", timeout=180_000)
    expect(task.get_by_test_id("task-status")).to_have_text("done")
    expect(task.get_by_test_id("report-accepted")).to_have_text(str(expected["events"]))
    expect(task.get_by_test_id("report-rejected")).to_have_text(str(BAD_ROWS))
    expect(task.get_by_test_id("bad-rows").locator("tbody tr")).to_have_count(BAD_ROWS)
    expect(page.get_by_test_id("uploads-table")).to_contain_text(path.name)
    shoot("uploads")

    if not declared(stack, "GET", "/analytics/summary"):
        pytest.skip("the API does not serve /analytics/summary yet")
    web.goto(f"/?start={DAY}&end={DAY}")
    expect(page.get_by_test_id("kpi-events").get_by_test_id("kpi-value")).to_have_text(
        f"{expected['events']:,}"
    )
    expect(page.get_by_test_id("kpi-visitors").get_by_test_id("kpi-value")).to_have_text(
        f"{expected['visitors']:,}"
    )
    busiest = max(expected["per_camera"], key=lambda c: (expected["per_camera"][c], c))
    expect(page.get_by_test_id("kpi-busiest-camera")).to_contain_text(busiest)
    shoot("overview")
