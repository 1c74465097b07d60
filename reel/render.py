"""The encode: one ffmpeg run that lays the caption track over the still image.

Nothing is composited per frame in Python. The image is cover-fitted once; each caption
state is one RLE TGA band; an ffconcat playlist shows each band for its time span (blank
bands in gaps); ffmpeg blends each band over the image once (`caption_filters`; every
frame only with the gentle Ken Burns zoom, sub-pixel smooth) and encodes H.264 High
profile with a closed GOP (libx264, or h264_nvenc when a GPU answers) + AAC-LC 48 kHz stereo, yuv420p,
`+faststart`. Only the clip's audio is read (`-ss`/`-t` on the audio input), faded in
and out at its edges. ffmpeg's `-progress` output drives the progress callback.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Optional

from PIL import Image, ImageColor, ImageOps

from reel.errors import Cancelled, ReelError
from reel.media import ffmpeg_exe
from reel.model import Progress, ReelOptions, no_progress
from reel.platforms import get_platform

ZOOM_RANGE = 0.08  # Ken Burns: the image grows by 8 % over the reel
GOP_SECONDS = 2    # a key frame every 2 s: platforms cut and seek on them
AUDIO_RATE = 48000  # AAC-LC 48 kHz stereo: what YouTube, Meta and TikTok ask for
AUDIO_BITRATE = "192k"  # above the 128 kb/s the platforms ask as a minimum
WAVE_SHARE = 0.07   # audiogram waveform strip: this share of the frame height
PROGRESS_PERIOD = "0.1"  # s between ffmpeg progress reports: a fine bar, and cancel within 0.1 s
BAR_SHARE = 0.004   # progress bar thickness (at least 4 px)


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


def write_playlist(path: Path, segments: list[tuple[Path, int]], fps: int) -> None:
    """An ffconcat playlist showing each image for its number of video frames.

    Each image is read with the video's frame rate as its time base: the image demuxer's
    default (1/25 s) moved band changes by up to 40 ms and gave two motion frames 33 ms
    apart one timestamp.
    """
    lines = ["ffconcat version 1.0"]
    for image, frames in segments:
        lines += [f"file '{image.as_posix()}'", f"option framerate {fps}", f"duration {frames / fps:.6f}"]
    # The demuxer drops the last duration otherwise.
    lines += [f"file '{segments[-1][0].as_posix()}'", f"option framerate {fps}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _video_codec_args(encoder: str, fps: int, platform: str) -> list[str]:
    """H.264 High profile, a closed GOP of GOP_SECONDS (what YouTube asks of uploads; see
    reel.platforms), capped at the platform's bitrate when one is chosen."""
    gop = GOP_SECONDS * fps
    preset = get_platform(platform)
    cap = [] if preset is None else ["-maxrate", f"{preset.video_kbps}k", "-bufsize", f"{2 * preset.video_kbps}k"]
    if encoder == "h264_nvenc":
        return ["-c:v", "h264_nvenc", "-preset", "p4", "-tune", "hq", "-rc", "vbr", "-cq", "23", "-b:v", "0",
                "-profile:v", "high", "-g", str(gop), "-strict_gop", "1", *cap]
    # A still picture needs no motion search: ultrafast with CABAC and deblocking back on
    # takes half the CPU of veryfast here, with files of about the same size. 8x8dct makes
    # the stream High profile (x264 signals the lowest profile the tools used need).
    return ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-profile:v", "high",
            "-x264-params", f"cabac=1:deblock=0,0:8x8dct=1:keyint={gop}:min-keyint={gop}:open-gop=0",
            "-crf", "20", *cap]


def zoom_filter(width: int, height: int, fps: int, duration: float) -> str:
    """The slow zoom (Ken Burns), moving smoothly by fractions of a pixel.

    `scale` only makes whole-pixel sizes, so a zoom scaled frame by frame moves its
    edges in one-pixel jumps with still frames between. Here the picture is scaled only
    at the frames where the shorter side grows by its next 2 pixels (one per edge; the
    longer side then grows by 2 or 4), and `framerate` blends each pair of those key
    pictures into the frames between them: a blend of two pictures a pixel or two apart
    is a sub-pixel shift, so every frame moves a little and none jumps. Scaling ~45 key
    pictures instead of every frame also costs less than scaling each frame.
    """
    def size(side: int, at: str) -> str:
        return f"2*trunc({side}*(1+{ZOOM_RANGE}*({at})/{duration:.3f})/2)"
    short_side = min(width, height)
    keys = f"select='eq(n,0)+gt({size(short_side, 't')},{size(short_side, f't-1/{fps}')})'"
    return (f"{keys},scale=w='{size(width, 't')}':h='{size(height, 't')}':eval=frame,crop={width}:{height},"
            f"framerate=fps={fps}:interp_start=0:interp_end=255:scene=100")


def audio_filter(duration: float, fade_in: float, fade_out: float) -> str:
    """48 kHz stereo (AAC-LC as platforms ask), with the clip's fades."""
    steps = []
    if fade_in > 0:
        steps.append(f"afade=t=in:st=0:d={fade_in:.3f}")
    if fade_out > 0:
        steps.append(f"afade=t=out:st={max(0.0, duration - fade_out):.3f}:d={min(fade_out, duration):.3f}")
    return ",".join(steps + [f"aresample={AUDIO_RATE}", "aformat=channel_layouts=stereo"])


def _hex(colour: str) -> str:
    r, g, b = ImageColor.getrgb(colour)[:3]
    return f"0x{r:02X}{g:02X}{b:02X}"


