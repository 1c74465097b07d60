"""Every input bounded and typed: option rules, word timings, subtitle escaping, image size.

One message per bad value, raised before anything is decoded, drawn or written.
"""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pysubs2
import pytest
from PIL import Image

from reel.captions import Page
from reel.errors import ReelError
from reel.media import MAX_IMAGE_PIXELS, load_image
from reel.model import (MAX_WORD_CHARS, ReelOptions, Word, option_rules, options_schema, public_option_names,
                        words_from_dicts)
from reel.pipeline import fit_words
from reel.subtitles import subtitle_file, write_subtitles
from reel.styles import STYLE_NAMES


@pytest.mark.parametrize("bad, message", [
    ({"font_size": "abc"}, "font_size must be a whole number from 8 to 400, or 0 for automatic (got 'abc')"),
    ({"font_size": 2}, "font_size must be a whole number from 8 to 400"),
    ({"font_size": 40.5}, "font_size must be a whole number"),
    ({"font_size": True}, "font_size must be a whole number"),
    ({"fps": float("nan")}, "fps must be a whole number from 1 to 60"),
    ({"text_color": 123}, "text_color must be a string (got 123)"),
    ({"text_color": "blurple"}, "text_color 'blurple' is not a colour"),
    ({"zoom": "no"}, "zoom must be true or false (got 'no')"),
    ({"zoom": 1}, "zoom must be true or false"),
    ({"outline_width": 1000}, "outline_width must be a whole number from 1 to 40, or 0 for automatic (got 1000)"),
    ({"outline_width": -50}, "outline_width must be a whole number from 1 to 40"),
    ({"style": ["pop"]}, "style must be a string"),
    ({"size": "99999x99999"}, "use even sides between 16 and 3840"),
    ({"font": "/etc/shadow"}, "font must be the name of an installed font family such as DejaVuSans, not a file"),
    ({"font": "/no/such/file.ttf"}, "not a file"),
    ({"font": "NoSuchFamily"}, "font 'NoSuchFamily' is not installed; installed families include DejaVuSans"),
    ({"font_file": "/etc/passwd"}, "font_file cannot be set through the API"),
    ({"colour": "red"}, "unknown option(s): colour (known: style, size, font, font_size"),
    ("abc", "options must be a JSON object such as {\"style\": \"pop\"} (got str 'abc')"),
    ([1, 2], "options must be a JSON object"),
])
def test_every_bad_option_gets_one_clear_line(bad, message):
    with pytest.raises(ReelError) as caught:
        ReelOptions.from_dict(bad)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_file_font_and_a_missing_font_file_fail_the_same_way():
    """No file-existence probe through `font`: an existing and a missing path read alike."""
    messages = set()
    for path in ("/etc/hostname", "/etc/no-such-file"):
        with pytest.raises(ReelError) as caught:
            ReelOptions.from_dict({"font": path})
        messages.add(str(caught.value).replace(repr(path), "PATH"))
    assert len(messages) == 1


def test_options_are_normalised_by_their_rules():
    options = ReelOptions.from_dict({"zoom": "true", "font_size": 48.0, "font": "DejaVu Sans", "outline_width": 0})
    assert (options.zoom, options.font_size, type(options.font_size)) == (True, 48, int)
    assert ReelOptions.from_dict(json.loads(json.dumps(options.to_dict()))) == options


def test_every_option_has_a_rule_and_a_schema():
    rules = option_rules()
    schema = options_schema()
    assert set(schema["properties"]) == set(public_option_names()) == set(rules) - {"font_file"}
    assert schema["properties"]["style"]["enum"] == list(STYLE_NAMES)
    assert schema["properties"]["zoom"] == {"type": "boolean", "description": rules["zoom"].help, "default": False}
    assert (schema["properties"]["font_size"]["minimum"], schema["properties"]["font_size"]["maximum"]) == (0, 400)
    assert all(rule.help for rule in rules.values())


def test_a_local_font_file_is_checked_as_a_font(tmp_path):
    fake = tmp_path / "fake.ttf"
    fake.write_text("not a font")
    with pytest.raises(ReelError, match="fake.ttf is not a font file"):
        ReelOptions(font_file=str(fake))
    from reel.fonts import family_file
    real = family_file("DejaVuSans")
    assert ReelOptions(font_file=str(real)).font_file == str(real)


def _word(**fields):
    return {"text": "hi", "start": 1.0, "end": 1.5, **fields}


