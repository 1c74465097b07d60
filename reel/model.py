"""Data shared by every stage: timed words, render options, results.

All of them round-trip through plain JSON dicts, so the same values travel through
the job queue, the RunPod payload and the Gradio API unchanged.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from PIL import ImageColor

from reel.errors import ReelError
from reel.clip import explicit_span, normalize_clip
from reel.languages import CHOICES as LANGUAGE_CHOICES
from reel.lyrics import MAX_WORDS
from reel.platforms import PLATFORM_NAMES, check_length, get_platform
from reel.styles import STYLE_NAMES, CaptionStyle, get_style

# progress(stage, fraction 0..1) is the only progress channel of the pipeline.
Progress = Callable[[str, float], None]


def no_progress(stage: str, fraction: float) -> None:
    """The default progress callback: report nothing."""


MAX_WORD_CHARS = 100  # one displayed word; longer "words" are pasted prose or an attack


def _shown(value) -> str:
    """A value as an error message quotes it (long values cut short)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value, what: str) -> float:
    """A finite JSON number (not a bool, not a string), else ReelError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ReelError(f"{what} must be a number (got {_shown(value)})")
    return float(value)


@dataclass
class Word:
    """One lyric word as displayed ("night,"), with its sung interval in seconds.

    `line` indexes the lyric line the word belongs to; `confidence` is 0..1 (below
    `LOW_CONFIDENCE` the UI asks the user to check the word).
    """

    text: str
    start: float
    end: float
    line: int = 0
    confidence: float = 1.0

    def to_dict(self) -> dict:
        return {"text": self.text, "start": round(self.start, 3), "end": round(self.end, 3),
                "line": self.line, "confidence": round(self.confidence, 3)}

    @classmethod
    def from_dict(cls, d, n: int = 1) -> "Word":
        """Word `n` (1-based, for messages) from untrusted JSON, every field checked strictly."""
        where = f"word timings: word {n}"
        if not isinstance(d, dict) or "text" not in d or "start" not in d or "end" not in d:
            raise ReelError(f"{where} needs text, start and end (got {_shown(d)})")
        text = d["text"]
        if not isinstance(text, str) or not text.strip():
            raise ReelError(f"{where}: text must be a non-empty string (got {_shown(text)})")
        if len(text) > MAX_WORD_CHARS:
            raise ReelError(f"{where} is {len(text)} characters long; at most {MAX_WORD_CHARS} are supported")
        start, end = _number(d["start"], f"{where}: start"), _number(d["end"], f"{where}: end")
        if start < 0:
            raise ReelError(f"{where}: '{text}' starts before 0 s ({start:g})")
        if end < start:
            raise ReelError(f"word timings: '{text}' ends before it starts ({start:g} > {end:g})")
        line = d.get("line", 0)
        if isinstance(line, bool) or not isinstance(line, (int, float)) or line != int(line) or line < 0:
            raise ReelError(f"{where}: line must be a whole number from 0 (got {_shown(line)})")
        confidence = _number(d.get("confidence", 1.0), f"{where}: confidence")
        if not 0 <= confidence <= 1:
            raise ReelError(f"{where}: confidence must be between 0 and 1 (got {confidence:g})")
        return cls(text=text.strip(), start=start, end=end, line=int(line), confidence=confidence)


def words_from_dicts(items) -> list[Word]:
    """Edited word timings from untrusted JSON (API, words file): a bounded, checked list.

    At most MAX_WORDS words (the lyrics limit); line numbers index lines of these words,
    so they stay below the word count. Times are checked against the audio by
    `reel.pipeline.fit_words`.
    """
    if not isinstance(items, list):
        raise ReelError('word timings must be a list of {"text", "start", "end", "line"} objects '
                        f"(got {type(items).__name__})")
    if not items:
        raise ReelError("the word timings are empty")
    if len(items) > MAX_WORDS:
        raise ReelError(f"there are {len(items)} timed words; at most {MAX_WORDS} are supported")
    words = [Word.from_dict(d, n) for n, d in enumerate(items, start=1)]
    for n, w in enumerate(words, start=1):
        if w.line >= len(words):
            raise ReelError(f"word timings: word {n} '{w.text}' is on line {w.line}, but "
                            f"{len(words)} words fill at most {len(words)} lines")
    return words


LOW_CONFIDENCE = 0.5

POSITIONS = ("top", "middle", "bottom")
SIZES = ("1080x1920", "1080x1080", "1920x1080")
ALIGNERS = ("auto", "offline", "elevenlabs")
ENCODERS = ("auto", "libx264", "h264_nvenc")


# ---------------------------------------------------------------- option rules

@dataclass(frozen=True)
class Rule:
    """How one ReelOptions field is checked: its JSON type and the values it may take.

    `kind` is str, int, float or bool (booleans are true/false only; numbers are JSON
    numbers, never strings). `low`..`high` bound numbers; `auto` is one more number
    outside that range meaning "pick for me" (font_size 0). `choices` lists the allowed
    strings; `check(name, value)` raises ReelError for other bad strings. `local_file`
    marks a path on the rendering machine: only trusted callers (the CLI, the worker)
    may set it, never an API caller (see `ReelOptions.from_dict`). `coerce(name, value)`
    first turns the other JSON forms an option accepts (listed as JSON types in `also`,
    e.g. clip [12, 42]) into its one canonical value.
    """

    kind: type
    help: str
    choices: tuple = ()
    low: Optional[float] = None
    high: Optional[float] = None
    auto: Optional[float] = None
    check: Optional[Callable[[str, str], None]] = None
    local_file: bool = False
    coerce: Optional[Callable[[str, Any], Any]] = None
    also: tuple = ()

    def parse(self, name: str, value: Any) -> Any:
        """The value, normalised (48.0 -> 48, "true" -> True); ReelError with one clear line if bad."""
        if self.coerce is not None:
            value = self.coerce(name, value)
        if self.kind is bool:
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            if not isinstance(value, bool):
                raise ReelError(f"{name} must be true or false (got {_shown(value)})")
            return value
        if self.kind in (int, float):
            return self._parse_number(name, value)
        if not isinstance(value, str):
            raise ReelError(f"{name} must be a string (got {_shown(value)})")
        if self.choices and value not in self.choices:
            raise ReelError(f"{name} must be one of {', '.join(self.choices)} (got {_shown(value)})")
        if self.check is not None and value:
            self.check(name, value)
        return value

    def _parse_number(self, name: str, value: Any) -> float:
        whole = self.kind is int
        wanted = f"{'a whole number' if whole else 'a number'} from {self.low:g} to {self.high:g}"
        if self.auto is not None:
            wanted += f", or {self.auto:g} for automatic"
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                or (whole and value != int(value))):
            raise ReelError(f"{name} must be {wanted} (got {_shown(value)})")
        if value != self.auto and not self.low <= value <= self.high:
            raise ReelError(f"{name} must be {wanted} (got {value:g})")
        return int(value) if whole else float(value)

    def schema(self, default: Any) -> dict:
        """This rule as JSON Schema (the API's and MCP tools' description of the option)."""
        kind = {str: "string", int: "integer", float: "number", bool: "boolean"}[self.kind]
        doc: dict = {"description": self.help, "default": default}
        if self.also:  # anyOf, not a list of types: gradio_client and MCP clients read anyOf only
            doc["anyOf"] = [{"type": kind}, *({"type": t, **({"items": {"type": "number"}} if t == "array" else {})}
                                              for t in self.also)]
        else:
            doc["type"] = kind
        if self.choices:
            doc["enum"] = list(self.choices)
        if self.low is not None:
            doc["minimum"] = min(self.low, self.auto if self.auto is not None else self.low)
            doc["maximum"] = self.high
        return doc


def option(default: Any, help: str, **rule) -> Any:
    """A ReelOptions field with its Rule: adding an option is one `name: type = option(...)` line."""
    return field(default=default, metadata={"rule": Rule(kind=type(default), help=help, **rule)})


def check_colour(name: str, value: str) -> None:
    try:
        ImageColor.getrgb(value)
    except (ValueError, AttributeError):
        raise ReelError(f"{name} {_shown(value)} is not a colour (use a name or #RRGGBB)") from None


def frame_size(value: str) -> tuple[int, int]:
    """"1080x1920" -> (1080, 1920); ReelError unless both sides are even and 16..3840."""
    try:
        w, h = (int(v) for v in str(value).lower().split("x"))
    except ValueError:
        raise ReelError(f"size must look like 1080x1920 (got {_shown(value)})") from None
    if not (16 <= w <= 3840 and 16 <= h <= 3840) or w % 2 or h % 2:
        raise ReelError(f"size {_shown(value)} is not supported: use even sides between 16 and 3840")
    return w, h


def check_size(name: str, value: str) -> None:
    frame_size(value)


def check_font_family(name: str, value: str) -> None:
    """An installed family name only: a path here would let an API caller probe server files."""
    if "/" in value or "\\" in value or "." in value:
        raise ReelError(f"{name} must be the name of an installed font family such as DejaVuSans, "
                        f"not a file (got {_shown(value)})")
    from reel import fonts
    if fonts.family_file(value) is None:
        raise ReelError(f"{name} {_shown(value)} is not installed; installed families include "
                        f"{', '.join(fonts.installed_families()[:6])}")


def check_platform(name: str, value: str) -> None:
    get_platform(value)


def check_font_file(name: str, value: str) -> None:
    from reel import fonts
    fonts.check_font_file(value)


@dataclass
class ReelOptions:
    """How a reel looks and is made. Every field has a sensible default and a Rule.

    Each field is declared with `option(default, help, **rule)`; `__post_init__` checks
    and normalises every field by its rule, so the CLI, the page, the API and the queue
    all refuse the same bad values with the same one-line message.
    """

    style: str = option("karaoke", "caption template (see reel.styles)", choices=STYLE_NAMES)
    size: str = option("1080x1920", "frame size WIDTHxHEIGHT, e.g. 1080x1920, 1080x1080, 1920x1080",
                       check=check_size)
    font: str = option("", "an installed font family, e.g. DejaVuSans (empty: chosen for the script)",
                       check=check_font_family)
    font_file: str = option("", "a TTF/OTF file on the rendering machine (CLI --font FILE)",
                            check=check_font_file, local_file=True)
    font_size: int = option(0, "caption font size in pixels (0: from the frame size)", low=8, high=400, auto=0)
    text_color: str = option("#FFFFFF", "colour of the words (#RRGGBB or a name)", check=check_colour)
    highlight_color: str = option("#FFD23F", "colour of the sung word", check=check_colour)
    outline_color: str = option("#000000", "colour of the outline around the words", check=check_colour)
    outline_width: int = option(0, "outline width in pixels (0: the style's, from the font size)",
                                low=1, high=40, auto=0)
    shadow: int = option(0, "drop-shadow offset in pixels (0: the style's own)", low=1, high=60, auto=0)
    position: str = option("bottom", "where the captions sit", choices=POSITIONS)
    aligner: str = option("auto", "who times the words", choices=ALIGNERS)
    language: str = option("auto", "the lyrics' language: auto (detected from the text) or an ISO 639-1 "
                           "code the offline aligner supports (see reel.languages)", choices=LANGUAGE_CHOICES)
    zoom: bool = option(False, "a slow zoom into the picture")
    waveform: bool = option(False, "audiogram: a waveform strip beside the captions that moves with the music")
    progress_bar: bool = option(False, "audiogram: a thin bar showing how much of the song has played")
    encoder: str = option("auto", "H.264 encoder", choices=ENCODERS)
    fps: int = option(30, "frames per second", low=1, high=60)
    clip: str = option("", 'the part of the song to show: "START-END" in seconds or m:ss ("12-42", '
                       '"1:05-1:35"), [start, end], or "chorus" (empty: the whole song)',
                       coerce=normalize_clip, also=("array",))
    platform: str = option("", "where the reel is posted: sets size, fps, bitrate, length limit and the "
                           "area kept clear of its buttons: " + ", ".join(PLATFORM_NAMES) + " (empty: none)",
                           check=check_platform)
    fade_in: float = option(0.3, "seconds of audio fade-in at the start of a clip", low=0, high=5)
    fade_out: float = option(1.0, "seconds of audio fade-out at the end of a clip", low=0, high=10)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, f.metadata["rule"].parse(f.name, getattr(self, f.name)))
        preset = get_platform(self.platform)
        if preset is not None and (self.size, self.fps) != (preset.size, preset.fps):
            raise ReelError(f"platform {preset.name} makes {preset.size} video at {preset.fps} fps "
                            f"(got size {self.size}, fps {self.fps}): leave size and fps out")
        span = explicit_span(self.clip)
        if preset is not None and span is not None:
            check_length(self.platform, span.duration)

    @property
    def caption_style(self) -> CaptionStyle:
        """The template record of `style` (see reel.styles)."""
        return get_style(self.style)

    @property
    def width(self) -> int:
        return frame_size(self.size)[0]

    @property
    def height(self) -> int:
        return frame_size(self.size)[1]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Optional[dict], *, local_files: bool = False) -> "ReelOptions":
        """Options from JSON. API callers (the default) may not set `local_file` options."""
        if d is None:
            d = {}
        if not isinstance(d, dict):
            raise ReelError('options must be a JSON object such as {"style": "pop"} '
                            f"(got {type(d).__name__} {_shown(d)})")
        rules = option_rules()
        unknown = [name for name in d if name not in rules]
        if unknown:
            raise ReelError(f"unknown option(s): {', '.join(sorted(map(str, unknown)))[:200]} "
                            f"(known: {', '.join(public_option_names())})")
        if not local_files:
            for name in d:
                if rules[name].local_file and d[name]:
                    raise ReelError(f"{name} cannot be set through the API")
        return cls(**d)


def option_rules() -> dict[str, Rule]:
    """Every option's Rule, by name, in declaration order."""
    return {f.name: f.metadata["rule"] for f in dataclasses.fields(ReelOptions)}


