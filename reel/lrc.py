"""LRC synced lyrics (what music players and LRCLIB use): read line times, write word times.

Reading: `[mm:ss.xx] text` lines (several time tags on one line repeat it; `<mm:ss.xx>`
word tags inside the text are dropped; `[ar:...]`, `[ti:...]` and other tags are
ignored; `[offset:+250]` moves every line 250 ms earlier, as players do). The lines
become the lyrics, and their times anchor the alignment: `anchor_lines` keeps each
line's words inside its span (from its time to the next line's), moving a line the
aligner placed elsewhere into it.

Writing: enhanced LRC, one `[mm:ss.xx]` line per lyric line and a `<mm:ss.xx>` tag
before every word (its sung start), ending with the line's last word's end.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from reel.errors import ReelError
from reel.lyrics import LyricLine, Lyrics, check_word_count, is_section_marker, parse_lyrics, sung_line
from reel.model import Word

_TIME = r"(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)"
_LINE_TIME = re.compile(rf"\[{_TIME}\]")
_WORD_TIME = re.compile(rf"<{_TIME}>")
_TAG = re.compile(r"^\[([A-Za-z#][\w ]*):(.*)\]\s*$")
_BAD_TIME = re.compile(r"^\[\s*\d[^\]]*\]")
MOVED_CONFIDENCE = 0.4  # a word moved into its line's span: the page marks it "check"


@dataclass
class SyncedLyrics:
    """Lyrics and, when they came from an LRC file, the start (s) of each of their lines."""

    lyrics: Lyrics
    starts: Optional[list[float]] = None


def read_lyrics(text: str) -> SyncedLyrics:
    """Pasted lyrics or the text of an LRC file (recognised by its time tags)."""
    return parse_lrc(text) if looks_like_lrc(text) else SyncedLyrics(parse_lyrics(text))


def looks_like_lrc(text: str) -> bool:
    """True when some line starts with an LRC time tag ("[00:12.50]")."""
    return any(_LINE_TIME.match(line.strip()) for line in text.splitlines())


def _seconds(minutes: str, seconds: str) -> float:
    value = float(minutes) * 60 + float(seconds.replace(":", "."))
    if float(seconds.replace(":", ".")) >= 60:
        raise ValueError("seconds must be below 60")
    return value


def parse_lrc(text: str, name: str = "the LRC lyrics") -> SyncedLyrics:
    """Timed lines of an LRC file, in time order; ReelError naming the first bad line."""
    offset = 0.0
    timed: list[tuple[float, str]] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = raw.strip()
        tag = _TAG.match(line)
        if tag and not _LINE_TIME.match(line):
            if tag.group(1).lower() == "offset":
                try:
                    offset = float(tag.group(2).strip()) / 1000
                except ValueError:
                    raise ReelError(f"{name}, line {number}: [offset:...] must be milliseconds") from None
            continue
        times = []
        while match := _LINE_TIME.match(line):
            try:
                times.append(_seconds(*match.groups()))
            except ValueError:
                raise ReelError(f"{name}, line {number}: bad time {match.group(0)} (use [mm:ss.xx])") from None
            line = line[match.end():].strip()
        if not times:
            if _BAD_TIME.match(line):
                raise ReelError(f"{name}, line {number}: bad time tag in {raw.strip()[:40]!r} (use [mm:ss.xx])")
            if line and not _TAG.match(line) and not is_section_marker(line):
                raise ReelError(f"{name}, line {number} has no time tag: {raw.strip()[:40]!r}")
            continue
        words_only = " ".join(_WORD_TIME.sub(" ", line).split())
        timed += [(max(0.0, t - offset), words_only) for t in times]
    if not timed:
        raise ReelError(f"{name} has no timed lines (expected lines such as [00:12.50] words)")
    timed.sort(key=lambda item: item[0])
    lines, starts = [], []
    for start, line in timed:
        words = sung_line(line)
        if words:  # an empty timed line only ends the one before it
            lines.append(LyricLine(text=line, words=words))
            starts.append(start)
    return SyncedLyrics(check_word_count(Lyrics(lines)), starts)


def line_spans(starts: list[float], duration: float) -> list[tuple[float, float]]:
    """(start, end) of each line: until the next line starts (the last one: the audio's end)."""
    ends = starts[1:] + [max(duration, starts[-1])]
    return list(zip(starts, ends))


def anchor_lines(words: list[Word], starts: list[float], duration: float,
                 lead: float = 0.3) -> list[Word]:
    """The words with each line kept inside its LRC span.

    A line whose aligned words start more than `lead` s before its time or end after
    the next line's time is shifted (and squeezed if needed) into its span, keeping the
    aligner's rhythm inside the line; its words are marked for checking.
    """
    spans = line_spans(starts, duration)
    anchored: list[Word] = []
    for index, (begin, end) in enumerate(spans):
        line = [w for w in words if w.line == index]
        if not line:
            continue
        first, last = line[0].start, max(w.end for w in line)
        if first >= begin - lead and last <= end + 1e-6:
            anchored += line
            continue
        scale = min(1.0, (end - begin) / max(last - first, 1e-6))
        for w in line:
            start = begin + (w.start - first) * scale
            anchored.append(Word(w.text, start, begin + (w.end - first) * scale, w.line,
                                 min(w.confidence, MOVED_CONFIDENCE)))
    return anchored


def _stamp(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    return f"{centis // 6000:02d}:{centis // 100 % 60:02d}.{centis % 100:02d}"


def write_lrc(words: list[Word]) -> str:
    """Enhanced LRC of the timed words (one line per lyric line, a tag before each word)."""
    out = ["[re:reel]"]
    for index in sorted({w.line for w in words}):
        line = [w for w in words if w.line == index]
        tagged = " ".join(f"<{_stamp(w.start)}>{w.text}" for w in line)
        out.append(f"[{_stamp(line[0].start)}]{tagged} <{_stamp(line[-1].end)}>")
    return "\n".join(out) + "\n"
