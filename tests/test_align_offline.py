"""The offline aligner on generated songs with exact truth times, scored by the
corpus's own evaluate.py; pronunciations for words outside the dictionary."""
from __future__ import annotations

import json
import subprocess
import time
import sys

import numpy as np
import pytest

from conftest import CACHE, CORPUS
from reel.align import NO_OFFLINE_TRANSCRIPTION, align, confidence, lyrics_language, offline
from reel.align.accompaniment import loud_accompaniment, suppress_sustained
from reel.align.pronounce import PHONES, letters_to_arpabet, pronounce
from reel.align.voice import voice_onset
from reel.errors import ReelError
from reel.lyrics import parse_lyrics
from reel.media import decode_audio

sys.path.insert(0, str(CORPUS))
from evaluate import evaluate, evaluate_pasted  # noqa: E402


def align_case(folder, lyrics_text=None, language="auto"):
    """Align a generated case's audio.mp3 in the lyrics' (detected) language; returns
    (words, score, progress calls, duration)."""
    calls = []
    lyrics = parse_lyrics(lyrics_text or (folder / "lyrics.txt").read_text(encoding="utf-8"))
    pcm = decode_audio(folder / "audio.mp3")
    words = offline.align_lyrics(folder / "audio.mp3", pcm, lyrics, lambda s, f: calls.append((s, f)),
                                 lyrics_language(lyrics, language))
    truth = json.loads((folder / "truth.json").read_text())
    pred = {"words": [w.to_dict() for w in words]}
    return words, evaluate(truth, pred), calls, len(pcm) / 16000


def assert_well_formed(words, lyrics_text, duration):
    """One word per lyric word, in order, timed inside the audio, never going back."""
    expected = parse_lyrics(lyrics_text).words
    assert [(w.text, w.line) for w in words] == expected
    last = 0.0
    for w in words:
        assert last <= w.start <= w.end <= duration
        assert 0.0 <= w.confidence <= 1.0
        last = w.start


