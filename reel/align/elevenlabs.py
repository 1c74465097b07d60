"""ElevenLabs word timing: forced alignment of the lyrics, or Scribe transcription.

Uses the official `elevenlabs` SDK. The key comes from ELEVENLABS_API_KEY; the API
address from ELEVENLABS_BASE_URL (default: ElevenLabs' own, tests point it at a
local server). The API's words are mapped back onto the lyric words by their match
text (`normalize_word`), so the result has exactly one `Word` per lyric word, in
order, with the lyric's display spelling and line index. Words the API skipped or
spelled differently get times from their neighbours and a low confidence.
"""
from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import httpx
import numpy as np
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError

from reel.errors import ReelError
from reel.lyrics import Lyrics, normalize_word
from reel.model import Progress, Word, no_progress

STT_MODEL = "scribe_v2"
# Confidence of a lyric word whose time was guessed from its neighbours, or shared
# out of a stretch where the API heard a different number of words.
GUESSED_CONFIDENCE = 0.2
SHARED_CONFIDENCE = 0.4
# A word the API spelled differently ("mornin'" for "morning") keeps this much of its confidence.
RESPELLED = 0.8
# A transcript line ends at a pause this long (s), after a sentence, or at this many words.
LINE_PAUSE = 1.0
LINE_WORDS = 8


@dataclass
class Timed:
    """One word as the API timed it."""

    text: str
    start: float
    end: float
    confidence: float


def client() -> ElevenLabs:
    """An SDK client for the configured key and address; ReelError when no key is set."""
    key = os.environ.get("ELEVENLABS_API_KEY", "").strip()
    if not key:
        raise ReelError("ElevenLabs: set ELEVENLABS_API_KEY to use the ElevenLabs aligner")
    return ElevenLabs(api_key=key, base_url=os.environ.get("ELEVENLABS_BASE_URL") or None,
                      timeout=float(os.environ.get("ELEVENLABS_TIMEOUT", 600)))


def call_api(request, *args, **kwargs):
    """Run one SDK request, turning HTTP and network failures into ReelErrors."""
    try:
        return request(*args, **kwargs)
    except ApiError as exc:
        raise ReelError(api_error_message(exc.status_code, exc.body)) from None
    except httpx.TimeoutException:
        raise ReelError("ElevenLabs did not answer in time; try again later or use the offline aligner") from None
    except httpx.HTTPError as exc:
        raise ReelError(f"ElevenLabs unreachable: {exc}") from None


def api_error_message(status: Optional[int], body) -> str:
    """A user-readable sentence for an ElevenLabs error answer."""
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        detail = detail.get("message") or detail.get("status") or detail
    elif isinstance(detail, list) and detail and isinstance(detail[0], dict):
        detail = "; ".join(str(d.get("msg", d)) for d in detail)
    if status == 401:
        return "ElevenLabs: invalid API key"
    if status == 429:
        return "ElevenLabs: rate limit or quota reached; try again later"
    return f"ElevenLabs refused the request (HTTP {status}): {str(detail)[:300]}"


def align_lyrics(audio_path: Path, pcm: np.ndarray, lyrics: Lyrics,
                 progress: Progress = no_progress) -> list[Word]:
    """Time every lyric word with ElevenLabs' forced-alignment API."""
    api = client()
    progress("aligning", 0.05)
    text = "\n".join(lyrics.line_texts)
    with open(audio_path, "rb") as fh:
        answer = call_api(api.forced_alignment.create, file=(Path(audio_path).name, fh), text=text)
    timed = [Timed(w.text, float(w.start), float(w.end), loss_confidence(getattr(w, "loss", None)))
             for w in (answer.words or [])]
    progress("aligning", 1.0)
    return map_to_lyrics(lyrics.words, timed)


