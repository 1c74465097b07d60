"""The encode: one ffmpeg run that lays the caption track over the still image.

Nothing is composited per frame in Python. The image is cover-fitted once; each caption
state is one PNG band; an ffconcat playlist shows each band for its time span (blank
bands in gaps); ffmpeg loops the decoded image, overlays the caption track, optionally
zooms gently (Ken Burns), and encodes H.264 (libx264, or h264_nvenc when a GPU answers)
+ AAC, yuv420p, `+faststart`. ffmpeg's `-progress` output drives the progress callback.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Optional

from PIL import Image, ImageOps

from reel.errors import Cancelled, ReelError
from reel.media import ffmpeg_exe
from reel.model import Progress, ReelOptions, no_progress

ZOOM_RANGE = 0.08  # Ken Burns: the image grows by 8 % over the reel


def cover_fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale and centre-crop the image so it fills width x height exactly."""
    return ImageOps.fit(image, (width, height), method=Image.Resampling.LANCZOS)


def background(image: Image.Image, options: ReelOptions) -> Image.Image:
    """The frame background; larger by the zoom range when zoom is on (cropped per frame)."""
    scale = 1 + ZOOM_RANGE if options.zoom else 1
    return cover_fit(image, _even(options.width * scale), _even(options.height * scale))


def _even(value: float) -> int:
    return int(round(value / 2)) * 2


@lru_cache(maxsize=1)
def nvenc_works() -> bool:
    """True when ffmpeg has h264_nvenc and a GPU accepts a tiny trial encode."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
           "color=c=black:s=256x256:d=0.2", "-c:v", "h264_nvenc", "-f", "null", "-"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pick_encoder(requested: str) -> str:
    """Resolve "auto" to h264_nvenc when it works here, else libx264."""
    if requested == "auto":
        return "h264_nvenc" if nvenc_works() else "libx264"
    if requested == "h264_nvenc" and not nvenc_works():
        raise ReelError("h264_nvenc was requested but no NVIDIA GPU encoder is available here")
    return requested


def write_playlist(path: Path, segments: list[tuple[Path, float]]) -> None:
    """An ffconcat playlist showing each image for its duration (seconds)."""
    lines = ["ffconcat version 1.0"]
    for image, duration in segments:
        lines += [f"file '{image.as_posix()}'", f"duration {duration:.6f}"]
    lines.append(f"file '{segments[-1][0].as_posix()}'")  # the demuxer drops the last duration otherwise
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _video_codec_args(encoder: str) -> list[str]:
    if encoder == "h264_nvenc":
        return ["-c:v", "h264_nvenc", "-preset", "p4", "-tune", "hq", "-rc", "vbr", "-cq", "23", "-b:v", "0"]
    # A still picture needs no motion search: ultrafast with CABAC and deblocking back on
    # takes half the CPU of veryfast here, with files of about the same size.
    return ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage",
            "-x264-params", "cabac=1:deblock=0,0", "-crf", "20"]


def ffmpeg_command(background_png: Path, playlist: Path, audio: Path, out: Path, *, options: ReelOptions,
                   band_top: int, duration: float, encoder: str) -> list[str]:
    """The whole encode as one ffmpeg command line."""
    fps, width, height = options.fps, options.width, options.height
    frames = f"loop=loop=-1:size=1:start=0,setpts=N/({fps}*TB)"
    if options.zoom:
        zoom = f"(1+{ZOOM_RANGE}*t/{duration:.3f})"
        frames += (f",scale=w='2*trunc({width}*{zoom}/2)':h='2*trunc({height}*{zoom}/2)':eval=frame,"
                   f"crop={width}:{height}")
    graph = (f"[0:v]format=yuv420p,{frames}[bg];"
             f"[bg][1:v]overlay=x=0:y={band_top}:eof_action=repeat:format=yuv420,format=yuv420p[v]")
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats",
            "-i", str(background_png),
            "-f", "concat", "-safe", "0", "-i", str(playlist),
            "-i", str(audio),
            "-filter_complex", graph, "-map", "[v]", "-map", "2:a:0",
            *_video_codec_args(encoder), "-r", str(fps), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "192k", "-t", f"{duration:.3f}",
            "-movflags", "+faststart", "-f", "mp4", str(out)]


def run_ffmpeg(cmd: list[str], duration: float, progress: Progress = no_progress,
               cancel: Optional[threading.Event] = None) -> None:
    """Run ffmpeg, reporting the encoded share of `duration`; kill it on cancel."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            for line in proc.stdout:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("cancelled")
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    progress("encoding", min(1.0, max(0.0, int(value) / 1e6 / duration)))
            if proc.wait() != 0:
                errors.seek(0)
                detail = errors.read().decode(errors="replace").strip().splitlines()[-3:]
                raise ReelError("video encoding failed: " + " | ".join(detail))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def encode(background_png: Path, playlist: Path, audio: Path, out: Path, *, options: ReelOptions,
           band_top: int, duration: float, progress: Progress = no_progress,
           cancel: Optional[threading.Event] = None) -> str:
    """Encode to `out` atomically (no partial file is ever left there); returns the encoder used."""
    encoder = pick_encoder(options.encoder)
    partial = out.with_name(f".{out.name}.part")
    cmd = ffmpeg_command(background_png, playlist, audio, partial, options=options, band_top=band_top,
                         duration=duration, encoder=encoder)
    try:
        run_ffmpeg(cmd, duration, progress, cancel)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return encoder
