"""The page's post-ready controls: where the reel is posted, and which part of the song it shows.

The platform choices are `reel.platforms`' registry. The clip is two times typed on the
page (seconds or m:ss; both empty = the whole song), turned into the `clip` option by the
rules the CLI and the API use (`reel.clip`). "Find the chorus" runs the pipeline's chorus
finder on the table's words (timed on the whole song) and writes the span back into the
two boxes, so the user sees it and can move either edge.
"""
from __future__ import annotations

from typing import Optional

from reel.clip import Span, check_span, explicit_span, parse_time
from reel.errors import ReelError
from reel.lrc import read_lyrics
from reel.media import probe_audio
from reel.model import ReelOptions
from reel.pipeline import choose_clip, fit_words
from reel.platforms import PLATFORMS, get_platform
from webui.timings import rows_to_words

NO_PLATFORM = ""
WHOLE_SONG = "Clip: the whole song"


def platform_choices() -> list[tuple[str, str]]:
    """(label, option value) of each platform, "none" first."""
    return [("None (size as chosen)", NO_PLATFORM)] + [
        (f"{p.title} (at most {p.max_seconds:g} s)", p.name) for p in PLATFORMS.values()]


def platform_size(platform: str, chosen_size: str) -> str:
    """The frame size a render gets: the platform's own, else the one chosen on the page."""
    preset = get_platform(platform)
    return chosen_size if preset is None else preset.size


def format_time(seconds: float) -> str:
    """Seconds as the page shows them: 72.5 -> "1:12.5", 12 -> "0:12" (parse_time reads it back)."""
    minutes, rest = divmod(round(seconds, 2), 60)
    return f"{int(minutes)}:" + f"{rest:05.2f}".rstrip("0").rstrip(".")


def clip_option(start: Optional[str], end: Optional[str]) -> str:
    """The `clip` option from the page's two boxes: "" (both empty) or "START-END"; ReelError if bad."""
    start, end = (start or "").strip(), (end or "").strip()
    if not start and not end:
        return ""
    if not (start and end):
        raise ReelError("clip: give both its start and its end (or neither, for the whole song)")
    return check_span(Span(parse_time(start), parse_time(end))).as_option()


def describe_clip(clip: str) -> str:
    """The chosen span as the page shows it: "Clip: 0:12 to 0:42 (30.0 s of the song)"."""
    span = explicit_span(clip)
    if span is None:
        return WHOLE_SONG
    return f"Clip: {format_time(span.start)} to {format_time(span.end)} ({span.duration:.1f} s of the song)"


def clip_note(platform: str, start: Optional[str], end: Optional[str]) -> str:
    """The chosen span in words; ReelError when the boxes are wrong or the clip is too long for
    the platform."""
    clip = clip_option(start, end)
    ReelOptions(platform=platform or NO_PLATFORM, clip=clip)  # the platform's length check
    return describe_clip(clip)


def chorus_times(audio_path: str, lyrics_text: Optional[str], rows, platform: str) -> tuple[str, str]:
    """Start and end (page text) of the chorus sung in the table's words, within the platform's
    limit; ReelError when there is none (no [Chorus] marker and no repeated line)."""
    song_seconds = probe_audio(audio_path).duration
    words = fit_words(rows_to_words(rows), song_seconds)
    lyrics = read_lyrics(lyrics_text).lyrics if lyrics_text and lyrics_text.strip() else None
    span = choose_clip(ReelOptions(clip="chorus", platform=platform), words, lyrics, song_seconds)
    return format_time(span.start), format_time(span.end)
