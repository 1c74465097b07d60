"""make_reel as the queue and the app use it: options round trip, progress, cancel."""
import json
import threading

import pytest

from reel.errors import Cancelled, ReelError
from reel.model import ReelOptions, Word
from reel.pipeline import make_reel


def _words(song):
    return [Word(w["text"], w["start"], w["end"], w["line"]) for w in song["truth"]["words"]]


def test_options_round_trip_through_json():
    options = ReelOptions(style="pop", size="1080x1080", highlight_color="#00FF00", zoom=True)
    assert ReelOptions.from_dict(json.loads(json.dumps(options.to_dict()))) == options


@pytest.mark.parametrize("bad, message", [
    ({"style": "disco"}, "style must be one of"), ({"size": "100x"}, "size must look like"),
    ({"size": "1081x1920"}, "even sides"), ({"colour": "red"}, "unknown option"),
    ({"font_size": 2}, "font_size"), ({"text_color": "blurple"}, "not a colour"),
])
def test_bad_options(bad, message):
    with pytest.raises(ReelError, match=message):
        ReelOptions.from_dict(bad)


def test_progress_is_monotonic_and_complete(song, tmp_path):
    seen = []
    make_reel(song["image"], song["audio"], song["lyrics"], tmp_path, words=_words(song),
              progress=lambda stage, fraction: seen.append((stage, fraction)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)
    assert seen[-1] == ("done", 1.0)
    stages = [s for s, _ in seen]
    assert stages.index("checking") < stages.index("drawing") < stages.index("encoding")
    assert len([s for s in stages if s == "encoding"]) >= 3  # ffmpeg -progress drives it


def test_cancel_stops_the_encode_and_leaves_no_video(song, tmp_path):
    cancel = threading.Event()

    def progress(stage, fraction):
        if stage == "encoding" and fraction > 0.05:
            cancel.set()

    with pytest.raises(Cancelled):
        make_reel(song["image"], song["audio"], song["lyrics"], tmp_path, words=_words(song),
                  progress=progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


