"""The raw bucket's key layout: `tenant=<t>/kind=<kind>/upload=<id>/<filename>`.

Every way data arrives (presigned browser upload, CLI, Corsight pull) writes to a key of this
shape, and the dispatch Lambda reads tenant, kind and upload id back from it. Keeping the
tenant in the first segment is what lets an IAM policy or a presigned URL be scoped to one
tenant's prefix.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["csv", "insight", "video"]
KINDS: tuple[Kind, ...] = ("csv", "insight", "video")

_ID = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_KEY = re.compile(
    rf"^tenant=(?P<tenant>{_ID})/kind=(?P<kind>csv|insight|video)/upload=(?P<upload_id>{_ID})/"
    r"(?P<filename>[^/]{1,255})$"
)
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]")


class RawKeyError(ValueError):
    """A key in the raw bucket that does not follow the layout."""


@dataclass(frozen=True)
class RawKey:
    tenant: str
    kind: Kind
    upload_id: str
    filename: str

    def __str__(self) -> str:
        return f"tenant={self.tenant}/kind={self.kind}/upload={self.upload_id}/{self.filename}"

    @staticmethod
    def tenant_prefix(tenant: str) -> str:
        return f"tenant={tenant}/"


def is_valid_id(value: str) -> bool:
    """Tenant and upload ids: short, ASCII, no path characters."""
    return re.fullmatch(_ID, value) is not None


def safe_filename(name: str) -> str:
    """A client-supplied file name reduced to characters that are safe in a key and a header."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload"
    cleaned = _SAFE_FILENAME.sub("_", base)[:200]
    return cleaned.lstrip(".") or "upload"


def parse(key: str) -> RawKey:
    match = _KEY.match(key)
    if not match:
        raise RawKeyError(
            f"key {key!r} is not tenant=<t>/kind=<csv|insight|video>/upload=<id>/<file>"
        )
    return RawKey(match["tenant"], match["kind"], match["upload_id"], match["filename"])  # type: ignore[arg-type]


def execution_name(bucket: str, key: str, etag: str) -> str:
    """A Step Functions execution name that is the same for every delivery of one object.

    S3 may announce one object several times and SQS may deliver a message twice; a name
    derived from (bucket, key, etag) makes StartExecution refuse the repeats, so each object
    version is processed exactly once. Names allow 80 characters of [A-Za-z0-9-_].
    """
    digest = hashlib.sha256(f"{bucket}\n{key}\n{etag.strip(chr(34))}".encode()).hexdigest()
    return f"ingest-{digest[:64]}"
