"""Where a job renders: `local` (this worker runs make_reel) or `runpod` (a GPU endpoint).

Each backend is a module with one function:

    run(job: dict, job_dir: Path, report: Callable[[str, float], None],
        cancel: threading.Event) -> {"outputs": {kind: file name in job_dir},
                                     "duration": seconds, "transcribed": bool,
                                     "clip": [start, end] of the song shown, or None,
                                     "language": the lyrics' language code or None}

- `job` is the job dict (as `workers.jobs.get_job` returns it) plus its inputs:
  `job["inputs"]` names the image and audio files inside `job_dir`
  ({"image": "image.jpg", "audio": "audio.mp3", ...}), `job["lyrics"]` is the lyrics
  text or None, `job["words"]` a list of edited word timings (Word dicts) or None,
  and `job["options"]` a `ReelOptions` dict.
- kinds are those of `reel.pipeline.OUTPUT_NAMES` (video, srt, ass, vtt, words); write
  them into `job_dir` under those names.
- `report(stage, fraction)` takes the pipeline's stages and the job's overall 0..1.
- `cancel` is set when the job is deleted or times out: stop soon (kill remote work)
  and raise `reel.errors.Cancelled`. Raise `ReelError` with a message for the user on
  any other failure.
"""
from __future__ import annotations

import os

from reel.errors import ReelError

BACKENDS = ("local", "runpod")


def resolve(name: str) -> str:
    """"auto" becomes "runpod" when RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID are set, else "local"."""
    if name == "auto":
        configured = os.environ.get("RUNPOD_API_KEY") and os.environ.get("RUNPOD_ENDPOINT_ID")
        return "runpod" if configured else "local"
    if name not in BACKENDS:
        raise ReelError(f"backend must be auto, local or runpod (got {name!r})")
    return name
