"""Caption pages -> subtitle files (SRT, WebVTT, ASS with karaoke tags), via pysubs2.

SRT and VTT carry one cue per page. ASS carries the look too (font, colours, outline,
position) and, for templates that mark the sung word, a `\\k` tag per word, so players
that support karaoke fill each word as it is sung.

Lyrics are text, never markup: each format's markup characters in a word are escaped
(`escape_ass`, `escape_srt`, `escape_vtt`), so "{\\fs300}" or "<i>" in a lyric is shown
as typed instead of resizing or styling the captions.
"""
from __future__ import annotations

from pathlib import Path

import pysubs2
from PIL import ImageColor

from reel.captions import Page
from reel.model import ReelOptions

_ASS_ALIGNMENT = {"top": 8, "middle": 5, "bottom": 2}


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _colour(value: str) -> pysubs2.Color:
    r, g, b = ImageColor.getrgb(value)[:3]
    return pysubs2.Color(r, g, b)


# U+2060 WORD JOINER: invisible, and it breaks a markup sequence (libass' advice, issue #194).
_JOINER = "\u2060"


def escape_ass(text: str) -> str:
    """A lyric as literal ASS text: no override block, no \\N / \\h escape."""
    return text.replace("\\", "\\" + _JOINER).replace("{", r"\{").replace("}", r"\}")


def escape_srt(text: str) -> str:
    """A lyric as literal SRT text: players read <i>...</i> and {\\an8} in SRT cues."""
    return text.replace("\\", "\\" + _JOINER).replace("{", "{" + _JOINER).replace("<", "<" + _JOINER)


def escape_vtt(text: str) -> str:
    """A lyric as literal WebVTT cue text (the spec's character references)."""
    return (text.replace("\\", "\\" + _JOINER).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _page_text(page: Page, escape) -> str:
    return r"\N".join(" ".join(escape(page.words[i].text) for i in row) for row in page.rows)


def _karaoke_text(page: Page) -> str:
    """Rows of words, each preceded by {\\kN}: centiseconds until the next word starts.

    A page shown before its first word (the lead-in) starts with an empty {\\kN}.
    """
    lead = round((page.words[0].start - page.start) * 100)
    parts = [f"{{\\k{lead}}}"] if lead > 0 else []
    for row_index, row in enumerate(page.rows):
        row_parts = []
        for i in row:
            following = page.words[i + 1].start if i + 1 < len(page.words) else page.end
            centis = max(0, round((following - page.words[i].start) * 100))
            row_parts.append(f"{{\\k{centis}}}{escape_ass(page.words[i].text)}")
        parts.append(" ".join(row_parts) + (r"\N" if row_index + 1 < len(page.rows) else ""))
    return "".join(parts)


def subtitle_file(pages: list[Page], options: ReelOptions, *, font_name: str, font_size: int,
                  outline: int, margin_v: int) -> pysubs2.SSAFile:
    """All pages as one pysubs2 file with a style matching the rendered captions."""
    subs = pysubs2.SSAFile()
    subs.info["PlayResX"], subs.info["PlayResY"] = str(options.width), str(options.height)
    subs.styles["Default"] = pysubs2.SSAStyle(
        fontname=font_name, fontsize=font_size, bold=True,
        primarycolor=_colour(options.highlight_color), secondarycolor=_colour(options.text_color),
        outlinecolor=_colour(options.outline_color), outline=outline, shadow=0,
        alignment=pysubs2.Alignment(_ASS_ALIGNMENT[options.position]), marginv=margin_v)
    karaoke = options.caption_style.karaoke_tags
    for page in pages:
        text = _karaoke_text(page) if karaoke else _page_text(page, escape_ass)
        subs.append(pysubs2.SSAEvent(start=_ms(page.start), end=_ms(page.end), text=text))
    return subs


def write_subtitles(subs: pysubs2.SSAFile, pages: list[Page], srt: Path, vtt: Path, ass: Path) -> None:
    """Save ASS (karaoke tags) and plain-text SRT and VTT."""
    subs.save(str(ass), format_="ass")
    for path, format_, escape in ((srt, "srt", escape_srt), (vtt, "vtt", escape_vtt)):
        plain = pysubs2.SSAFile()
        for page in pages:
            plain.append(pysubs2.SSAEvent(start=_ms(page.start), end=_ms(page.end), text=_page_text(page, escape)))
        plain.save(str(path), format_=format_, keep_ssa_tags=True)  # the text is escaped: keep it as it is