def transcribe(audio_path: Path, pcm: np.ndarray, progress: Progress = no_progress) -> list[Word]:
    """Transcribe the song with Scribe (word timestamps); lines split at pauses and sentences."""
    api = client()
    progress("aligning", 0.05)
    with open(audio_path, "rb") as fh:
        answer = call_api(api.speech_to_text.convert, model_id=os.environ.get("ELEVENLABS_STT_MODEL", STT_MODEL),
                          file=(Path(audio_path).name, fh), timestamps_granularity="word",
                          tag_audio_events=False)
    timed = [Timed(w.text.strip(), float(w.start), float(w.end if w.end is not None else w.start),
                   math.exp(min(0.0, float(w.logprob or 0.0))))
             for w in (getattr(answer, "words", None) or [])
             if w.type == "word" and w.start is not None and normalize_word(w.text)]
    progress("aligning", 1.0)
    if not timed:
        raise ReelError("ElevenLabs heard no words in the audio")
    return split_lines(timed)


def loss_confidence(loss: Optional[float]) -> float:
    """Alignment loss (0 = perfect) as a 0..1 confidence."""
    return 1.0 if loss is None else max(0.0, min(1.0, math.exp(-float(loss))))


def split_lines(timed: list[Timed]) -> list[Word]:
    """Transcribed words with line numbers: a new line after a pause, a sentence or LINE_WORDS words."""
    words: list[Word] = []
    line, count = 0, 0
    for prev, t in zip([None, *timed], timed):
        if prev is not None and (t.start - prev.end >= LINE_PAUSE or prev.text[-1:] in ".?!"
                                 or count >= LINE_WORDS):
            line, count = line + 1, 0
        words.append(Word(t.text, t.start, max(t.start, t.end), line, t.confidence))
        count += 1
    return words


def map_to_lyrics(lyric_words: list[tuple[str, int]], timed: list[Timed]) -> list[Word]:
    """One Word per lyric word: matched by match text, respelled 1:1, other stretches shared out or guessed."""
    timed = [t for t in timed if normalize_word(t.text)]
    if not timed:
        raise ReelError("ElevenLabs returned no word timings for these lyrics")
    wanted = [normalize_word(text) for text, _ in lyric_words]
    heard = [normalize_word(t.text) for t in timed]
    slots: list[Optional[tuple[float, float, float]]] = [None] * len(lyric_words)
    matcher = difflib.SequenceMatcher(None, wanted, heard, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                slots[i] = (timed[j].start, timed[j].end, timed[j].confidence)
        elif op == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2)):
                slots[i] = (timed[j].start, timed[j].end, RESPELLED * timed[j].confidence)
        elif op == "replace":
            times = share(wanted[i1:i2], timed[j1].start, timed[j2 - 1].end)
            for i, (start, end) in zip(range(i1, i2), times):
                slots[i] = (start, end, SHARED_CONFIDENCE)
    fill_gaps(wanted, slots)
    return [Word(text, start, max(start, end), line, confidence)
            for (text, line), (start, end, confidence) in zip(lyric_words, slots)]


def share(keys: list[str], start: float, end: float) -> list[tuple[float, float]]:
    """Split [start, end] among words in proportion to their length."""
    weights = [len(k) + 1 for k in keys]
    total, t, out = sum(weights), start, []
    for w in weights:
        step = (end - start) * w / total
        out.append((t, t + step))
        t += step
    return out


def fill_gaps(keys: list[str], slots: list[Optional[tuple[float, float, float]]]) -> None:
    """Give unmatched words the time between their matched neighbours, in place."""
    i = 0
    while i < len(slots):
        if slots[i] is not None:
            i += 1
            continue
        j = i
        while j < len(slots) and slots[j] is None:
            j += 1
        lo = slots[i - 1][1] if i > 0 else 0.0
        hi = slots[j][0] if j < len(slots) else lo + 0.3 * (j - i)
        for k, (start, end) in zip(range(i, j), share(keys[i:j], lo, max(lo, hi))):
            slots[k] = (start, end, GUESSED_CONFIDENCE)
        i = j
