"""Audiogram extras on decoded frames: the waveform follows the voice, the progress bar the time."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import frame_at
from reel.model import ReelOptions, Word
from reel.pipeline import lay_out, make_reel
from test_templates import yellow


@pytest.fixture(scope="module")
def audiogram(song, tmp_path_factory):
    words = [Word(w["text"], w["start"], w["end"], w["line"]) for w in song["truth"]["words"]]
    options = ReelOptions(waveform=True, progress_bar=True)
    result = make_reel(song["image"], song["audio"], None, tmp_path_factory.mktemp("audiogram"), options,
                       words=words)
    painter, _, _ = lay_out(words, options)
    return result, painter


def _above_band(video, painter, seconds: float) -> np.ndarray:
    return frame_at(video, seconds)[:painter.band_top].astype(int)


def test_progress_bar_grows_with_the_time_played(audiogram):
    result, painter = audiogram
    width = painter.options.width
    for share in (0.25, 0.75):
        lit = yellow(_above_band(result.video, painter, share * result.duration))
        columns = lit.any(axis=0).sum()
        assert abs(columns / width - share) < 0.04, (share, columns)
        assert lit.sum() < 20 * width  # a thin bar, not a block


def test_waveform_moves_with_the_voice(audiogram, song):
    result, painter = audiogram
    words = song["truth"]["words"]
    gap = max(zip(words, words[1:]), key=lambda pair: pair[1]["start"] - pair[0]["end"])
    quiet = (gap[0]["end"] + gap[1]["start"]) / 2
    sung = (words[0]["start"] + words[0]["end"]) / 2

    def white(t: float) -> int:
        return int((_above_band(result.video, painter, t).min(axis=2) > 235).sum())
    assert white(sung) > 5000 and white(quiet) < 300


def test_extras_are_off_by_default(song, tmp_path):
    words = [Word(w["text"], w["start"], w["end"], w["line"]) for w in song["truth"]["words"]]
    result = make_reel(song["image"], song["audio"], None, tmp_path, ReelOptions(), words=words)
    painter, _, _ = lay_out(words, ReelOptions())
    above = _above_band(result.video, painter, result.duration / 2)
    assert yellow(above).sum() == 0 and (above.min(axis=2) > 235).sum() == 0
