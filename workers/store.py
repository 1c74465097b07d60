"""Job records and worker heartbeats in SQLite (sqlite-utils), shared by every process.

Two tables, created or migrated when a process first opens REEL_DATA_DIR/jobs.db:
  jobs     one row per job (owner, state, progress, stage, error, options, inputs, outputs...)
  workers  one row per worker (host, pid, own process group, last heartbeat, current job)

Every change a worker makes to a job is conditional on still owning it (same worker,
same attempt, still "processing"): a job that was deleted, recovered or timed out in
the meantime refuses the update, so no job is ever finished twice.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

from sqlite_utils import Database

from reel.errors import ReelError
from workers import settings

STATES = ("pending", "processing", "completed", "failed", "cancelled")
FINISHED = ("completed", "failed", "cancelled")
HOST = socket.gethostname()
_JOB_ID = re.compile(r"[0-9a-f]{32}")
_JOB_COLUMNS = {"id": str, "owner": str, "state": str, "progress": int, "stage": str, "error": str,
                "options": str, "inputs": str, "outputs": str, "backend": str, "attempts": int,
                "worker": str, "duration": float, "transcribed": int, "clip": str, "language": str,
                "created_at": str, "started_at": str, "finished_at": str}
_WORKER_COLUMNS = {"id": str, "host": str, "pid": int, "pgid": int, "started_at": str, "beat": float,
                   "job": str}
_JSON_FIELDS = ("options", "inputs", "outputs")
_OWNED = "id = ? AND state = 'processing' AND worker = ? AND attempts = ?"
STRAY_FOLDER_AGE = 3600  # s; a job folder without a record (crash mid-create) is removed after this

_local = threading.local()


class JobNotFound(ReelError):
    """No job with this id (never created, deleted, expired, or not a valid id)."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check_id(job_id) -> str:
    """The id itself when it is a well-formed job id (32 hex digits); JobNotFound otherwise."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise JobNotFound("job not found")
    return job_id


def jobs_root() -> Path:
    return settings.data_dir() / "jobs"


def job_dir(job_id: str) -> Path:
    """REEL_DATA_DIR/jobs/<id>; the id is checked, so the path never leaves that folder."""
    return jobs_root() / check_id(job_id)


def db() -> Database:
    """This thread's connection to jobs.db (one per thread and process; never shared across fork)."""
    path = settings.data_dir() / "jobs.db"
    key = (os.getpid(), path)
    if getattr(_local, "key", None) != key:
        _local.db, _local.key = _open(path), key
    return _local.db


def _open(path: Path) -> Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    database = Database(sqlite3.connect(path, timeout=30))
    deadline = time.monotonic() + 30
    while True:  # several processes may create the file at once; WAL setup can briefly say "locked"
        try:
            database.enable_wal()
            database["jobs"].create(_JOB_COLUMNS, pk="id", if_not_exists=True, transform=True)
            database["jobs"].create_index(["state", "created_at"], if_not_exists=True)
            database["jobs"].create_index(["owner", "created_at"], if_not_exists=True)
            database["workers"].create(_WORKER_COLUMNS, pk="id", if_not_exists=True, transform=True)
            return database
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _write(sql: str, params: tuple) -> int:
    """Run one write statement (committed at once); returns the number of rows it changed."""
    return db().execute(sql, params).rowcount


def public(row: dict) -> dict:
    """A jobs row as the job dict of the API (JSON fields decoded, internals left out)."""
    job = {k: v for k, v in row.items() if k != "worker"}
    for name in _JSON_FIELDS:
        job[name] = json.loads(row[name]) if row[name] else {}
    job["transcribed"] = bool(row["transcribed"])
    job["clip"] = json.loads(row["clip"]) if row.get("clip") else None
    return job


# -- the API side: create, read, list, delete --------------------------------------------------

ACTIVE = ("pending", "processing")


def insert_job(job: dict, max_pending: int, max_per_owner: int) -> Optional[str]:
    """Insert a new pending job unless the queue or its owner is full (one atomic statement).

    Returns None when inserted, else why not: "queue" (max_pending jobs already wait) or
    "owner" (its owner already has max_per_owner jobs pending or processing). A job
    without an owner (the operator's) only counts against the queue.
    """
    row = {name: job.get(name) for name in _JOB_COLUMNS}
    for name in _JSON_FIELDS:
        row[name] = json.dumps(row[name]) if row[name] is not None else None
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    queue_room = "(SELECT count(*) FROM jobs WHERE state = 'pending') < ?"
    owner_room = "(? IS NULL OR (SELECT count(*) FROM jobs WHERE owner = ? AND state IN (?, ?)) < ?)"
    owner_args = (row["owner"], row["owner"], *ACTIVE, max_per_owner)
    sql = f"INSERT INTO jobs ({columns}) SELECT {marks} WHERE {queue_room} AND {owner_room}"
    if _write(sql, (*row.values(), max_pending, *owner_args)) == 1:
        return None
    owner_full = db().execute(f"SELECT NOT {owner_room}", owner_args).fetchone()[0]
    return "owner" if owner_full else "queue"


def find_job(job_id: str) -> Optional[dict]:
    rows = list(db()["jobs"].rows_where("id = ?", [check_id(job_id)]))
    return rows[0] if rows else None


def get_job(job_id: str) -> dict:
    row = find_job(job_id)
    if row is None:
        raise JobNotFound("job not found")
    return public(row)


