"""Validation of uploads: camera-event CSVs (`csvfile`) and Insight Report JSON (`insight`).

Both produce a `Report` (counts, per-column problems, the first bad rows with line numbers and
reasons) and stream the good rows out as Arrow tables in the lake schema. A file that cannot
be used at all raises `InvalidUpload` whose message is the reason shown to the tenant.
"""

from wandr.validation.report import InvalidUpload, Limits, Report

__all__ = ["InvalidUpload", "Limits", "Report"]