@pytest.mark.parametrize("items, message", [
    ("hello", "word timings must be a list"),
    ([], "the word timings are empty"),
    ([_word()] * 5001, "there are 5001 timed words; at most 5000 are supported"),
    ([_word(line=1000000)], "word 1 'hi' is on line 1000000, but 1 words fill at most 1 lines"),
    ([_word(line=-1)], "line must be a whole number from 0"),
    ([_word(line="2")], "line must be a whole number from 0"),
    ([_word(start="1")], "word 1: start must be a number (got '1')"),
    ([_word(start=float("inf"))], "start must be a number"),
    ([_word(start=-2.0)], "starts before 0 s"),
    ([_word(start=2.0, end=1.0)], "ends before it starts"),
    ([_word(text="x" * (MAX_WORD_CHARS + 1))], f"at most {MAX_WORD_CHARS} are supported"),
    ([_word(text="  ")], "text must be a non-empty string"),
    ([_word(confidence=7)], "confidence must be between 0 and 1"),
    ([{"text": "hi"}], "word 1 needs text, start and end"),
    (["hi"], "word 1 needs text, start and end"),
])
def test_bad_word_timings(items, message):
    with pytest.raises(ReelError) as caught:
        words_from_dicts(items)
    assert message in str(caught.value)


def test_word_times_must_lie_inside_the_audio():
    words = words_from_dicts([_word(), _word(text="late", start=95.0, end=96.0, line=1)])
    with pytest.raises(ReelError, match=r"'late' starts at 95.00 s, after the end of the audio \(80.00 s\)"):
        fit_words(words, 80.0)
    assert fit_words(words[:1] + [Word("end", 79.5, 85.0, 1)], 80.0)[-1].end == 80.0


def _subtitles(tmp_path, texts):
    words = [Word(t, 1.0 + i, 1.5 + i, 0) for i, t in enumerate(texts)]
    page = Page(words=words, rows=[list(range(len(words)))], start=1.0, end=1.0 + len(words))
    paths = {kind: tmp_path / f"c.{kind}" for kind in ("srt", "vtt", "ass")}
    subs = subtitle_file([page], ReelOptions(), font_name="DejaVu Sans", font_size=60, outline=4, margin_v=100)
    write_subtitles(subs, [page], paths["srt"], paths["vtt"], paths["ass"])
    return {kind: path.read_text(encoding="utf-8") for kind, path in paths.items()}


def _libass_reading(text: str) -> tuple[list[str], str]:
    """(override blocks, shown text) of an ASS event, read as libass reads it."""
    blocks, shown, i = [], [], 0
    while i < len(text):
        if text.startswith((r"\{", r"\}"), i):
            shown.append(text[i + 1])
            i += 2
        elif text[i] == "{" and "}" in text[i:]:
            end = text.index("}", i)
            blocks.append(text[i + 1:end])
            i = end + 1
        elif text.startswith(r"\N", i):
            shown.append("\n")
            i += 2
        else:
            shown.append(text[i])
            i += 1
    return blocks, "".join(shown).replace("\u2060", "")


def test_lyrics_markup_stays_text_in_every_subtitle_format(tmp_path):
    lyrics = [r"{\fs300\c&H0000FF&}big", "%{pts}", "<i>love</i>", r"back\Nslash"]
    files = _subtitles(tmp_path, lyrics)
    blocks, shown = _libass_reading(pysubs2.SSAFile.from_string(files["ass"])[0].text)
    assert blocks and all(re.fullmatch(r"\\k\d+", b) for b in blocks), blocks  # only our karaoke tags
    assert shown == " ".join(lyrics)
    # SRT/VTT: the text is all there (nothing between braces dropped), and no tag survives.
    assert " ".join(lyrics) in files["srt"].replace("\u2060", "")
    assert "<i>" not in files["srt"] and "{\\" not in files["srt"] and "\\N" not in files["srt"]
    assert "&lt;i&gt;love&lt;/i&gt;" in files["vtt"] and "%{pts}" in files["vtt"]


PEAK_MB = 600  # the bound: no bad input may cost more than this
_CHILD = """import json, re, sys
from reel.errors import ReelError
arg = json.load(sys.stdin)
try:
    {statement}
    print("accepted")
except ReelError as exc:
    print(exc)
print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024)
"""


def refusal_and_peak_mb(statement: str, arg, env: dict | None = None) -> tuple[str, int]:
    """Run `statement` (Python using `arg`, a JSON value) in a fresh child: its message and its peak MB.

    VmHWM is the peak of the child's own memory; ru_maxrss would also count the pytest
    parent's memory at fork time (Linux carries it into the child)."""
    out = subprocess.run([sys.executable, "-c", _CHILD.format(statement=statement)], input=json.dumps(arg),
                         capture_output=True, text=True, check=True, env={**os.environ, **(env or {})})
    message, peak_mb = out.stdout.strip().rsplit("\n", 1)
    return message, int(peak_mb)


