"""Offline word timing with PocketSphinx 5 (en-us model and dictionary ship with it).

`align_lyrics` force-aligns the given lyrics. Three measured choices carry the
accuracy on songs: pauses between words are cheap (music in a gap is not taken for
the next word); vowels get a minimum length (a held note is not squeezed while
pauses eat it), relaxed step by step when a line is too fast for it; and long
forced alignments, which are brittle, are done *progressively*: the remaining
words against the remaining audio, keeping the words before the point where a
search gave up (less a safety margin), then again from there, in windows of a
few words when a whole search fails. Sung lyrics (slow for their phones) are
first searched with far wider beams; a band nearly as loud as the voice is
turned down first (accompaniment.py). A line sung but missing from the
lyrics is found by searching again with "unlisted" singing allowed between
lines (`ForcedAligner.align`). With two cores, a second process runs the
confidence's phone loop and the next search in order meanwhile (helper.py).
Two corrections follow: a line's first words taken from the previous line's
held note are placed again, and words that start softly after a pause start a
little earlier. Words nothing can
pronounce, that no search placed within the search budget, or whose stanza the
search found unsung, are spread between their neighbours with a low confidence.
A placed word's confidence comes from the evidence: its acoustic score against
a free phone loop over the same frames, and its length against its phones.
Every word comes back timed, in order, inside the audio.

There is no offline transcription: PocketSphinx's en-us recogniser got more words
wrong than right even on clear speech (benchmarks/transcribe_bench.py), so audio
without lyrics needs ElevenLabs (reel.align.check_transcription says so).
"""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np
import pocketsphinx

from reel.align.accompaniment import loud_accompaniment, suppress_sustained
from reel.align.budget import SearchBudget
from reel.align.confidence import acoustic_evidence, flag_odd_durations, flag_weak_evidence, phone_loop_scores
from reel.align.helper import MISSING, PhoneLoop, Search, SearchHelper, cores
from reel.align.pronounce import PHONES, dictionary_key, prefetch, pronounce
from reel.align.sphinx import FRAME_S, SAMPLE_RATE, SILENCE, Timed, decoder, dictionary, log_score, pcm16
from reel.align.voice import voice_onset
from reel.languages import LANGUAGES
from reel.lyrics import Lyrics, line_languages
from reel.model import Progress, Word



class Setting(NamedTuple):
    """One way to search: each vowel `repeat` times (see _lengthen), the decoder's `beams`,
    and what a second of audio searched so costs the budget (budget.py): the median CPU
    time of such searches that failed, over our corpora, in units of the default beams'
    16 ms. The budget is for hopeless audio, where searches fail; one that succeeds
    with wide beams costs 2-8 times more, but places words."""

    repeat: int
    beams: dict
    cost: float


# Search settings, narrowest (fastest) first; a wider one is tried when a search fails.
WIDE = {"beam": 1e-70, "wbeam": 1e-55, "pbeam": 1e-70}
# Vowels are first given three times their shortest length, so that a held (sung)
# vowel is not squeezed into a few frames while pauses eat the note (public corpus
# 87 % -> 91 %, extra cases 68 % -> 74 %); lines too fast for that fall back to
# twice, then to plain vowels, then to wider beams.
SETTINGS = (Setting(3, SILENCE, 1.0), Setting(2, SILENCE, 1.0), Setting(1, SILENCE, 1.0),
            Setting(1, {**WIDE, **SILENCE}, 1.25))