def list_jobs(state: Optional[str], limit: int, offset: int, owner: Optional[str] = None) -> list[dict]:
    """Jobs newest first; only one state's and one owner's when given (owner None: everyone's)."""
    conditions = [(name, value) for name, value in (("state", state), ("owner", owner)) if value is not None]
    where = " AND ".join(f"{name} = ?" for name, _ in conditions) or None
    rows = db()["jobs"].rows_where(where, [value for _, value in conditions] or None,
                                   order_by="created_at DESC, rowid DESC", limit=limit, offset=offset)
    return [public(r) for r in rows]


def delete_row(job_id: str) -> bool:
    return _write("DELETE FROM jobs WHERE id = ?", (check_id(job_id),)) == 1


def writable() -> None:
    """Take and release the write lock of jobs.db (raises sqlite3.Error when that fails)."""
    conn = db().conn
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("ROLLBACK")


def counts() -> dict:
    found = dict(db().execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall())
    return {state: found.get(state, 0) for state in STATES}


# -- the worker side: claim, report, finish, hand back ------------------------------------------

def claim(job_id: str, worker: str) -> Optional[dict]:
    """Take a pending job for this worker (counts one attempt); None if it is not pending."""
    changed = _write("UPDATE jobs SET state = 'processing', worker = ?, attempts = attempts + 1, "
                     "started_at = ?, finished_at = NULL, progress = 0, stage = 'starting', error = NULL "
                     "WHERE id = ? AND state = 'pending'", (worker, now_iso(), job_id))
    return public(find_job(job_id)) if changed else None


def report(job_id: str, worker: str, attempt: int, stage: str, progress: int) -> bool:
    """Record progress; False when the job is no longer this worker's (stop working on it)."""
    return _write(f"UPDATE jobs SET stage = ?, progress = ? WHERE {_OWNED}",
                  (stage, progress, job_id, worker, attempt)) == 1


def finish(job_id: str, worker: str, attempt: int, state: str, **fields) -> bool:
    """Mark an owned job completed or failed with extra fields; False if no longer owned."""
    values = {"state": state, "finished_at": now_iso(), **fields}
    for name in ("outputs", "clip"):
        if values.get(name) is not None:
            values[name] = json.dumps(values[name])
    sets = ", ".join(f"{name} = ?" for name in values)
    return _write(f"UPDATE jobs SET {sets} WHERE {_OWNED}",
                  (*values.values(), job_id, worker, attempt)) == 1


def requeue(job_id: str, worker: str, attempt: int, refund: bool) -> bool:
    """Hand an owned job back as pending (refund: the attempt does not count)."""
    return _write("UPDATE jobs SET state = 'pending', worker = NULL, progress = 0, stage = 'queued', "
                  f"attempts = attempts - ? WHERE {_OWNED}",
                  (int(refund), job_id, worker, attempt)) == 1


# -- heartbeats and recovery ---------------------------------------------------------------------

def beat(worker: str, pgid: Optional[int]) -> None:
    """Say this worker is alive (refresh its row, or add it on the first beat)."""
    if not _write("UPDATE workers SET beat = ? WHERE id = ?", (time.time(), worker)):
        db()["workers"].insert({"id": worker, "host": HOST, "pid": os.getpid(), "pgid": pgid,
                                "started_at": now_iso(), "beat": time.time()}, pk="id", replace=True)


def set_current_job(worker: str, job_id: Optional[str]) -> None:
    """Say which job this worker is on (None: none); a job its worker is not on is stranded."""
    _write("UPDATE workers SET job = ? WHERE id = ?", (job_id, worker))


def forget_worker(worker: str) -> None:
    _write("DELETE FROM workers WHERE id = ?", (worker,))


def alive_workers(stale_after: float) -> int:
    return db()["workers"].count_where("beat >= ?", [time.time() - stale_after])


def stranded_jobs(stale_after: float) -> list[tuple[dict, Optional[dict]]]:
    """Processing jobs whose worker stopped beating or is not on them: (job, its worker or None)."""
    cutoff = time.time() - stale_after
    rows = db().execute(
        "SELECT jobs.id, jobs.worker, jobs.attempts, workers.host, workers.pid, workers.pgid "
        "FROM jobs LEFT JOIN workers ON workers.id = jobs.worker "
        "WHERE jobs.state = 'processing' AND (workers.id IS NULL OR workers.beat < ? OR workers.job IS NOT jobs.id)",
        (cutoff,)).fetchall()
    return [({"id": r[0], "worker": r[1], "attempts": r[2]},
             {"host": r[3], "pid": r[4], "pgid": r[5]} if r[3] is not None else None) for r in rows]


def forget_stale_workers(stale_after: float) -> None:
    _write("DELETE FROM workers WHERE beat < ?", (time.time() - stale_after,))


# -- expiry ------------------------------------------------------------------------------------

def expire_jobs(retention_hours: float) -> int:
    """Delete finished jobs older than the retention, and stray job folders; returns jobs removed."""
    cutoff = (datetime.now(timezone.utc) - timedelta(hours=retention_hours)).isoformat(timespec="seconds")
    marks = ", ".join("?" * len(FINISHED))
    old = [r["id"] for r in db()["jobs"].rows_where(f"state IN ({marks}) AND finished_at < ?",
                                                    [*FINISHED, cutoff], select="id")]
    for job_id in old:
        shutil.rmtree(job_dir(job_id), ignore_errors=True)
        delete_row(job_id)
    known = {r["id"] for r in db()["jobs"].rows_where(select="id")}
    root = jobs_root()
    if root.is_dir():
        for folder in root.iterdir():
            if folder.name not in known and time.time() - folder.stat().st_mtime > STRAY_FOLDER_AGE:
                shutil.rmtree(folder, ignore_errors=True)
    return len(old)
