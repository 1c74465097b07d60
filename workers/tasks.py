"""The Huey task that renders one job, and every worker's heartbeat.

`render_job(job_id)` claims the pending job, runs its backend (local make_reel or
RunPod) beside a `JobWatch` thread that writes progress into the record, notices when
the job was deleted or recovered elsewhere, and enforces REEL_JOB_TIMEOUT; then it
records the job completed or failed — only while the job is still its own.

Each worker beats in the `workers` table every few seconds; with each beat it also
recovers jobs left "processing" by workers that stopped beating (killing a dead
worker's leftover ffmpeg on this host): re-enqueued once, failed after MAX_ATTEMPTS.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from types import ModuleType
from typing import Optional

from reel.errors import ReelError
from reel.model import words_from_json
from workers import procs, settings, store
from workers.queue import huey

log = logging.getLogger("reel.workers")

POLL = 0.5  # s between progress writes / ownership checks of a running job
KILL_GRACE = 30  # s past the timeout before a render that ignores `cancel` is killed
EXPIRY_EVERY = 300  # s between sweeps for expired jobs, per worker

_me = threading.local()  # this worker's id, process group and stop flag (a thread per worker in -k thread)


# -- the task ------------------------------------------------------------------------------------

@huey.task()
def render_job(job_id: str) -> None:
    """Render one job if it is still pending; the outcome goes into its record."""
    worker = current_worker()
    store.set_current_job(worker, job_id)  # before the claim: never "processing" on a worker not on it
    try:
        job = store.claim(job_id, worker)
        if job is not None:
            render_claimed(job, worker)
    finally:
        store.set_current_job(worker, None)  # had the render ended without a record, recovery now sees it


def render_claimed(job: dict, worker: str) -> None:
    log.info("job %s: attempt %d on %s (%s)", job["id"], job["attempts"], worker, job["backend"])
    with JobWatch(job, worker, _me.pgid) as watch:
        state, fields = run_backend(job, watch)
    if watch.timed_out:
        state, fields = "failed", {"error": timed_out_message()}
    if store.finish(job["id"], worker, job["attempts"], state, **fields):
        log.info("job %s: %s %s", job["id"], state, fields.get("error") or "")
    elif store.find_job(job["id"]) is None:
        shutil.rmtree(store.job_dir(job["id"]), ignore_errors=True)  # deleted mid-render: leave nothing


def run_backend(job: dict, watch: "JobWatch") -> tuple[str, dict]:
    """(state, record fields) after running the job's backend."""
    try:
        job = {**job, **read_inputs(job)}
        result = backend_module(job["backend"]).run(job, store.job_dir(job["id"]), watch.report, watch.cancel)
    except KeyboardInterrupt:  # the consumer is stopping: the job waits for the next start
        if store.requeue(job["id"], watch.worker, job["attempts"], refund=True):
            render_job(job["id"])
        raise
    except ReelError as exc:
        return "failed", {"error": str(exc)}
    except Exception:
        if not watch.cancel.is_set():  # (a deleted job's files vanish under it: no surprise there)
            log.exception("job %s: unexpected error", job["id"])
        return "failed", {"error": "rendering failed unexpectedly; please try again"}
    return "completed", {"outputs": result["outputs"], "duration": result["duration"],
                         "transcribed": int(bool(result.get("transcribed"))), "clip": result.get("clip"),
                         "language": result.get("language"),
                         "progress": 100, "stage": "done", "error": None}


def read_inputs(job: dict) -> dict:
    """The job's lyrics text and edited word timings (dicts), read from its folder (or None)."""
    folder, inputs = store.job_dir(job["id"]), job["inputs"]
    lyrics = (folder / inputs["lyrics"]).read_text(encoding="utf-8") if inputs.get("lyrics") else None
    words = [w.to_dict() for w in words_from_json((folder / inputs["timings"]).read_text(encoding="utf-8"))] \
        if inputs.get("timings") else None
    return {"lyrics": lyrics, "words": words}


def backend_module(name: str) -> ModuleType:
    if name == "runpod":
        from workers.backends import runpod_backend
        return runpod_backend
    from workers.backends import local
    return local


def timed_out_message() -> str:
    return f"timed out: rendering took longer than {settings.job_timeout():g} s"


