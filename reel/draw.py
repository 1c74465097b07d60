"""Pillow drawing of caption states: one transparent RGBA band per distinct picture.

`CaptionPainter` owns the look (the template record of `reel.styles`, fonts, size,
colours, outline, shadow, glow) and the geometry (the band of the frame captions live
in, kept inside the platform's safe area from `reel.platforms`: clear of its top bar,
bottom text and button column). The same painter measures text for page
layout and draws every state, so wrapping always matches what is drawn. Text is drawn
run by run with the font that has its glyphs (`reel.fonts.FontChain`), emoji in colour.
"""
from __future__ import annotations

from typing import Optional

from PIL import Image, ImageColor, ImageDraw, ImageFilter

from reel.captions import CaptionState, Page
from reel.fonts import EMOJI_STRIKE, FontChain, Run, is_rtl, load_font
from reel.model import ReelOptions
from reel.platforms import safe_area

UPCOMING_ALPHA = 190
SHADOW_ALPHA = 160
GLOW_SHARE = 0.12      # glow blur radius, share of the font size
BOX_PAD_SHARE = 0.14   # the sung word's box reaches this share of the font size past the word
BOX_RADIUS_SHARE = 0.2

Sprite = tuple[Image.Image, int, int]  # picture, and its offset from the pen position on the baseline


def _even_up(rows: int) -> int:
    """The even row count at or above `rows`."""
    return rows + rows % 2


def _even_down(rows: int) -> int:
    """The even row count at or below `rows`."""
    return rows - rows % 2


