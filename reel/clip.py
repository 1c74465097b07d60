"""The clip: which part of the song a reel shows (option `clip`), and finding the chorus.

People post 15-90 s of a song, not the whole track. The words are always timed on the
whole song (the context helps the aligner), then `cut_words` keeps those of the clip
with times relative to its start; the encode reads only the clip's audio.

`clip` is "" (the whole song), "chorus", or "START-END" in seconds or m:ss
("12-42", "1:05-1:35"); the API also takes [start, end]. A word cut by an edge is kept
when at least half of it is sung inside the clip, clamped to the edge; otherwise it is
dropped (a word half heard reads as a mistake, a word half missing as a cut).

"chorus" is the span sung under the first `[Chorus]` marker (also Refrain, Hook) or,
without one, the first time the most repeated run of lyric lines is sung; it starts
a moment before its first word and ends after its last, within the platform's limit.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Optional, Sequence

from reel.errors import ReelError
from reel.lyrics import normalize_word
from reel.platforms import check_length, get_platform

CHORUS = "chorus"
CHORUS_SECTIONS = ("chorus", "refrain", "hook")
MIN_CLIP_SECONDS = 3.0     # shorter than a hook: almost surely a typo
CHORUS_LEAD_SECONDS = 1.0  # the chorus clip starts this long before its first word...
CHORUS_TAIL_SECONDS = 1.5  # ...and ends this long after its last (room for the fade-out)
DEFAULT_CHORUS_MAX_SECONDS = 90  # Instagram: Reels of 90 s or less do best
MAX_RUN_LINES = 12         # the longest run of lines compared when looking for repeats
_TIME = re.compile(r"^\s*(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Span:
    """A part of the song, seconds from its start."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def as_option(self) -> str:
        """The `clip` option naming exactly this span."""
        return f"{self.start:g}-{self.end:g}"


def parse_time(text: str) -> float:
    """"75", "75.5", "1:15", "1:05.5" or "0:01:15" -> seconds; ReelError otherwise."""
    match = _TIME.match(text)
    if not match:
        raise ReelError(f"clip: {text.strip()!r} is not a time (use seconds or m:ss, e.g. 1:05)")
    first, second, seconds = match.groups()
    hours, minutes = (first, second) if second is not None else (None, first)
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)


