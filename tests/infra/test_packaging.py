"""What synth stages: small image contexts, never the virtualenv, and the settings it reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.components.functions import image_excludes
from infra.constants import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = (".venv", "node_modules", "cdk.out", "frontend", "tests", "bench", "infra")


def _docker_assets(synth):
    for name in ("Pipeline", "Vision", "Api"):
        manifest = json.loads((synth.outdir / f"{name}.assets.json").read_text())
        yield from manifest.get("dockerImages", {}).values()


def test_image_assets_stage_only_the_library_and_their_own_sources(synth):
    staged = list(_docker_assets(synth))
    assert len(staged) == 3  # data image in pipeline and api (one hash), vision image
    for image in staged:
        directory = synth.outdir / image["source"]["directory"]
        top = {p.name for p in directory.iterdir()}
        assert "wandr" in top
        assert not top & set(FORBIDDEN)
        size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
        assert size < 20 * 1024 * 1024


def test_pipeline_and_api_share_one_data_image(synth):
    hashes = {
        image["source"]["directory"]
        for image in _docker_assets(synth)
        if image["source"].get("dockerFile") == "functions/Dockerfile"
    }
    assert len(hashes) == 1


def test_dockerignore_starts_from_nothing_and_lets_in_the_library_and_handlers():
    patterns = image_excludes()
    assert patterns[0] == "*"
    assert {"!wandr", "!functions"} <= set(patterns)


def test_settings_read_context_values_from_cdk_json_and_command_line_strings():
    context = {
        "wandr:tenants": '["acme","globex"]',
        "wandr:corsightPullMinutes": "5",
        "wandr:retainData": False,
        "wandr:alarmEmail": "",
    }
    settings = Settings.from_context(context.get)
    assert settings.tenants == ("acme", "globex")
    assert settings.corsight_pull_minutes == 5
    assert settings.retain_data is False
    assert settings.alarm_email is None


def test_settings_refuse_a_tenants_value_that_is_not_a_list_of_strings():
    with pytest.raises(ValueError, match="wandr:tenants"):
        Settings.from_context({"wandr:tenants": "acme"}.get)


def _requirements(path: Path) -> set[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {line.lower() for line in lines if line}


def test_the_lambda_image_installs_every_requirement_of_the_api_app():
    api = REPO_ROOT / "functions" / "api" / "requirements.txt"
    image = REPO_ROOT / "functions" / "requirements-lambda.txt"
    assert _requirements(api) <= _requirements(image)