# A search over all the rest of the song tries the wide beams second, before shorter
# vowels: when held vowels fail there, narrow beams have usually lost the voice too.
# Festival's Italian voices fail at all three narrow settings and only the wide one
# succeeds; tried fourth, the time budget often ran out first and every word was
# spread (lang set l11/l12/l13: 17/15/10 % -> 73/29/37 % within 100 ms). The 15
# English songs whose first whole search fails: 89.2 % -> 90.6 % (x05 -2 words), three
# espeak ones 1 word less (l08 -3); four held-out Festival songs: 1 word less.
# Shorter vowels with default beams are not tried on a whole search: the wide
# beams' plain vowels hold every path they hold (a longer vowel is a path of the
# shorter one too), and over all 92 corpus songs they never succeeded where the
# wide beams had failed (0 of 10 searches); on hopeless audio they were a third
# of the time spent.
WHOLE_NARROW = (0, len(SETTINGS) - 1)
# A thorough search over all the rest of the song: held vowels, far wider beams.
# Slow (up to 0.13 s per second of audio), so never tried on windows. For spoken
# lyrics it is the last resort, which saves sung songs whose narrow searches all
# fail (two held-out sung cases: 22 % -> 72 % and 11 % -> 53 %). For slow lyrics
# (sung: at least SUNG_S_PER_PHONE of audio per phone; our spoken songs measure
# 98-211 ms, sung ones 259-370 ms) it goes first, because there the narrow
# searches often succeed with runs of words in the wrong place (12 sung cases,
# 447 words: +16 right). Spoken songs lose by it (x12, x16: -16 and -19 points).
# When held 3x vowels fail even so, 2x can still fit (a Flite voice sung: 9 % -> 28 %);
# tried on sung lyrics only, as it costs spoken ones time and gains nothing.
WIDEST = {"beam": 1e-120, "wbeam": 1e-120, "pbeam": 1e-120, **SILENCE}
THOROUGH = (Setting(3, WIDEST, 1.35), Setting(2, WIDEST, 1.35))
ALL_SETTINGS = SETTINGS + THOROUGH
NARROW_BEAMS = frozenset(k for k, s in enumerate(ALL_SETTINGS) if "beam" not in s.beams)  # default beams
SUNG_S_PER_PHONE = 0.235
VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())
MIN_AUDIO_S = 0.1  # shorter audio is not searched
KEEP_MARGIN = 2  # words before a failed search's end that are aligned again
CHUNK_WORDS = 12  # words per windowed search when a whole-song search fails
LOOKAHEAD_WORDS = 12  # optional words after a window's chunk
WINDOW_STRETCH = 2.0  # window length / the words' expected duration
MIN_WINDOW_S = 4.0
INTRO_S = 15.0  # extra window before the first word (instrumental intros)
DEFAULT_WORD_S = 0.6
END_WORD = "zz_end"  # a silence "word" after the lyrics: the search must pass the last word
LINE_LEAD_IN_SHARE, STRAY_PAUSE_S = 0.5, 0.4  # see _repair_line_starts
SOFT_ONSETS = frozenset("DH W M HH F L N R V Z TH Y NG".split())  # see _start_soft_onsets_earlier
SOFT_ONSET_S, PAUSE_S = 0.03, 0.05
ALIGNED_CONFIDENCE, EDGE_CONFIDENCE = 0.9, 0.6  # edge: kept just before where a search gave up
PAUSE_CONFIDENCE = 0.3  # a guessed word the search took for a pause
INTERPOLATED_CONFIDENCE = 0.1
STANZA_SKIP_PROB = 1e-20  # of leaving a whole stanza unsung (see ForcedAligner._grammar)
TAIL_GAP_S = 0.1  # pause before unplaced words after the last placed one
UNLISTED_PHONE_PROB = 1e-25  # of each phone of singing the lyrics lack (see ForcedAligner.align)
UNLISTED_MIN_S = 1.5  # that much unlisted singing in one place: a line missing from the lyrics


