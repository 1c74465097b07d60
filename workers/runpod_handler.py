"""RunPod serverless worker: one job = one reel, rendered by `reel.pipeline.make_reel`.

Job input (RunPod's `{"input": {...}}`):
  image, audio   base64 data (a `data:` URI prefix is fine) or an https URL
  image_name, audio_name   optional file names (their extension helps probing)
  lyrics         the lyrics text, or null to transcribe (ElevenLabs only: the worker needs ELEVENLABS_API_KEY)
  options        `ReelOptions` as a dict (style, size, encoder, ...)
  words          optional hand-edited timings [{"text", "start", "end", "line"}, ...]
  font, font_name  optional TTF/OTF to draw the captions with (base64 or an https URL)
Output: {"video": {"base64" | "url", "bytes"}, "srt", "ass", "vtt", "lrc" (texts), "words"
(the words file as JSON), "duration", "transcribed", "clip", "timings", "language"}. The video comes back
inline up to REEL_RUNPOD_INLINE_MB (default 12; RunPod refuses results over 20 MB),
or as a presigned URL when BUCKET_ENDPOINT_URL / BUCKET_ACCESS_KEY_ID /
BUCKET_SECRET_ACCESS_KEY (and optionally BUCKET_NAME) are set. Bad input returns
{"error": "..."}; progress goes out with `runpod.serverless.progress_update` as
{"stage", "progress" (0-100)}.

Run it: `python -m workers.runpod_handler` (on RunPod), or locally with
`--rp_serve_api --rp_api_port 8000` for the SDK's development server.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import json
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urlparse

import runpod
from runpod.serverless.utils import rp_upload

from reel.errors import ReelError
from reel.media import MAX_FILE_BYTES
from reel.model import ReelOptions, ReelResult, Word, words_from_dicts
from reel.pipeline import make_reel
from workers.download import fetch_url

SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")


def inline_limit() -> int:
    """Largest video returned inline (bytes)."""
    return int(float(os.environ.get("REEL_RUNPOD_INLINE_MB", 12)) * 2**20)


def bucket_configured() -> bool:
    """True when the BUCKET_* settings for RunPod's S3 upload helper are all present."""
    return all(os.environ.get(k) for k in ("BUCKET_ENDPOINT_URL", "BUCKET_ACCESS_KEY_ID", "BUCKET_SECRET_ACCESS_KEY"))


def suffix_of(name: Optional[str], default: str) -> str:
    """A safe lower-case extension from a file name or URL path ('.mp3'), else default."""
    suffix = Path(urlparse(name or "").path).suffix.lower()
    return suffix if SAFE_SUFFIX.match(suffix) else default


def fetch_input(value, kind: str, name: Optional[str], folder: Path) -> Path:
    """Write the image or audio given as base64 or an https URL into folder; returns its path."""
    if not isinstance(value, str) or not value.strip():
        raise ReelError(f"'{kind}' is required: base64 data or an https URL")
    value = value.strip()
    dest = folder / f"{kind}{suffix_of(name or (value if '://' in value else None), '.bin')}"
    if value.startswith("https://"):
        fetch_url(value, dest, MAX_FILE_BYTES, kind)
    elif "://" in value[:12]:
        raise ReelError(f"the {kind} URL must start with https://")
    else:
        dest.write_bytes(decode_base64(value, kind))
    return dest


def decode_base64(value: str, kind: str) -> bytes:
    """Bytes of a base64 string (or data: URI), within the size limit."""
    if value.startswith("data:"):
        value = value.partition(",")[2]
    if len(value) * 3 // 4 > MAX_FILE_BYTES:
        raise ReelError(f"the {kind} is larger than the {MAX_FILE_BYTES // 2**20} MB limit")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ReelError(f"the {kind} is neither valid base64 data nor an https URL") from None
    if not data:
        raise ReelError(f"the {kind} is empty")
    return data


