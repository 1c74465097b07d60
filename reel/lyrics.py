"""Lyrics text -> lines -> words.

Lines and stanzas are kept as pasted. Section markers ("[Chorus]", "Verse 2:",
"(Bridge)") and empty lines are structure, not words. A word is a
whitespace-separated token with at least one letter or digit; its display text keeps
punctuation ("night,"), its match text (`normalize_word`) is what aligners compare.
Emoji are not words to align: a token of emoji only is shown with the word before it
("fire 🔥"; the first word of its line when it starts the line).

The lyrics' language is detected from their text (`detect_language`, py3langid's
naive Bayes model over 97 languages, merged into the languages reel supports),
and each line's own language too (`line_languages`: an English chorus in a
Spanish song).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field

from reel.errors import ReelError
from reel.languages import LANGUAGES

MAX_WORDS = 5000

_SECTION_NAMES = (r"verse|chorus|pre-?chorus|post-?chorus|bridge|intro|outro|hook|refrain|"
                  r"interlude|instrumental|solo|break|breakdown|drop|coda|tag|spoken|ad-?libs?")
_SECTION_MARKER = re.compile(
    rf"^\s*(\[[^\]]*\]|\{{[^}}]*\}}|[(]?\s*(?:{_SECTION_NAMES})\b[\s\d:.x×#*-]*[)]?:?)\s*$",
    re.IGNORECASE)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


def is_emoji(ch: str) -> bool:
    """True for pictographs (symbols from U+2190 on: arrows, dingbats, emoji)."""
    return unicodedata.category(ch) == "So" and ord(ch) >= 0x2190


def normalize_word(token: str) -> str:
    """Lower-case letters and digits only: "Don't," -> "dont" (what matching compares)."""
    s = unicodedata.normalize("NFKC", token).translate(_APOSTROPHES).lower()
    return "".join(ch for ch in s if ch.isalnum() or unicodedata.category(ch).startswith("M"))


def speakable(token: str) -> str:
    """The token without edge punctuation, inner apostrophes and hyphens kept ("don't")."""
    s = unicodedata.normalize("NFKC", token).translate(_APOSTROPHES)
    return _EDGE_PUNCT.sub("", s).replace("_", "")


def is_section_marker(line: str) -> bool:
    """True for lines such as "[Chorus]", "Verse 2:", "(Bridge)"."""
    return bool(_SECTION_MARKER.match(line))


@dataclass
class LyricLine:
    """One sung line: its text as pasted and its word tokens (display spelling).

    `section` names the marker above the line ("chorus" under "[Chorus 2]", "" before
    any marker); `section_index` counts the markers, so two choruses stay apart.
    """

    text: str
    words: list[str]
    stanza: int = 0
    section: str = ""
    section_index: int = -1


@dataclass
class Lyrics:
    """Parsed lyrics: the sung lines in order, grouped in stanzas."""

    lines: list[LyricLine] = field(default_factory=list)

    @property
    def words(self) -> list[tuple[str, int]]:
        """Every word as (display text, line index), in singing order."""
        return [(w, i) for i, line in enumerate(self.lines) for w in line.words]

    @property
    def line_texts(self) -> list[str]:
        return [line.text for line in self.lines]

    def __len__(self) -> int:
        return sum(len(line.words) for line in self.lines)


def _line_words(line: str) -> list[str]:
    """The words of one line; emoji-only tokens join a neighbouring word, other symbols are dropped."""
    words: list[str] = []
    leading: list[str] = []
    for token in line.split():
        if any(ch.isalnum() for ch in token):
            words.append(" ".join(leading + [token]))
            leading = []
        elif any(is_emoji(ch) for ch in token):
            if words:
                words[-1] += " " + token
            else:
                leading.append(token)
    return words


def sung_line(raw: str) -> list[str]:
    """The words of one pasted line ([] for an empty line, a section marker or symbols only)."""
    line = " ".join(raw.split())
    if not line or is_section_marker(line):
        return []
    return _line_words(line)


def check_word_count(lyrics: Lyrics) -> Lyrics:
    """The lyrics, or ReelError when they have no words or too many."""
    if len(lyrics) == 0:
        raise ReelError("the lyrics have no words to sing (only section markers, symbols or emoji)")
    if len(lyrics) > MAX_WORDS:
        raise ReelError(f"the lyrics have {len(lyrics)} words; at most {MAX_WORDS} are supported")
    return lyrics


def parse_lyrics(text: str | None) -> Lyrics:
    """Split pasted lyrics into sung lines and words.

    Raises ReelError when no words are left or there are too many.
    """
    if text is None or not text.strip():
        raise ReelError("the lyrics are empty: paste the words that are sung")
    lines: list[LyricLine] = []
    stanza, gap = 0, False
    section, section_index = "", -1
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if line and is_section_marker(line):
            name = re.search(r"[^\W\d_][\w-]*", line)
            section, section_index = (name.group(0).lower() if name else ""), section_index + 1
        if not line or is_section_marker(line):
            gap = True
            continue
        words = _line_words(line)
        if not words:
            continue
        if gap and lines:
            stanza += 1
        gap = False
        lines.append(LyricLine(text=line, words=words, stanza=stanza, section=section,
                               section_index=section_index))
    return check_word_count(Lyrics(lines))


# Dialects and close relatives the detector confuses with a supported language on
# short texts (Portuguese lines come out Galician, Spanish ones Aragonese...): their
# probability counts for the supported one.
_RELATIVES = {"gl": "pt", "an": "es", "ext": "es", "ast": "es", "oc": "ca", "vec": "it", "lij": "it",
              "la": "it", "lb": "de", "pcm": "en", "af": "nl", "mr": "hi", "ne": "hi", "sa": "hi"}
# A line takes another language than the song's only with this many words, this
# likely, and the song's language this unlikely (measured: no line of our 38
# English songs switches; both English lines of a Spanish song do, at 0.88 and 0.99).
LINE_SWITCH_WORDS, LINE_SWITCH_P, LINE_STAY_P = 3, 0.7, 0.1


_IDENTIFIER_LOCK = threading.Lock()
_IDENTIFIER = None


def _identifier():
    """py3langid's model with normalised probabilities (loaded once, by whichever thread asks
    first: see preload_language_model)."""
    global _IDENTIFIER
    with _IDENTIFIER_LOCK:
        if _IDENTIFIER is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


def preload_language_model() -> None:
    """Start loading the language detector in a background thread, for a caller about to
    wait on something else (ffmpeg decoding the audio): most of the load (decompressing
    the model) runs outside the GIL: a cold `reel align` of a minute of audio saves about 0.2 s."""
    if _IDENTIFIER is None:  # a long-lived worker loads it once
        threading.Thread(target=_identifier, daemon=True).start()


def language_probabilities(text: str) -> dict[str, float]:
    """Probability of each language (ISO 639-1 where one exists) for `text`."""
    merged: dict[str, float] = {}
    for code, p in _identifier().rank(text):
        code = _RELATIVES.get(code, code)
        merged[code] = merged.get(code, 0.0) + float(p)
    return merged


def detect_language(text: str) -> str:
    """The most likely language of `text`: a supported code when one is plausible.

    An unsupported code (e.g. "ja") comes back only when no supported language has
    even a 5 % chance, so the caller can say it cannot time that language.
    """
    probs = language_probabilities(text)
    best = max(probs, key=probs.get)
    if best in LANGUAGES:
        return best
    supported = max(LANGUAGES, key=lambda code: probs.get(code, 0.0))
    return supported if probs.get(supported, 0.0) >= 0.05 else best


def line_languages(lyrics: Lyrics, language: str) -> list[str]:
    """Each line's language: `language`, unless the line is surely in another supported one."""
    out = []
    for line in lyrics.lines:
        probs = language_probabilities(line.text) if len(line.words) >= LINE_SWITCH_WORDS else {}
        best = max(probs, key=probs.get) if probs else language
        switch = best in LANGUAGES and probs[best] >= LINE_SWITCH_P and probs.get(language, 0.0) < LINE_STAY_P
        out.append(best if switch else language)
    return out
