"""Caption templates: one record per template, the only place a template is described.

Every stage reads the record instead of testing the template's name: page layout
(`reel.captions`: how words are grouped into pages and pictures), drawing
(`reel.draw`: font share, highlight, motion), subtitle export (`reel.subtitles`:
karaoke tags only where a sung word is marked), the in-browser preview player
(`webui.player` hands the record to `player.js`) and the page (choices and
descriptions in `app.py`). Adding a template means adding one record to `STYLES`
(and a drawing branch in `reel.draw` only when it brings a new kind of look).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from reel.errors import ReelError


@dataclass(frozen=True)
class Motion:
    """How the sung word moves when it starts: its scale over the first `seconds`.

    `keyframes` are scales at evenly spaced times from the word's start (the first) to
    `seconds` later (the last, 1.0 = at rest), linearly interpolated between. The
    renderer draws one picture per video frame of the motion (a few per word: the cost
    stays bounded); the browser player interpolates the same keyframes every frame.
    """

    seconds: float
    keyframes: tuple[float, ...]

    def scale_at(self, elapsed: float) -> float:
        """The word's scale `elapsed` seconds after it starts (1.0 once the motion is over)."""
        if elapsed >= self.seconds:
            return 1.0
        position = max(0.0, elapsed) / self.seconds * (len(self.keyframes) - 1)
        i = int(position)
        a, b = self.keyframes[i], self.keyframes[min(i + 1, len(self.keyframes) - 1)]
        return a + (b - a) * (position - i)

    def frame_times(self, fps: int) -> list[float]:
        """Offsets from the word's start of the video frames that show the motion."""
        return [k / fps for k in range(math.ceil(self.seconds * fps - 1e-9))]


# The sung word jumps to 115 % and settles back within 150 ms (Submagic-like bounce).
BOUNCE = Motion(0.15, (1.15, 1.12, 1.06, 1.0))
# The word grows from half size, overshoots a little and settles within 120 ms.
POP_IN = Motion(0.12, (0.5, 1.08, 1.0))


@dataclass(frozen=True)
class CaptionStyle:
    """How one caption template lays out, marks and draws the sung words.

    name, description: the template's id (option `style`) and one line for the page.
    font_share: automatic font size as a share of the frame width.
    chunk_words: pages of at most this many words; 0 = as many as fit in `max_rows` rows.
    max_rows: rows of a page at most.
    per_word: one picture per sung word (its word marked); False = one per page.
    highlight: how the sung word is marked: "colour" (drawn in the highlight colour) or
        "box" (a rounded box in the highlight colour behind it).
    hide_upcoming: words not yet sung are not drawn (the line builds up as it is sung);
        otherwise they are drawn see-through.
    motion: how the sung word moves when it starts (None: it does not).
    glow: the sung word has a soft glow in the highlight colour.
    outline_share, shadow_share: automatic outline width and drop-shadow offset as a
        share of the font size (the options `outline_width` and `shadow` override them).
    karaoke_tags: the ASS export carries a `\\k` tag per word (players fill each word).
    """

    name: str
    description: str
    font_share: float
    chunk_words: int = 0
    max_rows: int = 2
    per_word: bool = True
    highlight: str = "colour"
    hide_upcoming: bool = False
    motion: Optional[Motion] = None
    glow: bool = False
    outline_share: float = 0.08
    shadow_share: float = 0.0
    karaoke_tags: bool = True

    def player_look(self) -> dict:
        """What the browser player needs to show this template as it renders (JSON-ready)."""
        motion = self.motion and {"seconds": self.motion.seconds, "keyframes": list(self.motion.keyframes)}
        return {"perWord": self.per_word, "highlight": self.highlight, "hideUpcoming": self.hide_upcoming,
                "glow": self.glow, "motion": motion}


STYLES: dict[str, CaptionStyle] = {style.name: style for style in (
    CaptionStyle("karaoke", "the line, the sung word lit", font_share=0.066),
    CaptionStyle("pop", "a few big words, the sung one lit", font_share=0.105, chunk_words=3),
    CaptionStyle("lines", "whole lines, classic subtitles", font_share=0.055, per_word=False,
                 karaoke_tags=False),
    CaptionStyle("box", "the line, a coloured box behind the sung word", font_share=0.066, highlight="box"),
    CaptionStyle("bounce", "the line, the sung word lit and bouncing", font_share=0.066, motion=BOUNCE),
    CaptionStyle("word", "one big word at a time, popping in", font_share=0.13, chunk_words=1, max_rows=1,
                 motion=POP_IN, karaoke_tags=False),
    CaptionStyle("typewriter", "the line builds up word by word as it is sung", font_share=0.066,
                 hide_upcoming=True),
    CaptionStyle("glow", "the line with a drop shadow, the sung word glowing", font_share=0.066,
                 glow=True, outline_share=0.03, shadow_share=0.06),
)}
STYLE_NAMES = tuple(STYLES)


def get_style(name: str) -> CaptionStyle:
    """The template called `name`; ReelError naming the choices when there is none."""
    try:
        return STYLES[name]
    except KeyError:
        raise ReelError(f"style must be one of {', '.join(STYLE_NAMES)} (got {name!r})") from None


def describe_styles() -> str:
    """Every template with its description, one line ("karaoke: ... · pop: ...")."""
    return " · ".join(f"{s.name}: {s.description}" for s in STYLES.values())