class ForcedAligner:
    """Aligns runs of lyric words (by index) to stretches of audio.

    Settings (vowel length, beams) are tried in order until a search succeeds; one
    decoder per beams serves every vowel length. Each lyric word is added to the
    dictionaries under its own name ("w12.3"), so repeated words never get mixed up.
    A word whose pronunciation is a guess (not in the dictionary) may also be a pause:
    one unsung or mispronounced word must not derail the whole search. A search over all the rest of the song
    also tries the THOROUGH settings: first when the lyrics are `sung`, else the first one last.
    `stanzas` and `lines` give each word's stanza and line (all one when None); with a
    `helper`, the next search in order runs in a second process meanwhile (helper.py).
    """

    def __init__(self, phones: dict[int, str], guessed: set[int], sung: bool = False,
                 stanzas: Optional[dict[int, int]] = None, lines: Optional[dict[int, int]] = None,
                 helper: Optional[SearchHelper] = None):
        self.helper = helper  # runs the next search in a second process (helper.py)
        if helper is not None:
            helper.prepare((phones, guessed, sung, stanzas, lines))
        self.stanzas = stanzas or dict.fromkeys(phones, 0)
        self.lines = lines or dict.fromkeys(phones, 0)
        self.phones, self.guessed = phones, guessed
        self._decoders: dict[tuple, pocketsphinx.Decoder] = {}  # by beams
        self.narrow = list(range(len(SETTINGS)))  # indices into ALL_SETTINGS
        thorough = list(range(len(SETTINGS), len(ALL_SETTINGS)))
        self.whole = thorough + list(WHOLE_NARROW) if sung else list(WHOLE_NARROW) + thorough[:1]

    def _decoder_for(self, setting: int) -> pocketsphinx.Decoder:
        """The decoder for ALL_SETTINGS[setting]'s beams, built on first use. Each loads the
        acoustic model (~90 ms), so settings that differ only in vowel length share one: it
        holds every lyric word at each of their vowel lengths, under names from _word_name."""
        beams = ALL_SETTINGS[setting].beams
        key = tuple(sorted(beams.items()))
        if key not in self._decoders:
            d = decoder(**beams)
            for repeat in sorted({s.repeat for s in ALL_SETTINGS if s.beams == beams}):
                for i, ph in self.phones.items():
                    ph = _lengthen(ph, repeat)
                    d.add_word(_word_name("w", i, repeat), ph, False)
                    if i in self.guessed:  # a guessed pronunciation may match nothing sung: allow a pause
                        d.add_word(_word_name("w", i, repeat) + "(2)", "SIL", False)
                    ahead = _word_name("ahead", i, repeat)  # words after a window's chunk: sung in it or not
                    d.add_word(ahead, ph, False)
                    d.add_word(ahead + "(2)", "SIL", False)
            for ph in PHONES:  # any phone: singing the lyrics lack (see align)
                d.add_word(f"unlisted_{ph}", ph, False)
            d.add_word(END_WORD, "SIL", True)
            self._decoders[key] = d
        return self._decoders[key]

    def _grammar(self, d: pocketsphinx.Decoder, indices: list[int], ahead: tuple[int, ...], repeat: int,
                 unlisted: bool = False) -> pocketsphinx.FsgModel:
        """The words in order, then END_WORD; the words of each stanza may also be skipped, at a cost;
        with `unlisted`, any phones may also be sung between two lines, each at UNLISTED_PHONE_PROB.

        Pasted lyrics often hold a stanza the recording never sings (a bridge the
        edit drops). Forced through it, the search stretches the stanza over the
        lines that follow and everything after it is seconds late; with the skip it
        takes the stanza out and its words are spread between their neighbours,
        marked for checking (our differ set: a never-sung bridge 49 % -> 96 % within
        100 ms). Single lines are not made skippable: at every cost tried the search
        then dropped sung lines too (public corpus: one song 90 % -> 34 %); nor are
        the first and last stanzas of a search: a Portuguese song lost its sung last
        stanza that way (97.8 % -> 44.4 %).
        """
        names = ([_word_name("w", i, repeat) for i in indices] + [_word_name("ahead", i, repeat) for i in ahead]
                 + [END_WORD])
        line_starts = [k for k in range(1, len(indices))
                       if self.lines[indices[k]] != self.lines[indices[k - 1]]] if unlisted else []
        final = len(names) + len(line_starts)  # one state more per line start: its loop of phones
        arcs = [(k, k + 1 if k + 1 < len(names) else final, 1.0, name) for k, name in enumerate(names)]
        first = 0
        for k in range(1, len(indices)):
            if self.stanzas[indices[k]] != self.stanzas[indices[k - 1]]:
                if first > 0:  # stanzas between two others only: see above
                    arcs.append((first, k, STANZA_SKIP_PROB))
                first = k
        for loop, k in enumerate(line_starts, start=len(names)):
            for ph in PHONES:
                arcs += [(k, loop, UNLISTED_PHONE_PROB, f"unlisted_{ph}"),
                         (loop, loop, UNLISTED_PHONE_PROB, f"unlisted_{ph}")]
            arcs.append((loop, k, 1.0))  # back to the line's first word
        return d.create_fsg("lyrics", 0, final, arcs)

    def align(self, pcm: np.ndarray, indices: list[int], offset: float,
              ahead: tuple[int, ...] = (), budget: Optional[SearchBudget] = None,
              whole: bool = False) -> Optional[list[Timed]]:
        """Words placed by the first search that succeeds (maybe only the first few).

        `ahead` are the words that follow: each may be found in the audio or be a
        pause, so the end of a window of audio need not stretch `indices` over it.
        Each search is paid from `budget` (none: unlimited); a setting it cannot afford is not tried.
        `whole`: the search spans all the rest of the song (THOROUGH settings are tried too).

        A line sung but missing from the lyrics makes the search stretch the next line's
        words over it, seconds early. So a whole search with narrow beams that succeeds
        is run again with unlisted singing allowed between lines; when that one takes
        UNLISTED_MIN_S or more of singing in one place for unlisted, its result is used.
        The second search is never kept otherwise: elsewhere it moves line starts a
        little (public corpus: one song 94 % -> 84 % when always kept), and with wide
        beams the phone loops keep so many paths alive that a search takes minutes.
        Measured: differ set 68.8 % -> 71.3 % (a missing line, espeak: 64 % -> 94 %),
        four new missing-line songs 64/76/86/36 % -> 93/76/95/36 %; public, extra and
        lang sets unchanged. The second search costs 1.5-7 x the first (its loops stay
        alive longest over turned-down accompaniment): all sets' alignment time +16 %,
        one public song 3.6 -> 8.8 s for 43 s of audio.
        """
        if len(pcm) < MIN_AUDIO_S * SAMPLE_RATE:
            return None
        audio, seconds = pcm16(pcm), len(pcm) / SAMPLE_RATE
        budget = budget or SearchBudget(float("inf"))
        plan = []  # the settings tried if every search fails: as many as the budget affords
        left = budget.left
        for setting in self.whole if whole else self.narrow:
            left -= seconds * ALL_SETTINGS[setting].cost
            if left < 0:
                break
            plan.append(setting)
        for k, setting in enumerate(plan):
            cost = seconds * ALL_SETTINGS[setting].cost
            if not budget.affords(cost):  # an unlisted search spent more than planned
                break
            budget.spend(cost)
            search = Search(setting, tuple(indices), ahead, audio)
            segments = self._run(search, search._replace(setting=plan[k + 1]) if k + 1 < len(plan) else None)
            if segments is not None and whole and setting in NARROW_BEAMS and budget.affords(cost):
                budget.spend(cost)
                other = self._run(search._replace(unlisted=True))
                if other is not None and _longest_unlisted(other) >= UNLISTED_MIN_S:
                    segments = other
            if segments is not None:
                placed = [Timed(_lyric_index(s.word), offset + s.start_frame * FRAME_S,
                                offset + (s.end_frame + 1) * FRAME_S,
                                PAUSE_CONFIDENCE if "(" in s.word else ALIGNED_CONFIDENCE, log_score(s))
                          for s in segments if s.word.startswith("w")]
                if placed:
                    return placed
        return None

    def _run(self, search: Search, then: Optional[Search] = None) -> Optional[list[Segment]]:
        """`search`'s segments: from the helper when it already ran it; else searched here,
        while the helper (when free) starts `then`, the search that follows if this one fails."""
        if self.helper is not None:
            result = self.helper.take(search)
            if result is not MISSING:
                return result
            if then is not None:
                self.helper.offer(then)
        return self.search(search)

    def search(self, search: Search) -> Optional[list[Segment]]:
        """One search of the audio through the grammar; its segments (None when it fails).

        The features start afresh (`reinit_feat`): PocketSphinx otherwise carries state
        from a decoder's earlier searches into the next (its noise estimate), so a result
        would depend on what that decoder searched before, and no longer be the same
        in the helper process.
        """
        d = self._decoder_for(search.setting)
        d.reinit_feat()
        d.add_fsg("lyrics", self._grammar(d, list(search.indices), search.ahead, ALL_SETTINGS[search.setting].repeat,
                                          search.unlisted))
        d.activate_search("lyrics")
        d.start_utt()
        d.process_raw(search.audio, full_utt=True)
        d.end_utt()
        segments = d.seg()
        return None if segments is None else [Segment(s.word, s.start_frame, s.end_frame, s.ascore) for s in segments]


