"""Pillow drawing of caption states: one transparent RGBA band per distinct picture.

`CaptionPainter` owns the look (font, size, colours, outline) and the geometry (the
band of the frame captions live in, kept inside the platform safe area). The same
painter measures text for page layout and draws every state, so wrapping always
matches what is drawn.
"""
from __future__ import annotations

from typing import Optional

from PIL import Image, ImageColor, ImageDraw

from reel.captions import CaptionState, Page
from reel.fonts import font_path, is_rtl, load_font
from reel.model import ReelOptions

# Share of the frame height that platform UI covers on a 9:16 reel (Instagram Reels).
SAFE_TOP_PORTRAIT, SAFE_BOTTOM_PORTRAIT = 0.14, 0.20
SAFE_MARGIN_OTHER = 0.06
UPCOMING_ALPHA = 190


def _rgba(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    r, g, b = ImageColor.getrgb(colour)[:3]  # ReelOptions has validated the colour
    return r, g, b, alpha


class CaptionPainter:
    """Measures and draws caption pages for one reel's options and lyrics script."""

    def __init__(self, options: ReelOptions, sample_text: str):
        self.options = options
        width, height = options.width, options.height
        self.style = options.caption_style
        self.size = options.font_size or round(width * self.style.font_share)
        self.font = load_font(font_path(sample_text, options.font_file or options.font), self.size)
        self.rtl = is_rtl(sample_text)
        self.outline = options.outline_width or max(2, round(self.size * 0.08))
        self.text_rgba = _rgba(options.text_color)
        self.upcoming_rgba = _rgba(options.text_color, UPCOMING_ALPHA)
        self.highlight_rgba = _rgba(options.highlight_color)
        self.outline_rgba = _rgba(options.outline_color)
        ascent, descent = self.font.getmetrics()
        self.ascent = ascent
        self.row_height = round((ascent + descent) * 1.12)
        self.max_width = width * 0.86
        self.pad = self.outline + round(self.size * 0.15)
        self.band_height = self.style.max_rows * self.row_height + 2 * self.pad
        self.band_top = self._band_top(width, height)
        self._sprites: dict[tuple, tuple[Image.Image, int, int]] = {}
        self._places: tuple[Optional[Page], list] = (None, [])  # word positions of the last page

    def _band_top(self, width: int, height: int) -> int:
        portrait = height / width > 1.5
        top = SAFE_TOP_PORTRAIT if portrait else SAFE_MARGIN_OTHER
        bottom = SAFE_BOTTOM_PORTRAIT if portrait else SAFE_MARGIN_OTHER
        if self.options.position == "top":
            return round(height * top)
        if self.options.position == "middle":
            return round((height - self.band_height) / 2)
        return round(height * (1 - bottom)) - self.band_height

    def measure(self, text: str) -> float:
        """Width in pixels of text drawn with this painter's font."""
        return self.font.getlength(text)

    def blank(self) -> Image.Image:
        """The empty band (nothing on screen)."""
        return Image.new("RGBA", (self.options.width, self.band_height), (0, 0, 0, 0))

    def _colour(self, index: int, active: Optional[int]) -> tuple[int, int, int, int]:
        if active is None or index < active:
            return self.text_rgba
        return self.highlight_rgba if index == active else self.upcoming_rgba

    def _layout(self, page: Page) -> list[tuple[float, float]]:
        """(x, baseline) of every word of the page, rows centred, right-to-left aware."""
        space = self.measure(" ")
        free = self.band_height - 2 * self.pad - len(page.rows) * self.row_height
        offset = {"top": 0, "middle": free // 2, "bottom": free}[self.options.position]
        places: dict[int, tuple[float, float]] = {}
        for r, row in enumerate(page.rows):
            widths = {i: self.measure(page.words[i].text) for i in row}
            x = (self.options.width - (sum(widths.values()) + space * (len(row) - 1))) / 2
            baseline = self.pad + offset + r * self.row_height + self.ascent
            for i in (reversed(row) if self.rtl else row):
                places[i] = (x, baseline)
                x += widths[i] + space
        return [places[i] for i in range(len(page.words))]

    def _sprite(self, text: str, colour: tuple[int, int, int, int]) -> tuple[Image.Image, int, int]:
        """The word drawn alone, and its offset from the pen position (cached)."""
        key = (text, colour)
        if key not in self._sprites:
            left, top, right, bottom = self.font.getbbox(text, anchor="ls", stroke_width=self.outline)
            sprite = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
            ImageDraw.Draw(sprite).text((-left, -top), text, font=self.font, anchor="ls", fill=colour,
                                        stroke_width=self.outline, stroke_fill=self.outline_rgba)
            self._sprites[key] = (sprite, left, top)
        return self._sprites[key]

    def draw(self, state: CaptionState) -> Image.Image:
        """The band with the state's page drawn, its active word highlighted.

        Each word is rasterised once per colour and then only composited, so the many
        states of a page cost a few blits each.
        """
        page = state.page
        if page is not self._places[0]:
            self._places = (page, self._layout(page))
        band = self.blank()
        for i, (x, baseline) in enumerate(self._places[1]):
            sprite, left, top = self._sprite(page.words[i].text, self._colour(i, state.active))
            band.alpha_composite(sprite, (round(x) + left, round(baseline) + top))
        return band
