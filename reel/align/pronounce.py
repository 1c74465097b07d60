"""Pronunciations in the PocketSphinx en-us phone set (ARPAbet) for any lyric word.

English words, in order of trust: the CMU dictionary shipped with pocketsphinx; a
compound of two dictionary words ("streetlamps" = street + lamps); espeak-ng's IPA
(in its own voice for non-Latin scripts: Devanagari is read by the Hindi voice)
mapped to ARPAbet; a small letter-to-sound rule set for Latin letters. Words of
another language are read by espeak-ng in that language's voice (`prefetch` reads a
whole song's words in one call), and its IPA goes through the same map, corrected
per language where the language's sounds sit elsewhere on the English model. A word
nothing can pronounce gets None: the aligner then times it between its neighbours.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from typing import Callable, Iterable, Optional

from reel.languages import LANGUAGES

Lookup = Callable[[str], Optional[str]]

# The phones of PocketSphinx's en-us acoustic model.
PHONES = frozenset("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S "
                   "SH T TH UH UW V W Y Z ZH".split())

# IPA symbols (longest first when scanning) -> ARPAbet phones.
_IPA = {
    "tʃ": "CH", "dʒ": "JH", "eɪ": "EY", "aɪ": "AY", "ɔɪ": "OY", "aʊ": "AW", "oʊ": "OW", "əʊ": "OW",
    "ɪə": "IH R", "eə": "EH R", "ʊə": "UH R", "ɑː": "AA", "ɔː": "AO", "iː": "IY", "uː": "UW",
    "ɜː": "ER", "ɚ": "ER", "ɝ": "ER", "aː": "AA", "eː": "EY", "oː": "OW", "ɛː": "EH",
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F", "v": "V",
    "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "ɦ": "HH",
    "m": "M", "n": "N", "ŋ": "NG", "ɲ": "N Y", "ɳ": "N", "l": "L", "ɫ": "L", "ɭ": "L", "ɹ": "R",
    "r": "R", "ɾ": "T", "ɽ": "R", "j": "Y", "w": "W", "ʋ": "V", "x": "HH", "ç": "HH", "χ": "HH",
    "ʈ": "T", "ɖ": "D", "c": "K", "ɟ": "G", "q": "K", "ʂ": "SH", "ʐ": "ZH", "ɕ": "SH", "ʑ": "ZH",
    "ʔ": "", "ɪ": "IH", "ɛ": "EH", "e": "EY", "æ": "AE", "a": "AA", "ɐ": "AH", "ɑ": "AA",
    "ɒ": "AA", "ɔ": "AO", "o": "OW", "ʊ": "UH", "u": "UW", "ʌ": "AH", "ə": "AH", "ɜ": "ER",
    "i": "IY", "y": "UW", "ø": "ER", "œ": "ER", "ɨ": "IH", "ʉ": "UW", "ɯ": "UW", "ɵ": "ER",
}
_IPA_KEYS = sorted(_IPA, key=len, reverse=True)
# Corrections of _IPA for each language, measured on benchmarks/align_bench.py --set lang
# (15 songs, within 100 ms): the tapped r as D rather than T (74.6 % -> 78.8 %; Hindi's
# as R: its two songs 82/55 % -> 88/72 %); Italian's trill as D too (Festival voices
# from real speakers: 42/0/44 % -> 73/29/37 %). espeak-ng 1.51 writes German's "ur"
# diphthong (durch, Wurm, kurz) as "??": without a vowel the word cannot be timed.
_LANGUAGE_IPA: dict[str, dict[str, str]] = {
    "es": {"ɾ": "D", "ʎ": "Y", "β": "B", "ɣ": "G"},
    "it": {"ɾ": "D", "r": "D", "ʎ": "L Y"},
    "pt": {"ɾ": "D", "ʎ": "L Y", "y": "IY"},
    "hi": {"ɾ": "R", "c": "CH", "ɟ": "JH"},
    "fr": {"ʁ": "R", "ɥ": "W"},
    "de": {"ɾ": "D", "ʁ": "R", "ʏ": "UH", "??": "UH R"},
}
_IPA_IGNORED = set("ˈˌːˑ‿̩̪̥̃͡ʰʲʷ-_ .'")

# espeak-ng voice for each non-Latin script (first word of the Unicode character name).
_SCRIPT_VOICES = {"DEVANAGARI": "hi", "BENGALI": "bn", "GURMUKHI": "pa", "GUJARATI": "gu", "TAMIL": "ta",
                  "TELUGU": "te", "KANNADA": "kn", "MALAYALAM": "ml", "HEBREW": "he", "ARABIC": "ar",
                  "CYRILLIC": "ru", "GREEK": "el", "ARMENIAN": "hy", "GEORGIAN": "ka", "THAI": "th",
                  "HANGUL": "ko", "HIRAGANA": "ja", "KATAKANA": "ja", "CJK": "cmn"}

# Letter-to-sound fallback: graphemes (longest first) -> phones.
_LETTERS = {
    "tch": "CH", "igh": "AY", "ough": "AO", "augh": "AO", "eigh": "EY", "sch": "S K",
    "ch": "CH", "sh": "SH", "th": "TH", "ph": "F", "gh": "", "ng": "NG", "ck": "K", "qu": "K W",
    "wh": "W", "wr": "R", "kn": "N", "ee": "IY", "ea": "IY", "oo": "UW", "ou": "AW", "ow": "OW",
    "ai": "EY", "ay": "EY", "oa": "OW", "oi": "OY", "oy": "OY", "au": "AO", "aw": "AO", "ie": "IY",
    "ei": "EY", "ey": "IY", "ew": "UW", "ue": "UW", "ar": "AA R", "or": "AO R", "er": "ER",
    "ir": "ER", "ur": "ER",
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH",
    "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R",
    "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S", "y": "IY", "z": "Z",
}
_LETTER_KEYS = sorted(_LETTERS, key=len, reverse=True)


def dictionary_key(token: str) -> str:
    """The spelling looked up: lower case, letters (with their vowel signs), digits, inner apostrophes."""
    s = unicodedata.normalize("NFKC", token).lower()
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    kept = (ch for ch in s if ch.isalnum() or ch in "'-" or unicodedata.category(ch).startswith("M"))
    return re.sub(r"^'+|'+$", "", "".join(kept))


def ascii_fold(word: str) -> str:
    """Latin letters without accents ("café" -> "cafe"); other scripts are dropped."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch == "'"))


