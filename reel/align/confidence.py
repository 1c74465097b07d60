"""How far to trust each word the forced search placed (offline.py): its confidence.

A search forced through lyrics always places every word somewhere, so being placed
says little. The evidence used here: the word's acoustic score against a free phone
loop over the same frames (a word placed over music or over another word scores far
below any phones there could be), averaged with its neighbours; and its length
against its phones (a word stretched over an intro or squeezed into a few frames).
Words below either bar get a confidence under 0.5: the page's "check" mark.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pocketsphinx

from reel.align.sphinx import FRAME_S, SAMPLE_RATE, SILENCE, Timed, decoder, log_score

ODD_CONFIDENCE, ODD_SHORT, ODD_LONG = 0.4, 0.35, 3.0  # duration / expected from its phones
WEAK_EVIDENCE, FOREIGN_WEAK_EVIDENCE, WEAK_CONFIDENCE = -3.6, -4.6, 0.45  # see flag_weak_evidence


def flag_odd_durations(placed: dict[int, Timed], phones: dict[int, str]) -> None:
    """Lower the confidence of words far shorter or longer than their phones suggest.

    A word stretched over an intro or squeezed into a few frames is usually a
    sign the search lost the voice there (measured: 70 % of such words are off by
    100 ms or more, against 18 % of the others).
    """
    if len(placed) < 3:
        return
    counts = {i: len(phones[i].split()) for i in placed}
    per_phone = float(np.median([(t.end - t.start) / counts[i] for i, t in placed.items()]))
    for i, t in placed.items():
        expected = counts[i] * per_phone
        if not ODD_SHORT * expected <= t.end - t.start <= ODD_LONG * expected:
            t.confidence = min(t.confidence, ODD_CONFIDENCE)


def phone_loop_scores(audio: bytes) -> np.ndarray:
    """A free phone loop's acoustic log score over the audio (16-bit PCM, 16 kHz), summed
    up to each 10 ms frame: entry b - entry a is its score over frames a..b-1, the
    yardstick of acoustic_evidence. It does not depend on the alignment, so the helper
    process (helper.py) computes it while the searches run."""
    hop = int(FRAME_S * SAMPLE_RATE)
    d = _phone_loop()
    d.reinit_feat()  # a fresh start, whatever this decoder heard before (see ForcedAligner.search)
    d.start_utt()
    d.process_raw(audio, full_utt=True)
    d.end_utt()
    per_frame = np.zeros(len(audio) // 2 // hop + 2)
    for s in d.seg() or []:
        per_frame[s.start_frame:s.end_frame + 1] = log_score(s) / (s.end_frame - s.start_frame + 1)
    return np.concatenate([[0.0], np.cumsum(per_frame)])


def acoustic_evidence(placed: dict[int, Timed], loop: np.ndarray) -> dict[int, float]:
    """Per placed word: how far its acoustic score falls below the free phone loop's
    (`loop`: phone_loop_scores of the same audio) over the same frames, per frame (0: as
    good as any phones could be; about -1 to -2 for a word where it is sung, far lower
    for one placed over music or another word)."""
    last = len(loop) - 1
    evidence = {}
    for i, t in placed.items():
        a = min(int(round(t.start / FRAME_S)), last - 1)
        b = min(max(a + 1, int(round(t.end / FRAME_S))), last)
        evidence[i] = (t.score - (loop[b] - loop[a])) / (b - a)
    return evidence


def flag_weak_evidence(placed: dict[int, Timed], evidence: dict[int, float], foreign: set[int]) -> None:
    """Lower the confidence of words whose acoustic evidence, with their neighbours', is weak.

    Averaged over the word and the words either side (a misplaced word drags its
    neighbours with it, and one word alone is noisy). Chosen on the public and
    differ sets (with the duration rule: 62 % of the words > 250 ms off flagged,
    43 % of the flagged off); held out, ten extra cases: 83 % and 41 %. Words read
    in another language (`foreign`: its phones mapped onto the English model)
    score lower even where they are sung, so they need weaker evidence to be
    flagged (six non-English songs: 54 flagged, 4 off at the English bar; 7 and 3).
    """
    order = sorted(evidence)
    for k, i in enumerate(order):
        around = [evidence[j] for j in order[max(0, k - 1):k + 2]]
        if sum(around) / len(around) < (FOREIGN_WEAK_EVIDENCE if i in foreign else WEAK_EVIDENCE):
            placed[i].confidence = min(placed[i].confidence, WEAK_CONFIDENCE)


_PHONE_LOOP: Optional[pocketsphinx.Decoder] = None


def _phone_loop() -> pocketsphinx.Decoder:
    """A free phone loop decoder, the yardstick of acoustic_evidence (loaded once per process)."""
    global _PHONE_LOOP
    if _PHONE_LOOP is None:
        _PHONE_LOOP = decoder(**SILENCE)
        _PHONE_LOOP.add_allphone_file("phones", None)
        _PHONE_LOOP.activate_search("phones")
    return _PHONE_LOOP
