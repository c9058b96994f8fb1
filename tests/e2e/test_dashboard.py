"""The dashboard in a real browser against the real local stack: log in, upload a CSV and
watch it through the pipeline to the cards, filter and export the events, open the map and
a journey, and never log a console error or reach past 127.0.0.1."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Watched, login
from wandr.resources import REPO_ROOT
from wandr.vision.video import ffmpeg_exe

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
    per_camera = expected["per_camera"]  # ties go to the smallest camera id
    busiest = min(per_camera, key=lambda c: (-per_camera[c], c))
    expect(page.get_by_test_id("kpi-busiest-camera")).to_contain_text(busiest)
    shoot("overview")


def test_events_table_filters_and_exports_exactly_the_filtered_rows(
    stack: Any, web: Watched, shoot: Any, events_csv: tuple[Path, dict[str, Any]]
) -> None:
    if not declared(stack, "GET", "/analytics/detail"):
        pytest.skip("the API does not serve /analytics/detail yet")
    path, expected = events_csv
    client = stack.client("demo", "analyst")
    upload = client.upload(path)
    client.wait(upload["upload_id"])
    login(web, stack.user("demo", "viewer"), f"/events?start={DAY}&end={DAY}")
    page = web.page
    table = page.get_by_test_id("events-table")
    expect(table.locator("tbody tr").first).to_be_visible()
    page.get_by_label("Cameras").fill("cam-e2e-2")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"camera=cam-e2e-2"))
    expect(table.locator("tbody tr")).to_have_count(expected["per_camera"]["cam-e2e-2"])
    expect(table.locator("tbody")).not_to_contain_text("cam-e2e-1")
    shoot("events")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    exported = Path(info.value.path()).read_text().splitlines()
    assert len(exported) - 1 == expected["per_camera"]["cam-e2e-2"]
    assert all("cam-e2e-2" in line for line in exported[1:])


@pytest.fixture(scope="module")
def gate_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """15 s of Debian's real pedestrian footage (vtest.avi) as an MP4 filmed at the gate."""
    footage = REPO_ROOT / ".wandr" / "footage" / "vtest.avi"
    if not footage.exists():
        subprocess.run(["bash", str(REPO_ROOT / "containers/vision/fetch_footage.sh"),
                        str(footage.parent)], check=True, timeout=300)  # fmt: skip
    out = tmp_path_factory.mktemp("footage") / "gate.mp4"
    # seconds 30-45: not the clip the vision suite uploads (the API would call it a duplicate)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-ss", "30", "-i", str(footage), "-t", "15",
                    "-c:v", "libx264", "-preset", "ultrafast", str(out)],
                   check=True, timeout=120)  # fmt: skip
    return out


def test_admin_opens_the_map_adds_a_pin_and_sees_journeys(
    stack: Any, web: Watched, shoot: Any, gate_clip: Path
) -> None:
    admin = stack.client("demo", "admin")
    floor = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[0, 0], [60, 0], [60, 30], [0, 30], [0, 0]]],
        },
        "properties": {"name": "Ground floor"},
    }
    admin.call("PUT", "/map", json={"type": "FeatureCollection", "features": [floor]})
    pins = {
        "gate-e2e": ("Main gate", "entrance", [5.0, 15.0], ["court-e2e"]),
        "court-e2e": ("Food court", "normal", [30.0, 15.0], ["gate-e2e", "shop-e2e"]),
        "shop-e2e": ("Shop 12", "normal", [55.0, 15.0], ["court-e2e"]),
    }
    for pin_id, (label, kind, at, _) in pins.items():  # first the pins, then their links
        admin.call(
            "PUT", f"/pins/{pin_id}", json={"label": label, "pin_kind": kind, "coordinates": at}
        )
    for pin_id, (label, kind, at, adjacent) in pins.items():
        transit = {other: {"mu_sec": 60, "tau_sec": 20} for other in adjacent}
        body = {"label": label, "pin_kind": kind, "adjacent_to": adjacent, "coordinates": at}
        admin.call("PUT", f"/pins/{pin_id}", json={**body, "transit_times": transit})

    login(web, stack.user("demo", "admin"), "/map")
    page = web.page
    plan = page.get_by_test_id("floor-plan")
    for label, kind, _, _ in pins.values():
        expect(plan.get_by_title(f"{label} ({kind})")).to_be_visible()
    page.get_by_test_id("pin-list").get_by_role("button", name="Food court").click()
    panel = page.get_by_test_id("pin-panel")
    expect(panel).to_contain_text("court-e2e")
    expect(panel.get_by_label("Walk time to shop-e2e")).to_have_value("60")
    shoot("map")

    # add a pin by clicking the floor plan
    page.get_by_role("button", name="Add pin").click()
    box = plan.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.3)
    page.get_by_label("Pin id").fill("kiosk-e2e")
    page.get_by_label("Label").fill("Kiosk")
    page.get_by_role("button", name="Add pin", exact=True).last.click()
    expect(plan.get_by_title("Kiosk (normal)")).to_be_visible()
    assert any(p["id"] == "kiosk-e2e" for p in admin.call("GET", "/pins")["items"])

    web.goto("/journeys")
    journeys = admin.call("GET", "/journeys")["items"]
    if not journeys:  # film the gate: real footage through the real vision workflow
        expect(page.get_by_text("No journeys yet: upload footage")).to_be_visible()
        video = admin.upload(gate_clip, pin_id="gate-e2e", recorded_at="2024-06-01T10:00:00Z")
        assert admin.wait(video["upload_id"], timeout=300)["status"] == "succeeded"
        journeys = admin.call("GET", "/journeys")["items"]
        assert journeys, "the gate footage produced no journey"
        web.goto("/journeys")
    page.get_by_test_id("journeys-table").get_by_role("link").first.click()
    detail = page.get_by_test_id("journey-detail")
    expect(detail.get_by_test_id("journey-steps").locator("tbody tr")).to_have_count(
        len(journeys[0]["pins"])
    )
    shoot("journeys")


def test_every_page_loads_with_no_request_leaving_this_machine(stack: Any, web: Watched) -> None:
    login(web, stack.user("demo", "viewer"), "/")
    for path, heading in [
        ("/", "Overview"),
        ("/uploads", "Uploads"),
        ("/events", "Events"),
        ("/map", "Mall map"),
        ("/journeys", "Journeys"),
    ]:
        web.goto(path)
        expect(web.page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        web.page.wait_for_load_state("networkidle")
    assert web.requests, "no requests were recorded"
    assert not web.external, web.external
