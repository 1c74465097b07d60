"""Find a font that can draw a piece of text.

Latin text uses a bold sans (Noto Sans, else DejaVu Sans); other scripts use the Noto
Sans family for that script ("NotoSansDevanagari-Bold.ttf") when installed, which
Pillow shapes correctly through its raqm layout engine. `ReelOptions.font` names an
installed family ("DejaVuSans") to prefer for Latin text; `ReelOptions.font_file` a font
file on the rendering machine (the CLI's --font FILE).
"""
from __future__ import annotations

import os
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Optional

from PIL import ImageFont

from reel.errors import ReelError

ASSET_FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_DIRS = [ASSET_FONTS, Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
             Path.home() / ".fonts", Path("/Library/Fonts"), Path("C:/Windows/Fonts")]
LATIN_FAMILIES = ("NotoSans", "DejaVuSans", "LiberationSans", "Arial")
RTL_SCRIPTS = {"ARABIC", "HEBREW", "SYRIAC", "THAANA", "NKO"}


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


MAX_FONT_FILE_BYTES = 50 * 2**20  # the largest CJK fonts are ~20 MB


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


def check_font_file(path: str) -> Path:
    """A readable TrueType/OpenType font file, else ReelError naming the problem."""
    p = Path(path)
    if not p.is_file():
        raise ReelError(f"font file not found: {p.name}")
    if p.stat().st_size > MAX_FONT_FILE_BYTES:
        raise ReelError(f"the font file {p.name} is over {MAX_FONT_FILE_BYTES // 2**20} MB")
    try:
        ImageFont.truetype(str(p), 12)
    except OSError:
        raise ReelError(f"{p.name} is not a font file Pillow can read (use TTF or OTF)") from None
    return p


def text_script(text: str) -> str:
    """The main non-Latin script of the text ("DEVANAGARI"), or "LATIN"."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
            if script not in ("LATIN", "UNKNOWN"):
                counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else "LATIN"


def is_rtl(text: str) -> bool:
    """True when the text is mainly in a right-to-left script."""
    return text_script(text) in RTL_SCRIPTS


def font_path(text: str, preferred: str = "") -> Path:
    """The font file to draw `text` with (see the module docstring for the order)."""
    if preferred and os.path.isfile(preferred):  # a font_file (ReelOptions never lets a family be a path)
        return Path(preferred)
    script = text_script(text)
    if script != "LATIN":
        family = "NotoSans" + "".join(part.title() for part in script.split("_"))
        if found := _bold_file(family):
            return found
    for family in ((preferred,) if preferred else ()) + LATIN_FAMILIES:
        if found := family_file(family):
            return found
    raise ReelError("no usable font found: install fonts-noto-core or fonts-dejavu-core, "
                    "or pass a font file")


@lru_cache(maxsize=64)
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A sized font using the raqm layout engine (complex scripts, right-to-left)."""
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
