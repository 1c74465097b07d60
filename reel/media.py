"""Media in: check, probe and decode the user's image and audio.

Content decides, not the file name: images are opened with Pillow, audio with the
ffmpeg binary shipped by imageio-ffmpeg. Every problem becomes a ReelError that
names the file and what is wrong with it.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from reel.errors import ReelError

MAX_FILE_BYTES = 100 * 1024 * 1024
# Pixels of an accepted image, read from its header before decoding: 40 MP (8000x5000,
# above any phone camera's default) decodes to 120 MB of RGB; a 12000x12000 PNG of 18 KB
# would have taken 1.1 GB.
MAX_IMAGE_PIXELS = 40_000_000
ALIGN_SAMPLE_RATE = 16000
IMAGE_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# ffmpeg demuxer names of the audio containers we accept.
AUDIO_FORMATS = {"mp3": "MP3", "wav": "WAV", "flac": "FLAC", "ogg": "OGG",
                 "mov,mp4,m4a,3gp,3g2,mj2": "M4A", "aac": "AAC"}
_SILENCE_PEAK = 10 ** (-60 / 20)  # -60 dBFS


def max_audio_seconds() -> float:
    """Longest accepted audio, seconds (REEL_MAX_AUDIO_SECONDS, default 15 min)."""
    return float(os.environ.get("REEL_MAX_AUDIO_SECONDS", 15 * 60))


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (imageio-ffmpeg's, or $IMAGEIO_FFMPEG_EXE)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass
class AudioInfo:
    """What probing an audio file tells before decoding it."""

    path: Path
    format: str
    duration: float


def check_file(path: str | os.PathLike, kind: str) -> Path:
    """The file exists, is not empty and is within the size limit."""
    p = Path(path)
    if not p.is_file():
        raise ReelError(f"{kind} file not found: {p.name}")
    size = p.stat().st_size
    if size == 0:
        raise ReelError(f"the {kind} file {p.name} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise ReelError(f"the {kind} file {p.name} is {size / 2**20:.1f} MB; the limit is "
                        f"{MAX_FILE_BYTES // 2**20} MB")
    return p


def load_image(path: str | os.PathLike) -> Image.Image:
    """Open a JPEG/PNG/WebP image as RGB, rotated as its EXIF orientation says."""
    p = check_file(path, "image")
    try:
        with Image.open(p) as img:
            if img.format not in IMAGE_FORMATS:
                raise ReelError(f"the image {p.name} is {img.format}; use JPEG, PNG or WebP")
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ReelError(f"the image {p.name} is {width}x{height} ({width * height / 1e6:.0f} megapixels); "
                                f"the limit is {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels")
            img.load()
            upright = ImageOps.exif_transpose(img)
            return upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ReelError(f"{p.name} is not a readable image (JPEG, PNG or WebP)") from exc


def probe_audio(path: str | os.PathLike) -> AudioInfo:
    """Container format and duration of an audio file, checked against the limits."""
    p = check_file(path, "audio")
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(p)],
                          capture_output=True, text=True, errors="replace")
    err = proc.stderr
    fmt = re.search(r"^Input #0, ([^ ]+), from", err, re.MULTILINE)
    guessed = "misdetection possible" in err  # ffmpeg's own word that it took a guess (random bytes as MP3)
    if not fmt or guessed or not re.search(r"Stream #\S+.*: Audio:", err):
        raise ReelError(f"{p.name} is not an audio file reel can read (use MP3, WAV, FLAC, M4A or OGG)")
    container = fmt.group(1).rstrip(",")
    if container not in AUDIO_FORMATS:
        raise ReelError(f"{p.name} is a {container} file; use MP3, WAV, FLAC, M4A or OGG audio")
    dur = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", err)
    duration = (int(dur.group(1)) * 3600 + int(dur.group(2)) * 60 + float(dur.group(3))) if dur else 0.0
    if duration > max_audio_seconds():
        raise ReelError(f"the audio is {duration / 60:.1f} min long; the limit is "
                        f"{max_audio_seconds() / 60:.0f} min")
    return AudioInfo(path=p, format=AUDIO_FORMATS[container], duration=duration)


def decode_audio(path: str | os.PathLike, sample_rate: int = ALIGN_SAMPLE_RATE) -> np.ndarray:
    """Decode to mono float32 PCM at `sample_rate`; refuses silent or unreadable audio."""
    info = probe_audio(path)
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(info.path),
           "-map", "0:a:0", "-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:  # ffmpeg's own words ("Invalid data found...") mean nothing to a user
        raise ReelError(f"could not decode the audio {info.path.name}: the file is damaged or not "
                        "MP3, WAV, FLAC, M4A or OGG audio")
    pcm = np.frombuffer(proc.stdout, dtype="<i2").astype(np.float32) / 32768.0
    if pcm.size < sample_rate // 2:
        raise ReelError(f"the audio {info.path.name} is shorter than half a second")
    if pcm.size > (max_audio_seconds() + 1) * sample_rate:
        raise ReelError(f"the audio is longer than the limit of {max_audio_seconds() / 60:.0f} min")
    if float(np.max(np.abs(pcm))) < _SILENCE_PEAK:
        raise ReelError(f"the audio {info.path.name} is silent")
    return pcm
