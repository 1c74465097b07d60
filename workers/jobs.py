"""The job API the app, the tests and scripts use: create, get, list, delete, outputs, health.

    job = jobs.create_job("photo.jpg", "song.mp3", lyrics_text, {"style": "pop"})
    jobs.wait_for_job(job["id"], timeout=600)
    jobs.job_output(job["id"], "video")   # -> Path of the MP4

A job is a folder REEL_DATA_DIR/jobs/<id>/ (inputs under fixed names: image.<ext>,
audio.<ext>, lyrics.txt, timings.json, font.<ttf|otf>; outputs beside them) plus a record in jobs.db.
Job dicts: id, owner, state, progress (0-100), stage, error, options, inputs, outputs,
backend, attempts, created_at/started_at/finished_at (ISO 8601 UTC), duration (of the video),
transcribed, clip ([start, end] of the song the video shows, e.g. the chorus found; None: all),
language (the lyrics' language the words were timed in, chosen or detected; null before).

Every job has an owner (an opaque string the app derives from who asks; None for jobs
the operator creates here). Each function takes `owner`: given, it acts on that
owner's jobs only, and another owner's job answers exactly as an unknown id does;
None (the default: the operator, scripts, tests) acts on every job.
"""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, Optional

from PIL import Image

from reel.align import check_transcription
from reel.errors import ReelError
from reel.fonts import check_font_file, font_suffix
from reel.media import probe_audio
from reel.model import ReelOptions, Word, words_from_dicts, words_to_json
from reel.pipeline import OUTPUT_NAMES, fit_words, validate_inputs
from workers import backends, queue, settings, store, tasks
from workers.store import STATES, JobNotFound

__all__ = ["create_job", "get_job", "list_jobs", "delete_job", "job_output", "job_outputs", "wait_for_job",
           "health", "start_embedded_worker", "stop_embedded_worker", "JobNotFound", "STATES"]

log = logging.getLogger("reel.workers")
TERMINAL = ("completed", "failed", "cancelled")
MIN_FREE_DISK_MB = 200
_IMAGE_SUFFIX = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_embedded: Optional[subprocess.Popen] = None


def create_job(image_path, audio_path, lyrics: Optional[str], options: Optional[dict] = None,
               words: Optional[list[dict]] = None, backend: str = "auto", font_file=None,
               owner: Optional[str] = None) -> dict:
    """Check the inputs, copy them into a new job folder, record it "pending" and enqueue it.

    `font_file` is an uploaded TTF/OTF to draw the captions with (copied as the job's
    `font` input). Raises ReelError with a message for the user: bad input (same checks
    as the pipeline), "queue full", or the owner's fair share (REEL_MAX_JOBS_PER_OWNER
    jobs pending or processing) used up. A refused job leaves nothing on disk.
    """
    reel_options = ReelOptions.from_dict(options)
    if font_file:
        check_font_file(font_file)
    timings = words_from_dicts(words) if words is not None else None
    backend = backends.resolve(backend)
    if lyrics is None and timings is None:
        check_transcription(reel_options.aligner)  # no lyrics, and no aligner to transcribe the song
    duration = validate_inputs(image_path, audio_path, lyrics, reel_options)
    if timings is not None:
        fit_words(timings, duration)

    job_id = uuid.uuid4().hex
    folder = store.job_dir(job_id)
    folder.mkdir(parents=True)
    try:
        inputs = copy_inputs(folder, Path(image_path), Path(audio_path), lyrics, timings)
        if font_file:
            inputs["font"] = f"font{font_suffix(font_file)}"
            shutil.copyfile(font_file, folder / inputs["font"])
        job = {"id": job_id, "owner": owner, "state": "pending", "progress": 0, "stage": "queued", "options": reel_options.to_dict(),
               "inputs": inputs, "outputs": {}, "backend": backend, "attempts": 0, "transcribed": 0,
               "created_at": store.now_iso()}
        refused = store.insert_job(job, settings.max_pending(), settings.max_jobs_per_owner())
        if refused == "owner":
            raise ReelError(f"you already have {settings.max_jobs_per_owner()} jobs waiting or rendering "
                            "(the limit per person); wait for one to finish or delete one")
        if refused == "queue":
            raise ReelError(f"queue full: {settings.max_pending()} jobs are already waiting; "
                            "please try again in a few minutes")
        enqueue(job_id)
    except BaseException:
        store.delete_row(job_id)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return store.get_job(job_id)


def copy_inputs(folder: Path, image: Path, audio: Path, lyrics: Optional[str],
                timings: Optional[list[Word]]) -> dict:
    """Write the inputs under fixed names (the extension from the content, never the upload's name)."""
    with Image.open(image) as img:
        image_name = f"image.{_IMAGE_SUFFIX[img.format]}"
    audio_name = f"audio.{probe_audio(audio).format.lower()}"
    shutil.copyfile(image, folder / image_name)
    shutil.copyfile(audio, folder / audio_name)
    inputs = {"image": image_name, "audio": audio_name, "lyrics": None, "timings": None}
    if lyrics is not None:
        (folder / "lyrics.txt").write_text(lyrics, encoding="utf-8")
        inputs["lyrics"] = "lyrics.txt"
    if timings is not None:
        (folder / "timings.json").write_text(words_to_json(timings, []), encoding="utf-8")
        inputs["timings"] = "timings.json"
    return inputs


