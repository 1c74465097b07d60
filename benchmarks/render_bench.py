#!/usr/bin/env python3
"""Render speed and memory: `reel render` against the plain-MoviePy baseline and a bare encode.

For each duration (default 30, 60, 300 s) it makes the shared deterministic workload
(../shared/bench/make_workload.py), then times in the same run:
  (a) python -m reel render            (alignment + captions + encode)
  (b) ../shared/bench/baseline_moviepy.py (per-frame MoviePy compositing; --baseline-max)
  (c) bare encode: the decoded image looped by ffmpeg's loop filter, libx264 veryfast
      stillimage + AAC, no captions
and prints wall time, peak RSS of the whole process tree, and the ratios a/c and b/a.
With several caption templates (`--styles karaoke,bounce`), (a) is timed once per
template against the same bare encode.

  python benchmarks/render_bench.py [--durations 30,60,300] [--baseline-max 60] [--aligner offline]
                                    [--styles karaoke,box,bounce,word,typewriter,glow]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(os.environ.get("REEL_SHARED_DIR", ROOT.parent / "shared")) / "bench"


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (kB), from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run a command; returns (wall seconds, peak RSS of its process tree in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.05):
            peak = max(peak, _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return time.perf_counter() - start, peak / 1024


def bare_encode_cmd(image: Path, audio: Path, out: Path, duration: float) -> list[str]:
    return [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-i", str(image), "-i", str(audio),
            "-filter_complex", "[0:v]scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,"
            "loop=loop=-1:size=1:start=0,setpts=N/(30*TB),format=yuv420p[v]",
            "-map", "[v]", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
            "-r", "30", "-c:a", "aac", "-b:a", "192k", "-t", f"{duration}", "-movflags", "+faststart",
            str(out)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--durations", default="30,60,300")
    parser.add_argument("--baseline-max", type=float, default=60,
                        help="run the slow MoviePy baseline only up to this duration")
    parser.add_argument("--aligner", default="offline")
    parser.add_argument("--styles", default="karaoke", help="comma-separated caption templates")
    args = parser.parse_args()
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for duration in (float(d) for d in args.durations.split(",")):
            wl = Path(tmp) / f"w{int(duration)}"
            words = int(150 * duration / 60)
            subprocess.run([py, str(BENCH / "make_workload.py"), "--out", str(wl), "--duration", str(duration),
                            "--words", str(words), "--lines", str(max(2, int(20 * duration / 60)))],
                           check=True, stdout=subprocess.DEVNULL)
            image, audio, lyrics = wl / "image.jpg", wl / "audio.mp3", wl / "lyrics.txt"
            c = timed(bare_encode_cmd(image, audio, wl / "c.mp4", duration))
            b = (timed([py, str(BENCH / "baseline_moviepy.py"), "--image", str(image), "--audio", str(audio),
                        "--lyrics", str(lyrics), "--out", str(wl / "b.mp4"), "--quiet"])
                 if duration <= args.baseline_max else None)
            for style in args.styles.split(","):
                a = timed([py, "-m", "reel", "render", "--image", str(image), "--audio", str(audio), "--lyrics",
                           str(lyrics), "--out", str(wl / "a.mp4"), "--aligner", args.aligner, "--style", style])
                rows.append((duration, style, a, b, c))
                print(f"{duration:5.0f}s {style:<10} reel {a[0]:6.1f}s {a[1]:5.0f}MB | bare {c[0]:6.1f}s | "
                      f"moviepy {'-' if b is None else f'{b[0]:.1f}s'}", file=sys.stderr, flush=True)
    print(f"{'audio':>6} {'style':<10} {'(a) reel':>9} {'peakMB':>7} {'(b) moviepy':>12} {'(c) bare':>9} "
          f"{'a/c':>5} {'b/a':>6} {'a per min':>10}")
    for duration, style, a, b, c in rows:
        print(f"{duration:5.0f}s {style:<10} {a[0]:8.1f}s {a[1]:7.0f} {('-' if b is None else f'{b[0]:.1f}s'):>12} "
              f"{c[0]:8.1f}s {a[0] / c[0]:5.2f} {('-' if b is None else f'{b[0] / a[0]:.1f}x'):>6} "
              f"{a[0] / duration * 60:9.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