def script_voice(word: str) -> Optional[str]:
    """The espeak-ng voice that reads `word`'s script, "en-us" for Latin, None when unknown."""
    for ch in word:
        if ch.isalpha() and not ch.isascii() and not ascii_fold(ch):
            name = unicodedata.name(ch, "")
            return _SCRIPT_VOICES.get(name.split(" ")[0])
    return "en-us"


def ipa_to_arpabet(ipa: str, language: str = "en") -> str:
    """Map an IPA string (espeak-ng --ipa) to ARPAbet phones; unknown symbols are skipped."""
    table = {**_IPA, **_LANGUAGE_IPA.get(language, {})}
    keys = sorted(table, key=len, reverse=True) if language in _LANGUAGE_IPA else _IPA_KEYS
    phones, i = [], 0
    ipa = re.sub(r"\([a-z-]+\)", "", ipa)  # espeak's "(hi)" switches
    # Nasal vowels ("ã", "ɛ̃") are timed as their plain vowel: the tilde goes, composed or not.
    ipa = unicodedata.normalize("NFC", unicodedata.normalize("NFD", ipa).replace("\u0303", ""))
    while i < len(ipa):
        for key in keys:
            if ipa.startswith(key, i):
                phones.append(table[key])
                i += len(key)
                break
        else:
            i += 1
    return " ".join(p for p in phones if p)


def letters_to_arpabet(word: str) -> str:
    """A rough pronunciation from spelling alone (digits are skipped)."""
    s, phones, i = ascii_fold(word).lower().replace("'", ""), [], 0
    if s.endswith("e") and len(s) > 3:
        s = s[:-1]  # silent final e
    while i < len(s):
        key = next((k for k in _LETTER_KEYS if s.startswith(k, i)), None)
        if key is None:
            i += 1
            continue
        phones.append(_LETTERS[key])
        i += len(key)
    return " ".join(p for p in phones if p)


_IPA_CACHE: dict[tuple[str, str], str] = {}
_CACHE_WORDS = 20000


def _espeak(text: str, voice: str) -> Optional[str]:
    """espeak-ng's IPA output for `text` (None when espeak-ng is missing or fails)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    try:
        proc = subprocess.run([exe, "-q", "--ipa", "-v", voice], input=text, capture_output=True,
                              text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def espeak_ipa(word: str, voice: str) -> str:
    """espeak-ng's IPA for one word ("" when espeak-ng is missing or fails)."""
    if (word, voice) not in _IPA_CACHE:
        if len(_IPA_CACHE) >= _CACHE_WORDS:
            _IPA_CACHE.clear()
        _IPA_CACHE[word, voice] = (_espeak(word, voice) or "").strip()
    return _IPA_CACHE[word, voice]


def prefetch(words: Iterable[str], voice: str) -> None:
    """Read many words in one espeak-ng run (5 ms per run saved per word).

    Each word is its own paragraph, so espeak-ng prints one line per word; when
    the count does not come out right, the words are left to be read one by one.
    """
    todo = sorted({w for w in words if w and (w, voice) not in _IPA_CACHE})
    if not todo:
        return
    out = _espeak("\n\n".join(todo), voice)
    lines = [line.strip() for line in (out or "").splitlines() if line.strip()]
    if len(lines) == len(todo):
        _IPA_CACHE.update(((w, voice), line) for w, line in zip(todo, lines))


def compound(key: str, lookup: Lookup) -> Optional[str]:
    """Pronounce "streetlamps" as street + lamps (parts of at least 3 letters)."""
    for cut in range(len(key) - 3, 2, -1):
        head, tail = lookup(key[:cut]), lookup(key[cut:])
        if head and tail:
            return f"{head} {tail}"
    return None


def pronounce(token: str, lookup: Lookup, language: str = "en") -> Optional[str]:
    """ARPAbet phones for a lyric token in `language`, or None when it cannot be pronounced.

    `lookup` answers dictionary queries (the decoder's `lookup_word`).
    """
    key = dictionary_key(token)
    if language != "en" and key:
        phones = ipa_to_arpabet(espeak_ipa(key, LANGUAGES[language].voice), language)
        if phones:
            return phones
    parts = [p for p in key.split("-") if p]
    if len(parts) > 1:
        sub = [pronounce(p, lookup) for p in parts]
        return " ".join(s for s in sub if s) or None
    known = lookup(key) if key else None
    if known:
        return known
    voice = script_voice(key)
    folded = ascii_fold(key)
    if voice == "en-us" and folded and folded != key:
        known = lookup(folded)
        if known:
            return known
    if voice == "en-us" and len(folded) >= 6:
        known = compound(folded, lookup)
        if known:
            return known
    if voice is not None:
        phones = ipa_to_arpabet(espeak_ipa(key, voice))
        if phones:
            return phones
    return letters_to_arpabet(key) or None
