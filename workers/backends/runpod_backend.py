"""The RunPod backend: render a queued job on a RunPod serverless endpoint.

`run(job, job_dir, report, cancel)` (the signature every backend shares) sends the
job's inputs to RUNPOD_ENDPOINT_ID with the `runpod` SDK, polls the remote status
(IN_QUEUE while a worker cold-starts, IN_PROGRESS with the handler's
{"stage", "progress"}), then writes the video, subtitles and words file into job_dir
under the same names as a local render. Deleting the job (`cancel` set) cancels the
remote job (the job's own time limit, REEL_JOB_TIMEOUT, works the same way). Settings:
  RUNPOD_API_KEY, RUNPOD_ENDPOINT_ID   where to send jobs (both needed)
  REEL_RUNPOD_QUEUE_TIMEOUT   s to wait for a worker to pick the job up (default 300)
  REEL_RUNPOD_POLL            s between status checks (default 1)
  REEL_RUNPOD_FALLBACK=1      render locally when RunPod cannot run the job
Inputs go inline (base64) up to RunPod's 10 MB request limit; larger ones are
uploaded with the SDK's bucket helper when BUCKET_* settings exist here too.
"""
from __future__ import annotations

import base64
import json
import os
import threading
import time
from pathlib import Path
from typing import Callable

import requests
import runpod
from runpod.serverless.utils import rp_upload

from reel.errors import Cancelled, ReelError
from reel.pipeline import OUTPUT_NAMES
from workers.download import fetch_url
from workers.runpod_handler import bucket_configured

INLINE_INPUT_BYTES = 7 * 2**20  # base64 grows by 4/3: stays under RunPod's 10 MB /run limit
POLL_ERRORS_TOLERATED = 5  # consecutive failed status checks before giving up
VIDEO_LIMIT = 2**30  # a reel of the longest accepted song is far below this


class RemoteUnavailable(ReelError):
    """RunPod could not run the job (unreachable, refused, no worker, crashed): fallback applies."""


def _seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        raise ReelError(f"{name} must be a number of seconds") from None


def run(job: dict, job_dir: Path, report: Callable[[str, float], None], cancel: threading.Event) -> dict:
    """Render the job on RunPod; outputs dict as a local render returns it."""
    try:
        return run_remote(job, Path(job_dir), report, cancel)
    except RemoteUnavailable as exc:
        if os.environ.get("REEL_RUNPOD_FALLBACK") != "1":
            raise
        report(f"RunPod failed ({exc}); rendering here", 0.0)
        from workers.backends import local
        return local.run(job, job_dir, report, cancel)


def run_remote(job: dict, job_dir: Path, report: Callable[[str, float], None], cancel: threading.Event) -> dict:
    """Submit, follow and fetch one remote job."""
    if not (os.environ.get("RUNPOD_API_KEY") and os.environ.get("RUNPOD_ENDPOINT_ID")):
        raise RemoteUnavailable("RunPod is not configured: set RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID")
    endpoint = runpod.Endpoint(os.environ["RUNPOD_ENDPOINT_ID"], api_key=os.environ["RUNPOD_API_KEY"])
    report("uploading", 0.0)
    remote = call(endpoint.run, {"input": job_payload(job, job_dir)})
    try:
        state = follow(remote, report, cancel)
    except BaseException:  # cancelled, timed out, or the worker process is stopping
        cancel_remote(remote)
        raise
    if state.get("status") != "COMPLETED":
        raise remote_failure(state.get("status"), state.get("error"))
    report("downloading", 1.0)
    return fetch_outputs(state.get("output") or {}, job_dir)


def call(request, *args, **kwargs):
    """One SDK request, its failures turned into RemoteUnavailable with a readable reason."""
    try:
        return request(*args, **kwargs)
    except RuntimeError as exc:  # the SDK raises RuntimeError for 401 and a missing key
        raise RemoteUnavailable(f"RunPod refused the API key ({exc})") from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        hint = {404: " (is RUNPOD_ENDPOINT_ID right?)", 429: " (the endpoint's queue is full)"}.get(status, "")
        raise RemoteUnavailable(f"RunPod answered HTTP {status}{hint}") from None
    except requests.RequestException as exc:
        raise RemoteUnavailable(f"RunPod unreachable: {type(exc).__name__}") from None
    except (KeyError, ValueError) as exc:
        raise RemoteUnavailable(f"RunPod sent an unexpected answer ({exc})") from None


