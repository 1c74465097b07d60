#!/usr/bin/env python3
"""Render speed and memory: `reel render` against the plain-MoviePy baseline and a bare encode.

For each duration (default 30, 60, 300 s) it makes the shared deterministic workload
(../shared/bench/make_workload.py), then times in the same run:
  (a) python -m reel render            (alignment + captions + encode)
  (b) ../shared/bench/baseline_moviepy.py (per-frame MoviePy compositing; --baseline-max)
  (c) bare encode: the decoded image looped by ffmpeg's loop filter, libx264 veryfast
      stillimage + AAC, no captions
  (r) python -m reel render --words    (the timings (a) saved: captions + encode, no alignment;
      what the page's Render button runs after the preview, and the part a template costs)
and prints wall time, peak RSS of the whole process tree (the larger of a and r), the ratios
a/c, r/c and b/a, and a/c and r/c in CPU seconds (steady on a shared machine). `--repeat 3`
runs (c) and every (a) and (r) in 3 rounds and shows each one's median: a single run of
a 60 s render moves by 10-20 % from one minute to the next on a shared machine.
With several caption templates (`--styles karaoke,bounce`), (a) is timed once per
template against the same bare encode; `--zoom` also times each template with the zoom,
`--audiogram` with the waveform strip and progress bar (`--waveform --progress-bar`).

`--clip-song 240` also makes a song of that length and times, in the same run, the
alignment of the whole song (`reel align`), `reel render --clip` of a `--clip-seconds`
(30) piece of it, and the bare encode of that many seconds; the clip target is
render <= alignment + 1.2 x bare encode.

  python benchmarks/render_bench.py [--durations 30,60,300] [--baseline-max 60] [--aligner offline]
                                    [--styles karaoke,box,bounce,word,typewriter,glow] [--zoom] [--audiogram]
                                    [--clip-song 240 --clip-seconds 30] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
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


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; returns (wall seconds, peak RSS of its process tree in MB, CPU seconds).

    CPU seconds (user + system of the command and every process it waited for) barely move
    when other work shares the machine, so their ratios are the ones to trust on a busy host.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, peak / 1024, cpu


def _median(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Median wall and CPU seconds of repeated runs, and their highest peak memory."""
    return (statistics.median(w for w, _, _ in runs), max(m for _, m, _ in runs),
            statistics.median(c for _, _, c in runs))


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
    parser.add_argument("--zoom", action="store_true", help="also time each template with --zoom")
    parser.add_argument("--clip-song", type=float, default=0, help="seconds of song for the clip benchmark")
    parser.add_argument("--clip-seconds", type=float, default=30)
    parser.add_argument("--audiogram", action="store_true",
                        help="also time each template with --waveform --progress-bar")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of (c) and every (a), (r); the table shows each one's median")
    args = parser.parse_args()
    variants = [("", [])] + ([("+zoom", ["--zoom"])] if args.zoom else []) + (
        [("+audiogram", ["--waveform", "--progress-bar"])] if args.audiogram else [])
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
            b = (timed([py, str(BENCH / "baseline_moviepy.py"), "--image", str(image), "--audio", str(audio),
                        "--lyrics", str(lyrics), "--out", str(wl / "b.mp4"), "--quiet"])
                 if duration <= args.baseline_max else None)
            bare, runs = [], {}
            for _ in range(args.repeat):  # rounds of every measurement: machine drift hits them all alike
                bare.append(timed(bare_encode_cmd(image, audio, wl / "c.mp4", duration)))
                for style in args.styles.split(","):
                    for extra, flags in variants:
                        render = [py, "-m", "reel", "render", "--image", str(image), "--audio", str(audio),
                                  "--lyrics", str(lyrics), "--out", str(wl / "a.mp4"), "--style", style, *flags]
                        a = timed([*render, "--aligner", args.aligner, "--save-words", str(wl / "words.json")])
                        r = timed([*render, "--words", str(wl / "words.json")])
                        runs.setdefault(style + extra, []).append((a, r))
                        print(f"{duration:5.0f}s {style + extra:<16} reel {a[0]:6.1f}s {a[1]:5.0f}MB | "
                              f"from timings {r[0]:6.1f}s | bare {bare[-1][0]:6.1f}s", file=sys.stderr, flush=True)
            c = _median(bare)
            for name, pairs in runs.items():
                rows.append((duration, name, _median([a for a, _ in pairs]), _median([r for _, r in pairs]), b, c))
    print(f"{'audio':>6} {'style':<16} {'(a) reel':>9} {'(r) timed':>10} {'peakMB':>7} {'(b) moviepy':>12} "
          f"{'(c) bare':>9} {'a/c':>5} {'r/c':>5} {'b/a':>6} {'a per min':>10} {'cpu a/c':>8} {'cpu r/c':>8}")
    for duration, style, a, r, b, c in rows:
        print(f"{duration:5.0f}s {style:<16} {a[0]:8.1f}s {r[0]:9.1f}s {max(a[1], r[1]):7.0f} "
              f"{('-' if b is None else f'{b[0]:.1f}s'):>12} {c[0]:8.1f}s {a[0] / c[0]:5.2f} {r[0] / c[0]:5.2f} "
              f"{('-' if b is None else f'{b[0] / a[0]:.1f}x'):>6} {a[0] / duration * 60:9.1f}s "
              f"{a[2] / c[2]:8.2f} {r[2] / c[2]:8.2f}")
    if args.clip_song:
        clip_benchmark(py, args.clip_song, args.clip_seconds, args.aligner)
    return 0


def clip_benchmark(py: str, song_seconds: float, clip_seconds: float, aligner: str) -> None:
    """Time a clip of a long song against aligning the song plus 1.2 x the bare encode of the clip."""
    with tempfile.TemporaryDirectory() as tmp:
        wl = Path(tmp) / "song"
        subprocess.run([py, str(BENCH / "make_workload.py"), "--out", str(wl), "--duration", str(song_seconds),
                        "--words", str(int(150 * song_seconds / 60)), "--lines", str(int(20 * song_seconds / 60))],
                       check=True, stdout=subprocess.DEVNULL)
        image, audio, lyrics = wl / "image.jpg", wl / "audio.mp3", wl / "lyrics.txt"
        start = round(song_seconds / 3)
        align = timed([py, "-m", "reel", "align", "--audio", str(audio), "--lyrics", str(lyrics),
                       "--out", str(wl / "words.json"), "--aligner", aligner])
        bare = timed(bare_encode_cmd(image, audio, wl / "c.mp4", clip_seconds))
        clip = timed([py, "-m", "reel", "render", "--image", str(image), "--audio", str(audio), "--lyrics",
                      str(lyrics), "--out", str(wl / "a.mp4"), "--aligner", aligner,
                      "--clip", f"{start}-{start + clip_seconds:g}"])
    target = align[0] + 1.2 * bare[0]
    cpu_target = align[2] + 1.2 * bare[2]
    print(f"\n{'song':>6} {'clip':>5} {'(a) reel --clip':>16} {'align song':>11} {'bare clip':>10} "
          f"{'target a<=':>11} {'a/target':>9} {'cpu a/target':>13}")
    print(f"{song_seconds:5.0f}s {clip_seconds:4.0f}s {clip[0]:15.1f}s {align[0]:10.1f}s {bare[0]:9.1f}s "
          f"{target:10.1f}s {clip[0] / target:9.2f} {clip[2] / cpu_target:13.2f}")


if __name__ == "__main__":
    sys.exit(main())
