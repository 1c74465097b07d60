"""Timed words -> caption pages -> caption states.

A *page* is what is on screen at once: words of one lyric line (never across a line
break), wrapped into at most the template's `max_rows` rows that fit the frame with the real font
metrics. A page shows `LEAD_IN_SECONDS` before its first word when the screen is free
by then (so the eye can read ahead; never while the previous page's last word is still
sung), until the next page shows, held at most `HOLD_SECONDS` after its last word, so
instrumental gaps stay clear. A blank shorter than `BRIDGE_SECONDS` between two pages
is bridged: the earlier page stays until the next one shows (no blink).
A *state* is one distinct picture: a page with its active word (or, for templates
that do not mark the sung word, without). The renderer draws each state once and shows it over its time span.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from reel.model import Word
from reel.styles import CaptionStyle

HOLD_SECONDS = 1.5
LEAD_IN_SECONDS = 0.2   # ~ one fixation + saccade: time to start reading a new page
BRIDGE_SECONDS = 0.3    # a blank this short reads as a flicker, not as a pause


@dataclass
class Page:
    """Words shown together, laid out in rows (lists of indexes into `words`)."""

    words: list[Word]
    rows: list[list[int]]
    start: float = 0.0
    end: float = 0.0


NOTHING_SUNG = -1  # CaptionState.active during a page's lead-in: every word still to come


@dataclass
class CaptionState:
    """One distinct caption picture and when it is on screen.

    `scale` is the active word's size during its template's motion (1.0 = at rest).
    `active` is the index of the word being sung, NOTHING_SUNG in the page's lead-in,
    or None for templates that do not mark the sung word.
    """

    page: Page
    active: Optional[int]
    start: float
    end: float
    scale: float = 1.0


def wrap_rows(words: list[Word], max_width: float, measure: Callable[[str], float]) -> list[list[int]]:
    """Greedy wrap of words into rows no wider than max_width (a long word gets its own row)."""
    rows: list[list[int]] = []
    for i, word in enumerate(words):
        if rows and measure(" ".join(words[j].text for j in rows[-1] + [i])) <= max_width:
            rows[-1].append(i)
        else:
            rows.append([i])
    return rows


def balance_two_rows(words: list[Word], measure: Callable[[str], float]) -> list[list[int]]:
    """Split words into two rows whose wider one is as narrow as possible."""
    def widest(cut: int) -> float:
        return max(measure(" ".join(w.text for w in words[:cut])), measure(" ".join(w.text for w in words[cut:])))
    cut = min(range(1, len(words)), key=widest)
    return [list(range(cut)), list(range(cut, len(words)))]


def _line_groups(words: list[Word]) -> list[list[Word]]:
    """Consecutive words of the same lyric line."""
    groups: list[list[Word]] = []
    for word in words:
        if groups and groups[-1][-1].line == word.line:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def _split_pages(group: list[Word], style: CaptionStyle, max_width: float,
                 measure: Callable[[str], float]) -> list[Page]:
    """Pages of one lyric line: chunks of the template's word count, or rows that fit its max_rows."""
    if style.chunk_words:
        size = style.chunk_words
        chunks = [group[i:i + size] for i in range(0, len(group), size)]
        return [Page(chunk, wrap_rows(chunk, max_width, measure)) for chunk in chunks]
    rows = wrap_rows(group, max_width, measure)
    pages = []
    for first in range(0, len(rows), style.max_rows):
        chunk_rows = rows[first:first + style.max_rows]
        words = group[chunk_rows[0][0]:chunk_rows[-1][-1] + 1]
        pages.append(Page(words, balance_two_rows(words, measure) if len(chunk_rows) == 2 else [list(range(len(words)))]))
    return pages


def caption_pages(words: list[Word], style: CaptionStyle, max_width: float,
                  measure: Callable[[str], float], until: float = float("inf")) -> list[Page]:
    """Group timed words into timed pages (see the module docstring); none outlasts `until`."""
    pages = [page for group in _line_groups(words)
             for page in _split_pages(group, style, max_width, measure)]
    sung_until = 0.0  # end of the previous page's last word
    for page in pages:
        page.start = min(page.words[0].start, max(page.words[0].start - LEAD_IN_SECONDS, sung_until))
        sung_until = max(w.end for w in page.words)
    for page, following in zip(pages, pages[1:] + [None]):
        page.end = max(w.end for w in page.words) + HOLD_SECONDS
        if following is not None and following.start - page.end < BRIDGE_SECONDS:
            page.end = following.start
        page.end = min(max(page.end, page.start + 0.05), max(until, page.start + 0.05))
    return pages


def caption_states(pages: list[Page], style: CaptionStyle, fps: int = 30) -> list[CaptionState]:
    """Distinct pictures in time order: one per page, or one per word for `per_word` templates.

    A template with motion adds one picture per video frame of the motion at the start
    of each word (see `reel.styles.Motion`), then the word at rest.
    """
    states: list[CaptionState] = []
    for page in pages:
        if not style.per_word:
            states.append(CaptionState(page, None, page.start, page.end))
            continue
        if page.start < page.words[0].start:  # the lead-in: the page shown, nothing sung yet
            states.append(CaptionState(page, NOTHING_SUNG, page.start, page.words[0].start))
        for i, word in enumerate(page.words):
            end = min(page.words[i + 1].start if i + 1 < len(page.words) else page.end, page.end)
            start = max(word.start, page.start)
            if end > start:
                states += _word_states(page, i, start, end, style, fps)
    return states


def _word_states(page: Page, active: int, start: float, end: float, style: CaptionStyle,
                 fps: int) -> list[CaptionState]:
    """The pictures of one sung word: its motion frames (if any), then at rest until `end`."""
    states = []
    rest = start
    if style.motion is not None:
        offsets = style.motion.frame_times(fps)
        for n, offset in enumerate(offsets):
            frame_start = start + offset
            frame_end = min(end, start + (offsets[n + 1] if n + 1 < len(offsets) else style.motion.seconds))
            if frame_end <= frame_start:
                break
            states.append(CaptionState(page, active, frame_start, frame_end, style.motion.scale_at(offset)))
            rest = frame_end
    if end > rest:
        states.append(CaptionState(page, active, rest, end))
    return states


def state_at(states: list[CaptionState], t: float) -> Optional[CaptionState]:
    """The state on screen at time t, or None in a gap."""
    for state in states:
        if state.start <= t < state.end:
            return state
    return None