class Segment(NamedTuple):
    """A word of a search's best path (PocketSphinx's, as plain data the helper can send)."""

    word: str
    start_frame: int
    end_frame: int
    ascore: float


def _word_name(kind: str, index: int, repeat: int) -> str:
    """A lyric word's name in the decoders: "w12.3" is word 12 with each vowel 3 times (see
    _lengthen); kind "ahead": one that may follow a window's chunk. Alternates add "(2)"."""
    return f"{kind}{index}.{repeat}"


def _lyric_index(name: str) -> int:
    """The lyric word index in a "w" name from _word_name (alternate or not)."""
    return int(name[1:].split(".")[0])


def _longest_unlisted(segments: list) -> float:
    """Seconds of the longest run of unlisted phones between two lyric words."""
    longest = run = 0
    for s in segments:
        if s.word.startswith("unlisted_"):
            run += s.end_frame - s.start_frame + 1
        elif s.word.startswith(("w", "ahead")):
            longest, run = max(longest, run), 0
    return max(longest, run) * FRAME_S


def _lengthen(phones: str, repeat: int) -> str:
    """Each vowel `repeat` times: a floor on how short the word can be made."""
    return " ".join(" ".join([p] * (repeat if p in VOWELS else 1)) for p in phones.split())


def _seconds_per_word(placed: dict[int, Timed]) -> float:
    """How fast the words come so far (a guess before three are placed)."""
    if len(placed) < 3:
        return DEFAULT_WORD_S
    times = sorted(t.start for t in placed.values())
    return max(0.15, (times[-1] - times[0]) / (len(times) - 1))


