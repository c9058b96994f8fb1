"""SageMaker Processing entrypoint (/opt/program/entrypoint.py) for the vision job.

In the image the `wandr` package sits beside this file; in the local stack this file runs from
the repository, so the repository root is put on the path. All the work is in wandr.vision.job.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for candidate in (HERE, HERE.parent.parent):
    if (candidate / "wandr").is_dir() and str(candidate) not in sys.path:
        sys.path.insert(0, str(candidate))

from wandr.vision.job import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
