"""Queue and job settings, read from the environment on every call.

Reading late (not at import) lets one process — a test, or the app and its embedded
worker — point at a data folder chosen at run time.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from reel.errors import ReelError

MAX_ATTEMPTS = 2  # a job whose worker dies mid-render runs once more, then fails


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ReelError(f"{name} must be a number (got {raw!r})") from None
    if value <= 0:
        raise ReelError(f"{name} must be greater than 0 (got {raw!r})")
    return value


def data_dir() -> Path:
    """REEL_DATA_DIR (default ./data), absolute: job folders, jobs.db and queue.db live here."""
    return Path(os.environ.get("REEL_DATA_DIR") or "data").resolve()


def queue_url() -> Optional[str]:
    """REEL_QUEUE_URL: a redis:// URL to share the queue between hosts; None means SQLite."""
    return os.environ.get("REEL_QUEUE_URL") or None


def job_timeout() -> float:
    """REEL_JOB_TIMEOUT: seconds one render may take before it fails as "timed out"."""
    return _number("REEL_JOB_TIMEOUT", 600)


def max_pending() -> int:
    """REEL_MAX_PENDING: waiting jobs beyond which create answers "queue full"."""
    return int(_number("REEL_MAX_PENDING", 100))


def embedded_workers() -> int:
    """REEL_EMBEDDED_WORKERS: worker processes `python app.py` starts beside itself (0: none,
    the consumers run elsewhere, e.g. `huey_consumer` on other hosts)."""
    raw = os.environ.get("REEL_EMBEDDED_WORKERS", "").strip() or "1"
    if not raw.isdigit():
        raise ReelError(f"REEL_EMBEDDED_WORKERS must be a whole number, 0 or more (got {raw!r})")
    return int(raw)


def max_jobs_per_owner() -> int:
    """REEL_MAX_JOBS_PER_OWNER: one owner's pending + processing jobs beyond which create refuses."""
    return int(_number("REEL_MAX_JOBS_PER_OWNER", 3))


def cache_max_age() -> float:
    """REEL_CACHE_MAX_AGE: seconds a file may stay in Gradio's cache (uploads, served copies)."""
    return _number("REEL_CACHE_MAX_AGE", 6 * 3600)


def retention_hours() -> float:
    """REEL_RETENTION_HOURS: finished jobs and their files are deleted after this long."""
    return _number("REEL_RETENTION_HOURS", 24)


def worker_stale_after() -> float:
    """REEL_WORKER_STALE: seconds without a heartbeat after which a worker counts as gone."""
    return _number("REEL_WORKER_STALE", 60)
