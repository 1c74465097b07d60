"""Bad input on the command line: exit code 2, one clear line, no output file left."""
import subprocess
import sys

import imageio_ffmpeg
import pytest

from conftest import truth_words_file
from reel.align import NO_OFFLINE_TRANSCRIPTION


def _reel(*args, env=None):
    import os
    return subprocess.run([sys.executable, "-m", "reel", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def _tone(path, seconds, volume=0.5):
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-af", f"volume={volume}", str(path)], check=True)
    return path


@pytest.fixture
def inputs(song, tmp_path):
    (tmp_path / "out").mkdir()
    return {"image": song["image"], "audio": song["audio"], "lyrics": song["lyrics_path"],
            "out": tmp_path / "out" / "reel.mp4", "tmp": tmp_path}


def _bad_files(tmp):
    text = tmp / "notes.mp3"
    text.write_text("this is not audio\n" * 50)
    fake_image = tmp / "photo.jpg"
    fake_image.write_text("not a picture")
    empty = tmp / "empty.wav"
    empty.write_bytes(b"")
    lyrics = {name: tmp / f"{name}.txt" for name in ("empty", "markers", "huge", "emoji")}
    lyrics["empty"].write_text("  \n\n")
    lyrics["markers"].write_text("[Intro]\nChorus:\n(Verse 2)\n")
    lyrics["huge"].write_text(("la " * 100 + "\n") * 51)
    lyrics["emoji"].write_text("🎵🎶 🔥\n")
    return text, fake_image, empty, lyrics


@pytest.mark.parametrize("case, expected", [
    ("image_not_image", "not a readable image"),
    ("audio_is_text", "not an audio file"),
    ("audio_empty", "empty (0 bytes)"),
    ("image_empty", "empty (0 bytes)"),
    ("audio_silent", "silent"),
    ("audio_too_long", "limit is"),
    ("lyrics_empty", "lyrics are empty"),
    ("lyrics_markers", "no words"),
    ("lyrics_huge", "at most 5000"),
    ("lyrics_emoji", "no words"),
    ("out_missing_folder", "output folder does not exist"),
    ("image_missing", "not found"),
])
def test_bad_input(inputs, case, expected):
    tmp = inputs["tmp"]
    text, fake_image, empty, lyrics = _bad_files(tmp)
    args = dict(inputs)
    env = None
    if case == "image_not_image":
        args["image"] = fake_image
    elif case == "audio_is_text":
        args["audio"] = text
    elif case == "audio_empty":
        args["audio"] = empty
    elif case == "image_empty":
        args["image"] = empty
    elif case == "audio_silent":
        args["audio"] = _tone(tmp / "silent.wav", 3, volume=0)
    elif case == "audio_too_long":
        args["audio"] = _tone(tmp / "long.mp3", 8)
        env = {"REEL_MAX_AUDIO_SECONDS": "5"}
    elif case.startswith("lyrics_"):
        args["lyrics"] = lyrics[case.split("_", 1)[1]]
    elif case == "out_missing_folder":
        args["out"] = tmp / "nowhere" / "reel.mp4"
    elif case == "image_missing":
        args["image"] = tmp / "missing.png"
    proc = _reel("render", "--image", args["image"], "--audio", args["audio"], "--lyrics", args["lyrics"],
                 "--out", args["out"], env=env)
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("reel: error:") and expected in last
    assert "Traceback" not in proc.stderr
    assert list((tmp / "out").iterdir()) == []  # nothing partial left behind


@pytest.mark.parametrize("command", ["render", "align"])
def test_no_lyrics_without_a_transcriber_asks_for_them(inputs, command):
    out = inputs["out"] if command == "render" else inputs["tmp"] / "out" / "words.json"
    proc = _reel(command, *(["--image", inputs["image"]] if command == "render" else []), "--audio", inputs["audio"],
                 "--out", out, env={"ELEVENLABS_API_KEY": ""})
    assert proc.returncode == 2 and proc.stderr.strip() == f"reel: error: {NO_OFFLINE_TRANSCRIPTION}"
    assert list((inputs["tmp"] / "out").iterdir()) == []


def test_align_bad_audio_exit_code(inputs):
    text, *_ = _bad_files(inputs["tmp"])
    proc = _reel("align", "--audio", text, "--lyrics", inputs["lyrics"], "--out", inputs["tmp"] / "out" / "w.json")
    assert proc.returncode == 2 and "not an audio file" in proc.stderr
    assert list((inputs["tmp"] / "out").iterdir()) == []


def test_right_to_left_lyrics_render(inputs, song):
    hebrew = inputs["tmp"] / "he.txt"
    hebrew.write_text("שלום עולם יפה\n", encoding="utf-8")
    words = inputs["tmp"] / "he.json"
    words.write_text('{"words": [{"text": "שלום", "start": 1, "end": 1.5}, {"text": "עולם", "start": 1.6, '
                     '"end": 2.1}, {"text": "יפה", "start": 2.2, "end": 2.6}]}', encoding="utf-8")
    proc = _reel("render", "--image", inputs["image"], "--audio", inputs["audio"], "--lyrics", hebrew,
                 "--words", words, "--out", inputs["out"], "--style", "lines")
    assert proc.returncode == 0, proc.stderr
    assert inputs["out"].stat().st_size > 10_000


def test_malformed_word_timings(inputs):
    bad = inputs["tmp"] / "bad.json"
    bad.write_text('{"words": [{"text": "a", "start": 2, "end": 1}]}')
    proc = _reel("render", "--image", inputs["image"], "--audio", inputs["audio"], "--lyrics", inputs["lyrics"],
                 "--words", bad, "--out", inputs["out"])
    assert proc.returncode == 2 and "ends before it starts" in proc.stderr


@pytest.mark.parametrize("font, expected", [
    ("/etc/passwd", "passwd is not a font file Pillow can read (use TTF or OTF)"),
    ("missing.ttf", "font file not found: missing.ttf"),
    ("NoSuchFamily", "font 'NoSuchFamily' is not installed"),
])
def test_bad_font_is_one_line_exit_2(inputs, font, expected):
    proc = _reel("render", "--image", inputs["image"], "--audio", inputs["audio"], "--lyrics", inputs["lyrics"],
                 "--out", inputs["out"], "--font", font, "--outline-color", "#112233")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"reel: error: {expected}")
    assert list((inputs["tmp"] / "out").iterdir()) == []


def test_bad_option_value_on_the_command_line(inputs):
    proc = _reel("render", "--image", inputs["image"], "--audio", inputs["audio"], "--lyrics", inputs["lyrics"],
                 "--out", inputs["out"], "--outline-color", "notacolour")
    assert proc.returncode == 2 and proc.stderr.strip() == "reel: error: outline_color 'notacolour' is not a colour " \
                                                         "(use a name or #RRGGBB)"


@pytest.mark.parametrize("flags, expected", [
    (["--clip", "5-30"], "the clip ends at 30 s, after the end of the song"),
    (["--clip", "42-12"], "the clip ends (12 s) before it starts (42 s)"),
    (["--clip", "2-4"], "the clip is 2.0 s long; make it at least 3 s"),
    (["--clip", "0:10-1:25", "--platform", "shorts"], "YouTube Shorts takes videos of at most 60 s"),
    (["--clip", "chorus", "--words", "TRUTH"], "no chorus found"),  # no [Chorus] marker, no line sung twice
])
def test_bad_clip_is_one_line_exit_2(inputs, song, flags, expected):
    flags = [str(truth_words_file(song, inputs["tmp"])) if flag == "TRUTH" else flag for flag in flags]
    proc = _reel("render", "--image", inputs["image"], "--audio", inputs["audio"], "--lyrics", inputs["lyrics"],
                 "--out", inputs["out"], *flags)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("reel: error:") and expected in last, last
    assert list((inputs["tmp"] / "out").iterdir()) == []
