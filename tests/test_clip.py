"""Clips: parsing, cutting words at the edges, finding the chorus, and rendered clips."""
import json
import subprocess
import sys

import pysubs2
import pytest

from conftest import ffprobe, truth_words_file
from reel.captions import LEAD_IN_SECONDS
from reel.clip import Span, cut_words, find_chorus, normalize_clip
from reel.errors import ReelError
from reel.lyrics import parse_lyrics
from reel.model import ReelOptions, Word
from reel.pipeline import make_reel, validate_inputs


@pytest.mark.parametrize("given, canonical", [
    ("12-42", "12-42"), ("1:05-1:35", "65-95"), (" 0:07.5 - 0:30 ", "7.5-30"), ("1:00:00-1:00:10", "3600-3610"),
    ([12, 42.5], "12-42.5"), ("Chorus", "chorus"), ("", ""), (None, "")])
def test_clip_forms(given, canonical):
    assert normalize_clip("clip", given) == canonical
    assert ReelOptions(clip=given).clip == canonical


@pytest.mark.parametrize("bad, message", [
    ("42-12", "ends (12 s) before it starts (42 s)"), ("10-10", "before it starts"),
    ("10-12", "at least 3 s"), ("ten-20", "'ten' is not a time"), ("12", "START-END"),
    ([1, "2"], "[start, end]"), (42, "START-END"), ([-5, 10], "before the song")])
def test_bad_clips_have_one_clear_message(bad, message):
    with pytest.raises(ReelError, match="clip") as err:
        ReelOptions(clip=bad)
    assert message in str(err.value)


def test_platform_length_is_checked_with_the_clip():
    with pytest.raises(ReelError, match="YouTube Shorts takes videos of at most 60 s"):
        ReelOptions(platform="shorts", clip="0:10-1:25")
    assert ReelOptions(platform="reels", clip="0:10-1:25").clip == "10-85"


def test_cut_words_keeps_words_mostly_inside_relative_to_the_clip():
    words = [Word("a", 9.0, 9.9, 0), Word("b", 9.7, 10.5, 0),   # b: 0.5 of 0.8 inside -> kept
             Word("c", 11.0, 12.0, 1), Word("d", 19.6, 20.6, 2),  # d: 0.4 of 1.0 inside -> dropped
             Word("e", 21.0, 22.0, 3)]
    cut, texts = cut_words(words, ["a b", "c", "d", "e"], Span(10.0, 20.0))
    assert [(w.text, round(w.start, 3), round(w.end, 3), w.line) for w in cut] == [
        ("b", 0.0, 0.5, 0), ("c", 1.0, 2.0, 1)]
    assert texts == ["a b", "c"]
    with pytest.raises(ReelError, match="no words are sung between 30 s and 40 s"):
        cut_words(words, ["a b", "c", "d", "e"], Span(30.0, 40.0))


def _sections(lyrics):
    return [(line.section, line.section_index) for line in lyrics.lines]


def _timed(lyrics, step=0.5, gap=1.0):
    words, t = [], 2.0
    for n, line in enumerate(lyrics.lines):
        for token in line.words:
            words.append(Word(token, t, t + 0.4, n))
            t += step
        t += gap
    return words


def test_chorus_is_the_first_marked_block():
    lyrics = parse_lyrics("[Verse]\none two three\nfour five\n[Chorus]\nla la la\nsing it back\n"
                          "[Verse 2]\nsix seven\n[Chorus]\nla la la\nsing it back\n")
    words = _timed(lyrics)
    span = find_chorus(words, lyrics.line_texts, _sections(lyrics), song_seconds=60, max_seconds=90)
    chorus = [w for w in words if w.line in (2, 3)]
    assert span.start == pytest.approx(chorus[0].start - 1.0, abs=0.01)
    assert span.end == pytest.approx(chorus[-1].end + 1.5, abs=0.01)


def test_chorus_without_marker_is_the_most_repeated_run_and_fits_the_limit():
    text = "walk the line\nhold my hand\nturn around\nhold my hand\nturn around\nlast words here\n"
    lyrics = parse_lyrics(text)
    words = _timed(lyrics)
    span = find_chorus(words, lyrics.line_texts, _sections(lyrics), song_seconds=60, max_seconds=90)
    first_run = [w for w in words if w.line in (1, 2)]
    assert span.start == pytest.approx(first_run[0].start - 1.0, abs=0.01)
    assert span.end == pytest.approx(first_run[-1].end + 1.5, abs=0.01)
    short = find_chorus(words, lyrics.line_texts, _sections(lyrics), song_seconds=60, max_seconds=3.5)
    assert short.duration <= 3.5
    with pytest.raises(ReelError, match="no chorus found"):
        plain = parse_lyrics("one line\nanother line\nthird one\n")
        find_chorus(_timed(plain), plain.line_texts, _sections(plain), song_seconds=60, max_seconds=90)


