#!/usr/bin/env python3
"""Queue load: N jobs submitted at once to one consumer with W worker processes.

Makes one ~8 s sung-word song with exact word times (../shared/align_corpus/make_case.py),
starts `huey_consumer workers.main.huey -w W -k process` over a fresh data folder,
submits --jobs jobs through `workers.jobs.create_job` as fast as it can, and polls
until every job is finished. Prints jobs/min, submit->done latency (p50/p95/max),
and the checks: all completed, none lost, none run twice (one task execution and one
attempt per job).

  python benchmarks/queue_bench.py [--jobs 40] [--workers 2] [--size 1080x1920] [--timings]

--timings sends the exact word timings (no alignment: measures queue + render only).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
CORPUS = Path(os.environ.get("REEL_SHARED_DIR", ROOT.parent / "shared")) / "align_corpus"
LYRICS = "Hello bright morning,\nwe sing along,\nsilver rivers shine.\n"


def make_song(folder: Path) -> dict:
    """image.jpg + audio.mp3 + lyrics + exact word timings, about 8 s long."""
    import json

    from PIL import Image

    (folder / "lyrics.txt").write_text(LYRICS, encoding="utf-8")
    subprocess.run([sys.executable, str(CORPUS / "make_case.py"), "--lyrics", str(folder / "lyrics.txt"),
                    "--out", str(folder / "case"), "--voice", "en-us", "--rate", "150", "--seed", "3",
                    "--lead-in", "0.5", "--tail", "0.5"], check=True, capture_output=True)
    Image.linear_gradient("L").resize((1600, 900)).convert("RGB").save(folder / "image.jpg", quality=90)
    truth = json.loads((folder / "case" / "truth.json").read_text())
    words = [{k: w[k] for k in ("text", "start", "end", "line")} for w in truth["words"]]
    return {"image": folder / "image.jpg", "audio": folder / "case" / "audio.mp3", "lyrics": LYRICS,
            "words": words, "duration": truth["duration"]}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", default="1080x1920")
    parser.add_argument("--timings", action="store_true", help="send exact word timings (skip alignment)")
    parser.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="queue-bench-"))
    os.environ["REEL_DATA_DIR"] = str(work / "data")
    os.environ["REEL_MAX_PENDING"] = str(max(100, args.jobs))
    from queue_helpers import Consumer
    from workers import jobs

    song = make_song(work)
    consumer = Consumer(work / "consumer.log", args.workers)
    try:
        time.sleep(2)  # let the workers start (not counted)
        submitted: dict[str, float] = {}
        start = time.monotonic()
        for _ in range(args.jobs):
            job = jobs.create_job(song["image"], song["audio"], song["lyrics"], {"size": args.size},
                                  words=song["words"] if args.timings else None)
            submitted[job["id"]] = time.monotonic()
        submit_s = time.monotonic() - start
        done: dict[str, float] = {}
        final: dict[str, dict] = {}
        while len(final) < len(submitted) and time.monotonic() - start < args.timeout:
            for job in jobs.list_jobs(limit=500):
                if job["id"] in submitted and job["id"] not in final and job["state"] in ("completed", "failed"):
                    done[job["id"]], final[job["id"]] = time.monotonic(), job
            time.sleep(0.2)
        wall = max(done.values(), default=time.monotonic()) - start
    finally:
        consumer.stop()
    executions = len(re.findall(r"Executing workers\.tasks\.render_job", consumer.log()))
    latencies = [done[i] - submitted[i] for i in done]
    completed = sum(1 for j in final.values() if j["state"] == "completed")
    print(f"{args.jobs} jobs of {song['duration']:.1f} s audio, {args.size}, {args.workers} worker processes, "
          f"{'exact timings' if args.timings else 'aligned from lyrics'}, {os.cpu_count()} CPUs")
    print(f"submit all: {submit_s:.1f} s   all done: {wall:.1f} s   throughput: {len(done) / wall * 60:.1f} jobs/min")
    if latencies:
        print(f"submit->done latency: p50 {statistics.median(latencies):.1f} s   "
              f"p95 {percentile(latencies, 0.95):.1f} s   max {max(latencies):.1f} s")
    print(f"completed {completed}, failed {len(final) - completed}, lost {args.jobs - len(final)}; "
          f"task executions {executions}, max attempts {max((j['attempts'] for j in final.values()), default=0)}")
    for job in final.values():
        if job["state"] != "completed":
            print(f"  {job['id']}: {job['error']}")


if __name__ == "__main__":
    main()