def audiogram_filters(options: ReelOptions, band_top: int, band_height: int, duration: float) -> str:
    """Filters from [cap] (the captioned frames) and [wave_in] (the audio) to [v]: the extras.

    The waveform (ffmpeg's showwaves, drawn from the encoded audio, so it moves with the
    music) sits in a strip beside the caption band, on the side away from the frame's
    edge; the progress bar (a bar in the highlight colour sliding in over a dim track)
    beyond it. Both are drawn by ffmpeg while encoding: no per-frame Python.
    """
    width, height, fps = options.width, options.height, options.fps
    wave_h = _even(height * WAVE_SHARE)
    bar_h = max(4, _even(height * BAR_SHARE))
    gap = _even(height * 0.01)
    if options.position == "top":
        wave_y = band_top + band_height + gap
        bar_y = wave_y + (wave_h + gap if options.waveform else 0)
    else:
        wave_y = band_top - gap - wave_h
        bar_y = (wave_y if options.waveform else band_top) - gap - bar_h
    graph, last = "", "cap"
    if options.waveform:
        graph += (f"[wave_in]showwaves=s={width}x{wave_h}:mode=cline:rate={fps}:"
                  f"scale=cbrt:draw=full:colors={_hex(options.text_color)},format=rgba[wave];"
                  f"[{last}][wave]overlay=x=0:y={wave_y}:format=yuv420[waved];")
        last = "waved"
    if options.progress_bar:
        graph += (f"color=c={_hex(options.highlight_color)}:s={width}x{bar_h}:r={fps}[bar];"
                  f"[{last}]drawbox=x=0:y={bar_y}:w=iw:h={bar_h}:color=white@0.3:t=fill[track];"
                  f"[track][bar]overlay=x='-w+w*t/{duration:.3f}':y={bar_y}:shortest=1:format=yuv420[barred];")
        last = "barred"
    return graph + f"[{last}]format=yuv420p[v]"


def caption_filters(options: ReelOptions, band_top: int, band_height: int, duration: float) -> str:
    """Filters from the image [0:v] and the caption bands [1:v] to the captioned frames.

    Without zoom the background never changes, so each band is blended over its strip
    of the background once, when it starts (at the band stream's own timestamps), and
    stacked between the image's parts above and below it; `fps` then repeats that
    picture for every frame it is shown, without copying it. The band is no longer
    alpha-blended onto all 1800 frames of a minute (karaoke, 60 s workload: ffmpeg
    25.2 -> 22.5 CPU s, the same decoded pictures). With zoom the background moves
    every frame: the band is laid over each frame.
    """
    fps, width, height = options.fps, options.width, options.height
    if options.zoom:
        frames = f"loop=loop=-1:size=1:start=0,setpts=N/({fps}*TB),{zoom_filter(width, height, fps, duration)}"
        return (f"[0:v]format=yuv420p,{frames}[bg];"
                f"[bg][1:v]overlay=x=0:y={band_top}:eof_action=repeat:format=yuv420")
    below = band_top + band_height
    return (f"[0:v]format=yuv420p,split=3[above][behind][below];"
            f"[above]crop={width}:{band_top}:0:0[top];[below]crop={width}:{height - below}:0:{below}[bottom];"
            f"[behind]crop={width}:{band_height}:0:{band_top}[strip];[1:v]split[bands][when];"
            f"[when][strip]overlay=eof_action=repeat:format=yuv420[under];"
            f"[under][bands]overlay=format=yuv420[band];"
            f"[top][band][bottom]vstack=inputs=3,fps={fps}")


def ffmpeg_command(background_png: Path, playlist: Path, audio: Path, out: Path, *, options: ReelOptions,
                   band_top: int, duration: float, encoder: str, audio_start: float = 0.0,
                   fade_in: float = 0.0, fade_out: float = 0.0, band_height: int = 0) -> list[str]:
    """The whole encode as one ffmpeg command line; the audio is read from `audio_start` only."""
    fps = options.fps
    sound = f"[2:a:0]{audio_filter(duration, fade_in, fade_out)}"
    graph = caption_filters(options, band_top, band_height, duration)
    if options.waveform or options.progress_bar:
        graph += f"[cap];{audiogram_filters(options, band_top, band_height, duration)};"
        graph += f"{sound},asplit=2[a][wave_in]" if options.waveform else f"{sound}[a]"
    else:
        graph += f",format=yuv420p[v];{sound}[a]"
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error",
            "-progress", "pipe:1", "-stats_period", PROGRESS_PERIOD, "-nostats",
            "-i", str(background_png),
            "-f", "concat", "-safe", "0", "-i", str(playlist),
            "-ss", f"{audio_start:.3f}", "-t", f"{duration:.3f}", "-i", str(audio),
            "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
            *_video_codec_args(encoder, fps, options.platform), "-r", str(fps), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-profile:a", "aac_low", "-b:a", AUDIO_BITRATE, "-ar", str(AUDIO_RATE), "-ac", "2",
            "-t", f"{duration:.3f}", "-movflags", "+faststart", "-f", "mp4", str(out)]


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
           band_top: int, duration: float, audio_start: float = 0.0, fade_in: float = 0.0,
           fade_out: float = 0.0, band_height: int = 0, progress: Progress = no_progress,
           cancel: Optional[threading.Event] = None) -> str:
    """Encode to `out` atomically (no partial file is ever left there); returns the encoder used."""
    encoder = pick_encoder(options.encoder)
    partial = out.with_name(f".{out.name}.part")
    cmd = ffmpeg_command(background_png, playlist, audio, partial, options=options, band_top=band_top,
                         duration=duration, encoder=encoder, audio_start=audio_start, fade_in=fade_in,
                         fade_out=fade_out, band_height=band_height)
    try:
        run_ffmpeg(cmd, duration, progress, cancel)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return encoder
