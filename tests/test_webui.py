"""The page's helpers without a server: the word table, the player markup, the progress bar."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from reel.clip import parse_time
from reel.errors import ReelError
from reel.model import ReelOptions, Word
from reel.platforms import PLATFORM_NAMES
from webui import clip_controls, timings
from webui.player import player_html
from webui.progress import progress_html

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"
WORDS = [Word("Golden", 1.2, 1.7, 0, 0.9), Word("light", 1.8, 2.2, 0, 0.3), Word("<on>", 2.3, 2.7, 0, 0.8),
         Word("we", 4.4, 4.8, 1, 0.9), Word("walk", 4.9, 5.3, 1, 0.9)]


def test_table_round_trip_marks_unsure_words():
    rows = timings.words_to_rows(WORDS)
    assert rows[1] == ["light", 1.8, 2.2, 0.3, timings.CHECK_MARK, 0]
    assert [r[4] for r in rows].count(timings.CHECK_MARK) == 1
    assert timings.rows_to_words(rows) == [Word(w.text, round(w.start, 2), round(w.end, 2), w.line,
                                                w.confidence) for w in WORDS]


def test_table_edits_are_taken_and_checked():
    rows = timings.words_to_rows(WORDS)
    rows[0][:3] = ["GOLDEN", "0.5", 1.1]   # cells come back as text or numbers
    rows[2][0] = " "                       # an emptied word is dropped
    words = timings.rows_to_words(rows)
    assert (words[0].text, words[0].start) == ("GOLDEN", 0.5) and len(words) == 4
    rows[1][2] = "soon"
    with pytest.raises(ReelError, match="row 2: end must be a number"):
        timings.rows_to_words(rows)
    with pytest.raises(ReelError, match="ends .* before it starts"):
        timings.rows_to_words([["late", 3.0, 2.0, 1.0, "", 0]])
    with pytest.raises(ReelError, match="empty"):
        timings.rows_to_words([])


def test_srt_follows_the_timings():
    srt = timings.srt_text(WORDS, ReelOptions(style="lines"))
    assert srt.startswith("1\n00:00:01,000 --> ")  # 0.2 s before its first word (the lead-in)
    assert "Golden light <\u2060on>" in srt and "\n2\n00:00:04,200 --> " in srt  # <on> is text, not a tag


def test_player_has_a_page_per_caption_with_word_times():
    html = player_html(EXAMPLES / "sunset.jpg", EXAMPLES / "song.mp3", WORDS, ReelOptions(style="karaoke"))
    pages = re.findall(r'class="reel-page" data-s="([\d.]+)" data-e="([\d.]+)"', html)
    assert [float(s) for s, _ in pages] == [1.0, 4.2]  # each 0.2 s before its first word
    assert re.findall(r'data-s="([\d.]+)">([^<]*)</span>', html)[:3] == [
        ("1.200", "Golden"), ("1.800", "light"), ("2.300", "&lt;on&gt;")]
    assert 'src="data:image/jpeg;base64,' in html and 'src="gradio_api/file=' in html
    assert "--reel-ratio:1080/1920" in html and 'data-style="karaoke"' in html


def test_player_right_to_left_rows():
    html = player_html(EXAMPLES / "sunset.jpg", EXAMPLES / "song.mp3", [Word("שלום", 0.5, 1.0)],
                       ReelOptions(size="1080x1080"))
    assert '<div class="reel-row" dir="rtl">' in html and "--reel-ratio:1080/1080" in html


@pytest.mark.parametrize("job, width, text", [
    (None, None, "No video made yet"),
    ({"state": "pending", "progress": 0}, "0%", "Waiting in the queue"),
    ({"state": "processing", "progress": 42, "stage": "encoding"}, "42%", "Encoding the video… 42 %"),
    ({"state": "completed", "progress": 100, "duration": 15.99}, "100%", "a 16.0 s video is ready"),
    ({"state": "failed", "progress": 3, "error": "the audio <file> is empty"}, "3%",
     "Failed: the audio &lt;file&gt; is empty"),
])
def test_progress_bar(job, width, text):
    html = progress_html(job)
    assert text in html
    if width:
        assert f'style="width:{width}"' in html and f'data-state="{job["state"]}"' in html


def test_page_clip_boxes_become_the_clip_option():
    assert clip_controls.clip_option(" 1:05 ", "1:35") == "65-95"
    assert clip_controls.clip_option("", None) == ""  # both empty: the whole song
    assert clip_controls.describe_clip("65-95.5") == "Clip: 1:05 to 1:35.5 (30.5 s of the song)"
    assert clip_controls.describe_clip("") == clip_controls.WHOLE_SONG
    for seconds in (0, 7.72, 59.999, 65, 3600.5):
        shown = clip_controls.format_time(seconds)
        assert parse_time(shown) == pytest.approx(round(seconds, 2)), shown


@pytest.mark.parametrize("start, end, message", [
    ("12", "", "give both its start and its end"), ("0:09", "5", "ends (5 s) before it starts (9 s)"),
    ("10", "12", "at least 3 s"), ("soon", "20", "'soon' is not a time")])
def test_a_bad_clip_on_the_page_is_one_message(start, end, message):
    with pytest.raises(ReelError) as err:
        clip_controls.clip_option(start, end)
    assert message in str(err.value)


def test_platform_choices_come_from_the_registry_and_set_the_size():
    values = [value for _, value in clip_controls.platform_choices()]
    assert values == ["", *PLATFORM_NAMES]
    assert clip_controls.platform_size("shorts", "1080x1080") == "1080x1920"
    assert clip_controls.platform_size("", "1080x1080") == "1080x1080"


def test_find_the_chorus_from_the_table(tmp_path):
    """The example's [Chorus] lines (2 and 3), from table rows; a limit of 60 s (Shorts)."""
    lyrics = (EXAMPLES / "lyrics.txt").read_text(encoding="utf-8")
    rows = timings.words_to_rows(WORDS + [Word("Sing", 8.0, 8.4, 2), Word("loud", 8.5, 9.0, 2),
                                          Word("city", 11.0, 11.5, 3), Word("more", 12.0, 12.6, 3)])
    start, end = clip_controls.chorus_times(str(EXAMPLES / "song.mp3"), lyrics, rows, "shorts")
    assert (start, end) == ("0:07", "0:14.1")  # 1 s before "Sing", 1.5 s after "more"
    with pytest.raises(ReelError, match="no chorus found"):
        clip_controls.chorus_times(str(EXAMPLES / "song.mp3"), "one line\nanother\n", timings.words_to_rows(WORDS),
                                   "")


def test_the_clip_note_checks_the_platform_length():
    assert clip_controls.clip_note("shorts", "0:10", "1:05") == "Clip: 0:10 to 1:05 (55.0 s of the song)"
    with pytest.raises(ReelError, match="YouTube Shorts takes videos of at most 60 s"):
        clip_controls.clip_note("shorts", "0:10", "1:25")
