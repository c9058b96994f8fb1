"""Start and stop the whole local stack in this process.

One process holds everything: the moto server thread (S3, SQS, EventBridge, DynamoDB, Step
Functions, Lambda, Glue, Athena, Cognito, SageMaker, Secrets Manager), our handlers run
in-process by moto's Lambda, the SQS pump, the SageMaker job runner and the HTTP server for
the API and dashboard. Its URLs are written to `.wandr/stack.json` so the CLI in another
terminal can find it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from moto.server import ThreadedMotoServer

from wandr import aws
from wandr.localstack import bootstrap, lambda_adapter, sagemaker_runner
from wandr.localstack.http import ChaliceWsgi, HttpServer, WorkerServer, load_chalice_app
from wandr.localstack.pump import SqsPump
from wandr.resources import REPO_ROOT, Resources

log = logging.getLogger(__name__)

STATE_FILE = Path(os.environ.get("WANDR_STATE_FILE", REPO_ROOT / ".wandr" / "stack.json"))
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
LOCAL_SETTINGS = {
    # The vision workflow's Wait between DescribeProcessingJob calls: 30 s in the cloud.
    "WANDR_VISION_POLL_SECONDS": "1",
    "WANDR_VISION_INSTANCE_TYPE": "local",
}


def point_at(endpoint_url: str, resources: Resources) -> None:
    """Point boto3 (and everything built on it) in this process at a local stack's moto.

    The credentials are moto's dummy ones, so no real AWS credentials are ever sent to it.
    """
    os.environ.update(LOCAL_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    os.environ.update(resources.lambda_environment())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalStack:
    """The embedded local stack. Use as a context manager or call start()/stop()."""

    moto_port: int = 0
    http_port: int = 0
    resources: Resources = field(default_factory=Resources)
    state_file: Path | None = STATE_FILE
    with_api: bool = True  # False: AWS services only (no Cognito users, no HTTP server)
    # 0: the API on werkzeug threads in this process (tests may reach into its state);
    # N: granian with N worker processes of their own (the API latency benchmark, `wandr up`)
    api_workers: int = field(default_factory=lambda: int(os.environ.get("WANDR_API_WORKERS", "0")))
    endpoint_url: str = ""
    api_url: str = ""
    dashboard_url: str = ""
    identities: dict[str, Any] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    _moto: ThreadedMotoServer | None = None
    _pump: SqsPump | None = None
    _http: HttpServer | WorkerServer | None = None

    def start(self) -> LocalStack:
        self.moto_port = self.moto_port or free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.moto_port}"
        point_at(self.endpoint_url, self.resources)
        os.environ.update(LOCAL_SETTINGS)
        os.environ["MOTO_PORT"] = str(self.moto_port)  # where moto's Step Functions call Lambda
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        lambda_adapter.install()
        sagemaker_runner.install()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.moto_port, verbose=False)
        self._moto.start()
        self._configure_moto()
        self.queues = bootstrap.bootstrap(self.resources)
        self.identities = self._seed_identities() if self.with_api else {}
        if self.identities:  # what CDK gives the API Lambda as environment in the cloud
            os.environ["WANDR_USER_POOL_ID"] = self.identities["user_pool_id"]
            os.environ["WANDR_USER_POOL_CLIENT_ID"] = self.identities["client_id"]
        self._pump = SqsPump(
            self.queues["queue_url"],
            self.queues["queue_arn"],
            self.resources.function_name("dispatch"),
        )
        self._pump.start()
        if self.with_api:
            if self.api_workers:
                self._http = WorkerServer(self.http_port or free_port(), workers=self.api_workers)
            else:
                self._http = HttpServer(ChaliceWsgi(load_chalice_app()), port=self.http_port)
            self._http.start()
            self.dashboard_url = self._http.url + "/"
            self.api_url = self._http.url + "/api"
        self._write_state()
        return self

    def stop(self) -> None:
        if self._pump:
            self._pump.stop()
            with contextlib.suppress(Exception):  # let running workflows finish, briefly
                self.wait_idle(timeout=20, include_queue=False)
        if self._http:
            self._http.stop()
        if self._moto:
            self._moto.stop()
        lambda_adapter.uninstall()
        sagemaker_runner.uninstall()
        if self.state_file and self.state_file.exists():
            self.state_file.unlink()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _configure_moto(self) -> None:
        response = requests.post(
            f"{self.endpoint_url}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        )
        response.raise_for_status()

    def _seed_identities(self) -> dict[str, Any]:
        from wandr import identity

        return dict(identity.seed_demo_identities(self.resources))

    def _write_state(self) -> None:
        if not self.state_file:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(self.describe(), indent=2))

    def describe(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "endpoint_url": self.endpoint_url,
            "api_url": self.api_url,
            "dashboard_url": self.dashboard_url,
            "identities": self.identities,
            "queues": self.queues,
            "started_at": time.time(),
        }

    # --- helpers for tests and the CLI -----------------------------------------------
    def wait_idle(self, timeout: float = 120.0, include_queue: bool = True) -> None:
        """Wait until the queue is drained and no workflow execution is running."""
        sfn, sqs = aws.client("stepfunctions"), aws.client("sqs")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            attrs = sqs.get_queue_attributes(
                QueueUrl=self.queues["queue_url"],
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            queued = sum(int(v) for v in attrs.values()) if include_queue else 0
            running = 0
            for name in (self.resources.ingest_state_machine, self.resources.vision_state_machine):
                arn = self.resources.state_machine_arn(name)
                running += len(
                    sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]
                )
            if queued == 0 and running == 0:
                return
            time.sleep(0.3)
        raise TimeoutError(f"local stack still busy after {timeout:.0f} s")


def read_state(path: Path | None = None) -> dict[str, Any]:
    """The running stack's URLs, for the CLI in another terminal."""
    path = path or STATE_FILE
    if not path.exists():
        raise FileNotFoundError("no local stack is running (start one with `wandr up`)")
    return dict(json.loads(path.read_text()))
