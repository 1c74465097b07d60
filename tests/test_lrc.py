"""LRC in and out: reading line times, anchoring lines, writing word times, round trip."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from reel.errors import ReelError
from reel.lrc import anchor_lines, line_spans, parse_lrc, write_lrc
from reel.model import Word

WORD_TAG = re.compile(r"<(\d\d):(\d\d\.\d\d)>([^<]*)")


def test_line_times_and_tags():
    synced = parse_lrc("[ar:Someone]\n[ti:A song]\n[length: 03:10]\n[offset:+500]\n"
                       "[00:12.50]Second line here\n[00:02.00][00:30.00]Hello <00:02.40>again\n"
                       "[00:20.00]\n[00:25.5]  [Chorus]\n")
    assert [line.text for line in synced.lyrics.lines] == ["Hello again", "Second line here", "Hello again"]
    assert synced.starts == [1.5, 12.0, 29.5]  # offset +500 ms: every line half a second earlier


@pytest.mark.parametrize("text, message", [
    ("[00:7x.00]hello\n", "line 1: bad time tag"),
    ("[00:01.00]one\n[01:75.00]two\n", "line 2: bad time [01:75.00]"),
    ("[00:01.00]one\njust text\n", "line 2 has no time tag"),
    ("[ar:Nobody]\n[ti:Nothing]\n", "has no timed lines"),
    ("[offset:soon]\n[00:01.00]one\n", "line 1: [offset:...] must be milliseconds"),
])
def test_a_corrupt_lrc_is_one_clear_message(text, message):
    with pytest.raises(ReelError, match=re.escape(message)):
        parse_lrc(text, "song.lrc")


def test_a_line_placed_outside_its_span_is_moved_into_it():
    words = [Word("one", 1.0, 1.4, 0), Word("two", 1.5, 1.9, 0),
             Word("three", 2.0, 2.4, 1), Word("four", 2.5, 3.5, 1)]  # line 1 sung at 5 s per the LRC
    anchored = anchor_lines(words, [1.0, 5.0], duration=8.0)
    assert anchored[:2] == words[:2]
    assert [(w.start, w.end) for w in anchored[2:]] == [(5.0, 5.4), (5.5, 6.5)]
    assert all(w.confidence < 0.5 for w in anchored[2:])  # the page asks to check them


def test_written_lrc_has_a_tag_before_every_word():
    text = write_lrc([Word("Hello", 61.234, 61.5, 0), Word("you", 61.6, 62.0, 0), Word("Bye", 70.0, 70.5, 1)])
    assert text.splitlines()[1:] == ["[01:01.23]<01:01.23>Hello <01:01.60>you <01:02.00>",
                                     "[01:10.00]<01:10.00>Bye <01:10.50>"]


def test_round_trip_read_align_write_read(song, tmp_path):
    truth = song["truth"]["words"]
    lines = sorted({w["line"] for w in truth})
    lrc_in = "[ar:reel tests]\n" + "".join(
        f"[00:{min(w['start'] for w in truth if w['line'] == n) - 0.2:05.2f}]"
        + " ".join(w["text"] for w in truth if w["line"] == n) + "\n" for n in lines)
    source = tmp_path / "song.lrc"
    source.write_text(lrc_in, encoding="utf-8")
    out = tmp_path / "out.lrc"
    proc = subprocess.run([sys.executable, "-m", "reel", "align", "--audio", str(song["audio"]), "--lyrics",
                           str(source), "--out", str(tmp_path / "w.json"), "--lrc", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    before, after = parse_lrc(lrc_in), parse_lrc(out.read_text(encoding="utf-8"))
    assert [line.text for line in after.lyrics.lines] == [line.text for line in before.lyrics.lines]
    spans = line_spans(before.starts, song["truth"]["duration"])
    for raw, (begin, end) in zip(out.read_text(encoding="utf-8").splitlines()[1:], spans):
        times = [int(m) * 60 + float(s) for m, s, _ in WORD_TAG.findall(raw)]
        assert len(times) >= 3 and times == sorted(times)
        assert begin - 0.3 <= times[0] and times[-1] <= end + 0.01, (raw, begin, end)


def test_cli_render_with_a_corrupt_lrc_exits_2_with_one_line(song, tmp_path):
    bad = tmp_path / "bad.lrc"
    bad.write_text("[00:01.00]one\n[00:9x.00]two\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "reel", "render", "--image", str(song["image"]), "--audio",
                           str(song["audio"]), "--lyrics", str(bad), "--out", str(tmp_path / "v.mp4")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip().splitlines()[-1] == (
        "reel: error: the LRC lyrics, line 2: bad time tag in '[00:9x.00]two' (use [mm:ss.xx])")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "v.mp4").exists()
