"""The lyric languages reel can time offline: one record per language.

A language is supported when espeak-ng pronounces it and its sounds map onto the
English acoustic model closely enough to time words (measured with
benchmarks/align_bench.py --set lang). `AUTO` asks `reel.lyrics.detect_language`
to choose from the lyrics text. The code is ISO 639-1, as `--language` takes it.
"""
from __future__ import annotations

from dataclasses import dataclass

from reel.errors import ReelError

AUTO = "auto"


@dataclass(frozen=True)
class Language:
    """A supported lyric language: ISO 639-1 code, English name, espeak-ng voice."""

    code: str
    name: str
    voice: str


LANGUAGES = {lang.code: lang for lang in (
    Language("en", "English", "en-us"),
    Language("es", "Spanish", "es"),
    Language("de", "German", "de"),
    Language("fr", "French", "fr-fr"),
    Language("pt", "Portuguese", "pt-br"),
    Language("it", "Italian", "it"),
    Language("hi", "Hindi", "hi"),
    Language("nl", "Dutch", "nl"),
    Language("ca", "Catalan", "ca"),
    Language("ro", "Romanian", "ro"),
    Language("pl", "Polish", "pl"),
    Language("sv", "Swedish", "sv"),
    Language("id", "Indonesian", "id"),
)}
CHOICES = (AUTO, *LANGUAGES)


def supported_list() -> str:
    """"en (English), es (Spanish), ..." for messages."""
    return ", ".join(f"{lang.code} ({lang.name})" for lang in LANGUAGES.values())


def check_language(code: str) -> str:
    """`code` when it is "auto" or supported; else a ReelError listing the supported codes."""
    if code in CHOICES:
        return code
    raise ReelError(f"language {code!r} is not supported by the offline aligner; use auto or one of: "
                    f"{supported_list()}. For other languages use the ElevenLabs aligner "
                    "(ELEVENLABS_API_KEY) or supply edited word timings")
