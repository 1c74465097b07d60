"""Word timing: which aligner runs, behind one small interface.

Every aligner returns an `Alignment`: one `Word` per lyric word (display text, start,
end, line, confidence), in order, none missing. `offline` (PocketSphinx, no network)
is the default; `elevenlabs` is used when ELEVENLABS_API_KEY is set or asked for.
Without lyrics the audio is transcribed instead (ElevenLabs Scribe only: see
`check_transcription`) and `transcribed` is True.
The lyrics' language (chosen, or detected from their text) comes back as `language`;
the offline aligner refuses a language it cannot time, with a message that says so.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from reel.errors import ReelError
from reel.languages import AUTO, LANGUAGES, check_language, supported_list
from reel.lyrics import Lyrics, detect_language
from reel.model import Progress, Word, no_progress


@dataclass
class Alignment:
    """Timed words, and whether their text is a machine transcription (no lyrics given)."""

    words: list[Word]
    transcribed: bool = False
    language: str = "en"


def choose_aligner(method: str = "auto") -> str:
    """Resolve "auto" to "elevenlabs" when a key is configured, else "offline"."""
    if method == "auto":
        return "elevenlabs" if os.environ.get("ELEVENLABS_API_KEY") else "offline"
    if method not in ("offline", "elevenlabs"):
        raise ReelError(f"unknown aligner {method!r}: use auto, offline or elevenlabs")
    return method


# Offline transcription (PocketSphinx's en-us recogniser) measured on generated audio with
# benchmarks/transcribe_bench.py: word error rate 111 % on 7 songs (119 % on 30 more) and 69 %
# on 4 clear spoken voice-overs. Captions that wrong are worse than none, so it is not offered.
NO_OFFLINE_TRANSCRIPTION = ("no lyrics given: please paste the lyrics. reel cannot transcribe offline "
                            "(in tests it got most words wrong, even of clear speech); with ELEVENLABS_API_KEY "
                            "set, ElevenLabs Scribe transcribes the song instead")


def check_transcription(method: str = "auto") -> str:
    """The aligner that would transcribe audio given without lyrics; ReelError asking for the
    lyrics when that is the offline one."""
    method = choose_aligner(method)
    if method == "offline":
        raise ReelError(NO_OFFLINE_TRANSCRIPTION)
    return method


def lyrics_language(lyrics: Lyrics, language: str = AUTO) -> str:
    """`language`, or the one detected from the lyrics text when it is "auto"."""
    if check_language(language) != AUTO:
        return language
    return detect_language("\n".join(lyrics.line_texts))


def align(audio_path: Path, pcm: np.ndarray, lyrics: Optional[Lyrics], method: str = "auto",
          progress: Progress = no_progress, language: str = AUTO) -> Alignment:
    """Time the lyrics' words in the audio (or transcribe it when lyrics is None).

    `pcm` is the audio decoded by `reel.media.decode_audio` (mono, 16 kHz, float32);
    cloud aligners upload `audio_path` instead. `language`: ISO 639-1 code or "auto".
    """
    if lyrics is None:
        check_transcription(method)
        from reel.align import elevenlabs
        return Alignment(elevenlabs.transcribe(audio_path, pcm, progress), transcribed=True)
    method = choose_aligner(method)
    if method == "elevenlabs":
        from reel.align import elevenlabs as engine
    else:
        from reel.align import offline as engine
    language = lyrics_language(lyrics, language)
    if method == "elevenlabs":
        return Alignment(engine.align_lyrics(audio_path, pcm, lyrics, progress), language=language)
    if language not in LANGUAGES:
        raise ReelError(f"the lyrics look like language {language!r}, which the offline aligner cannot "
                        f"time; choose the lyrics language ({supported_list()}), use the ElevenLabs "
                        "aligner (ELEVENLABS_API_KEY), or supply edited word timings")
    return Alignment(engine.align_lyrics(audio_path, pcm, lyrics, progress, language), language=language)