class JobWatch:
    """Runs beside one render: progress into the record, cancel when lost, the time limit."""

    def __init__(self, job: dict, worker: str, pgid: Optional[int]):
        """`pgid`: the process group this worker leads (killed if the render ignores cancel), or None."""
        self.job_id, self.worker, self.attempt, self.pgid = job["id"], worker, job["attempts"], pgid
        self.cancel = threading.Event()
        self.timed_out = self._killed = False
        self._latest = ("starting", 0)
        self._done = threading.Event()
        self._deadline = time.monotonic() + settings.job_timeout()
        self._thread = threading.Thread(target=self._watch, name=f"watch-{self.job_id[:8]}", daemon=True)

    def report(self, stage: str, fraction: float) -> None:
        """The backend's progress callback: kept in memory, written by the watch thread."""
        self._latest = (stage, int(round(100 * max(0.0, min(1.0, fraction)))))

    def __enter__(self) -> "JobWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(POLL):
            late = time.monotonic() - self._deadline
            if late >= 0 and not self.timed_out:
                log.warning("job %s: timed out, cancelling", self.job_id)
                self.timed_out = True
                self.cancel.set()
            if late >= KILL_GRACE and not self._killed:
                self._killed = True
                self._kill_stuck_render()
            try:
                owned = store.report(self.job_id, self.worker, self.attempt, *self._latest)
            except Exception as exc:  # a locked database must not end the watch (and its time limit)
                log.warning("job %s: progress not recorded (%s)", self.job_id, exc)
                continue
            if not owned and not self.cancel.is_set():
                log.info("job %s: deleted or taken over, cancelling", self.job_id)
                self.cancel.set()

    def _kill_stuck_render(self) -> None:
        """The render ignored `cancel`: fail the job and kill this worker's group (ffmpeg too)."""
        store.finish(self.job_id, self.worker, self.attempt, "failed", error=timed_out_message())
        if self.pgid is None:
            log.error("job %s: render ignores cancel and cannot be killed in a thread worker", self.job_id)
            return
        log.error("job %s: render ignores cancel; killing worker process group %d", self.job_id, self.pgid)
        procs.kill_group(self.pgid)


# -- heartbeat and recovery ----------------------------------------------------------------------

def current_worker() -> str:
    """This worker's id (host:pid:thread); registers and starts beating on first use."""
    if getattr(_me, "id", None) is None:
        start_heartbeat()
    return _me.id


@huey.on_startup()
def start_heartbeat() -> None:
    """In each new worker: its own process group, a first beat, then the heartbeat thread."""
    _me.pgid = procs.lead_own_group()
    _me.id = f"{store.HOST}:{os.getpid()}:{threading.current_thread().name}"
    _me.stop = threading.Event()
    store.beat(_me.id, _me.pgid)
    threading.Thread(target=heartbeat, args=(_me.id, _me.pgid, _me.stop), name="reel-heartbeat",
                     daemon=True).start()


@huey.on_shutdown()
def stop_heartbeat() -> None:
    if getattr(_me, "id", None) is not None:
        _me.stop.set()
        store.forget_worker(_me.id)


def heartbeat(worker: str, pgid: Optional[int], stop: threading.Event) -> None:
    """Beat, recover stranded jobs, and now and then delete expired jobs, until stopped."""
    next_expiry = time.monotonic()
    interval = min(10.0, settings.worker_stale_after() / 4)
    while True:
        try:
            store.beat(worker, pgid)
            recover_stranded_jobs()
            if time.monotonic() >= next_expiry:
                next_expiry = time.monotonic() + EXPIRY_EVERY
                if removed := store.expire_jobs(settings.retention_hours()):
                    log.info("expired %d old job(s)", removed)
        except Exception:  # a locked or missing database must not end the heartbeat
            log.exception("heartbeat of %s failed", worker)
        if stop.wait(interval):
            return


def recover_stranded_jobs() -> None:
    """Jobs "processing" on a worker that stopped beating (or is not on them): run again once, then fail."""
    stale_after = settings.worker_stale_after()
    for job, owner in store.stranded_jobs(stale_after):
        if owner and owner["host"] == store.HOST and owner["pgid"]:
            procs.kill_leftovers(owner["pgid"])
        if job["attempts"] < settings.MAX_ATTEMPTS:
            if store.requeue(job["id"], job["worker"], job["attempts"], refund=False):
                log.warning("job %s: worker %s stopped; queued again", job["id"], job["worker"])
                render_job(job["id"])
        elif store.finish(job["id"], job["worker"], job["attempts"], "failed",
                          error=f"the worker stopped while rendering (tried {job['attempts']} times)"):
            log.warning("job %s: worker %s stopped; failed after %d attempts",
                        job["id"], job["worker"], job["attempts"])
    store.forget_stale_workers(stale_after)