def enqueue(job_id: str) -> None:
    try:
        tasks.render_job(job_id)
    except Exception as exc:
        log.exception("could not enqueue job %s", job_id)
        raise ReelError("the job queue is not reachable right now; please try again later") from exc


def get_job(job_id: str, owner: Optional[str] = None) -> dict:
    """The job dict; JobNotFound for unknown or malformed ids and for another owner's job."""
    job = store.get_job(job_id)
    if owner is not None and job["owner"] != owner:
        raise JobNotFound("job not found")
    return job


def list_jobs(state: Optional[str] = None, limit: int = 50, offset: int = 0,
              owner: Optional[str] = None) -> list[dict]:
    """Jobs newest first, optionally only those in one state; `limit` 1..500 per page."""
    if state is not None and state not in STATES:
        raise ReelError(f"state must be one of {', '.join(STATES)} (got {state!r})")
    if not 1 <= int(limit) <= 500 or int(offset) < 0:
        raise ReelError("limit must be 1..500 and offset 0 or more")
    return store.list_jobs(state, int(limit), int(offset), owner)


def delete_job(job_id: str, owner: Optional[str] = None) -> bool:
    """Delete a job and every file of it; a running render stops within a second.

    Returns False when there was no such job (or it is another owner's). The worker
    rendering it notices that its record is gone, kills its ffmpeg and removes anything
    it wrote afterwards.
    """
    try:
        folder = store.job_dir(job_id)
        if owner is not None:
            get_job(job_id, owner)
    except JobNotFound:
        return False
    had_files = folder.exists()
    existed = store.delete_row(job_id)
    shutil.rmtree(folder, ignore_errors=True)
    return existed or had_files


def job_output(job_id: str, kind: str, owner: Optional[str] = None) -> Path:
    """Path of a finished job's output: kind is video, srt, ass, vtt or words."""
    if kind not in OUTPUT_NAMES:
        raise ReelError(f"output kind must be one of {', '.join(OUTPUT_NAMES)} (got {kind!r})")
    job = get_job(job_id, owner)
    if job["state"] != "completed":
        raise ReelError(f"the job is not finished (it is {job['state']})")
    path = store.job_dir(job_id) / Path(job["outputs"][kind]).name
    if not path.is_file():
        raise ReelError(f"the {kind} file of this job is missing")
    return path


def job_outputs(job_id: str, owner: Optional[str] = None) -> list[Path]:
    """The output files a job has now (none until it completes)."""
    job = get_job(job_id, owner)
    paths = [store.job_dir(job_id) / Path(name).name for name in job["outputs"].values()]
    return [path for path in paths if path.is_file()]


def wait_for_job(job_id: str, timeout: float, poll: float = 0.5, owner: Optional[str] = None,
                 on_update: Optional[Callable[[dict], None]] = None) -> dict:
    """Poll until the job is completed, failed or cancelled; ReelError after `timeout` s.

    `on_update(job)` sees the job at every poll (to show its progress)."""
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(job_id, owner)
        if on_update is not None:
            on_update(job)
        if job["state"] in TERMINAL:
            return job
        if time.monotonic() >= deadline:
            raise ReelError(f"the job is still {job['state']} after {timeout:g} s")
        time.sleep(poll)


def health() -> dict:
    """Is everything needed to finish jobs there? db, queue, a live worker, free disk, counts."""
    result = {"db": _probe(store.writable), "queue": _probe(_queue_status), "workers_alive": 0,
              "free_disk_mb": 0, "counts": {}}
    if result["db"]["ok"]:
        result["workers_alive"] = store.alive_workers(settings.worker_stale_after())
        result["counts"] = store.counts()
    folder = settings.data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    result["free_disk_mb"] = shutil.disk_usage(folder).free // 2**20
    result["ok"] = (result["db"]["ok"] and result["queue"]["ok"] and result["workers_alive"] > 0
                    and result["free_disk_mb"] >= MIN_FREE_DISK_MB)
    return result


def _queue_status() -> dict:
    return {"kind": queue.kind(queue.huey), "waiting": queue.huey.storage.queue_size()}


def _probe(check) -> dict:
    try:
        return {"ok": True, **(check() or {})}
    except Exception as exc:  # health reports problems, it does not raise them
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def start_embedded_worker(workers: int = 1) -> None:
    """Start a consumer process beside the app (`python -m workers.worker`); it stops with the app.

    Does nothing when this process already started one that is still running.
    """
    global _embedded
    if _embedded is not None and _embedded.poll() is None:
        return
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, REEL_DATA_DIR=str(settings.data_dir()),
               PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
    _embedded = subprocess.Popen([sys.executable, "-m", "workers.worker", "--workers", str(int(workers)),
                                  "--parent", str(os.getpid())], env=env, start_new_session=True)
    atexit.register(stop_embedded_worker)


def stop_embedded_worker(timeout: float = 15) -> None:
    """Stop the consumer started by start_embedded_worker; jobs in flight go back to the queue."""
    global _embedded
    if _embedded is None:
        return
    if _embedded.poll() is None:
        _embedded.send_signal(signal.SIGTERM)
        try:
            _embedded.wait(timeout)
        except subprocess.TimeoutExpired:
            _embedded.kill()
            _embedded.wait()
    _embedded = None
