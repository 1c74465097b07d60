"""Data shared by every stage: timed words, render options, results.

All of them round-trip through plain JSON dicts, so the same values travel through
the job queue, the RunPod payload and the Gradio API unchanged.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from PIL import ImageColor

from reel.errors import ReelError
from reel.styles import CaptionStyle, get_style

# progress(stage, fraction 0..1) is the only progress channel of the pipeline.
Progress = Callable[[str, float], None]


def no_progress(stage: str, fraction: float) -> None:
    """The default progress callback: report nothing."""


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
    def from_dict(cls, d: dict) -> "Word":
        try:
            start, end = float(d["start"]), float(d["end"])
            text = str(d["text"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ReelError(f"word timings: each word needs text, start and end ({d!r})") from exc
        if end < start:
            raise ReelError(f"word timings: '{text}' ends before it starts ({start} > {end})")
        return cls(text=text, start=start, end=end, line=int(d.get("line", 0)),
                   confidence=float(d.get("confidence", 1.0)))


LOW_CONFIDENCE = 0.5

POSITIONS = ("top", "middle", "bottom")
SIZES = ("1080x1920", "1080x1080", "1920x1080")
ALIGNERS = ("auto", "offline", "elevenlabs")
ENCODERS = ("auto", "libx264", "h264_nvenc")


@dataclass
class ReelOptions:
    """How a reel looks and is made. Every field has a sensible default.

    `font_size` and `outline_width` of 0 mean "pick from the frame size and style".
    `font` is a font file path or a family name looked up by `reel.fonts`.
    """

    style: str = "karaoke"
    size: str = "1080x1920"
    font: str = ""
    font_size: int = 0
    text_color: str = "#FFFFFF"
    highlight_color: str = "#FFD23F"
    outline_color: str = "#000000"
    outline_width: int = 0
    position: str = "bottom"
    aligner: str = "auto"
    zoom: bool = False
    encoder: str = "auto"
    fps: int = 30

    def __post_init__(self) -> None:
        get_style(self.style)
        for name, allowed in (("position", POSITIONS),
                              ("aligner", ALIGNERS), ("encoder", ENCODERS)):
            if getattr(self, name) not in allowed:
                raise ReelError(f"{name} must be one of {', '.join(allowed)} (got {getattr(self, name)!r})")
        self.width, self.height  # validates size
        for name in ("text_color", "highlight_color", "outline_color"):
            try:
                ImageColor.getrgb(getattr(self, name))
            except (ValueError, AttributeError):
                raise ReelError(f"{name} {getattr(self, name)!r} is not a colour (use a name or #RRGGBB)") from None
        if not 8 <= int(self.font_size or 48) <= 400:
            raise ReelError("font_size must be between 8 and 400 pixels")
        if not 1 <= int(self.fps) <= 60:
            raise ReelError("fps must be between 1 and 60")

    @property
    def caption_style(self) -> CaptionStyle:
        """The template record of `style` (see reel.styles)."""
        return get_style(self.style)

    @property
    def width(self) -> int:
        return self._dimensions()[0]

    @property
    def height(self) -> int:
        return self._dimensions()[1]

    def _dimensions(self) -> tuple[int, int]:
        try:
            w, h = (int(v) for v in str(self.size).lower().split("x"))
        except ValueError:
            raise ReelError(f"size must look like 1080x1920 (got {self.size!r})") from None
        if not (16 <= w <= 3840 and 16 <= h <= 3840) or w % 2 or h % 2:
            raise ReelError(f"size {self.size} is not supported: use even sides between 16 and 3840")
        return w, h

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Optional[dict]) -> "ReelOptions":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d or {}) - known
        if unknown:
            raise ReelError(f"unknown option(s): {', '.join(sorted(unknown))}")
        return cls(**(d or {}))


@dataclass
class ReelResult:
    """What `make_reel` produced: file paths, the words used, and stage timings (s)."""

    video: Path
    srt: Path
    ass: Path
    vtt: Path
    words_json: Path
    duration: float
    words: list[Word] = field(default_factory=list)
    transcribed: bool = False
    timings: dict = field(default_factory=dict)


def words_to_json(words: list[Word], lines: list[str], *, transcribed: bool = False) -> str:
    """The words file format (`reel align` output, `--words` input, evaluate.py input)."""
    doc = {"words": [w.to_dict() for w in words],
           "lines": [{"text": t} for t in lines]}
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
    return [Word.from_dict(d) for d in items]