def _rgba(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    r, g, b = ImageColor.getrgb(colour)[:3]  # ReelOptions has validated the colour
    return r, g, b, alpha


def _stack(pieces: list[Sprite]) -> Sprite:
    """Pictures placed at their offsets, flattened into one (offsets of its top-left)."""
    left = min(x for _, x, _ in pieces)
    top = min(y for _, _, y in pieces)
    right = max(x + img.width for img, x, _ in pieces)
    bottom = max(y + img.height for img, _, y in pieces)
    canvas = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    for img, x, y in pieces:
        canvas.alpha_composite(img, (x - left, y - top))
    return canvas, left, top


def _tinted(mask: Image.Image, colour: tuple[int, int, int, int]) -> Image.Image:
    """A solid colour with the alpha of `mask` (times the colour's alpha)."""
    layer = Image.new("RGBA", mask.size, colour[:3] + (0,))
    layer.putalpha(mask.point(lambda a: a * colour[3] // 255))
    return layer


class CaptionPainter:
    """Measures and draws caption pages for one reel's options."""

    def __init__(self, options: ReelOptions):
        self.options = options
        self.style = options.caption_style
        width, height = options.width, options.height
        self.size = options.font_size or round(width * self.style.font_share)
        self.fonts = FontChain(options.font, options.font_file)
        self.font = load_font(self.fonts.main, self.size)
        self.outline = options.outline_width or max(2, round(self.size * self.style.outline_share))
        self.shadow = options.shadow or round(self.size * self.style.shadow_share)
        self.text_rgba = _rgba(options.text_color)
        self.upcoming_rgba = _rgba(options.text_color, UPCOMING_ALPHA)
        self.highlight_rgba = _rgba(options.highlight_color)
        self.outline_rgba = _rgba(options.outline_color)
        ascent, descent = self.font.getmetrics()
        self.ascent, self.descent = ascent, descent
        self.row_height = round((ascent + descent) * 1.12)
        self.safe = safe_area(options.platform, width, height)
        # Rows are centred between the safe side margins; the outline stays inside them too.
        self.max_width = width * (1 - self.safe.left - self.safe.right) - 2 * self.outline
        self.centre_x = width * (self.safe.left + (1 - self.safe.left - self.safe.right) / 2)
        self.pad = self.outline + round(self.size * 0.15)
        # Band edges on even rows: the encode cuts the yuv420p frame there (its chroma rows are pairs).
        self.band_height = _even_up(self.style.max_rows * self.row_height + 2 * self.pad)
        self.band_top = self._band_top(height)
        self._widths: dict[str, float] = {}
        self._sprites: dict[tuple, Sprite] = {}
        self._places: tuple[Optional[Page], list] = (None, [])  # word positions of the last page
        self._layers: tuple = ((None, None), None)  # (page, sung word), and its other words drawn

    def _band_top(self, height: int) -> int:
        top, bottom = _even_up(round(height * self.safe.top)), _even_down(round(height * (1 - self.safe.bottom)))
        if self.options.position == "top":
            return top
        if self.options.position == "middle":
            return round((top + bottom - self.band_height) / 4) * 2  # the even row nearest the middle
        return bottom - self.band_height

    def _runs(self, text: str) -> list[Run]:
        """The text's font runs in drawing order (right-to-left words: last run first)."""
        runs = self.fonts.runs(text)
        return runs[::-1] if is_rtl(text) else runs

    def _run_width(self, run: Run, size: int) -> float:
        if run.emoji:
            return load_font(run.path, EMOJI_STRIKE).getlength(run.text) * size / EMOJI_STRIKE
        return load_font(run.path, size).getlength(run.text)

    def measure(self, text: str) -> float:
        """Width in pixels of text drawn with this painter's fonts."""
        if text not in self._widths:
            self._widths[text] = sum(self._run_width(run, self.size) for run in self._runs(text))
        return self._widths[text]

    def blank(self) -> Image.Image:
        """The empty band (nothing on screen)."""
        return Image.new("RGBA", (self.options.width, self.band_height), (0, 0, 0, 0))

    def _colour(self, index: int, active: Optional[int]) -> Optional[tuple[int, int, int, int]]:
        """The fill of word `index` while word `active` is sung (None: not drawn)."""
        if active is None or index < active:
            return self.text_rgba
        if index == active:
            return self.highlight_rgba if self.style.highlight == "colour" else self.text_rgba
        return None if self.style.hide_upcoming else self.upcoming_rgba

    def layout(self, page: Page) -> list[tuple[float, float]]:
        """(x, baseline) of every word of the page, rows centred, right-to-left lines reversed."""
        space = self.measure(" ")
        free = self.band_height - 2 * self.pad - len(page.rows) * self.row_height
        offset = {"top": 0, "middle": free // 2, "bottom": free}[self.options.position]
        rtl = is_rtl(" ".join(w.text for w in page.words))
        places: dict[int, tuple[float, float]] = {}
        for r, row in enumerate(page.rows):
            widths = {i: self.measure(page.words[i].text) for i in row}
            x = self.centre_x - (sum(widths.values()) + space * (len(row) - 1)) / 2
            baseline = self.pad + offset + r * self.row_height + self.ascent
            for i in (reversed(row) if rtl else row):
                places[i] = (x, baseline)
                x += widths[i] + space
        return [places[i] for i in range(len(page.words))]

    def _text(self, text: str, size: int, fill: tuple, stroke: int) -> Sprite:
        """The text drawn run by run on one baseline, with its outline."""
        pieces: list[Sprite] = []
        pen = 0.0
        for run in self._runs(text):
            if run.emoji:  # colour bitmaps exist at one size: draw there, then scale
                font, k = load_font(run.path, EMOJI_STRIKE), size / EMOJI_STRIKE
                left, top, right, bottom = font.getbbox(run.text, anchor="ls")
                img = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
                ImageDraw.Draw(img).text((-left, -top), run.text, font=font, anchor="ls", embedded_color=True)
                img = img.resize((max(1, round(img.width * k)), max(1, round(img.height * k))),
                                 Image.Resampling.LANCZOS)
                pieces.append((img, round(pen + left * k), round(top * k)))
            else:
                font = load_font(run.path, size)
                left, top, right, bottom = font.getbbox(run.text, anchor="ls", stroke_width=stroke)
                img = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
                ImageDraw.Draw(img).text((-left, -top), run.text, font=font, anchor="ls", fill=fill,
                                         stroke_width=stroke, stroke_fill=self.outline_rgba)
                pieces.append((img, round(pen) + left, top))
            pen += self._run_width(run, size)
        return _stack(pieces)

    def _sprite(self, text: str, colour: tuple, scale: float, glow: bool) -> Sprite:
        """The word drawn alone with its effects (glow, shadow), and its offset (cached).

        A moving word is drawn once, at its motion's largest scale, and resampled for
        every other scale but rest: each motion frame has a new scale, and drawing the
        word with its outline and blurred shadow again per frame was most of the drawing
        (bounce, 60 s workload: 4.7 -> 2.7 CPU s to draw every state).
        """
        key = (text, colour, scale, glow)
        if key not in self._sprites:
            largest = max(self.style.motion.keyframes) if self.style.motion else 1.0
            if scale == 1.0 or scale == largest:
                self._sprites[key] = self._drawn(text, colour, scale, glow)
            else:
                image, left, top = self._sprite(text, colour, largest, glow)
                k = scale / largest
                size = (max(1, round(image.width * k)), max(1, round(image.height * k)))
                self._sprites[key] = image.resize(size, Image.Resampling.BICUBIC), round(left * k), round(top * k)
        return self._sprites[key]

    def _drawn(self, text: str, colour: tuple, scale: float, glow: bool) -> Sprite:
        """The word rasterised at `scale` with its outline, glow and shadow."""
        size = max(1, round(self.size * scale))
        word, left, top = self._text(text, size, colour, max(0, round(self.outline * scale)))
        pieces: list[Sprite] = []
        if glow:
            radius = max(2, round(size * GLOW_SHARE))
            halo = Image.new("L", (word.width + 4 * radius, word.height + 4 * radius))
            halo.paste(word.getchannel("A"), (2 * radius, 2 * radius))
            halo = halo.filter(ImageFilter.GaussianBlur(radius)).point(lambda a: min(255, a * 3))
            pieces.append((_tinted(halo, self.highlight_rgba), left - 2 * radius, top - 2 * radius))
        if self.shadow:
            blur = max(1, self.shadow // 2)
            shade = Image.new("L", (word.width + 4 * blur, word.height + 4 * blur))
            shade.paste(word.getchannel("A"), (2 * blur, 2 * blur))
            shade = shade.filter(ImageFilter.GaussianBlur(blur))
            pieces.append((_tinted(shade, self.outline_rgba[:3] + (SHADOW_ALPHA,)),
                           left - 2 * blur + self.shadow, top - 2 * blur + self.shadow))
        pieces.append((word, left, top))
        return _stack(pieces)

    def _box(self, band: Image.Image, x: float, baseline: float, width: float, scale: float) -> None:
        """The rounded box in the highlight colour behind a word `width` wide at (x, baseline)."""
        pad = self.size * BOX_PAD_SHARE * scale
        centre, middle = x + width / 2, baseline - (self.ascent - self.descent) * scale / 2
        half_w = width / 2 + pad
        half_h = (self.ascent + self.descent) * scale / 2 * 0.92
        ImageDraw.Draw(band).rounded_rectangle(
            (round(centre - half_w), round(middle - half_h), round(centre + half_w), round(middle + half_h)),
            radius=round(self.size * BOX_RADIUS_SHARE * scale), fill=self.highlight_rgba)

    def _placed(self, page: Page, i: int, active: Optional[int], scale: float = 1.0) -> Optional[Sprite]:
        """Word `i` of the page as drawn while word `active` is sung, at its place in the band."""
        colour = self._colour(i, active)
        if colour is None:
            return None
        x, baseline = self._origin(page, i, scale)
        sprite, left, top = self._sprite(page.words[i].text, colour, scale, i == active and self.style.glow)
        return sprite, round(x) + left, round(baseline) + top

    def _origin(self, page: Page, i: int, scale: float) -> tuple[float, float]:
        """(x, baseline) of word `i` drawn at `scale`: it grows around its centre."""
        x, baseline = self._places[1][i]
        return (x + self.measure(page.words[i].text) * (1 - scale) / 2,
                baseline + (scale - 1) * self.ascent / 2)

    def _others(self, page: Page, active: Optional[int]) -> tuple[Image.Image, Optional[Sprite]]:
        """The page's words but the sung one, drawn once per (page, sung word): the band
        with the words before it (under the sung word) and the words after it (over it)."""
        (last_page, last_active), layers = self._layers
        if page is not last_page or active != last_active:
            if page is not self._places[0]:
                self._places = (page, self.layout(page))
            under, over = self.blank(), []
            for i in range(len(page.words)):
                placed = None if i == active else self._placed(page, i, active)
                if placed is None:
                    continue
                if active is not None and i > active >= 0:
                    over.append(placed)
                else:
                    under.alpha_composite(placed[0], placed[1:])
            layers = (under, _stack(over) if over else None)
            self._layers = ((page, active), layers)
        return layers

    def draw(self, state: CaptionState) -> Image.Image:
        """The band with the state's page drawn, its active word marked (and moving).

        Each word is rasterised once per colour and scale, and the words around the sung
        one once per (page, sung word): the motion frames of a word only add the word.
        """
        page, active = state.page, state.active
        under, over = self._others(page, active)
        band = under.copy()
        if active is not None and 0 <= active < len(page.words):
            if self.style.highlight == "box":
                x, baseline = self._origin(page, active, state.scale)
                self._box(band, x, baseline, self.measure(page.words[active].text) * state.scale, state.scale)
            placed = self._placed(page, active, active, state.scale)
            if placed is not None:
                band.alpha_composite(placed[0], placed[1:])
        if over is not None:
            band.alpha_composite(over[0], over[1:])
        return band