def public_option_names() -> list[str]:
    """The options an API caller may set."""
    return [name for name, rule in option_rules().items() if not rule.local_file]


def options_schema() -> dict:
    """JSON Schema of the API's `options` object, built from the rules (other names are refused)."""
    defaults = ReelOptions().to_dict()
    return {"type": "object",
            "properties": {name: rule.schema(defaults[name]) for name, rule in option_rules().items()
                           if not rule.local_file}}


WORDS_SCHEMA = {
    "type": "array", "maxItems": MAX_WORDS,
    "items": {"type": "object", "required": ["text", "start", "end"], "properties": {
        "text": {"type": "string", "maxLength": MAX_WORD_CHARS, "description": "the word as shown"},
        "start": {"type": "number", "minimum": 0, "description": "seconds"},
        "end": {"type": "number", "minimum": 0, "description": "seconds, not before start"},
        "line": {"type": "integer", "minimum": 0, "description": "index of its lyric line"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1}}},
}


@dataclass
class ReelResult:
    """What `make_reel` produced: file paths, the words used, and stage timings (s)."""

    video: Path
    srt: Path
    ass: Path
    vtt: Path
    lrc: Path
    words_json: Path
    duration: float
    words: list[Word] = field(default_factory=list)
    transcribed: bool = False
    timings: dict = field(default_factory=dict)
    clip: Optional[list[float]] = None  # [start, end] of the song shown (s); None: all of it
    language: Optional[str] = None  # the lyrics' language (chosen or detected); None with edited timings


def words_to_json(words: list[Word], lines: list[str], *, transcribed: bool = False,
                  language: Optional[str] = None) -> str:
    """The words file format (`reel align` output, `--words` input, evaluate.py input)."""
    doc = {"words": [w.to_dict() for w in words],
           "lines": [{"text": t} for t in lines]}
    if language:
        doc["language"] = language
    if transcribed:
        doc["note"] = "machine transcription: no lyrics were given, the text is a guess"
    return json.dumps(doc, ensure_ascii=False, indent=1)


def words_from_json(text: str) -> list[Word]:
    """Parse a words file (hand-edited timings); raises ReelError when malformed."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReelError(f"word timings file is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    items = doc.get("words") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items:
        raise ReelError("word timings file has no words (expected {\"words\": [...]})")
    return words_from_dicts(items)
