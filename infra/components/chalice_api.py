"""The REST API: the Chalice app in functions/api behind API Gateway, via `chalice.cdk`.

Chalice packages the app into a SAM template (routes, API Gateway, the handler function)
that the construct imports. Two things are Wandr-specific:

- Chalice writes caches into its project directory and `chalice.out/` into the working
  directory, so the app (app.py, .chalice/config.json) is staged into a private temporary
  directory per synth, removed when the process exits: the source tree stays clean and
  parallel synths (pytest-xdist) cannot trip over each other.
- The app imports the `wandr` library, which needs pyarrow and cryptography: far too big
  (and platform-specific) for Chalice's zip. The handler function therefore runs from the
  same container image as the data Lambdas, with its CMD set to the Chalice app object, and
  its role is one this construct creates, so every grant is visible in the API stack.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from chalice.cdk import Chalice
from constructs import Construct

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_DIR = REPO_ROOT / "functions" / "api"
HANDLER = "functions.api.app.app"
APP_NAME = "wandr-api"
# Chalice's SAM template names the REST handler function this.
HANDLER_RESOURCE = "APIHandler"


class ChaliceApi(Construct):
    """API Gateway + handler function for functions/api/app.py."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: Mapping[str, str],
        image: ecr_assets.DockerImageAsset,
        memory_mb: int = 1024,
        timeout_s: int = 29,  # API Gateway gives up after 29 s
        stage: str = "api",
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Wandr API handler",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSLambdaBasicExecutionRole"
                )
            ],
        )
        workdir = _private_workdir()
        source_dir = stage_app(APP_DIR, workdir / "app")
        stage_config = {
            "api_gateway_stage": stage,
            "manage_iam_role": False,
            "iam_role_arn": self.role.role_arn,
            "lambda_memory_size": memory_mb,
            "lambda_timeout": timeout_s,
            "xray": True,
            "environment_variables": dict(environment),
        }
        # Packaging imports the app with the stage's environment variables (CDK tokens here)
        # set in os.environ and builds (never calls) boto3 clients, which insist on a region.
        with _working_directory(workdir), _isolated_process_state():
            self.chalice = Chalice(
                self, "Chalice", source_dir=str(source_dir), stage_config=stage_config
            )
        self._run_from_image(image)

    @property
    def rest_api_id(self) -> str:
        return self.chalice.get_resource("RestAPI").ref

    def _run_from_image(self, image: ecr_assets.DockerImageAsset) -> None:
        handler = self.chalice.get_resource(HANDLER_RESOURCE)
        handler.add_override("Properties.PackageType", "Image")
        handler.add_override("Properties.ImageUri", image.image_uri)
        handler.add_override("Properties.ImageConfig", {"Command": [HANDLER]})
        for prop in ("CodeUri", "Handler", "Runtime", "Layers"):
            handler.add_deletion_override(f"Properties.{prop}")


def stage_app(app_dir: Path, build_dir: Path) -> Path:
    """Copy the Chalice project (app.py, its modules and .chalice/config.json) to build_dir."""
    if not (app_dir / "app.py").is_file():
        raise FileNotFoundError(f"{app_dir / 'app.py'} is missing: the API stack needs it")
    if build_dir.exists():
        shutil.rmtree(build_dir)
    # requirements.txt stays behind: its packages are in the image (functions/requirements-
    # lambda.txt), and leaving it would make Chalice download Linux wheels during synth.
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments", "requirements.txt")
    shutil.copytree(app_dir, build_dir, ignore=ignore)
    config_file = build_dir / ".chalice" / "config.json"
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    config.setdefault("version", "2.0")
    config.setdefault("app_name", APP_NAME)
    config.setdefault("stages", {})
    config_file.parent.mkdir(exist_ok=True)
    config_file.write_text(json.dumps(config, indent=2))
    return build_dir


def _private_workdir() -> Path:
    """A temporary directory that lives until the process exits (after app.synth())."""
    path = Path(tempfile.mkdtemp(prefix="wandr-chalice-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@contextmanager
def _isolated_process_state() -> Iterator[None]:
    """Undo what packaging does to this process: env vars and modules imported under them.

    Chalice imports the app (and through it wandr) with the stage's environment applied to
    os.environ, so module-level settings read during synth would hold CDK tokens; restoring
    both keeps synth from leaking into whatever runs next in the same process (tests).
    """
    saved_env = dict(os.environ)
    saved_modules = set(sys.modules)
    if "AWS_DEFAULT_REGION" not in os.environ and "AWS_REGION" not in os.environ:
        os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]


@contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    path.mkdir(parents=True, exist_ok=True)
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