def read_request(job_input) -> tuple[Optional[str], ReelOptions, Optional[list[Word]]]:
    """Lyrics, options and words of a job input, type-checked."""
    if not isinstance(job_input, dict):
        raise ReelError("the job input must be an object with image, audio, lyrics and options")
    lyrics = job_input.get("lyrics")
    if lyrics is not None and not isinstance(lyrics, str):
        raise ReelError("'lyrics' must be text or null")
    words = job_input.get("words")
    return lyrics, ReelOptions.from_dict(job_input.get("options")), words_from_dicts(words) if words else None


def package(result: ReelResult, job_id: str) -> dict:
    """The job's output: the video (inline or bucket URL) and the subtitle and words files."""
    size = result.video.stat().st_size
    if bucket_configured():
        url = rp_upload.upload_file_to_bucket(f"{job_id}.mp4", str(result.video),
                                              bucket_name=os.environ.get("BUCKET_NAME") or None, prefix="reel")
        video = {"url": url, "bytes": size}
    elif size <= inline_limit():
        video = {"base64": base64.b64encode(result.video.read_bytes()).decode("ascii"), "bytes": size}
    else:
        raise ReelError(f"the video is {size / 2**20:.1f} MB, more than RunPod can return inline "
                        f"({inline_limit() / 2**20:.0f} MB); set BUCKET_ENDPOINT_URL, BUCKET_ACCESS_KEY_ID "
                        "and BUCKET_SECRET_ACCESS_KEY on the endpoint so the worker uploads it")
    return {"video": video,
            "srt": result.srt.read_text(encoding="utf-8"),
            "ass": result.ass.read_text(encoding="utf-8"),
            "vtt": result.vtt.read_text(encoding="utf-8"),
            "lrc": result.lrc.read_text(encoding="utf-8"),
            "words": json.loads(result.words_json.read_text(encoding="utf-8")),
            "duration": result.duration, "transcribed": result.transcribed, "clip": result.clip,
            "timings": result.timings, "language": result.language}


def render(job_input, job_id: str, progress: Callable[[str, float], None], cancel: threading.Event) -> dict:
    """Fetch the inputs, make the reel in a temporary folder, package the outputs."""
    lyrics, options, words = read_request(job_input)
    with tempfile.TemporaryDirectory(prefix="reel-job-") as tmp:
        folder = Path(tmp)
        image = fetch_input(job_input.get("image"), "image", job_input.get("image_name"), folder)
        audio = fetch_input(job_input.get("audio"), "audio", job_input.get("audio_name"), folder)
        if job_input.get("font"):
            font = fetch_input(job_input["font"], "font", job_input.get("font_name"), folder)
            options = dataclasses.replace(options, font_file=str(font))
        out = folder / "out"
        out.mkdir()
        result = make_reel(image, audio, lyrics, out, options, words=words, progress=progress, cancel=cancel)
        return package(result, job_id)


class ProgressSender:
    """Sends {"stage", "progress"} updates for a job: on a new stage or percent, at most every `interval` s."""

    def __init__(self, job: dict, interval: float = 0.5):
        self.job, self.interval = job, interval
        self.last: tuple[str, int] | None = None
        self.sent_at = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        shown = (stage, int(round(fraction * 100)))
        now = time.monotonic()
        if shown == self.last or (self.last and stage == self.last[0] and now - self.sent_at < self.interval):
            return
        self.last, self.sent_at = shown, now
        runpod.serverless.progress_update(self.job, {"stage": stage, "progress": shown[1]})


async def handler(job: dict) -> dict:
    """RunPod entry point; the render runs in a thread so a stop signal can cancel it (kills ffmpeg)."""
    cancel = threading.Event()
    try:
        return await asyncio.to_thread(render, job.get("input"), job["id"], ProgressSender(job), cancel)
    except ReelError as exc:
        return {"error": str(exc)}
    except asyncio.CancelledError:
        cancel.set()
        raise


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler})