def test_image_pixels_are_capped_before_decoding(tmp_path):
    huge = tmp_path / "huge.png"
    Image.new("1", (12000, 12000)).save(huge)  # a few KB on disk, 144 megapixels
    message, peak_mb = refusal_and_peak_mb("from reel.media import load_image; load_image(arg)", str(huge))
    assert message == ("the image huge.png is 12000x12000 (144 megapixels); "
                       f"the limit is {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels")
    assert peak_mb < 300  # refused from the header (decoding would take ~1 GB)


def _heavy_bad_input(case: str, tmp_path, song) -> dict:
    """create_job arguments for one of the issue's costly bad inputs."""
    args = {"image_path": str(song["image"]), "audio_path": str(song["audio"]), "lyrics": song["lyrics"]}
    if case == "huge_png":
        Image.new("1", (12000, 12000)).save(tmp_path / "huge.png")
        args["image_path"] = str(tmp_path / "huge.png")
    elif case == "random_bytes_mp3":  # 99 MB, under the size limit
        (tmp_path / "noise.mp3").write_bytes(np.random.default_rng(7).bytes(99 * 2**20))
        args["audio_path"] = str(tmp_path / "noise.mp3")
    elif case == "over_the_size_limit":
        with open(tmp_path / "long.wav", "wb") as fh:
            fh.truncate(int(100.2 * 2**20))
        args["audio_path"] = str(tmp_path / "long.wav")
    elif case == "line_1000000":
        args["words"] = [{"text": "hi", "start": 1.0, "end": 1.5, "line": 1_000_000}]
    elif case == "20000_words":
        args["words"] = [{"text": "la", "start": 1 + i * 0.0005, "end": 1.0004 + i * 0.0005} for i in range(20000)]
    elif case == "outline_1000":
        args["options"] = {"outline_width": 1000}
    elif case == "font_size_huge":
        args["options"] = {"font_size": 100000}
    return args


@pytest.mark.parametrize("case, message", [
    ("huge_png", "(144 megapixels); the limit is 40 megapixels"),
    # random bytes pass as MP3 only "with low score" (ffmpeg says so): refused as not audio
    ("random_bytes_mp3", "noise.mp3 is not an audio file reel can read"),
    ("over_the_size_limit", "the audio file long.wav is 100.2 MB; the limit is 100 MB"),
    ("line_1000000", "word 1 'hi' is on line 1000000, but 1 words fill at most 1 lines"),
    ("20000_words", "there are 20000 timed words; at most 5000 are supported"),
    ("outline_1000", "outline_width must be a whole number from 1 to 40, or 0 for automatic (got 1000)"),
    ("font_size_huge", "font_size must be a whole number from 8 to 400"),
])
def test_costly_bad_inputs_are_refused_cheaply_and_leave_no_file(tmp_path, song, case, message):
    """Each of the issue's costly inputs (up to 1.1 GB before) is one message from create_job, under 600 MB."""
    data = tmp_path / "data"
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    args = _heavy_bad_input(case, inputs, song)
    before = sorted(inputs.iterdir())
    refusal, peak_mb = refusal_and_peak_mb("from workers import jobs; jobs.create_job(**arg)", args,
                                           env={"REEL_DATA_DIR": str(data), "ELEVENLABS_API_KEY": ""})
    assert any(m in refusal for m in ((message,) if isinstance(message, str) else message)), refusal
    assert "\n" not in refusal and "ffmpeg" not in refusal
    assert peak_mb < PEAK_MB, f"{case}: {peak_mb} MB"
    assert not (data / "jobs").exists() or list((data / "jobs").iterdir()) == []
    assert sorted(inputs.iterdir()) == before  # nothing written beside the inputs either


def test_an_image_at_the_pixel_cap_is_accepted(tmp_path):
    Image.new("RGB", (8000, 5000), "blue").save(tmp_path / "big.jpg")
    assert load_image(tmp_path / "big.jpg").size == (8000, 5000)


def test_lines_template_escapes_its_ass_text_too(tmp_path):
    words = [Word(r"{\fs300}big", 1.0, 1.5, 0)]
    page = Page(words=words, rows=[[0]], start=1.0, end=2.0)
    subs = subtitle_file([page], ReelOptions(style="lines"), font_name="DejaVu Sans", font_size=60, outline=4,
                         margin_v=100)
    assert _libass_reading(subs[0].text) == ([], r"{\fs300}big")
