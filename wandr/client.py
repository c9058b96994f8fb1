"""A Python client for the Wandr API that uploads exactly as a tenant's browser does.

The CLI and the end-to-end tests use it: log in against Cognito through the API, ask the API
for a presigned POST (single part) or a multipart upload, send the bytes straight to S3,
then follow the upload's status. Nothing here talks to AWS directly.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from wandr.rawkeys import Kind

MULTIPART_THRESHOLD = 64 * 1024 * 1024
KIND_BY_SUFFIX: dict[str, Kind] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".json": "insight",
    ".jsonl": "insight",
    ".ndjson": "insight",
    ".mp4": "video",
    ".avi": "video",
    ".mov": "video",
    ".mkv": "video",
}
FINAL_STATUSES = ("succeeded", "failed")
Progress = Callable[[int], None]


class ApiError(RuntimeError):
    """The API answered with an error; carries its status, code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def kind_for(path: Path) -> Kind:
    try:
        return KIND_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(KIND_BY_SUFFIX))
        raise ValueError(
            f"cannot tell the kind of {path.name} (known: {known}); pass --kind"
        ) from None


def sha256_of(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


@dataclass
class WandrClient:
    api_url: str
    token: str | None = None
    session: requests.Session = field(default_factory=requests.Session)
    timeout: float = 60.0

    # --- plumbing ---------------------------------------------------------------------
    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.session.request(
            method, self.api_url.rstrip("/") + path, headers=headers, timeout=self.timeout, **kwargs
        )
        if response.status_code >= 400:
            try:
                error = response.json().get("error", {})
            except ValueError:
                error = {}
            raise ApiError(
                response.status_code,
                str(error.get("code", "http_error")),
                str(error.get("message", response.text[:300])),
            )
        if not response.content:
            return None
        if "json" in response.headers.get("Content-Type", ""):
            return response.json()
        return response.text

    def login(self, username: str, password: str) -> dict[str, Any]:
        tokens: dict[str, Any] = self.call(
            "POST", "/auth/login", json={"username": username, "password": password}
        )
        self.token = tokens["id_token"]
        return tokens

    # --- uploads ----------------------------------------------------------------------
    def upload(
        self,
        path: Path,
        kind: Kind | None = None,
        progress: Progress | None = None,
        *,
        pin_id: str | None = None,
        recorded_at: str | None = None,
    ) -> dict[str, Any]:
        """Upload one file; returns the upload record (possibly an earlier duplicate).

        A video names the camera pin it was filmed at and when its first frame was recorded.
        """
        size = path.stat().st_size
        request: dict[str, Any] = {
            "filename": path.name,
            "kind": kind or kind_for(path),
            "size": size,
            "sha256": sha256_of(path),
        }
        if pin_id is not None:
            request["pin_id"] = pin_id
        if recorded_at is not None:
            request["recorded_at"] = recorded_at
        if size > MULTIPART_THRESHOLD:
            return self._upload_multipart(path, request, progress)
        ticket = self.call("POST", "/uploads", json=request)
        if ticket.get("duplicate"):
            if progress:
                progress(size)
            return dict(ticket["upload"])
        post = ticket["post"]
        with path.open("rb") as handle:
            response = self.session.post(
                post["url"],
                data=post["fields"],
                files={"file": (path.name, handle)},
                timeout=self.timeout,
            )
        if response.status_code >= 300:
            raise ApiError(response.status_code, "storage_rejected", response.text[:300])
        if progress:
            progress(size)
        return dict(ticket["upload"])

    def _upload_multipart(
        self, path: Path, request: dict[str, Any], progress: Progress | None
    ) -> dict[str, Any]:
        ticket = self.call("POST", "/uploads/multipart", json=request)
        upload = ticket["upload"]
        if ticket.get("duplicate"):
            if progress:
                progress(request["size"])
            return dict(upload)
        return self.resume_multipart(
            path, upload["upload_id"], int(ticket["part_size"]), int(ticket["part_count"]), progress
        )

    def resume_multipart(
        self,
        path: Path,
        upload_id: str,
        part_size: int,
        part_count: int,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Send the parts S3 does not hold yet, then complete (also resumes a broken upload)."""
        done = {
            p["part_number"]: p["etag"]
            for p in self.call("GET", f"/uploads/{upload_id}/parts")["parts"]
        }
        if progress:
            progress(sum(min(part_size, path.stat().st_size - (n - 1) * part_size) for n in done))
        missing = [n for n in range(1, part_count + 1) if n not in done]
        with path.open("rb") as handle:
            for batch_start in range(0, len(missing), 100):
                batch = missing[batch_start : batch_start + 100]
                urls = self.call(
                    "POST", f"/uploads/{upload_id}/parts", json={"part_numbers": batch}
                )["parts"]
                for part in urls:
                    handle.seek((part["part_number"] - 1) * part_size)
                    data = handle.read(part_size)
                    response = self.session.put(part["url"], data=data, timeout=self.timeout)
                    if response.status_code >= 300:
                        raise ApiError(
                            response.status_code, "storage_rejected", response.text[:300]
                        )
                    done[part["part_number"]] = response.headers["ETag"].strip('"')
                    if progress:
                        progress(len(data))
        parts = [{"part_number": n, "etag": done[n]} for n in sorted(done)]
        return dict(self.call("POST", f"/uploads/{upload_id}/complete", json={"parts": parts}))

    def get_upload(self, upload_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/uploads/{upload_id}"))

    def list_uploads(self, limit: int = 50) -> list[dict[str, Any]]:
        return list(self.call("GET", "/uploads", params={"limit": limit})["items"])

    def wait(self, upload_id: str, timeout: float = 300.0, interval: float = 0.5) -> dict[str, Any]:
        """Poll until the upload succeeded or failed."""
        deadline = time.monotonic() + timeout
        while True:
            upload = self.get_upload(upload_id)
            if upload["status"] in FINAL_STATUSES:
                return upload
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"upload {upload_id} still {upload['status']} after {timeout:.0f} s"
                )
            time.sleep(interval)
