"""Word timings as the page shows them: an editable table and the SRT text.

The table is the source of truth once a preview exists: whatever the user typed
there (a fixed word, a moved start) is what the player plays and the render uses.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

from reel.clip import Span, cut_words, explicit_span
from reel.errors import ReelError
from reel.model import LOW_CONFIDENCE, ReelOptions, Word
from reel.pipeline import OUTPUT_NAMES, fit_words, lay_out, line_texts, write_outputs

HEADERS = ["word", "start", "end", "confidence", "check", "line"]
DATATYPES = ["str", "number", "number", "number", "str", "number"]
STATIC_COLUMNS = [3, 4, 5]  # confidence, check and line are not for editing
CHECK_MARK = "⚠ check"


def words_to_rows(words: list[Word]) -> list[list]:
    """Table rows; words the aligner was unsure of carry a check mark."""
    return [[w.text, round(w.start, 2), round(w.end, 2), round(w.confidence, 2),
             CHECK_MARK if w.confidence < LOW_CONFIDENCE else "", w.line] for w in words]


def _number(value, what: str, row: int) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ReelError(f"word table row {row}: {what} must be a number of seconds (got {value!r})") from None


def rows_to_words(rows: Optional[list[list]]) -> list[Word]:
    """Words from the (possibly edited) table; raises ReelError on a bad cell."""
    words = []
    for n, row in enumerate(rows or [], start=1):
        text = str(row[0] if row and row[0] is not None else "").strip()
        if not text:
            continue  # an emptied word cell removes the word
        start, end = _number(row[1], "start", n), _number(row[2], "end", n)
        if end < start:
            raise ReelError(f"word table row {n}: '{text}' ends ({end}) before it starts ({start})")
        confidence = _number(row[3], "confidence", n) if len(row) > 3 and row[3] not in ("", None) else 1.0
        line = int(_number(row[5], "line", n)) if len(row) > 5 and row[5] not in ("", None) else 0
        words.append(Word(text, start, end, line, confidence))
    if not words:
        raise ReelError("the word table is empty: press “Preview subtitles” first")
    return words


def words_in_clip(words: list[Word], options: ReelOptions) -> tuple[list[Word], Optional[Span]]:
    """The words as the render shows them, and the clip (None: the whole song).

    With a clip, only its words, times from its start (`reel.clip.cut_words`).
    """
    words = fit_words(words, float("inf"))
    span = explicit_span(options.clip)
    if span is None:
        return words, None
    cut, _ = cut_words(words, [""] * (max(w.line for w in words) + 1), span)
    return cut, span


def clip_length(span: Optional[Span]) -> float:
    """How long the shown part is: the clip's length, or unbounded for the whole song."""
    return float("inf") if span is None else span.duration


def srt_text(words: list[Word], options: ReelOptions) -> str:
    """The SRT the render would write for these timings (same caption pages, same clip)."""
    words, span = words_in_clip(words, options)
    painter, pages, _ = lay_out(words, options, clip_length(span))
    with tempfile.TemporaryDirectory() as folder:
        paths = {kind: Path(folder) / name for kind, name in OUTPUT_NAMES.items()}
        write_outputs(pages, words, options, painter, paths, line_texts(words, None), transcribed=False)
        return paths["srt"].read_text(encoding="utf-8")
