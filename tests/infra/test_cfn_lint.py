"""Every synthesised template is valid CloudFormation (and SAM) according to cfn-lint."""

from __future__ import annotations

import subprocess
import sys

import pytest

# W3005: CDK adds DependsOn next to a GetAtt that already implies it; harmless.
IGNORED = "W3005"
# cfn-lint has no `python -m` entry point; this is what its console script runs.
RUN_CFN_LINT = "import sys; from cfnlint.runner import main; sys.exit(main())"


@pytest.mark.slow
def test_cfn_lint_finds_no_error_or_warning_in_any_template(synth):
    templates = sorted(str(p) for p in synth.outdir.glob("*.template.json"))
    assert len(templates) == len(synth.stacks.all)
    result = subprocess.run(
        [sys.executable, "-c", RUN_CFN_LINT, "--ignore-checks", IGNORED, "--", *templates],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
