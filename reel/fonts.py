"""Fonts that can draw a piece of text, chosen per run of characters.

A reel draws with a chain of fonts (`FontChain`): the main font first (the one the
user chose: `ReelOptions.font_file`, a file on the rendering machine such as the CLI's
--font FILE or a page upload, or `ReelOptions.font`, an installed family name; else a
bold Noto Sans or DejaVu Sans), then
for each other script its Noto Sans font ("NotoSansHebrew-Bold.ttf"), then colour
emoji (Debian's fonts-noto-color-emoji). `FontChain.runs` cuts a text into runs that
one font of the chain can draw whole, by looking each character up in the fonts'
character maps (fontTools), so an English word beside a Hebrew one keeps its Latin
glyphs and an emoji is never an empty box. Pillow shapes each run through its raqm
layout engine (complex scripts, right-to-left).
"""
from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from fontTools.ttLib import TTFont, TTLibError
from PIL import ImageFont

from reel.errors import ReelError
from reel.lyrics import is_emoji

ASSET_FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_DIRS = [ASSET_FONTS, Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
             Path.home() / ".fonts", Path("/Library/Fonts"), Path("C:/Windows/Fonts")]
LATIN_FAMILIES = ("NotoSans", "DejaVuSans", "LiberationSans", "Arial")
EMOJI_FAMILY = "NotoColorEmoji"
EMOJI_STRIKE = 109  # the one pixel size NotoColorEmoji's colour bitmaps load at
RTL_SCRIPTS = {"ARABIC", "HEBREW", "SYRIAC", "THAANA", "NKO"}
MAX_FONT_FILE_BYTES = 50 * 2**20  # the largest CJK fonts are ~20 MB
# Characters that belong to the character before them (emoji sequences, marks).
_JOINERS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}


@lru_cache(maxsize=1)
def _font_files() -> dict[str, Path]:
    """Every .ttf/.otf under the font folders, by lower-case file stem."""
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in (".ttf", ".otf"):
                    found.setdefault(path.stem.lower(), path)
    return found


def _bold_file(family: str) -> Optional[Path]:
    files = _font_files()
    for stem in (f"{family}-Bold", f"{family}Bold", f"{family}-Regular", family):
        if stem.lower() in files:
            return files[stem.lower()]
    return None


def family_file(family: str) -> Optional[Path]:
    """The file of an installed family ("DejaVu Sans" or "DejaVuSans"), or None."""
    return _bold_file(family.replace(" ", ""))


@lru_cache(maxsize=1)
def installed_families() -> list[str]:
    """Family names `family_file` finds (file stems without their weight), common ones first."""
    names = {stem.split("-")[0] for stem in (p.stem for p in _font_files().values())}
    return sorted(names, key=lambda n: (n.lower() not in {f.lower() for f in LATIN_FAMILIES}, n.lower()))


@lru_cache(maxsize=64)
def covered(path: Path) -> frozenset[int]:
    """The code points a font file has glyphs for (its best character map)."""
    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            return frozenset(font.getBestCmap() or ())
    except (TTLibError, OSError, AssertionError, KeyError, ValueError, struct.error):
        raise ReelError(f"{Path(path).name} is not a font file Pillow can read (use TTF or OTF)") from None


def check_font_file(path) -> Path:
    """The path of a readable TTF/OTF that Pillow can draw with; ReelError naming the problem otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ReelError(f"font file not found: {path.name}")
    if path.stat().st_size > MAX_FONT_FILE_BYTES:
        raise ReelError(f"the font file {path.name} is over {MAX_FONT_FILE_BYTES // 2**20} MB")
    if not covered(path):
        raise ReelError(f"{path.name} is not a font file that can draw text: it maps no characters")
    try:
        ImageFont.truetype(str(path), 24, layout_engine=ImageFont.Layout.RAQM).getlength("Ag")
    except OSError:
        raise ReelError(f"{path.name} is not a font file Pillow can read (use TTF or OTF)") from None
    return path


def font_suffix(path) -> str:
    """".otf" for a CFF OpenType font, else ".ttf" (from the file's first bytes, not its name)."""
    with open(path, "rb") as f:
        return ".otf" if f.read(4) == b"OTTO" else ".ttf"


def char_script(ch: str) -> str:
    """The script of one letter ("HEBREW"), from its Unicode name; "LATIN" for non-letters."""
    if not ch.isalpha():
        return "LATIN"
    return unicodedata.name(ch, "LATIN").split(" ")[0]


def text_script(text: str) -> str:
    """The main non-Latin script of the text ("DEVANAGARI"), or "LATIN"."""
    counts: dict[str, int] = {}
    for ch in text:
        script = char_script(ch)
        if script not in ("LATIN", "UNKNOWN"):
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else "LATIN"


def is_rtl(text: str) -> bool:
    """True when the text is mainly in a right-to-left script."""
    return text_script(text) in RTL_SCRIPTS


def _joins_previous(ch: str) -> bool:
    return ord(ch) in _JOINERS or unicodedata.category(ch) in ("Mn", "Me", "Sk") or 0xE0020 <= ord(ch) <= 0xE007F


@dataclass(frozen=True)
class Run:
    """Consecutive characters drawn with one font file (`emoji`: a colour bitmap font)."""

    text: str
    path: Path
    emoji: bool = False


class FontChain:
    """The fonts one reel draws with, in the order a character looks for its glyph."""

    def __init__(self, family: str = "", file: str = ""):
        """The main font is `file` (a TTF/OTF path), else the installed `family`, else the default."""
        self.main = self._main_font(family, file)
        self.emoji = _bold_file(EMOJI_FAMILY)

    @staticmethod
    def _main_font(family: str, file: str) -> Path:
        if file:
            return check_font_file(file)
        for name in ((family,) if family else ()) + LATIN_FAMILIES:
            if found := family_file(name):
                return found
        raise ReelError("no usable font found: install fonts-noto-core or fonts-dejavu-core, "
                        "or pass a font file")

    @lru_cache(maxsize=4096)
    def font_for(self, ch: str) -> tuple[Path, bool]:
        """(font file, is the emoji font) that draws the character `ch`."""
        code = ord(ch)
        if self.emoji and is_emoji(ch) and code in covered(self.emoji):
            return self.emoji, True
        if code in covered(self.main) or ch.isspace():
            return self.main, False
        script = char_script(ch)
        candidates = [_bold_file("NotoSans" + "".join(p.title() for p in script.split("_")))]
        candidates += [_bold_file(family) for family in LATIN_FAMILIES]
        for path in candidates:
            if path and code in covered(path):
                return path, False
        if self.emoji and code in covered(self.emoji):
            return self.emoji, True
        return self.main, False

    def runs(self, text: str) -> list[Run]:
        """`text` cut into runs that one font each can draw (spaces, marks and joiners stay in the run)."""
        runs: list[list] = []
        for ch in text:
            if runs and (_joins_previous(ch) or self._neutral_fits(ch, runs[-1][1])):
                runs[-1][0] += ch
                continue
            path, emoji = self.font_for(ch)
            if runs and runs[-1][1] == path:
                runs[-1][0] += ch
            else:
                runs.append([ch, path, emoji])
        return [Run(t, p, e) for t, p, e in runs]

    def _neutral_fits(self, ch: str, path: Path) -> bool:
        """Spaces and punctuation stay in the current run when its font has them."""
        return not ch.isalnum() and not is_emoji(ch) and path != self.emoji and (
            ch.isspace() or ord(ch) in covered(path))


@lru_cache(maxsize=64)
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A sized font using the raqm layout engine (complex scripts, right-to-left)."""
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
