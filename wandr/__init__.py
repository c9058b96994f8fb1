"""Wandr: visitor analytics for malls and facilities (dwell, occupancy, crowds, journeys)."""

import os

# polars' allocator (its own jemalloc) hands freed pages back to the OS after 0.5-1 s. A
# streaming pass frees and takes batch-sized buffers all the time, so those pages were
# faulted in again and again: ~1 M page faults and 3-5 s of system time on a 10 M-row
# upload. Keeping them 5 s costs ~150 MB more peak memory (bench/results/ingest.md).
# jemalloc reads this when polars loads, so it is set here, before a module imports polars.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:5000,muzzy_decay_ms:5000")

__version__ = "0.1.0"