def test_clip_outside_the_song_is_refused_before_any_work(song):
    with pytest.raises(ReelError, match="after the end of the song"):
        validate_inputs(song["image"], song["audio"], song["lyrics"], ReelOptions(clip="5-30"))
    with pytest.raises(ReelError, match="starts at 40 s, after the end of the song"):
        validate_inputs(song["image"], song["audio"], song["lyrics"], ReelOptions(clip="40-50"))


@pytest.fixture(scope="module")
def clip_12_42(chorus_song, tmp_path_factory):
    """`reel render --clip 12-42 --platform reels`, words timed by the offline aligner on the whole song."""
    folder = tmp_path_factory.mktemp("clip")
    out = folder / "reel.mp4"
    proc = subprocess.run([sys.executable, "-m", "reel", "render", "--image", str(chorus_song["image"]),
                           "--audio", str(chorus_song["audio"]), "--lyrics", str(chorus_song["lyrics_path"]),
                           "--aligner", "offline", "--clip", "12-42", "--platform", "reels", "--out", str(out),
                           "--srt", str(folder / "s.srt"), "--save-words", str(folder / "w.json")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "clip: 12-42 s of the song" in proc.stderr
    return folder


def test_clip_video_is_the_clip_with_relative_captions(clip_12_42, chorus_song):
    info = ffprobe(clip_12_42 / "reel.mp4")
    assert abs(float(info["format"]["duration"]) - 30.0) <= 0.05
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (audio["codec_name"], audio["profile"], audio["sample_rate"], audio["channels"]) == ("aac", "LC", "48000", 2)
    assert int(audio["bit_rate"]) >= 128_000
    truth = [w for w in chorus_song["truth"]["words"] if w["start"] >= 12.0 and w["end"] <= 42.0]
    words = json.loads((clip_12_42 / "w.json").read_text())["words"]
    assert abs(words[0]["start"] - (truth[0]["start"] - 12.0)) <= 0.1
    assert words[0]["text"] == truth[0]["text"] and words[0]["line"] == 0
    srt = pysubs2.load(str(clip_12_42 / "s.srt"))
    assert abs(srt[0].start / 1000 - (truth[0]["start"] - 12.0 - LEAD_IN_SECONDS)) <= 0.1
    assert srt[-1].end / 1000 <= 30.0 + 0.01


def test_clip_audio_fades_in_and_out(clip_12_42):
    """The clip's first and last moments are quieter than its middle (0.3 s in, 1 s out)."""
    import imageio_ffmpeg
    import numpy as np
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(clip_12_42 / "reel.mp4"),
                          "-ac", "1", "-f", "f32le", "-"], capture_output=True, check=True).stdout
    pcm = np.frombuffer(raw, dtype=np.float32)
    rate = 48000
    tail = np.abs(pcm[-int(0.15 * rate):]).max()
    assert len(pcm) / rate == pytest.approx(30.0, abs=0.05)
    assert np.abs(pcm[:int(0.01 * rate)]).max() < 0.02  # starts from silence
    assert tail < 0.25 * np.abs(pcm).max()


def test_chorus_clip_covers_the_marked_lines(chorus_song, tmp_path):
    words = [Word(w["text"], w["start"], w["end"], w["line"]) for w in chorus_song["truth"]["words"]]
    result = make_reel(chorus_song["image"], chorus_song["audio"], chorus_song["lyrics"], tmp_path,
                       ReelOptions(clip="chorus", platform="shorts"), words=words)
    chorus = [w for w in words if w.line in (4, 5, 6)]  # the lines under the first [Chorus]
    start, end = result.clip
    assert start <= chorus[0].start and chorus[-1].end <= end <= 60
    assert end - start <= 60 and abs(result.duration - (end - start)) < 0.01
    assert abs(float(ffprobe(result.video)["format"]["duration"]) - (end - start)) <= 0.05
    texts = [w.text for w in result.words]
    assert texts[:len(chorus)] == [w.text for w in chorus]


def test_whole_song_over_the_platform_limit_is_refused(chorus_song, tmp_path):
    with pytest.raises(ReelError, match="at most 60 s"):
        validate_inputs(chorus_song["image"], chorus_song["audio"], chorus_song["lyrics"], ReelOptions(platform="shorts"))
    words = [Word("only", 2.0, 2.5, 0)]
    with pytest.raises(ReelError, match="no chorus found"):
        make_reel(chorus_song["image"], chorus_song["audio"], "only", tmp_path, ReelOptions(clip="chorus"), words=words)
    assert not list(tmp_path.iterdir())  # nothing left behind
