"""Platform presets: one record per place a reel is posted (option `platform`).

A preset fixes what the platform asks of an upload (frame size, frame rate, a video
bitrate cap, the longest video it takes with music) and where its app draws buttons
and text over the video, so the captions stay clear of them. Every render is H.264
High profile with a closed GOP of two seconds and AAC-LC 48 kHz stereo (`reel.render`),
which is what all three ask for; a preset only adds its own numbers.

Where the numbers come from (checked December 2026; apps move their buttons, so
the margins are generous):
- Encoding: YouTube Help "Recommended upload encoding settings" (answer 1722171):
  H.264 High profile, closed GOP, AAC-LC 48 kHz stereo, 8 Mb/s for 1080p at 24-30 fps,
  12 Mb/s at 48-60 fps. Meta and TikTok publish no bitrate; they re-encode every
  upload, and third-party guides give 5-10 Mb/s, so the same cap is used.
- Lengths: Instagram Reels take up to 3 minutes (Instagram, January 2025);
  YouTube blocks a Short over 60 s that carries a Content ID claim (music) (YouTube
  Help "Shorts longer than 1 minute", October 2024); TikTok uploads up to 10 minutes.
- Safe areas (shares of the frame, measured on 1080x1920): Meta's Reels safe zone
  leaves 14 % at the top and 35 % at the bottom free (profile, caption, audio line);
  the like / comment / share column sits in the right ~13 % (140 px) from mid-height
  down on all three apps. YouTube Shorts covers the bottom ~25 % (title, channel,
  subscribe, 480 px) and the top ~12 % (search, menu); TikTok covers the bottom ~25 %
  (caption, sound) and the top ~8 % (Following / For You tabs).
"""
from __future__ import annotations

from dataclasses import dataclass

from reel.errors import ReelError


@dataclass(frozen=True)
class SafeArea:
    """Shares of the frame that on-screen app UI covers, from each edge."""

    top: float
    bottom: float
    left: float
    right: float


# What captions keep clear of when no platform is chosen: the top and bottom bars of a
# 9:16 reel (Instagram's measure before it grew the caption area), 6 % elsewhere.
DEFAULT_PORTRAIT = SafeArea(top=0.14, bottom=0.20, left=0.07, right=0.07)
DEFAULT_OTHER = SafeArea(top=0.06, bottom=0.06, left=0.07, right=0.07)


@dataclass(frozen=True)
class Platform:
    """One place to post: name (option value), what it is called, and its numbers."""

    name: str
    title: str
    size: str
    fps: int
    max_seconds: float
    video_kbps: int
    safe: SafeArea


PLATFORMS: dict[str, Platform] = {p.name: p for p in (
    Platform("reels", "Instagram Reels", "1080x1920", 30, max_seconds=180, video_kbps=8000,
             safe=SafeArea(top=0.14, bottom=0.35, left=0.06, right=0.13)),
    Platform("shorts", "YouTube Shorts", "1080x1920", 30, max_seconds=60, video_kbps=8000,
             safe=SafeArea(top=0.12, bottom=0.25, left=0.06, right=0.14)),
    Platform("tiktok", "TikTok", "1080x1920", 30, max_seconds=600, video_kbps=8000,
             safe=SafeArea(top=0.08, bottom=0.25, left=0.06, right=0.13)),
)}
PLATFORM_NAMES = tuple(PLATFORMS)


def get_platform(name: str) -> Platform | None:
    """The preset called `name`, None for "" (no platform); ReelError for an unknown name."""
    if not name:
        return None
    try:
        return PLATFORMS[name]
    except KeyError:
        raise ReelError(f"platform must be one of {', '.join(PLATFORM_NAMES)} (got {name!r})") from None


def safe_area(platform: str, width: int, height: int) -> SafeArea:
    """Where captions may go: the platform's safe area, else the default for the frame's shape."""
    preset = get_platform(platform)
    if preset is not None:
        return preset.safe
    return DEFAULT_PORTRAIT if height / width > 1.5 else DEFAULT_OTHER


def check_length(platform: str, seconds: float) -> None:
    """ReelError when a video of `seconds` is longer than the platform takes."""
    preset = get_platform(platform)
    if preset is not None and seconds > preset.max_seconds + 1e-6:
        raise ReelError(f"{preset.title} takes videos of at most {preset.max_seconds:g} s with music; "
                        f"this one would be {seconds:.1f} s: choose a shorter clip (--clip START-END)")