def make_case(name: str, lyrics: str, *args: str):
    """Generate (once) a case with ../shared/align_corpus/make_case.py."""
    folder = CACHE / "align_offline" / name
    if not (folder / "truth.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "in.txt").write_text(lyrics, encoding="utf-8")
        subprocess.run([sys.executable, str(CORPUS / "make_case.py"), "--lyrics", str(folder / "in.txt"),
                        "--out", str(folder), *args], check=True, capture_output=True)
    return folder


@pytest.mark.parametrize("case_id, floor", [
    ("p1_city_lights", 95.0),     # clean speech: measured 100 %
    ("p4_summer_static", 90.0),   # sung, held vowels: measured 97 %
    ("p5_quiet_engine", 85.0),    # sung + music + reverb: measured 86 % (the floor for every case)
    ("p7_flite_station", 85.0),   # Flite voice (real speaker) + music: measured 94 %
])
def test_public_case_accuracy(public_case, case_id, floor):
    folder = public_case(case_id)
    words, score, calls, duration = align_case(folder)
    assert score["missing_pct"] == 0.0
    assert score["within100_pct"] >= floor, score
    assert_well_formed(words, (folder / "lyrics.txt").read_text(encoding="utf-8"), duration)
    assert calls[0] == ("aligning", 0.0) and calls[-1] == ("aligning", 1.0)
    assert all(s == "aligning" and 0.0 <= f <= 1.0 for s, f in calls)
    assert [f for _, f in calls] == sorted(f for _, f in calls)


def test_word_missing_from_the_dictionary_is_aligned():
    lyrics = "The zorblaxian lanterns glow,\nstreetlamps hum where rivers flow.\n"
    folder = make_case("oov", lyrics, "--voice", "en-us", "--rate", "160", "--seed", "5", "--lead-in", "1.5")
    words, score, _, duration = align_case(folder)
    assert_well_formed(words, lyrics, duration)
    rows = {r["text"]: r for r in score["rows"]}
    for word in ("zorblaxian", "streetlamps"):
        row = rows[word]
        assert abs(row["p_start"] - row["t_start"]) < 0.1, row
    assert score["within100_pct"] >= 90.0


def test_devanagari_and_mixed_lines_get_times(song):
    lyrics = "नमस्ते Hello bright morning,\nwe sing along. שלום\n\nSilver rivers\nrun all night long. 🎵\n"
    pcm = decode_audio(song["audio"])
    words = offline.align_lyrics(song["audio"], pcm, parse_lyrics(lyrics), lambda s, f: None)
    assert_well_formed(words, lyrics, len(pcm) / 16000)
    truth = {w["norm"]: w["start"] for w in song["truth"]["words"]}
    by_text = {w.text: w for w in words}
    assert abs(by_text["Hello"].start - truth["hello"]) < 0.15
    assert abs(by_text["Silver"].start - truth["silver"]) < 0.15
    assert by_text["नमस्ते"].start <= by_text["Hello"].start


@pytest.mark.parametrize("method", ["offline", "auto"])
def test_no_offline_transcription_asks_for_the_lyrics(song, monkeypatch, method):
    """Offline transcription is not offered (word error rate 111 % on songs, 69 % on clear speech)."""
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    with pytest.raises(ReelError) as error:
        align(song["audio"], decode_audio(song["audio"]), None, method=method)
    assert str(error.value) == NO_OFFLINE_TRANSCRIPTION and "paste the lyrics" in str(error.value)


@pytest.mark.parametrize("token", ["streetlamps", "heart-shaped", "café", "Zorblaxian", "नमस्ते", "2"])
def test_pronounce_any_token(token):
    lookup = offline.dictionary().lookup_word
    phones = pronounce(token, lookup)
    assert phones and set(phones.split()) <= PHONES, phones


def test_pronounce_without_espeak(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    from reel.align import pronounce as module
    module._IPA_CACHE.clear()
    assert pronounce("zorblaxian", lambda w: None) == letters_to_arpabet("zorblaxian")
    assert pronounce("שלום", lambda w: None) is None
    module._IPA_CACHE.clear()


def test_confidence_is_low_for_words_of_implausible_length():
    """A word stretched over seconds of music or squeezed into a few frames is flagged."""
    phones = {0: "DH AH", 1: "W IY L", 2: "AH N D", 3: "HH OW L D", 4: "DH AH"}
    placed = {0: offline.Timed(0, 1.0, 1.2, 0.9), 1: offline.Timed(1, 1.3, 1.6, 0.9),
              2: offline.Timed(2, 1.7, 4.2, 0.9),   # "and" over 2.5 s
              3: offline.Timed(3, 4.3, 4.7, 0.9), 4: offline.Timed(4, 4.8, 4.82, 0.9)}  # 20 ms
    confidence.flag_odd_durations(placed, phones)
    assert [placed[i].confidence for i in range(5)] == [0.9, 0.9, confidence.ODD_CONFIDENCE, 0.9,
                                                        confidence.ODD_CONFIDENCE]


KITES = ("Paper kites above the station roof,\nevery string a little bit of proof\n"
         "that the wind remembers where we are,\npulling gently like a distant star.\n\n"
         "Hold the handle, never let it go,\ntell the sky the only song you know.\n")


def test_voice_onset_finds_an_instrumental_intro_only():
    """A 10 s instrumental intro is found (ending just before the voice); a song sung
    from its first second whose energy steps up later (Flite slt sung: the old
    energy-only rule took 5.7 s of it for an intro) has none."""
    intro = make_case("intro10", KITES, "--voice", "flite:awb", "--seed", "13", "--lead-in", "10",
                      "--music-db", "2")
    assert 9.0 <= voice_onset(decode_audio(intro / "audio.mp3")) <= 10.0
    sung = make_case("sung_from_start", KITES, "--voice", "flite:slt", "--seed", "12", "--sung",
                     "--music-db", "6")
    assert voice_onset(decode_audio(sung / "audio.mp3")) == 0.0


def test_loud_band_is_turned_down_before_aligning(public_case):
    """Music 2 dB under the voice: detected, suppressed, aligned; quiet or no music: left alone."""
    lyrics = ("Lanterns swinging on the harbour wall,\nsailors singing as the shadows fall.\n"
              "Mother, keep the kettle warm for me,\nI am coming home across the sea.\n")
    folder = make_case("loud_band", lyrics, "--voice", "flite:slt", "--rate", "170", "--seed", "41",
                       "--music-db", "2")
    loud = decode_audio(folder / "audio.mp3")
    assert loud_accompaniment(loud, voice_onset(loud))
    for quiet in ("p1_city_lights", "p4_summer_static", "p5_quiet_engine"):  # none, none (sung), 10 dB
        pcm = decode_audio(public_case(quiet) / "audio.mp3")
        assert not loud_accompaniment(pcm, voice_onset(pcm)), quiet
    words, score, _, duration = align_case(folder)
    assert_well_formed(words, lyrics, duration)
    assert score["within100_pct"] >= 65.0, score  # measured 73 %; 62 % without the suppression


def test_suppression_keeps_a_moving_voice_and_cuts_a_held_chord():
    t = np.arange(16000 * 8) / 16000
    chord = (0.3 * np.sin(2 * np.pi * 523.25 * t)).astype(np.float32)  # one pitch for 8 s
    glide = (0.3 * np.sin(2 * np.pi * (300 * t + 40 * np.sin(2 * np.pi * 0.7 * t)))).astype(np.float32)

    def rms(x):  # over the middle 4 s
        return float(np.sqrt(np.mean(x[16000 * 2:16000 * 6] ** 2)))
    held, moving = suppress_sustained(chord), suppress_sustained(glide)
    assert held.shape == chord.shape and held.dtype == np.float32
    assert rms(held) < 0.4 * rms(chord)
    assert rms(moving) > 0.9 * rms(glide)


def test_soft_onsets_after_a_pause_start_earlier():
    """'the' after a pause moves back (never into the word before); 'cat' and joined words stay."""
    phones = {0: "W IY", 1: "DH AH", 2: "K AE T", 3: "DH AH", 4: "M IY"}
    placed = {0: offline.Timed(0, 1.0, 1.4, 0.9), 1: offline.Timed(1, 1.6, 1.8, 0.9),   # pause before
              2: offline.Timed(2, 2.2, 2.5, 0.9),                                       # a stop: stays
              3: offline.Timed(3, 2.5, 2.7, 0.9),                                       # no pause: stays
              4: offline.Timed(4, 2.71 + offline.PAUSE_S, 3.0, 0.9)}                    # short pause
    offline._start_soft_onsets_earlier(placed, phones)
    starts = [placed[i].start for i in range(5)]
    assert starts[:4] == pytest.approx([1.0, 1.6 - offline.SOFT_ONSET_S, 2.2, 2.5])
    assert starts[4] == pytest.approx(max(2.7, 2.71 + offline.PAUSE_S - offline.SOFT_ONSET_S))


def test_unsung_stanza_is_marked_and_does_not_move_the_words_after_it():
    """Pasted lyrics hold a bridge the recording never sings: its words are marked "check"
    and the sung words after it keep their times (forced through it: p90 several seconds)."""
    sung = ("Paper lanterns drifting on the river,\nlittle wishes floating out to sea.\n\n"
            "Call me when the morning bells are ringing,\nI will meet you by the willow tree.\n")
    bridge = "[Bridge]\nThunder rolling over distant hills,\nrain is tapping on the window sills.\n\n"
    pasted = sung.replace("Call me", bridge + "Call me", 1)
    folder = make_case("unsung_stanza", sung, "--voice", "en-us+m3", "--rate", "165", "--seed", "61",
                       "--music-db", "8")
    words, _, _, duration = align_case(folder, pasted)
    assert_well_formed(words, pasted, duration)
    truth = json.loads((folder / "truth.json").read_text())["words"]
    unsung = [w for w in words if w.line in (2, 3)]
    assert len(unsung) == 12 and all(w.confidence < 0.5 for w in unsung), unsung
    after = [w for w in words if w.line >= 4]
    sung_after = [t for t in truth if t["line"] >= 2]
    assert [w.text.strip(",.").lower() for w in after] == [t["norm"] for t in sung_after]
    close = sum(abs(w.start - t["start"]) < 0.1 for w, t in zip(after, sung_after))
    assert close >= 0.9 * len(after), [(w.text, w.start, t["start"]) for w, t in zip(after, sung_after)]


def test_a_sung_line_missing_from_the_lyrics_does_not_drag_the_next_one():
    """The singer sings a line the pasted lyrics lack: the next line's words keep their
    times (without the unlisted-singing search they were stretched over it, seconds
    early: 64 % of the sung words within 100 ms; measured with it: 93 %)."""
    sung = ("Copper kettle singing on the stove,\nwindow fogged with breath of early cold,\n"
            "father reading headlines to the dog,\nmother humming something very old.\n"
            "Someone left a bicycle outside,\nfrost is climbing slowly up the wheel,\n"
            "nobody has noticed it just yet,\nbreakfast is the only thing that's real.\n")
    pasted = sung.replace("frost is climbing slowly up the wheel,\n", "")
    folder = make_case("missing_line", sung, "--voice", "en-us+m3", "--rate", "165", "--seed", "301",
                       "--music-db", "6")
    words, _, _, duration = align_case(folder, pasted)
    assert_well_formed(words, pasted, duration)
    truth = json.loads((folder / "truth.json").read_text())
    score = evaluate_pasted(truth, {"words": [w.to_dict() for w in words]}, pasted)
    assert score["within100_pct"] >= 85.0, score


def test_a_misplaced_word_gets_a_low_confidence(song):
    """A lyric word that is not what is sung where the search puts it ("bright" sung,
    "chimney" pasted) scores far below a free phone loop there: marked "check";
    the words of the other stanza are not."""
    lyrics = song["lyrics"].replace("bright", "chimney")
    pcm = decode_audio(song["audio"])
    words = offline.align_lyrics(song["audio"], pcm, parse_lyrics(lyrics), lambda s, f: None)
    by_text = {w.text.strip(",."): w for w in words}
    assert by_text["chimney"].confidence < 0.5
    assert all(w.confidence >= 0.5 for w in words if w.line >= 2), words


def test_hopeless_audio_is_searched_within_the_budget_whatever_the_machine(monkeypatch):
    """Noise with lyrics: every search fails, and the aligner stops when the audio searched
    (weighted by each setting's cost) fills the budget; no clock is read, so a machine
    whose CPU time runs 100 times faster gets the very same words (a CPU-time budget
    once made one song score 0 % or 48 % from run to run)."""
    from reel.align import budget as budget_module
    pcm = np.random.default_rng(5).normal(0.0, 0.05, 20 * 16000).astype(np.float32)
    lyrics = parse_lyrics("rolling thunder over quiet water\n" * 6)
    charged = []
    search = offline.ForcedAligner.search

    def counted(self, s):
        charged.append(len(s.audio) / 2 / 16000 * offline.ALL_SETTINGS[s.setting].cost)
        return search(self, s)

    monkeypatch.setattr(offline, "cores", lambda: 1)  # every search runs here, where it is counted
    monkeypatch.setattr(offline.ForcedAligner, "search", counted)
    first = offline.align_lyrics(None, pcm, lyrics, lambda s, f: None)
    limit = budget_module.BUDGET_UNITS + budget_module.BUDGET_UNITS_PER_AUDIO_S * 20.0
    assert 0.8 * limit <= sum(charged) <= limit, (sum(charged), limit)
    assert all(w.confidence < 0.5 for w in first)
    clock = iter(range(0, 10**9, 100))
    monkeypatch.setattr(time, "thread_time", lambda: float(next(clock)))
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(clock)))
    again = offline.align_lyrics(None, pcm, lyrics, lambda s, f: None)
    assert [(w.start, w.end) for w in again] == [(w.start, w.end) for w in first]


