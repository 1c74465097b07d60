"""The local backend: make_reel runs in this worker, ffmpeg as the worker's child.

Each attempt renders into a fresh hidden folder inside the job folder and moves the
finished files up, so a retry never writes over files a dead attempt's ffmpeg may
still be writing; it first removes what dead attempts left behind.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable

from reel.model import ReelOptions, Word
from reel.pipeline import OUTPUT_NAMES, make_reel


def run(job: dict, job_dir: Path, report: Callable[[str, float], None], cancel: threading.Event) -> dict:
    """Render the job's inputs; see `workers.backends` for the contract."""
    inputs = job["inputs"]
    words = [Word.from_dict(w) for w in job["words"]] if job.get("words") else None
    for leftover in job_dir.glob(".attempt-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    options = ReelOptions.from_dict(job["options"])
    if inputs.get("font"):
        options = dataclasses.replace(options, font_file=str(job_dir / inputs["font"]))
    attempt = Path(tempfile.mkdtemp(prefix=".attempt-", dir=job_dir))
    try:
        result = make_reel(job_dir / inputs["image"], job_dir / inputs["audio"], job.get("lyrics"), attempt,
                           options, words=words, progress=report, cancel=cancel)
        for name in OUTPUT_NAMES.values():
            os.replace(attempt / name, job_dir / name)
    finally:
        shutil.rmtree(attempt, ignore_errors=True)
    return {"outputs": dict(OUTPUT_NAMES), "duration": result.duration, "transcribed": result.transcribed,
            "clip": result.clip, "language": result.language}
