"""Fonts on decoded frames: mixed scripts keep their glyphs and directions, emoji are in
colour, a font file of one's own changes the glyphs."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import frame_at
from reel.fonts import FontChain, family_file
from reel.model import ReelOptions, Word
from reel.pipeline import lay_out, make_reel
from test_templates import band_at, ink, yellow

ENGLISH = ["Hello", "bright", "morning"]
HEBREW = ["שלום", "עולם", "יפה"]


def _timed(lines: list[list[str]], start: float = 1.0) -> list[Word]:
    words, t = [], start
    for n, line in enumerate(lines):
        for text in line:
            words.append(Word(text, t, t + 0.45, n))
            t += 0.5
        t += 0.5
    return words


def _render(song, folder, words, **options):
    options = ReelOptions(**options)
    folder.mkdir()
    result = make_reel(song["image"], song["audio"], None, folder, options, words=words)
    painter, pages, _ = lay_out(words, options)
    return result.video, painter


def test_runs_take_the_font_that_has_their_glyphs():
    chain = FontChain()
    runs = chain.runs("Hello שלום 🔥")
    assert [r.text.strip() for r in runs] == ["Hello", "שלום", "🔥"]
    assert runs[0].path == chain.main and runs[1].path.name.startswith("NotoSansHebrew")
    assert runs[2].emoji and not runs[0].emoji


def test_english_line_beside_a_hebrew_line_keeps_latin_glyphs_left_to_right(song, tmp_path):
    mixed, painter = _render(song, tmp_path / "mixed", _timed([ENGLISH, HEBREW]))
    english, _ = _render(song, tmp_path / "english", _timed([ENGLISH]))
    words = _timed([ENGLISH, HEBREW])
    centre = painter.options.width / 2
    for word in words[:3]:  # the English line: the same glyphs as an English-only song
        t = (word.start + word.end) / 2
        lit, alone = yellow(band_at(mixed, painter, t)), yellow(band_at(english, painter, t))
        assert lit.sum() > 300 and (lit & alone).sum() > 0.9 * (lit | alone).sum(), word.text
    first_en = np.nonzero(yellow(band_at(mixed, painter, 1.2)).any(axis=0))[0].mean()
    first_he = np.nonzero(yellow(band_at(mixed, painter, words[3].start + 0.2)).any(axis=0))[0].mean()
    assert first_en < centre < first_he  # English starts on the left, Hebrew on the right


def _emoji_colours(band: np.ndarray) -> int:
    """Saturated orange/red pixels: neither the white text, its black outline nor grey."""
    r, g, b = band[..., 0], band[..., 1], band[..., 2]
    return int(((r > 180) & (g < 150) & (b < 90)).sum())


def test_emoji_are_drawn_in_colour(song, tmp_path):
    words = _timed([["we", "burn", "tonight 🔥"]])
    with_emoji, painter = _render(song, tmp_path / "a", words, style="lines")
    plain, _ = _render(song, tmp_path / "b", _timed([["we", "burn", "tonight"]]), style="lines")
    assert _emoji_colours(band_at(with_emoji, painter, 2.0)) > 500
    assert _emoji_colours(band_at(plain, painter, 2.0)) < 20


def test_a_font_file_changes_the_glyphs(song, tmp_path):
    serif = family_file("DejaVuSerif")
    if serif is None:
        pytest.fail("fonts-dejavu-core is needed (DejaVuSerif-Bold.ttf)")
    words = _timed([ENGLISH])
    default, painter = _render(song, tmp_path / "a", words, style="lines")
    custom, custom_painter = _render(song, tmp_path / "b", words, style="lines", font_file=str(serif))
    assert custom_painter.fonts.main == serif
    rows = slice(min(painter.band_top, custom_painter.band_top),
                 max(p.band_top + p.band_height for p in (painter, custom_painter)))
    a, b = (ink(frame_at(video, 1.5)[rows].astype(int)) for video in (default, custom))
    assert a.sum() > 2000 and b.sum() > 2000
    assert (a ^ b).sum() > 0.3 * (a | b).sum()
