"""The API served by granian worker processes answers exactly as the in-process server does.

`LocalStack(api_workers=N)` (the latency benchmark, `WANDR_API_WORKERS`) serves the same WSGI
app from processes of their own, each with its own caches. Here two workers run beside the
session's stack: cards equal the in-process answers per tenant, a refused token stays
refused, and a card read through a warm worker right after an upload shows the upload
(every request reads the version token after it arrived; nothing is trusted for a time).
"""

from __future__ import annotations

import httpx
import pytest

from wandr.localstack.http import WorkerServer
from wandr.localstack.stack import free_port

DAY = "2025-04-22"  # a day no other test uses
HEADER = "event_id,person_id,camera_id,utc_time_started,utc_time_ended\n"
CARDS = (
    "summary",
    "dwell-histogram",
    "occupancy",
    "crowd-hourly",
    "waiting",
    "rankings",
    "demographics",
    "repeat-visitors",
    "insight-merge",
)


@pytest.fixture(scope="module")
def workers(api_stack):
    server = WorkerServer(free_port(), workers=2, threads=4)
    server.start()
    with httpx.Client(base_url=server.url + "/api", timeout=60) as http:
        yield http
    server.stop()


def get(http, caller, path, **params):
    headers = {"Authorization": f"Bearer {caller.token}"}
    return http.get(path, params=params, headers=headers)


@pytest.mark.parametrize("tenant", ["demo", "acme"])
def test_every_card_answers_as_the_in_process_server_does(workers, http, callers, tenant):
    viewer = callers[f"{tenant}/viewer"]
    assert get(workers, viewer, "/me").json()["tenant"] == tenant
    for card in CARDS:
        for _ in range(3):  # more than one worker, warm and cold
            there = get(workers, viewer, f"/analytics/{card}")
            assert there.status_code == 200, there.text
            assert there.json() == get(http, viewer, f"/analytics/{card}").json(), card


def test_a_token_edited_after_signing_is_refused_by_every_worker(workers, callers):
    viewer = callers["demo/viewer"]
    assert get(workers, viewer, "/me").status_code == 200  # the good token is remembered
    header, _payload, signature = viewer.token.split(".")
    other = callers["acme/viewer"].token.split(".")[1]
    forged = f"{header}.{other}.{signature}"
    for _ in range(4):
        refused = workers.get("/me", headers={"Authorization": f"Bearer {forged}"})
        assert refused.status_code == 401


def test_a_warm_worker_shows_an_upload_as_soon_as_it_succeeded(
    workers, api_stack, callers, tmp_path
):
    viewer = callers["demo/viewer"]
    for _ in range(4):  # warm every worker's caches on this day
        assert get(workers, viewer, "/analytics/summary", start=DAY, end=DAY).json()["events"] == 0
    admin = api_stack.client("demo", "admin")
    path = tmp_path / "worker-fresh.csv"
    path.write_text(HEADER + f"w1,wp1,cam-9,{DAY}T10:00:00Z,{DAY}T10:05:00Z\n")
    done = admin.wait(admin.upload(path)["upload_id"], timeout=180)
    assert done["status"] == "succeeded", done["error"]
    for _ in range(4):
        card = get(workers, viewer, "/analytics/summary", start=DAY, end=DAY).json()
        assert (card["events"], card["max_dwell_s"]) == (1, 300)
