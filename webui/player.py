"""The in-browser caption player: the song plays over the picture while the captions
change in the chosen style, from the current word timings, with no render.

Python lays the captions out exactly as the renderer does (`reel.pipeline.lay_out`:
same font metrics, same pages, same rows, same band in the frame) and writes every
page as hidden HTML with its words' start times, and hands `player.js` the template's
record (`CaptionStyle.player_look`, in `data-look`). `player.js` only shows the page
whose time span holds the audio's current time and marks its words (sung, being sung,
upcoming) as the template does in the rendered frames. Sizes are in container-query units, so the
player scales with the page. `player.css` holds the look.
"""
from __future__ import annotations

import base64
import dataclasses
import html
import io
import json
from pathlib import Path
from urllib.parse import quote

from PIL import ImageColor

from reel.draw import BOX_PAD_SHARE, BOX_RADIUS_SHARE, GLOW_SHARE, SHADOW_ALPHA, UPCOMING_ALPHA
from reel.fonts import is_rtl
from reel.media import load_image
from reel.model import ReelOptions, Word
from reel.pipeline import lay_out
from reel.render import background
from webui.timings import clip_length, words_in_clip

HERE = Path(__file__).resolve().parent
PLAYER_JS = (HERE / "player.js").read_text(encoding="utf-8")
PLAYER_CSS = (HERE / "player.css").read_text(encoding="utf-8")
BACKGROUND_WIDTH = 540  # the picture is sent inline, scaled down to this width
EMPTY = '<div class="reel-empty">Press “Preview subtitles” to play the song with its captions here.</div>'


def file_url(path) -> str:
    """URL under which the Gradio server serves a file it received or made (relative to the page)."""
    return "gradio_api/file=" + quote(str(Path(path).resolve()))


def _background_data_url(image_path, options: ReelOptions) -> str:
    """The cover-fitted background as an inline JPEG (small: it is only a preview)."""
    frame = background(load_image(image_path), dataclasses.replace(options, zoom=False))
    scale = BACKGROUND_WIDTH / frame.width
    frame = frame.resize((BACKGROUND_WIDTH, max(2, round(frame.height * scale))))
    buffer = io.BytesIO()
    frame.convert("RGB").save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _cqw(pixels: float, width: int) -> str:
    """Frame pixels as a share of the player's width (CSS container-query units)."""
    return f"{pixels * 100 / width:.3f}cqw"


def _rgba(colour: str, alpha: int) -> str:
    r, g, b = ImageColor.getrgb(colour)[:3]
    return f"rgba({r},{g},{b},{alpha / 255:.2f})"


def player_html(image_path, audio_path, words: list[Word], options: ReelOptions) -> str:
    """The player for these inputs and timings (the value of the page's gr.HTML).

    With a clip the player plays only that part of the song: the pages are the clip's
    (times from its start) and `data-clip-start` / `data-clip-end` tell player.js where
    the clip lies in the song.
    """
    words, span = words_in_clip(words, options)
    clip = "" if span is None else f'data-clip-start="{span.start:.3f}" data-clip-end="{span.end:.3f}" '
    painter, pages, _ = lay_out(words, options, clip_length(span))
    w, h = options.width, options.height
    style_vars = ";".join([
        f"--reel-ratio:{w}/{h}", f"--reel-text:{options.text_color}",
        f"--reel-upcoming:{_rgba(options.text_color, UPCOMING_ALPHA)}",
        f"--reel-shade:{_rgba(options.outline_color, SHADOW_ALPHA)}",
        f"--reel-highlight:{options.highlight_color}", f"--reel-outline:{options.outline_color}",
        f"--reel-stroke:{_cqw(2 * painter.outline, w)}", f"--reel-font:{_cqw(painter.size, w)}",
        f"--reel-row:{_cqw(painter.row_height, w)}", f"--reel-pad:{_cqw(painter.pad, w)}",
        f"--reel-shadow:{_cqw(painter.shadow, w)}", f"--reel-glow:{_cqw(painter.size * GLOW_SHARE, w)}",
        f"--reel-box-pad:{_cqw(painter.size * BOX_PAD_SHARE, w)}",
        f"--reel-box-radius:{_cqw(painter.size * BOX_RADIUS_SHARE, w)}",
        f"--reel-band-top:{painter.band_top * 100 / h:.3f}%",
        f"--reel-band-height:{painter.band_height * 100 / h:.3f}%",
        f"--reel-band-left:{painter.safe.left * 100:.3f}%", f"--reel-band-right:{painter.safe.right * 100:.3f}%"])
    justify = {"top": "flex-start", "middle": "center", "bottom": "flex-end"}[options.position]
    page_html = []
    for page in pages:
        direction = ' dir="rtl"' if is_rtl(" ".join(w.text for w in page.words)) else ""
        rows = []
        for row in page.rows:
            spans = " ".join(f'<span class="reel-word" data-s="{page.words[i].start:.3f}">'
                             f"{html.escape(page.words[i].text)}</span>" for i in row)
            rows.append(f'<div class="reel-row"{direction}>{spans}</div>')
        page_html.append(f'<div class="reel-page" data-s="{page.start:.3f}" data-e="{page.end:.3f}" '
                         f'style="justify-content:{justify}" hidden>{"".join(rows)}</div>')
    look = html.escape(json.dumps(options.caption_style.player_look()), quote=True)
    font_face = ""
    if options.font_file:  # the uploaded font, served back by Gradio like the song
        font_face = (f'<style>@font-face {{ font-family: "reel-custom"; '
                     f'src: url("{html.escape(file_url(options.font_file))}"); }}</style>')
        style_vars += ';--reel-family:"reel-custom"'
    return (f'{font_face}<div class="reel-player" data-style="{options.style}" data-look="{look}" '
            f'{clip}'
            f'style="{html.escape(style_vars)}">'
            f'<div class="reel-stage"><img class="reel-bg" alt="" '
            f'src="{_background_data_url(image_path, options)}">'
            f'<div class="reel-band">{"".join(page_html)}</div></div>'
            f'<audio class="reel-audio" controls preload="auto" src="{html.escape(file_url(audio_path))}"></audio>'
            f"</div>")
