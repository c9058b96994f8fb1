"""One synthesised Wandr CDK app for the whole infra test session.

Synth takes 15-40 s and about 1 GB, so every test reads templates from this one assembly
instead of building its own app.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")

REPO_ROOT = Path(__file__).resolve().parents[2]
# The repo root for `infra` and `wandr`; this folder for `template_helpers`.
for path in (str(REPO_ROOT), str(Path(__file__).parent)):
    if path not in sys.path:
        sys.path.insert(0, path)

import aws_cdk as cdk  # noqa: E402
from aws_cdk import assertions  # noqa: E402
from template_helpers import CONTEXT  # noqa: E402

from infra.app import WandrStacks, build  # noqa: E402


@dataclass
class Synthesised:
    stacks: WandrStacks
    assembly: cdk.cx_api.CloudAssembly
    outdir: Path

    def template(self, stack: cdk.Stack) -> assertions.Template:
        return assertions.Template.from_json(self.raw(stack))

    def raw(self, stack: cdk.Stack) -> dict[str, Any]:
        template: dict[str, Any] = self.assembly.get_stack_by_name(stack.stack_name).template
        return template

    @property
    def all_templates(self) -> dict[str, dict[str, Any]]:
        return {s.stack_name: self.raw(s) for s in self.stacks.all}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesised]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir), context=CONTEXT)
    stacks = build(app)
    yield Synthesised(stacks, app.synth(), outdir)
