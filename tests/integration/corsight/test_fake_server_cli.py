"""`python -m wandr.corsight.fake_server`, as `make demo` starts it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

from wandr.corsight import fake_server
from wandr.corsight.client import CorsightClient, CorsightSettings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_command_serves_the_seeded_events_until_it_is_told_to_stop() -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "wandr.corsight.fake_server",
        "--port",
        str(port),
        "--events",
        "30",
        "--seed",
        "11",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert f"http://127.0.0.1:{port}" in process.stdout.readline()
        settings = CorsightSettings(
            base_url=f"http://127.0.0.1:{port}", username="demo", password="demo"
        )
        with CorsightClient(settings) as client:
            page = client.fetch_page(None, 100)
        assert page == fake_server.demo_events(30, seed=11)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_command_writes_the_export_csv_of_the_same_events(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"

    subprocess.run(
        [
            sys.executable,
            "-m",
            "wandr.corsight.fake_server",
            "--events",
            "40",
            "--seed",
            "11",
            "--export-csv",
            str(target),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )

    assert target.read_bytes() == fake_server.export_csv(40, seed=11)
