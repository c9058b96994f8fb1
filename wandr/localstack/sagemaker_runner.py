"""Run SageMaker Processing jobs for real, as local subprocesses.

moto records a CreateProcessingJob and reports it `Completed` at once without running
anything. The vision workflow polls DescribeProcessingJob exactly as it does in the cloud,
so here we make the job real: the job starts `InProgress`, a worker thread downloads each
ProcessingInput's S3 prefix to a local folder, runs the container's entrypoint with the
`/opt/ml/processing` contract mapped to that folder (env WANDR_PROCESSING_ROOT), uploads
the outputs to their S3 URIs and sets the status to `Completed`, or `Failed` with the
reason the container wrote to `output/failure` (or the tail of its stderr).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from moto.core.utils import utcnow
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from wandr import aws
from wandr.resources import REPO_ROOT

log = logging.getLogger(__name__)

PROCESSING_ROOT = "/opt/ml/processing"
# Container paths of entrypoints, mapped to the files in this repository.
ENTRYPOINTS = {"/opt/program/entrypoint.py": REPO_ROOT / "containers" / "vision" / "entrypoint.py"}
_original_create = SageMakerResponse.create_processing_job
_jobs: dict[str, threading.Thread] = {}


def _local_path(container_path: str, root: Path) -> Path:
    if not container_path.startswith(PROCESSING_ROOT):
        raise ValueError(f"{container_path!r} is outside {PROCESSING_ROOT}")
    return root / container_path[len(PROCESSING_ROOT) :].lstrip("/")


def _split_s3_uri(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def _download_prefix(uri: str, target: Path) -> None:
    s3 = aws.client("s3")
    bucket, prefix = _split_s3_uri(uri)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            relative = obj["Key"][len(prefix) :].lstrip("/") or Path(obj["Key"]).name
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(destination))


def _upload_folder(source: Path, uri: str) -> None:
    s3 = aws.client("s3")
    bucket, prefix = _split_s3_uri(uri)
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        key = f"{prefix.rstrip('/')}/{path.relative_to(source).as_posix()}".lstrip("/")
        s3.upload_file(str(path), bucket, key)


def _argv(app_specification: dict[str, Any]) -> list[str]:
    entry = list(app_specification.get("ContainerEntrypoint") or [])
    entry += list(app_specification.get("ContainerArguments") or [])
    if not entry:
        raise ValueError("the job has no ContainerEntrypoint to run")
    argv = [str(ENTRYPOINTS.get(part, part)) for part in entry]
    if Path(argv[0]).name.startswith("python"):
        argv[0] = sys.executable
    return argv


def _failure_reason(root: Path, stderr: str, returncode: int) -> str:
    failure_file = root / "output" / "failure"
    if failure_file.is_file():
        text = failure_file.read_text(errors="replace").strip()
        if text:
            return text[:1024]
    tail = "\n".join(stderr.strip().splitlines()[-5:])
    return f"processing container exited with code {returncode}: {tail}"[:1024]


def run_job(job: Any, environment: dict[str, str]) -> None:
    """Execute one processing job and record its outcome on the moto job object."""
    with tempfile.TemporaryDirectory(prefix="wandr-processing-") as tmp:
        root = Path(tmp)
        try:
            for item in job.processing_inputs or []:
                s3_input = item["S3Input"]
                _download_prefix(s3_input["S3Uri"], _local_path(s3_input["LocalPath"], root))
            outputs = (job.processing_output_config or {}).get("Outputs", [])
            for item in outputs:
                _local_path(item["S3Output"]["LocalPath"], root).mkdir(parents=True, exist_ok=True)
            (root / "output").mkdir(parents=True, exist_ok=True)
            timeout = (job.stopping_condition or {}).get("MaxRuntimeInSeconds", 3600)
            env = {**os.environ, **environment, "WANDR_PROCESSING_ROOT": str(root)}
            proc = subprocess.run(
                _argv(job.app_specification),
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            for item in outputs:
                s3_output = item["S3Output"]
                _upload_folder(_local_path(s3_output["LocalPath"], root), s3_output["S3Uri"])
            if proc.returncode == 0:
                job.processing_job_status = "Completed"
            else:
                job.processing_job_status = "Failed"
                job.failure_reason = _failure_reason(root, proc.stderr, proc.returncode)
                log.warning(
                    "processing job %s failed: %s", job.processing_job_name, job.failure_reason
                )
        except subprocess.TimeoutExpired:
            job.processing_job_status = "Failed"
            job.failure_reason = "processing job exceeded MaxRuntimeInSeconds"
        except Exception as exc:  # anything else is the job's failure, never the server's
            log.exception("processing job %s crashed", job.processing_job_name)
            job.processing_job_status = "Failed"
            job.failure_reason = f"{type(exc).__name__}: {exc}"[:1024]
        finally:
            job.processing_end_time = utcnow()
            job.last_modified_time = job.processing_end_time


def _create_and_run(self: SageMakerResponse) -> Any:
    result = _original_create(self)
    name = self._get_param("ProcessingJobName")
    backend = sagemaker_backends[self.current_account][self.region]
    job: Any = backend.processing_jobs[name]  # we add status/environment fields moto lacks
    job.processing_job_status = "InProgress"
    job.processing_start_time = utcnow()
    job.environment = self._get_param("Environment") or {}
    thread = threading.Thread(
        target=run_job, args=(job, dict(job.environment)), name=f"processing-{name}", daemon=True
    )
    _jobs[name] = thread
    thread.start()
    return result


def install() -> None:
    SageMakerResponse.create_processing_job = _create_and_run  # type: ignore[method-assign]


def uninstall() -> None:
    SageMakerResponse.create_processing_job = _original_create  # type: ignore[method-assign]


def wait_for_jobs(timeout: float = 600) -> None:
    """Block until every job started so far has finished (tests and shutdown use this)."""
    for thread in list(_jobs.values()):
        thread.join(timeout)
