"""The validation report: what was accepted, what was rejected and why.

The full report is stored in S3 beside the upload and returned by the API; `summary()` is the
small version that fits in a Step Functions payload (256 KB).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


class InvalidUpload(ValueError):
    """The whole file is unusable; the message says why, in words a tenant understands."""


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or broken file from costing more than it is worth."""

    max_bytes: int = 8 * 2**30
    max_line_bytes: int = 1 << 20
    max_dwell_s: float = 12 * 3600.0
    min_year: int = 2000
    max_year: int = 2100
    max_days: int = 1000
    block_bytes: int = 32 << 20
    stored_bad_rows: int = 1000
    returned_bad_rows: int = 20


@dataclass
class Report:
    """Counts, per-column problems and the first bad rows of one upload."""

    kind: str
    upload_id: str = ""
    encoding: str = ""
    delimiter: str = ""
    rows_total: int = 0
    rows_good: int = 0
    rows_bad: int = 0
    duplicates: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # source header -> canonical
    unknown_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    column_problems: Counter[str] = field(default_factory=Counter)  # "column: problem" -> n
    bad_rows: list[dict[str, Any]] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    error: str | None = None
    limits: Limits = field(default_factory=Limits)

    def add_bad(
        self, line: int | None, reason: str, column: str | None = None, value: object = None
    ) -> None:
        """Count one rejected row and keep its detail while there is room."""
        self.rows_bad += 1
        self.reasons[reason] += 1
        if len(self.bad_rows) < self.limits.stored_bad_rows:
            text = None if value is None else str(value)[:200]
            self.bad_rows.append({"line": line, "reason": reason, "column": column, "value": text})

    @property
    def status(self) -> str:
        if self.error or self.rows_good == 0:
            return "failed"
        return "succeeded_with_warnings" if self.rows_bad or self.column_problems else "succeeded"

    def to_dict(self, bad_rows: int | None = None) -> dict[str, Any]:
        rows = (
            self.bad_rows
            if bad_rows is None
            else sorted(self.bad_rows, key=lambda r: r["line"] or 0)[:bad_rows]
        )
        return {
            "kind": self.kind,
            "upload_id": self.upload_id,
            "status": self.status,
            "error": self.error,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "rows_total": self.rows_total,
            "rows_good": self.rows_good,
            "rows_bad": self.rows_bad,
            "duplicates": self.duplicates,
            "columns": self.columns,
            "unknown_columns": self.unknown_columns,
            "notes": self.notes,
            "reasons": dict(self.reasons.most_common()),
            "column_problems": dict(self.column_problems.most_common()),
            "days": self.days,
            "bad_rows": rows,
        }

    def summary(self) -> dict[str, Any]:
        """The payload-sized report: everything but the long tail of bad rows."""
        out = self.to_dict(bad_rows=self.limits.returned_bad_rows)
        out["days"] = self.days[:100]
        out["days_total"] = len(self.days)
        out["split"] = False  # the workflow's Choice: True only for a file split into chunks
        return out
