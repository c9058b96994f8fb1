"""One way for every vision test to find the real footage (vtest.avi), fetching it if needed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
FOOTAGE = REPO / ".wandr" / "footage" / "vtest.avi"


def vtest_path() -> Path:
    """The footage path; fetch it with containers/vision/fetch_footage.sh, else skip."""
    if not FOOTAGE.exists():
        subprocess.run([str(REPO / "containers/vision/fetch_footage.sh"), str(FOOTAGE.parent)],
                       check=False, capture_output=True, timeout=300)  # fmt: skip
    if not FOOTAGE.exists():
        pytest.skip("vtest.avi is absent and could not be fetched (apt-get download opencv-doc)")
    return FOOTAGE
