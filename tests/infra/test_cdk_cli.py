"""The pinned CDK CLI synthesises the app from cdk.json, offline, and finds every stack."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CDK = REPO_ROOT / "infra" / "node_modules" / ".bin" / "cdk"
STACKS = ("Storage", "Vision", "Pipeline", "Web", "Api", "Schedule", "Monitoring")


@pytest.mark.slow
@pytest.mark.skipif(
    not CDK.exists(), reason="the pinned CDK CLI is not installed: run `npm ci --prefix infra`"
)
def test_pinned_cdk_cli_synthesises_every_stack_offline(tmp_path):
    env = {
        **os.environ,
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "--output", str(tmp_path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    stacks = {
        name
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    assert stacks == set(STACKS)
    for name in STACKS:
        assert (tmp_path / f"{name}.template.json").is_file()
    # cdk.json's context reached the app: the default tenant has its pull schedule.
    schedule = json.loads((tmp_path / "Schedule.template.json").read_text())
    kinds = {r["Type"] for r in schedule["Resources"].values()}
    assert "AWS::Scheduler::Schedule" in kinds
