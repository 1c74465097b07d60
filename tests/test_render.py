"""End-to-end renders: decode the MP4 and look at its streams and pixels."""
import json
import math
import subprocess
import sys

import numpy as np
import pysubs2
import pytest

from conftest import ffprobe, frame_at, truth_words_file
from reel.captions import LEAD_IN_SECONDS
from reel.draw import CaptionPainter
from reel.lrc import parse_lrc
from reel.model import ReelOptions, Word
from reel.pipeline import make_reel

YELLOW = np.array([255, 210, 63])  # the default highlight colour


def _band(frame: np.ndarray, options: ReelOptions) -> np.ndarray:
    painter = CaptionPainter(options)
    return frame[painter.band_top:painter.band_top + painter.band_height]


def _highlight_pixels(region: np.ndarray) -> np.ndarray:
    """Boolean mask of pixels close to the highlight colour."""
    return np.abs(region.astype(int) - YELLOW).max(axis=2) < 45


def _outline_pixels(region: np.ndarray) -> int:
    return int((region.max(axis=2) < 40).sum())


@pytest.fixture(scope="module")
def karaoke(song, tmp_path_factory):
    folder = tmp_path_factory.mktemp("karaoke")
    out = folder / "reel.mp4"
    proc = subprocess.run([sys.executable, "-m", "reel", "render", "--image", str(song["image"]),
                           "--audio", str(song["audio"]), "--lyrics", str(song["lyrics_path"]),
                           "--words", str(truth_words_file(song, folder)), "--out", str(out),
                           "--srt", str(folder / "s.srt"), "--ass", str(folder / "s.ass"),
                           "--vtt", str(folder / "s.vtt"), "--lrc", str(folder / "s.lrc"),
                           "--save-words", str(folder / "w.json")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "encoding" in proc.stderr and "100%" in proc.stderr
    return folder


def test_mp4_streams(karaoke, song):
    info = ffprobe(karaoke / "reel.mp4")
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 1080, 1920)
    assert video["pix_fmt"] == "yuv420p" and video["r_frame_rate"] == "30/1"
    assert (audio["codec_name"], audio["profile"], audio["sample_rate"], audio["channels"]) == ("aac", "LC", "48000", 2)
    assert video["profile"] == "High"  # from a 16 kHz mono song: platforms ask for AAC-LC 48 kHz stereo
    source = float(ffprobe(song["wav"])["format"]["duration"])
    assert abs(float(info["format"]["duration"]) - source) <= 0.1
    head = (karaoke / "reel.mp4").read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")  # +faststart


def test_sung_word_is_highlighted(karaoke, song):
    options = ReelOptions()
    words = song["truth"]["words"]
    centres = []
    for word in words[:3]:
        band = _band(frame_at(karaoke / "reel.mp4", (word["start"] + word["end"]) / 2), options)
        mask = _highlight_pixels(band)
        assert mask.sum() > 300, f"no highlighted word on screen while '{word['text']}' is sung"
        centres.append(np.nonzero(mask)[1].mean())
    assert centres[0] < centres[1] < centres[2]  # the highlight moves along the row


def test_nothing_on_screen_in_instrumental_gap(karaoke, song):
    words = song["truth"]["words"]
    gap = max(zip(words, words[1:]), key=lambda pair: pair[1]["start"] - pair[0]["end"])
    assert gap[1]["start"] - gap[0]["end"] > 2.0
    quiet = frame_at(karaoke / "reel.mp4", gap[1]["start"] - 0.4)
    busy = frame_at(karaoke / "reel.mp4", gap[0]["end"] - 0.05)
    assert _outline_pixels(_band(quiet, ReelOptions())) < 20
    assert _outline_pixels(_band(busy, ReelOptions())) > 1000


def test_subtitle_files_parse_back(karaoke, song):
    srt = pysubs2.load(str(karaoke / "s.srt"))
    ass = pysubs2.load(str(karaoke / "s.ass"))
    vtt = pysubs2.load(str(karaoke / "s.vtt"))
    assert len(srt) == len(vtt) == len(ass) >= 2
    first = song["truth"]["words"][0]
    assert abs(srt[0].start / 1000 - (first["start"] - LEAD_IN_SECONDS)) < 0.01  # the page shows a little early
    assert srt[0].plaintext.split()[0] == first["text"]
    assert ass[0].text.count("\\k") == len(ass[0].plaintext.split()) + 1  # + the lead-in
    lrc = parse_lrc((karaoke / "s.lrc").read_text(encoding="utf-8"))
    assert [line.words for line in lrc.lyrics.lines][0] == ["Hello", "bright", "morning,"]
    assert lrc.starts[0] == pytest.approx(first["start"], abs=0.01)
    words = json.loads((karaoke / "w.json").read_text())["words"]
    assert [w["text"] for w in words] == [w["text"] for w in song["truth"]["words"]]


@pytest.mark.parametrize("style, size", [("lines", "1920x1080"), ("pop", "1080x1080")])
def test_other_styles_and_sizes(song, tmp_path, style, size):
    words = [Word(w["text"], w["start"], w["end"], w["line"]) for w in song["truth"]["words"]]
    options = ReelOptions(style=style, size=size, zoom=True)
    result = make_reel(song["image"], song["audio"], song["lyrics"], tmp_path, options, words=words)
    video = ffprobe(result.video)["streams"][0]
    assert f"{video['width']}x{video['height']}" == size
    word = words[1]
    frame = frame_at(result.video, (word.start + word.end) / 2)
    assert _outline_pixels(_band(frame, options)) > 500
    first, last = frame_at(result.video, 0.1), frame_at(result.video, result.duration - 0.1)
    top = slice(0, CaptionPainter(options).band_top)
    assert np.abs(first[top].astype(int) - last[top].astype(int)).mean() > 1.0  # the zoom moves the image


def test_devanagari_lyrics_render(song, tmp_path):
    hindi = ["दिल", "की", "बात", "सुनो", "आज", "रात"]
    words = [Word(text, 1.0 + 0.5 * i, 1.4 + 0.5 * i, 0) for i, text in enumerate(hindi)]
    result = make_reel(song["image"], song["audio"], " ".join(hindi), tmp_path, ReelOptions(), words=words)
    band = _band(frame_at(result.video, 1.7), ReelOptions())
    assert _highlight_pixels(band).sum() > 200
    assert "दिल" in result.srt.read_text(encoding="utf-8")


def _edge_positions(video, crop: str, shape: tuple) -> np.ndarray:
    """Per frame, how many pixels of a strip are bright: the sub-pixel position of an edge."""
    import imageio_ffmpeg
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(video), "-vf", crop,
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    strips = np.frombuffer(raw, np.uint8).reshape(-1, *shape).astype(float)
    return ((strips - 20) / (230 - 20)).clip(0, 1).reshape(len(strips), -1).sum(axis=1) / 2


def test_zoom_moves_smoothly_by_fractions_of_a_pixel(song, tmp_path):
    """Sharp edges near the frame's side and top must glide: no frame-to-frame jump of half
    a pixel or more, and every frame moves (not whole-pixel steps with still frames between)."""
    from PIL import Image
    from reel.render import background
    options = ReelOptions(zoom=True)
    width, height = background(Image.new("RGB", (8, 8)), options).size
    picture = np.full((height, width, 3), 20, np.uint8)
    picture[:, width // 8:] = 230      # a vertical edge ~100 px from the left side
    picture[:height // 12, :] = 20     # a horizontal edge ~120 px from the top
    Image.fromarray(picture).save(tmp_path / "edge.png")
    words = [Word(w["text"], w["start"], w["end"], w["line"]) for w in song["truth"]["words"]]
    result = make_reel(tmp_path / "edge.png", song["audio"], song["lyrics"], tmp_path, options, words=words)
    for crop, shape in (("crop=300:2:0:400", (2, 300)), ("crop=2:300:540:0", (300, 2))):
        bright = _edge_positions(result.video, crop, shape)
        steps = np.diff(bright)
        assert abs(bright[-1] - bright[0]) > 3  # the edge travels several pixels over the song
        assert np.abs(steps).max() < 0.5, (crop, np.abs(steps).max())
        still = int((np.abs(steps) < 0.01).sum())
        assert still <= 0.05 * len(steps), f"{crop}: {still} of {len(steps)} frame steps do not move"


def test_no_blank_frame_between_pages_less_than_the_bridge_apart(song, tmp_path):
    """Page 1 is held until 2.9 s; page 2 shows at 3.1 s (its lead-in): the 0.2 s blank is bridged."""
    from reel.captions import BRIDGE_SECONDS, HOLD_SECONDS, LEAD_IN_SECONDS
    first_end = 1.4
    second = first_end + HOLD_SECONDS + LEAD_IN_SECONDS + BRIDGE_SECONDS - 0.1
    words = [Word("one", 1.0, first_end, 0), Word("two", second, second + 0.4, 1)]
    result = make_reel(song["image"], song["audio"], "one\ntwo", tmp_path, ReelOptions(style="lines"), words=words)
    for t in np.arange(first_end + HOLD_SECONDS - 0.1, second + 0.1, 1 / 30):
        assert _outline_pixels(_band(frame_at(result.video, t), ReelOptions())) > 300, f"blank at {t:.2f} s"


@pytest.mark.parametrize("platform", ["reels", "shorts", "tiktok"])
def test_captions_stay_out_of_the_platform_buttons_and_bottom_text(song, tmp_path, platform):
    """The longest caption row, drawn, keeps every pixel inside the platform's safe area."""
    from reel.platforms import PLATFORMS
    safe = PLATFORMS[platform].safe
    long_line = "every window tells a story tonight and the morning never comes"
    words = [Word(text, 1.0 + 0.3 * i, 1.25 + 0.3 * i, 0) for i, text in enumerate(long_line.split())]
    result = make_reel(song["image"], song["audio"], long_line, tmp_path, ReelOptions(platform=platform),
                       words=words)
    frame = frame_at(result.video, 1.1).astype(int)
    plain = frame_at(result.video, 11.0).astype(int)  # nothing on screen: the background alone
    ink = np.abs(frame - plain).max(axis=2) > 40
    rows, cols = np.nonzero(ink)
    assert len(rows) > 2000  # the caption is there
    assert cols.max() < 1080 * (1 - safe.right) and cols.min() >= 1080 * safe.left
    assert rows.min() >= 1920 * safe.top and rows.max() < 1920 * (1 - safe.bottom)


def test_cli_writes_every_subtitle_file_beside_the_video(song, tmp_path):
    """Without flags reel.mp4 gets reel.srt/.vtt/.ass/.lrc beside it; a flag moves just that one."""
    out = tmp_path / "reel.mp4"
    elsewhere = tmp_path / "other" / "mine.srt"
    elsewhere.parent.mkdir()
    proc = subprocess.run([sys.executable, "-m", "reel", "render", "--image", str(song["image"]),
                           "--audio", str(song["audio"]), "--lyrics", str(song["lyrics_path"]),
                           "--words", str(truth_words_file(song, tmp_path / "other")), "--out", str(out),
                           "--size", "1080x1080", "--srt", str(elsewhere)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["reel.ass", "reel.lrc", "reel.mp4",
                                                                         "reel.vtt"]
    first = song["truth"]["words"][0]["text"]
    for path in (elsewhere, tmp_path / "reel.vtt", tmp_path / "reel.ass"):
        assert pysubs2.load(str(path))[0].plaintext.split()[0] == first
    assert parse_lrc((tmp_path / "reel.lrc").read_text(encoding="utf-8")).lyrics.lines[0].words[0] == first


def test_cli_outline_colour_draws_the_outline_in_it(song, tmp_path):
    out = tmp_path / "red.mp4"
    proc = subprocess.run([sys.executable, "-m", "reel", "render", "--image", str(song["image"]),
                           "--audio", str(song["audio"]), "--lyrics", str(song["lyrics_path"]),
                           "--words", str(truth_words_file(song, tmp_path)), "--out", str(out),
                           "--outline-color", "#FF0000", "--outline-width", "8"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    word = song["truth"]["words"][1]
    band = _band(frame_at(out, (word["start"] + word["end"]) / 2), ReelOptions(outline_width=8))
    red = (band[..., 0] > 180) & (band[..., 1] < 70) & (band[..., 2] < 70)
    assert red.sum() > 2000 and _outline_pixels(band) < red.sum()  # outlined in red, not in black


def _band_changes(video, options: ReelOptions) -> list[int]:
    """Frames whose caption band differs visibly from the frame before.

    A change counts when more than 1000 pixels move by more than 40 grey levels: x264's
    touch-ups of a still picture move about 200, a new caption page or a motion step thousands.
    """
    import imageio_ffmpeg
    painter = CaptionPainter(options)
    width = int(options.size.split("x")[0])
    crop = f"crop={width}:{painter.band_height}:0:{painter.band_top}"
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(video), "-vf", crop,
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    bands = np.frombuffer(raw, np.uint8).reshape(-1, painter.band_height, width).astype(int)
    moved = (np.abs(np.diff(bands, axis=0)) > 40).reshape(len(bands) - 1, -1).sum(axis=1)
    return [int(i) + 1 for i in np.nonzero(moved > 1000)[0]]


@pytest.mark.parametrize("zoom", [False, True])
def test_bands_change_on_the_frame_a_word_starts(song, tmp_path, zoom):
    """Captions are snapped to the video's frames, with or without the zoom: the page appears
    LEAD_IN_SECONDS early, each sung word's bounce starts on the frame its start falls on and
    moves on every frame of its 150 ms (and settles on the next), and nothing changes between."""
    options = ReelOptions(style="bounce", size="1080x1080", zoom=zoom)
    words = [Word("hello", 1.0, 1.5, 0), Word("there", 1.5, 2.0, 0), Word("friend", 2.4, 3.0, 0)]
    result = make_reel(song["image"], song["audio"], "hello there friend", tmp_path, options, words=words)
    fps = 30
    bounce = lambda start: list(range(round(start * fps), math.ceil((start + 0.15) * fps) + 1))  # noqa: E731
    expected = [round((1.0 - LEAD_IN_SECONDS) * fps)] + bounce(1.0) + bounce(1.5) + bounce(2.4)
    changes = [frame for frame in _band_changes(result.video, options) if frame < round(3.2 * fps)]
    assert changes == expected
