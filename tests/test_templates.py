"""Caption templates on decoded frames: where the box is, how big the bouncing word is,
what each template shows and hides, glow, shadow and outline."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import frame_at
from reel.model import ReelOptions, Word
from reel.pipeline import lay_out, make_reel

YELLOW = np.array([255, 210, 63])  # the default highlight colour


@pytest.fixture(scope="module")
def words(song) -> list[Word]:
    return [Word(w["text"], w["start"], w["end"], w["line"]) for w in song["truth"]["words"]]


@pytest.fixture(scope="module")
def render(song, words, tmp_path_factory):
    """render(style, **options) -> (video, painter, pages): each combination made once."""
    made = {}

    def make(style: str, **extra):
        key = (style, tuple(sorted(extra.items())))
        if key not in made:
            options = ReelOptions(style=style, **extra)
            folder = tmp_path_factory.mktemp(style)
            result = make_reel(song["image"], song["audio"], song["lyrics"], folder, options, words=words)
            painter, pages, _ = lay_out(words, options)
            made[key] = (result.video, painter, pages)
        return made[key]
    return make


def band_at(video, painter, seconds: float) -> np.ndarray:
    frame = frame_at(video, seconds).astype(int)
    return frame[painter.band_top:painter.band_top + painter.band_height]


def yellow(band: np.ndarray) -> np.ndarray:
    return np.abs(band - YELLOW).max(axis=2) < 45


def columns(mask: np.ndarray) -> tuple[int, int]:
    xs = np.nonzero(mask.any(axis=0))[0]
    assert xs.size, "nothing found"
    return int(xs[0]), int(xs[-1])


def ink(band: np.ndarray) -> np.ndarray:
    """Caption pixels over the grey gradient background: tinted, very bright or very dark."""
    spread = band.max(axis=2) - band.min(axis=2)
    return (spread > 40) | (band.min(axis=2) > 235) | (band.max(axis=2) < 30)


def word_span(painter, page, i: int) -> tuple[float, float]:
    x, _ = painter.layout(page)[i]
    return x, x + painter.measure(page.words[i].text)


def test_box_sits_under_the_sung_word_and_moves_with_it(render):
    video, painter, pages = render("box")
    page = pages[0]
    centres = []
    for i, word in enumerate(page.words):
        box = yellow(band_at(video, painter, (word.start + word.end) / 2))
        assert box.sum() > 4000, f"no box behind '{word.text}'"
        left, right = columns(box)
        start, end = word_span(painter, page, i)
        assert left < start < end < right and right - left < 1.6 * (end - start) + painter.size
        centres.append((left + right) / 2)
    assert centres == sorted(centres) and len(centres) >= 3


def test_bounce_word_is_larger_while_it_starts_than_at_rest(render):
    video, painter, pages = render("bounce")
    checked = 0
    for page in pages:
        for i, word in enumerate(page.words[:-1]):
            if page.words[i + 1].start - word.start < 0.3:
                continue
            left, right = columns(yellow(band_at(video, painter, word.start + 0.04)))
            rest_left, rest_right = columns(yellow(band_at(video, painter, word.start + 0.25)))
            assert right - left > 1.07 * (rest_right - rest_left), word.text
            checked += 1
    assert checked >= 2


def test_word_template_shows_one_word(render):
    video, painter, pages = render("word")
    assert all(len(page.words) == 1 for page in pages)
    for page in pages[:4]:
        word = page.words[0]
        left, right = columns(ink(band_at(video, painter, (word.start + word.end) / 2)))
        width = painter.measure(word.text)
        assert 0.8 * width < right - left < width + 4 * painter.outline + painter.size * 0.2, word.text


def test_typewriter_shows_no_word_before_it_is_sung(render):
    video, painter, pages = render("typewriter")
    page = pages[0]
    assert len(page.words) >= 3 and len(page.rows) == 1
    first, last = page.words[0], page.words[-1]
    _, first_end = word_span(painter, page, 0)
    early = ink(band_at(video, painter, (first.start + first.end) / 2))
    assert not early[:, round(first_end + painter.size * 0.3):].any()  # the rest of the line is not there yet
    late = ink(band_at(video, painter, (last.start + last.end) / 2))
    assert late[:, round(first_end + painter.size * 0.3):].sum() > 1000


def _halo(band: np.ndarray) -> int:
    """Pixels tinted towards the highlight colour but not it: a glow over the grey background."""
    r, g, b = band[..., 0], band[..., 1], band[..., 2]
    return int(((r - b > 30) & (g - b > 20) & ~yellow(band)).sum())


def test_glow_has_a_halo_and_a_drop_shadow(render, words):
    glow, painter, _ = render("glow")
    plain, plain_painter, _ = render("karaoke")
    word = words[1]
    t = (word.start + word.end) / 2
    assert _halo(band_at(glow, painter, t)) > 3 * _halo(band_at(plain, plain_painter, t)) + 500
    assert painter.shadow > 0


def _black(band: np.ndarray) -> int:
    return int((band.max(axis=2) < 40).sum())


def _shaded(band: np.ndarray) -> int:
    """Half-dark pixels: a soft shadow over the light grey background (not the black outline)."""
    top = band.max(axis=2)
    return int(((top > 40) & (top < 130)).sum())


@pytest.mark.parametrize("option, small, large, count", [("shadow", 0, 12, _shaded),
                                                         ("outline_width", 2, 10, _black)])
def test_shadow_and_outline_are_options_of_every_template(render, words, option, small, large, count):
    word = words[2]
    t = (word.start + word.end) / 2
    seen = []
    for value in (small, large):
        video, painter, _ = render("pop", **{option: value})
        seen.append(count(band_at(video, painter, t)))
    assert seen[1] > 1.5 * seen[0] + 1000, seen
