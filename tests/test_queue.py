"""Jobs rendered by real consumers: `huey_consumer workers.main.huey -k process` subprocesses
over a real SQLite queue (and once over a real redis-server), real ffmpeg.

Covers: completion with progress, delete while rendering, the time limit, kill -9 of a
worker mid-render, stopping and restarting the consumer, the embedded worker, Redis.
Inputs: the `song` fixture with its exact word timings (no aligner run, so renders
take seconds); `long_song` (the song three times) at 1080x1920 gives an encode
of several seconds, long enough to interrupt.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import ffprobe
from queue_helpers import ROOT, Consumer, alive, processes_mentioning, start_redis, truth_words, wait_until
from reel.media import ffmpeg_exe
from workers import jobs, queue, store

FAST = {"size": "360x640"}
MEDIUM = {"size": "1080x1920"}  # ~5 s of encoding for long_song on 2 cores
SLOW = {"size": "1080x1920", "zoom": True}  # ~10 s
STALE = "3"  # s without heartbeat before a worker counts as gone (60 in production)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("REEL_DATA_DIR", str(folder))
    monkeypatch.setenv("REEL_WORKER_STALE", STALE)
    for name in ("REEL_QUEUE_URL", "REEL_MAX_PENDING", "REEL_JOB_TIMEOUT", "RUNPOD_API_KEY",
                 "RUNPOD_ENDPOINT_ID", "ELEVENLABS_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(queue.huey, "storage", queue.new_huey().storage)
    return folder


@pytest.fixture(scope="module")
def short(song) -> dict:
    """The song fixture with its exact word timings and duration."""
    return {**song, "words": truth_words(song), "duration": song["truth"]["duration"]}


@pytest.fixture(scope="module")
def long_song(short, tmp_path_factory) -> dict:
    """The song three times over (~38 s), its word timings repeated to match."""
    folder, loops = tmp_path_factory.mktemp("long-song"), 3
    subprocess.run([ffmpeg_exe(), "-v", "error", "-stream_loop", str(loops - 1), "-i", str(short["wav"]),
                    "-c:a", "pcm_s16le", str(folder / "audio.wav")], check=True)
    lines = max(w["line"] for w in short["words"]) + 1
    words = [{**w, "start": w["start"] + k * short["duration"], "end": w["end"] + k * short["duration"],
              "line": w["line"] + k * lines} for k in range(loops) for w in short["words"]]
    return {**short, "audio": folder / "audio.wav", "words": words, "duration": loops * short["duration"]}


@pytest.fixture
def consumers(tmp_path):
    """Factory for consumers that are all stopped (and their leftovers killed) after the test."""
    started = []

    def start(workers: int = 2, **env) -> Consumer:
        consumer = Consumer(tmp_path / f"consumer{len(started)}.log", workers, env)
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        consumer.stop()


def submit(song, options=FAST) -> dict:
    return jobs.create_job(song["image"], song["audio"], song["lyrics"], options, words=song["words"])


def wait_for_stage(job_id: str, stage: str, progress: int = 0, timeout: float = 60) -> dict:
    def reached():
        job = jobs.get_job(job_id)
        assert job["state"] in ("pending", "processing"), job
        return job if job["stage"] == stage and job["progress"] >= progress else None
    return wait_until(reached, timeout, f"job {job_id} to reach {stage} {progress}%")


def assert_valid_reel(job: dict, song, width: int, height: int) -> None:
    probe = ffprobe(jobs.job_output(job["id"], "video"))
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", width, height)
    assert any(s["codec_type"] == "audio" for s in probe["streams"])
    assert float(probe["format"]["duration"]) == pytest.approx(song["duration"], abs=0.2)
    for kind in ("srt", "ass", "vtt", "words"):
        assert jobs.job_output(job["id"], kind).stat().st_size > 0


def test_job_renders_with_rising_progress(data_dir, long_song, consumers):
    consumers()
    job = submit(long_song, {"size": "540x960"})
    seen = []

    def finished():
        current = jobs.get_job(job["id"])
        seen.append(current["progress"])
        return current if current["state"] in ("completed", "failed") else None

    done = wait_until(finished, 60, "the job to finish", poll=0.05)
    assert done["state"] == "completed", done["error"]
    assert (done["progress"], done["stage"], done["attempts"], done["error"]) == (100, "done", 1, None)
    assert done["duration"] == pytest.approx(long_song["duration"], abs=0.1)
    assert done["started_at"] and done["finished_at"] >= done["started_at"]
    assert seen == sorted(seen) and len({p for p in seen if 0 < p < 100}) >= 2, seen
    assert_valid_reel(done, long_song, 540, 960)
    assert not [p for p in (data_dir / "jobs" / job["id"]).iterdir() if p.name.startswith(".")]
    health = jobs.health()
    assert health["ok"] and health["workers_alive"] == 2 and health["counts"]["completed"] == 1


def test_chorus_job_reports_the_clip_it_chose(data_dir, chorus_song, consumers):
    consumers(workers=1)
    words = [{k: w[k] for k in ("text", "start", "end", "line")} for w in chorus_song["truth"]["words"]]
    job = jobs.create_job(chorus_song["image"], chorus_song["audio"], chorus_song["lyrics"],
                          {**FAST, "clip": "chorus"}, words=words)
    done = wait_until(lambda: (lambda j: j if j["state"] in ("completed", "failed") else None)(jobs.get_job(job["id"])),
                      60, "the chorus job to finish")
    assert done["state"] == "completed", done["error"]
    start, end = done["clip"]
    chorus = [w for w in words if w["line"] in (4, 5, 6)]  # the lines under the first [Chorus]
    assert start <= chorus[0]["start"] and chorus[-1]["end"] <= end
    assert done["duration"] == pytest.approx(end - start, abs=0.01)
    assert done["options"]["clip"] == "chorus"


def test_delete_while_rendering_kills_ffmpeg_and_removes_everything(data_dir, short, long_song, consumers):
    consumers()
    job = submit(long_song, MEDIUM)
    wait_for_stage(job["id"], "encoding", 55)
    assert processes_mentioning(job["id"]), "ffmpeg should be encoding this job"

    assert jobs.delete_job(job["id"]) is True
    wait_until(lambda: not processes_mentioning(job["id"]), 5, "the job's ffmpeg to be killed")
    wait_until(lambda: not (data_dir / "jobs" / job["id"]).exists(), 5, "the job folder to go")
    with pytest.raises(jobs.JobNotFound):
        jobs.get_job(job["id"])
    # The worker survived and takes the next job.
    assert jobs.wait_for_job(submit(short)["id"], 60)["state"] == "completed"
    assert not (data_dir / "jobs" / job["id"]).exists()


def test_job_over_the_time_limit_fails_and_its_ffmpeg_is_killed(data_dir, long_song, consumers):
    consumers(REEL_JOB_TIMEOUT="2")
    job = submit(long_song, SLOW)
    done = jobs.wait_for_job(job["id"], 60, poll=0.1)
    assert done["state"] == "failed" and done["error"].startswith("timed out"), done
    assert not processes_mentioning(job["id"])
    assert not (data_dir / "jobs" / job["id"] / "video.mp4").exists()


def test_killed_worker_job_is_rendered_again_by_another(data_dir, long_song, consumers):
    consumer = consumers(REEL_WORKER_STALE=STALE)
    job = submit(long_song, SLOW)
    wait_for_stage(job["id"], "encoding", 55)
    worker_pid = int(store.find_job(job["id"])["worker"].split(":")[1])
    ffmpeg = processes_mentioning(job["id"])
    assert worker_pid in consumer.worker_pids() and ffmpeg

    os.kill(worker_pid, signal.SIGKILL)
    wait_until(lambda: jobs.get_job(job["id"])["attempts"] == 2, float(STALE) + 15, "the job to run again")
    # Recovered a few seconds after the kill, while the dead worker's ffmpeg still had most of its
    # ~10 s encode to go: recovery killed it.
    wait_until(lambda: not any(alive(p) for p in ffmpeg), 1, "the orphaned ffmpeg to be killed")
    done = jobs.wait_for_job(job["id"], 90)
    assert done["state"] == "completed" and done["attempts"] == 2, done
    assert not [p for p in (data_dir / "jobs" / job["id"]).iterdir() if p.name.startswith(".")]
    assert_valid_reel(done, long_song, 1080, 1920)


def test_stopping_the_consumer_hands_jobs_back_and_a_restart_runs_them(data_dir, short, long_song, consumers):
    first = consumers(workers=1)
    finished = jobs.wait_for_job(submit(short)["id"], 60)
    running = submit(long_song, MEDIUM)
    wait_for_stage(running["id"], "encoding", 55)
    first.stop(signal.SIGTERM)

    handed_back = jobs.get_job(running["id"])
    assert (handed_back["state"], handed_back["attempts"]) == ("pending", 0)
    assert not processes_mentioning(running["id"])
    waiting = submit(short)  # accepted while no consumer runs

    consumers(workers=1)
    for job in (running, waiting):
        done = jobs.wait_for_job(job["id"], 90)
        assert done["state"] == "completed" and done["attempts"] == 1, done
    assert_valid_reel(finished, short, 360, 640)  # finished before the restart: still downloadable


def test_embedded_worker_runs_jobs_and_stops_with_its_app(data_dir, short):
    jobs.start_embedded_worker(workers=1)
    try:  # lyrics only, as from the app: the worker aligns them (offline aligner)
        job = jobs.create_job(short["image"], short["audio"], short["lyrics"], FAST)
        done = jobs.wait_for_job(job["id"], 90)
        assert done["state"] == "completed" and not done["transcribed"], done
        words = json.loads(jobs.job_output(job["id"], "words").read_text())["words"]
        assert [w["text"] for w in words] == [w["text"] for w in short["words"]]
        assert jobs.health()["ok"]
    finally:
        jobs.stop_embedded_worker()
    wait_until(lambda: jobs.health()["workers_alive"] == 0, 10, "the worker to sign off")

    # An app killed outright: its worker notices and stops too.
    app = subprocess.Popen([sys.executable, "-c", "import time; from workers import jobs; "
                            "jobs.start_embedded_worker(); print(jobs._embedded.pid, flush=True); time.sleep(60)"],
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    consumer_pid = int(app.stdout.readline())
    wait_until(lambda: jobs.health()["workers_alive"] == 1, 30, "the embedded worker to start")
    app.kill()
    app.wait()
    wait_until(lambda: not alive(consumer_pid), 10, "the orphaned consumer to stop")
    wait_until(lambda: jobs.health()["workers_alive"] == 0, 10, "its worker to sign off")


def test_redis_queue(data_dir, short, consumers, tmp_path, monkeypatch):
    server, url = start_redis(tmp_path)
    try:
        monkeypatch.setenv("REEL_QUEUE_URL", url)
        monkeypatch.setattr(queue.huey, "storage", queue.new_huey().storage)
        consumers(REEL_QUEUE_URL=url)
        first, second = submit(short), submit(short)
        for job in (first, second):
            assert jobs.wait_for_job(job["id"], 60)["state"] == "completed"
        assert_valid_reel(jobs.get_job(first["id"]), short, 360, 640)
        assert jobs.health()["queue"] == {"ok": True, "kind": "redis", "waiting": 0}
    finally:
        server.terminate()
        server.wait()
    assert jobs.health()["queue"]["ok"] is False  # redis gone: health says so instead of raising