def _typical_length(placed: dict[int, Timed]) -> float:
    return float(np.median([t.end - t.start for t in placed.values()]))


def progressive_alignment(pcm: np.ndarray, aligner: ForcedAligner, indices: list[int],
                          progress: Progress, start: float = 0.0) -> dict[int, Timed]:
    """Align all `indices` in order, restarting after the point where a search gave up.

    First all remaining words against all remaining audio; when that search
    fails, a chunk of the next words against a window sized for them (a
    search given too much audio for too few words stretches them over it).
    Of a partial or chunked result only the words well before its end are kept.
    The search begins at `start` (after an instrumental intro).
    """
    duration = len(pcm) / SAMPLE_RATE
    placed: dict[int, Timed] = {}
    pos, whole = 0, True
    budget = SearchBudget(duration)  # hopeless audio: see budget.py
    while pos < len(indices) and not budget.spent:
        todo = indices[pos:]
        before = budget.left
        got = aligner.align(pcm[int(start * SAMPLE_RATE):], todo, start, budget=budget,
                            whole=True) if whole else None
        if got and got[-1].index == todo[-1]:
            budget.refund(before - budget.left)
        whole = got is not None  # once the rest fails as a whole, go on in windows (linear time)
        margin = KEEP_MARGIN
        count = min(len(todo), CHUNK_WORDS)
        while got is None and count:
            window = count * _seconds_per_word(placed) * WINDOW_STRETCH + (INTRO_S if not placed else 0.0)
            window = max(MIN_WINDOW_S, window)
            stop = int(min(duration, start + window) * SAMPLE_RATE)
            got = aligner.align(pcm[int(start * SAMPLE_RATE):stop], todo[:count], start,
                                tuple(todo[count:count + LOOKAHEAD_WORDS]), budget)
            margin = max(KEEP_MARGIN, count // 3) if stop < len(pcm) else KEEP_MARGIN
            count //= 2
        if not got:
            pos += 1  # give this word up (interpolated later) and go on
            start = min(duration, start + _seconds_per_word(placed))
            continue
        complete = got[-1].index == indices[-1]
        keep = got if complete else got[:max(1, len(got) - margin)]
        if not complete:
            for t in keep[-KEEP_MARGIN:]:
                t.confidence = min(t.confidence, EDGE_CONFIDENCE)
            if keep[-1] is got[-1] and len(placed) >= 3:  # stretched to where the search gave up
                keep[-1].end = min(keep[-1].end, keep[-1].start + _typical_length(placed))
        for t in keep:
            placed[t.index] = t
        pos = indices.index(keep[-1].index) + 1
        start = keep[-1].end
        progress("aligning", min(1.0, pos / len(indices)))
    return placed


def _repair_line_starts(pcm: np.ndarray, aligner: ForcedAligner, placed: dict[int, Timed]) -> None:
    """Re-place a line's first words that were taken from the previous line's held note.

    A line is sung after a pause. When one starts with a pause less than half as
    long as a pause among its first words, the search has taken the end of the
    previous (held) note for those words and pushed the real ones on (true of
    every such case in our corpora). They are aligned again in the audio from
    that pause to the next word still trusted.
    """
    order = sorted(placed)
    by_line: dict[int, list[int]] = {}
    for i in order:
        by_line.setdefault(aligner.lines[i], []).append(i)
    for words in by_line.values():
        first = order.index(words[0])
        if first == 0 or len(words) < 3:
            continue
        lead_in = placed[words[0]].start - placed[order[first - 1]].end
        pause, k = max((placed[words[j + 1]].start - placed[words[j]].end, j)
                       for j in range(max(1, len(words) // 2)))
        if lead_in >= LINE_LEAD_IN_SHARE * pause or pause <= STRAY_PAUSE_S or k + 2 >= len(words):
            continue
        begin, end = placed[words[k]].end, placed[words[k + 2]].start
        got = aligner.align(pcm[int(begin * SAMPLE_RATE):int(end * SAMPLE_RATE)], words[:k + 2], begin)
        if got and got[-1].index == words[k + 1]:
            placed.update((t.index, t) for t in got)


def _start_soft_onsets_earlier(placed: dict[int, Timed], phones: dict[int, str]) -> None:
    """Move back the start of words that begin softly after a pause.

    The pause model takes in the quiet start of a voiced onset (the "th" of
    "the", "w", "m", "h", "f", "l", ...): measured over our 29 songs such words
    start a median 11-43 ms late (16 of 106 "the" by over 100 ms), while stops
    and "s" do not. Moving them back by SOFT_ONSET_S: public corpus 93.2 % ->
    94.0 % within 100 ms, our extra cases 82.5 % -> 84.9 %.
    """
    previous_end = None
    for i in sorted(placed):
        t = placed[i]
        if previous_end is not None and t.start - previous_end > PAUSE_S and phones[i].split()[0] in SOFT_ONSETS:
            t.start = max(previous_end, t.start - SOFT_ONSET_S)
        previous_end = t.end


def _interpolate(timed: list[Optional[Timed]], duration: float) -> list[Timed]:
    """Give unplaced words times spread between their placed neighbours."""
    out: list[Timed] = []
    i = 0
    while i < len(timed):
        if timed[i] is not None:
            out.append(timed[i])
            i += 1
            continue
        j = i
        while j < len(timed) and timed[j] is None:
            j += 1
        left = out[-1].end if out else 0.0
        right = timed[j].start if j < len(timed) else duration
        step = max(0.0, right - left) / (j - i + 1)
        lead = 0.5 * step
        if j == len(timed) and out:  # after the last placed word: sung on at its pace, not spread over an outro
            step = min(step, _seconds_per_word({t.index: t for t in out}))
            lead = min(lead, TAIL_GAP_S)
        for k in range(i, j):
            s = left + lead + step * (k - i)
            out.append(Timed(k, s, s + step * 0.8, INTERPOLATED_CONFIDENCE))
        i = j
    return out


def _monotonic(timed: list[Timed], duration: float) -> list[Timed]:
    """Starts never go back, ends never before starts, all inside the audio."""
    last = 0.0
    for t in timed:
        t.start = min(max(t.start, last), duration)
        t.end = min(max(t.end, t.start), duration)
        last = t.start
    return timed


def _line_languages(lyrics: Lyrics, language: str) -> list[str]:
    """Each line's language (all `language` when that is English)."""
    return line_languages(lyrics, language) if language != "en" else ["en"] * len(lyrics.lines)


def pronunciations(lyrics: Lyrics, languages: list[str]) -> tuple[dict[int, str], set[int]]:
    """Phones of each lyric word (by index) read in its line's language (`languages`, one per
    line: `_line_languages`), and the guessed ones.

    A guessed pronunciation (an English word missing from the dictionary) may
    also be a pause in the search.
    """
    lookup = dictionary().lookup_word
    for code in set(languages) - {"en"}:
        prefetch((dictionary_key(w) for line, lang in zip(lyrics.lines, languages) if lang == code
                  for w in line.words), LANGUAGES[code].voice)
    phones, guessed = {}, set()
    for i, (text, line) in enumerate(lyrics.words):
        ph = pronounce(text, lookup, languages[line])
        if ph:
            phones[i] = ph
        if languages[line] == "en" and not lookup(dictionary_key(text)):
            guessed.add(i)
    return phones, guessed


def align_lyrics(audio_path: Path, pcm: np.ndarray, lyrics: Lyrics, progress: Progress,
                 language: str = "en") -> list[Word]:
    """Time every lyric word in `pcm` (mono float32, 16 kHz); `language`: the lyrics' (supported) one."""
    words = lyrics.words
    duration = len(pcm) / SAMPLE_RATE
    progress("aligning", 0.0)
    with (SearchHelper() if cores() > 1 else nullcontext()) as helper:  # started first: it imports meanwhile
        languages = _line_languages(lyrics, language)
        phones, guessed = pronunciations(lyrics, languages)
        indices = sorted(phones)
        onset = voice_onset(pcm)
        phone_count = sum(len(ph.split()) for ph in phones.values())
        sung = (duration - onset) / max(1, phone_count) >= SUNG_S_PER_PHONE
        lines = {i: line for i, (_, line) in enumerate(words)}
        aligner = ForcedAligner(phones, guessed, sung, {i: lyrics.lines[line].stanza for i, line in lines.items()},
                                lines, helper)
        heard = suppress_sustained(pcm) if indices and loud_accompaniment(pcm, onset) else pcm
        loop = PhoneLoop(pcm16(heard))
        if helper is not None:
            helper.offer(loop, keep=True)
        placed = progressive_alignment(heard, aligner, indices, progress, onset) if indices else {}
        _repair_line_starts(heard, aligner, placed)
        loop_scores = MISSING if helper is None else helper.take(loop)
    if loop_scores is MISSING:
        loop_scores = phone_loop_scores(loop.audio)
    foreign = {i for i, (_, line) in enumerate(words) if languages[line] != "en"}
    flag_weak_evidence(placed, acoustic_evidence(placed, loop_scores), foreign)
    _start_soft_onsets_earlier(placed, phones)
    flag_odd_durations(placed, phones)
    timed = _monotonic(_interpolate([placed.get(i) for i in range(len(words))], duration), duration)
    progress("aligning", 1.0)
    return [Word(text, t.start, t.end, line, t.confidence) for (text, line), t in zip(words, timed)]


