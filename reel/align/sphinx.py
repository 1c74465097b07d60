"""PocketSphinx basics shared by the forced search (offline.py) and the confidence (confidence.py).

PocketSphinx 5 ships the en-us acoustic model and dictionary; every decoder here uses
them, quiet and without a language model (the searches bring their own grammars).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pocketsphinx

SAMPLE_RATE = 16000
FRAME_S = 0.01  # PocketSphinx's frame step
# Pauses between words are made cheap (silprob): otherwise the music in a gap is
# taken for the next word's first sound and words start early (measured: 81 % -> 87 %
# within 100 ms on the public corpus, 61 % -> 68 % on our extra cases).
SILENCE = {"silprob": 3.0}


@dataclass
class Timed:
    """One aligned word: its index in the lyrics, start and end (s), confidence."""

    index: int
    start: float
    end: float
    confidence: float
    score: float = 0.0  # the search's acoustic log score for the word (see confidence.acoustic_evidence)


def pcm16(pcm: np.ndarray) -> bytes:
    """Mono float samples as the 16-bit little-endian PCM PocketSphinx reads."""
    return (np.clip(pcm, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def decoder(**settings) -> pocketsphinx.Decoder:
    """A PocketSphinx decoder on the bundled en-us model (quiet, no language model)."""
    return pocketsphinx.Decoder(loglevel="FATAL", lm=None, **settings)


def log_score(segment) -> float:
    """A segment's acoustic score as a log (the binding gives it exponentiated, near 1)."""
    return math.log(max(segment.ascore, 1e-300))


_DICTIONARY: Optional[pocketsphinx.Decoder] = None


def dictionary() -> pocketsphinx.Decoder:
    """A decoder kept for dictionary look-ups (loaded once per process)."""
    global _DICTIONARY
    if _DICTIONARY is None:
        _DICTIONARY = decoder()
    return _DICTIONARY