def normalize_clip(name: str, value) -> str:
    """The `clip` option in its one JSON form: "", "chorus" or "START-END" (seconds)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                  or not math.isfinite(v) for v in value):
            raise ReelError(f"{name} must be [start, end] in seconds, \"chorus\" or \"START-END\" (got {value!r:.40})")
        return check_span(Span(float(value[0]), float(value[1]))).as_option()
    if not isinstance(value, str):
        raise ReelError(f"{name} must be \"START-END\", \"chorus\" or [start, end] (got {value!r:.40})")
    text = value.strip().lower()
    if text in ("", CHORUS):
        return text
    start, sep, end = text.partition("-")
    if not sep:
        raise ReelError(f"{name} must look like START-END, e.g. 12-42 or 1:05-1:35 (got {value!r:.40})")
    return check_span(Span(parse_time(start), parse_time(end))).as_option()


def check_span(span: Span) -> Span:
    """The span, if it is a usable clip on its own; ReelError naming the problem."""
    if span.start < 0:
        raise ReelError(f"the clip starts before the song ({span.start:g} s)")
    if span.end <= span.start:
        raise ReelError(f"the clip ends ({span.end:g} s) before it starts ({span.start:g} s)")
    if span.duration < MIN_CLIP_SECONDS:
        raise ReelError(f"the clip is {span.duration:.1f} s long; make it at least {MIN_CLIP_SECONDS:g} s")
    return span


def explicit_span(clip: str) -> Optional[Span]:
    """The span a normalised `clip` option names, or None for "" and "chorus"."""
    if clip in ("", CHORUS):
        return None
    start, _, end = clip.partition("-")
    return Span(float(start), float(end))


def check_inside(span: Span, song_seconds: float) -> Span:
    """ReelError when the clip does not lie inside a song of `song_seconds`."""
    if span.start >= song_seconds:
        raise ReelError(f"the clip starts at {span.start:g} s, after the end of the song ({song_seconds:.1f} s)")
    if span.end > song_seconds + 0.05:
        raise ReelError(f"the clip ends at {span.end:g} s, after the end of the song ({song_seconds:.1f} s)")
    return Span(span.start, min(span.end, song_seconds))


def cut_words(words: Sequence, lines: Sequence[str], span: Span) -> tuple[list, list[str]]:
    """The words of the clip, times relative to its start, and the texts of their lines.

    Lines are renumbered from 0 in the clip (the words file of a clip stands on its own).
    ReelError when no word is sung in the clip.
    """
    kept = []
    for word in words:
        inside = min(word.end, span.end) - max(word.start, span.start)
        length = word.end - word.start
        if inside > 0 and inside >= length / 2 or (length == 0 and span.start <= word.start < span.end):
            kept.append(word)
    if not kept:
        raise ReelError(f"no words are sung between {span.start:g} s and {span.end:g} s: choose another clip")
    line_numbers = sorted({w.line for w in kept})
    renumber = {old: new for new, old in enumerate(line_numbers)}
    cut = [dataclasses.replace(w, start=max(w.start, span.start) - span.start,
                               end=min(w.end, span.end) - span.start, line=renumber[w.line]) for w in kept]
    texts = [lines[n] if n < len(lines) else "" for n in line_numbers]
    return cut, texts


def find_chorus(words: Sequence, line_texts: Sequence[str], sections: Sequence[tuple[str, int]],
                song_seconds: float, max_seconds: float) -> Span:
    """The chorus as a clip (see the module docstring); ReelError when there is none.

    `sections` holds (name, index) of each line's section marker (`reel.lyrics.LyricLine`).
    """
    lines = _chorus_lines(line_texts, sections)
    sung = [w for w in words if w.line in lines]
    if not sung:
        raise ReelError("no chorus found: the lyrics have no [Chorus] marker and no line is sung more than "
                        "once; give the clip as START-END")
    start = max(0.0, min(w.start for w in sung) - CHORUS_LEAD_SECONDS)
    limit = min(song_seconds, start + max_seconds)
    ends = sorted({max(w.end for w in sung if w.line == n) for n in lines})
    fitting = [e for e in ends if e + CHORUS_TAIL_SECONDS <= limit] or ends[:1]
    end = min(limit, fitting[-1] + CHORUS_TAIL_SECONDS)
    end = min(max(end, start + MIN_CLIP_SECONDS), song_seconds)
    return Span(round(start, 2), round(end, 2))


def _chorus_lines(texts: Sequence[str], sections: Sequence[tuple[str, int]]) -> set[int]:
    """Line numbers of the chorus: the first marked block, else the first most repeated run."""
    marked = [n for n, (name, _) in enumerate(sections) if name in CHORUS_SECTIONS]
    if marked:
        first = sections[marked[0]]
        return {n for n in marked if sections[n] == first}
    keys = [" ".join(normalize_word(t) for t in text.split()) for text in texts]
    best, best_score = None, 0
    for size in range(1, min(MAX_RUN_LINES, len(keys) // 2) + 1):
        runs = Counter(tuple(keys[i:i + size]) for i in range(len(keys) - size + 1))
        for run, count in runs.items():
            score = (count - 1) * sum(len(k.split()) for k in run)
            if count > 1 and all(run) and score > best_score:
                best, best_score = run, score
    if best is None:
        return set()
    first = next(i for i in range(len(keys)) if tuple(keys[i:i + len(best)]) == best)
    return set(range(first, first + len(best)))


def planned_span(clip: str, platform: str, song_seconds: float) -> Optional[Span]:
    """What can be checked before timing the words: an explicit clip lies inside the song,
    a whole song fits the platform. Returns the explicit span (None: whole song or chorus)."""
    span = explicit_span(clip)
    if span is not None:
        return check_inside(span, song_seconds)
    if clip != CHORUS:
        check_length(platform, song_seconds)
    return None


def chorus_limit(platform: str) -> float:
    """The longest chorus clip: the platform's limit, else DEFAULT_CHORUS_MAX_SECONDS."""
    preset = get_platform(platform)
    return DEFAULT_CHORUS_MAX_SECONDS if preset is None else min(preset.max_seconds, DEFAULT_CHORUS_MAX_SECONDS)
