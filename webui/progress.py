"""Progress shown on the page: a job's state as a bar with a line of text (the page polls the
job), and the pipeline's progress callback on an event's own gr.Progress bar."""
from __future__ import annotations

import html

import gradio as gr

from reel.languages import LANGUAGES
from reel.model import Progress

TERMINAL = ("completed", "failed", "cancelled")
STAGE_TEXT = {"checking": "Checking the files", "aligning": "Timing the words",
              "layout": "Laying out the captions", "drawing": "Drawing the captions",
              "encoding": "Encoding the video", "done": "Finishing"}


def event_progress(bar: gr.Progress) -> Progress:
    """A reel.model.Progress callback that moves an event's gr.Progress bar ("Timing the words", 40 %)."""
    def report(stage: str, fraction: float) -> None:
        bar(max(0.0, min(1.0, fraction)), desc=STAGE_TEXT.get(stage, stage))
    return report


def follow_on(bar: gr.Progress):
    """A job-update callback (workers.jobs.wait_for_job) that shows the job on an event's gr.Progress bar."""
    def report(job: dict) -> None:
        bar(0.0 if job.get("state") == "pending" else (job.get("progress") or 0) / 100, desc=job_text(job))
    return report


def job_text(job: dict) -> str:
    """One line a person understands: what the job is doing or how it ended."""
    state = job.get("state")
    if state == "pending":
        return "Waiting in the queue…"
    if state == "processing":
        stage = STAGE_TEXT.get(job.get("stage") or "", job.get("stage") or "Working")
        return f"{stage}… {int(job.get('progress') or 0)} %"
    if state == "completed":
        done = f"Done: a {float(job.get('duration') or 0):.1f} s video is ready."
        language = LANGUAGES.get(job.get("language") or "")
        return f"{done} Lyrics timed as {language.name}." if language else done
    if state == "failed":
        return f"Failed: {job.get('error') or 'unknown error'}"
    if state == "cancelled":
        return "Cancelled."
    return str(state)


def progress_html(job: dict | None) -> str:
    """The bar (width = progress %) and the text; empty before any job."""
    if not job:
        return '<div class="reel-progress reel-idle">No video made yet.</div>'
    state = job.get("state", "")
    percent = 100 if state == "completed" else int(job.get("progress") or 0)
    return (f'<div class="reel-progress reel-{html.escape(state)}" data-state="{html.escape(state)}" '
            f'data-progress="{percent}" role="progressbar" aria-valuenow="{percent}" '
            f'aria-valuemin="0" aria-valuemax="100">'
            f'<div class="reel-progress-track"><div class="reel-progress-fill" style="width:{percent}%"></div></div>'
            f'<div class="reel-progress-text">{html.escape(job_text(job))}</div></div>')


PROGRESS_CSS = """
.reel-progress { display: flex; flex-direction: column; gap: 6px; padding: 4px 0; }
.reel-progress-track { height: 14px; border-radius: 7px; background: var(--neutral-200, #e5e7eb); overflow: hidden; }
.reel-progress-fill { height: 100%; background: var(--color-accent, #f97316); transition: width 0.4s ease; }
.reel-completed .reel-progress-fill { background: #16a34a; }
.reel-failed .reel-progress-fill, .reel-cancelled .reel-progress-fill { background: #dc2626; }
.reel-failed .reel-progress-text { color: #dc2626; font-weight: 600; }
.reel-idle { opacity: 0.7; }
"""
