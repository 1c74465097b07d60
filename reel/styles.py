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

from dataclasses import dataclass

from reel.errors import ReelError


@dataclass(frozen=True)
class CaptionStyle:
    """How one caption template lays out, marks and draws the sung words.

    name, description: the template's id (option `style`) and one line for the page.
    font_share: automatic font size as a share of the frame width.
    chunk_words: pages of at most this many words; 0 = as many as fit in `max_rows` rows.
    max_rows: rows of a page at most.
    per_word: one picture per sung word (its word marked); False = one per page.
    karaoke_tags: the ASS export carries a `\\k` tag per word (players fill each word).
    """

    name: str
    description: str
    font_share: float
    chunk_words: int = 0
    max_rows: int = 2
    per_word: bool = True
    karaoke_tags: bool = True

    def player_look(self) -> dict:
        """What the browser player needs to show this template as it renders (JSON-ready)."""
        return {"perWord": self.per_word}


STYLES: dict[str, CaptionStyle] = {style.name: style for style in (
    CaptionStyle("karaoke", "the line, the sung word lit", font_share=0.066),
    CaptionStyle("pop", "a few big words, the sung one lit", font_share=0.105, chunk_words=3),
    CaptionStyle("lines", "whole lines, classic subtitles", font_share=0.055, per_word=False,
                 karaoke_tags=False),
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
