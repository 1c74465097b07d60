"""Word timing: which aligner runs, behind one small interface.

Every aligner returns an `Alignment`: one `Word` per lyric word (display text, start,
end, line, confidence), in order, none missing. `offline` (PocketSphinx, no network)
is the default; `elevenlabs` is used when ELEVENLABS_API_KEY is set or asked for.
Without lyrics the audio is transcribed instead and `transcribed` is True.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from reel.errors import ReelError
from reel.lyrics import Lyrics
from reel.model import Progress, Word, no_progress


@dataclass
class Alignment:
    """Timed words, and whether their text is a machine transcription (no lyrics given)."""

    words: list[Word]
    transcribed: bool = False


def choose_aligner(method: str = "auto") -> str:
    """Resolve "auto" to "elevenlabs" when a key is configured, else "offline"."""
    if method == "auto":
        return "elevenlabs" if os.environ.get("ELEVENLABS_API_KEY") else "offline"
    if method not in ("offline", "elevenlabs"):
        raise ReelError(f"unknown aligner {method!r}: use auto, offline or elevenlabs")
    return method


def align(audio_path: Path, pcm: np.ndarray, lyrics: Optional[Lyrics], method: str = "auto",
          progress: Progress = no_progress) -> Alignment:
    """Time the lyrics' words in the audio (or transcribe it when lyrics is None).

    `pcm` is the audio decoded by `reel.media.decode_audio` (mono, 16 kHz, float32);
    cloud aligners upload `audio_path` instead.
    """
    method = choose_aligner(method)
    if method == "elevenlabs":
        from reel.align import elevenlabs as engine
    else:
        from reel.align import offline as engine
    if lyrics is None:
        return Alignment(engine.transcribe(audio_path, pcm, progress), transcribed=True)
    return Alignment(engine.align_lyrics(audio_path, pcm, lyrics, progress))