def job_payload(job: dict, job_dir: Path) -> dict:
    """The handler's input: the job's files (inline or bucket URLs), lyrics, options, words."""
    image, audio = job_dir / job["inputs"]["image"], job_dir / job["inputs"]["audio"]
    payload = {"image_name": image.name, "audio_name": audio.name,
               "lyrics": job.get("lyrics"), "options": job.get("options") or {}}
    if job.get("words"):
        payload["words"] = job["words"]
    if job["inputs"].get("font"):  # fonts are small (<= 50 MB checked): always inline
        payload["font"] = encode_file(job_dir / job["inputs"]["font"])
        payload["font_name"] = job["inputs"]["font"]
    total = image.stat().st_size + audio.stat().st_size
    if total <= INLINE_INPUT_BYTES:
        payload["image"], payload["audio"] = encode_file(image), encode_file(audio)
    elif bucket_configured():
        for kind, path in (("image", image), ("audio", audio)):
            payload[kind] = rp_upload.upload_file_to_bucket(f"{job['id']}-{path.name}", str(path),
                                                            bucket_name=os.environ.get("BUCKET_NAME") or None,
                                                            prefix="reel-inputs")
    else:
        raise RemoteUnavailable(f"the image and audio are {total / 2**20:.1f} MB together, more than RunPod "
                                f"accepts inline ({INLINE_INPUT_BYTES // 2**20} MB); set BUCKET_ENDPOINT_URL, "
                                "BUCKET_ACCESS_KEY_ID and BUCKET_SECRET_ACCESS_KEY to send them through a bucket")
    return payload


def encode_file(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def remote_state(remote) -> dict:
    """The remote job's status record (one GET {endpoint}/status/{id}, as the SDK's Job.status does)."""
    return remote.rp_client.get(f"{remote.endpoint_id}/status/{remote.job_id}")


def follow(remote, report: Callable[[str, float], None], cancel: threading.Event) -> dict:
    """Poll until the remote job ends (its final status record); raises on cancel and cold-start time-out."""
    poll = _seconds("REEL_RUNPOD_POLL", 1.0)
    queue_timeout = _seconds("REEL_RUNPOD_QUEUE_TIMEOUT", 300)
    started = time.monotonic()
    picked_up, errors = False, 0
    while True:
        if cancel.is_set():
            raise Cancelled("cancelled")
        try:
            state = call(remote_state, remote)
            errors = 0
        except RemoteUnavailable:
            errors += 1
            if errors >= POLL_ERRORS_TOLERATED:
                raise
            state = {"status": "UNKNOWN"}
        status = state.get("status")
        if status in ("COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"):
            return state
        if status == "IN_PROGRESS":
            picked_up = True
            shown = state.get("output")
            if isinstance(shown, dict) and "stage" in shown:
                report(str(shown["stage"]), max(0.0, min(1.0, float(shown.get("progress", 0)) / 100)))
        elif status == "IN_QUEUE" and not picked_up:
            report("waiting for a RunPod worker", 0.0)
            if time.monotonic() - started > queue_timeout:
                raise RemoteUnavailable(f"no RunPod worker picked the job up within {queue_timeout:.0f} s "
                                        "(cold start, or no GPUs free); try again later")
        cancel.wait(poll)


def remote_failure(status: str, error) -> ReelError:
    """A failed remote job as an error: the handler's own message is for the user as is."""
    if status == "TIMED_OUT":
        return RemoteUnavailable("the RunPod job ran past the endpoint's execution timeout")
    if status == "CANCELLED":
        return RemoteUnavailable("the RunPod job was cancelled on RunPod")
    try:
        crash = json.loads(error) if isinstance(error, str) else None
    except ValueError:
        crash = None
    if isinstance(crash, dict) and "error_type" in crash:
        return RemoteUnavailable(f"the RunPod worker crashed: {crash.get('error_message') or crash['error_type']}")
    return ReelError(str(error or "the RunPod job failed without a message"))


def cancel_remote(remote) -> None:
    """Ask RunPod to stop the remote job (best effort: the local job ends either way)."""
    try:
        remote.cancel()
    except (requests.RequestException, RuntimeError):
        pass


def fetch_outputs(output: dict, job_dir: Path) -> dict:
    """Write the handler's output into job_dir; returns {kind: file name} plus duration, transcribed and clip."""
    video = output.get("video") if isinstance(output, dict) else None
    if not isinstance(video, dict) or not ("base64" in video or "url" in video):
        raise RemoteUnavailable("the RunPod worker returned no video (is the endpoint running reel's handler?)")
    target = job_dir / OUTPUT_NAMES["video"]
    if "base64" in video:
        target.write_bytes(base64.b64decode(video["base64"]))
    else:
        try:
            fetch_url(video["url"], target, VIDEO_LIMIT, "rendered video")
        except ReelError as exc:
            raise RemoteUnavailable(str(exc)) from None
    for kind in ("srt", "ass", "vtt", "lrc"):
        (job_dir / OUTPUT_NAMES[kind]).write_text(output.get(kind) or "", encoding="utf-8")
    (job_dir / OUTPUT_NAMES["words"]).write_text(json.dumps(output.get("words") or {}, ensure_ascii=False, indent=1),
                                                 encoding="utf-8")
    return {"outputs": dict(OUTPUT_NAMES), "duration": output.get("duration"),
            "transcribed": bool(output.get("transcribed")), "clip": output.get("clip"),
            "language": output.get("language")}