def test_the_helper_process_searches_beside_this_one_and_changes_no_word(monkeypatch):
    """With two cores the free phone loop (for the confidence) and the next search in order
    run in a second process (helper.py); on noise every search fails, so the helper's are
    taken, and the words and confidences are exactly those of the one-process run."""
    pcm = np.random.default_rng(7).normal(0.0, 0.05, 15 * 16000).astype(np.float32)
    lyrics = parse_lyrics("silver morning on the river\n" * 5)
    monkeypatch.setattr(offline, "cores", lambda: 1)
    alone = offline.align_lyrics(None, pcm, lyrics, lambda s, f: None)
    helpers = []

    class Recorded(offline.SearchHelper):
        def __init__(self):
            super().__init__()
            helpers.append(self)

    monkeypatch.setattr(offline, "cores", lambda: 2)
    monkeypatch.setattr(offline, "SearchHelper", Recorded)
    together = offline.align_lyrics(None, pcm, lyrics, lambda s, f: None)
    assert len(helpers) == 1 and helpers[0].used["PhoneLoop"] == 1 and helpers[0].used["Search"] > 0
    assert helpers[0]._proc.poll() is not None  # stopped when the alignment ended
    assert [(w.start, w.end, w.confidence) for w in together] == [(w.start, w.end, w.confidence) for w in alone]


def test_alignment_goes_on_alone_when_the_helper_process_dies(monkeypatch):
    """A helper killed mid-song (out of memory, say) is dropped; every search then runs
    here and the words are still all timed, the same as without it."""
    pcm = np.random.default_rng(8).normal(0.0, 0.05, 12 * 16000).astype(np.float32)
    lyrics = parse_lyrics("paper lanterns in the rain\n" * 4)
    monkeypatch.setattr(offline, "cores", lambda: 1)
    alone = offline.align_lyrics(None, pcm, lyrics, lambda s, f: None)
    offer = offline.SearchHelper.offer

    def dies_after_the_first(self, job, keep=False):
        offer(self, job, keep)
        self._proc.kill()

    monkeypatch.setattr(offline, "cores", lambda: 2)
    monkeypatch.setattr(offline.SearchHelper, "offer", dies_after_the_first)
    orphaned = offline.align_lyrics(None, pcm, lyrics, lambda s, f: None)
    assert [(w.start, w.end) for w in orphaned] == [(w.start, w.end) for w in alone]
