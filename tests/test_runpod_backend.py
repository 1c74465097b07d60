"""The RunPod backend against the real handler running under the SDK's local server.

`runpod_cloud.RunPodCloud` stands in for api.runpod.ai (see its docstring); the
worker subprocess renders for real, so the fetched MP4 is checked with ffprobe.
No key, no internet.
"""
from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pysubs2
import pytest
import runpod

from conftest import ffprobe
from queue_helpers import Consumer, truth_words, wait_until
from reel.errors import Cancelled, ReelError
from reel.pipeline import OUTPUT_NAMES
from runpod_cloud import API_KEY, ENDPOINT_ID, RunPodCloud, free_port, start_worker, stop_worker
from workers import jobs, queue
from workers.backends import runpod_backend
from workers.backends.runpod_backend import RemoteUnavailable

OPTIONS = {"size": "540x960", "style": "karaoke"}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = RunPodCloud()
    worker = start_worker(cloud, tmp_path_factory.mktemp("runpod-worker") / "worker.log")
    yield cloud
    stop_worker(worker)
    cloud.close()


@pytest.fixture
def remote(cloud, monkeypatch):
    """Environment pointing the backend at the stand-in cloud."""
    monkeypatch.setattr(runpod, "endpoint_url_base", f"{cloud.url}/v2")
    monkeypatch.setenv("RUNPOD_API_KEY", API_KEY)
    monkeypatch.setenv("RUNPOD_ENDPOINT_ID", ENDPOINT_ID)
    monkeypatch.setenv("REEL_RUNPOD_POLL", "0.2")
    monkeypatch.delenv("REEL_RUNPOD_FALLBACK", raising=False)
    cloud.hold_in_queue = False
    return cloud


def make_job(tmp_path, song, **fields) -> tuple[dict, object]:
    """A job folder with the inputs copied in, and its job record."""
    job_dir = tmp_path / uuid.uuid4().hex
    job_dir.mkdir()
    shutil.copy(song["image"], job_dir / "image.jpg")
    shutil.copy(song["audio"], job_dir / "audio.mp3")
    job = {"id": job_dir.name, "inputs": {"image": "image.jpg", "audio": "audio.mp3"},
           "lyrics": song["lyrics"], "options": OPTIONS, "words": truth_words(song), **fields}
    return job, job_dir


class Reports:
    """A report() callback that records (stage, fraction) and can wait for a stage."""

    def __init__(self):
        self.seen: list[tuple[str, float]] = []
        self.event = threading.Event()

    def __call__(self, stage: str, fraction: float) -> None:
        self.seen.append((stage, fraction))
        if stage in ("drawing", "encoding"):
            self.event.set()


def test_full_job_progress_and_outputs(remote, song, tmp_path):
    job, job_dir = make_job(tmp_path, song, words=None)  # lyrics only: the worker aligns them
    reports = Reports()

    result = runpod_backend.run(job, job_dir, reports, threading.Event())

    assert result["outputs"] == OUTPUT_NAMES
    assert result["duration"] == pytest.approx(song["truth"]["duration"], abs=0.1)
    probe = ffprobe(job_dir / "video.mp4")
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 540, 960)
    assert any(s["codec_type"] == "audio" for s in probe["streams"])
    assert float(probe["format"]["duration"]) == pytest.approx(song["truth"]["duration"], abs=0.15)
    assert len(pysubs2.load(str(job_dir / OUTPUT_NAMES["srt"]))) > 0
    assert len(pysubs2.load(str(job_dir / OUTPUT_NAMES["ass"]))) > 0
    assert (job_dir / OUTPUT_NAMES["vtt"]).read_text().startswith("WEBVTT")
    words = json.loads((job_dir / OUTPUT_NAMES["words"]).read_text())["words"]
    truth = song["truth"]["words"]
    assert [w["text"] for w in words] == [w["text"] for w in truth]
    assert sum(abs(w["start"] - t["start"]) < 0.1 for w, t in zip(words, truth)) >= 0.8 * len(truth)
    # The worker's progress went through RunPod's status into report(), in order. Status is
    # polled, so a stage shorter than one poll (this tiny encode) may pass unseen.
    stages = [s for s, _ in reports.seen]
    assert stages[0] == "uploading" and "aligning" in stages and stages[-1] == "downloading"
    remote_fractions = [f for s, f in reports.seen if s not in ("uploading", "downloading")]
    assert remote_fractions == sorted(remote_fractions) and remote_fractions[-1] > 0.03
    sent = [j for j in remote.jobs.values() if j["status"] == "COMPLETED"][-1]
    assert sent["input"]["options"] == OPTIONS and sent["input"]["lyrics"] == song["lyrics"]
    assert sent["progress"][-1] == {"stage": "done", "progress": 100}
    assert not [c for c in remote.calls if "/cancel/" in c[1]]


def test_remote_error_is_surfaced(remote, song, tmp_path):
    job, job_dir = make_job(tmp_path, song)
    (job_dir / "image.jpg").write_text("this is not a picture")
    with pytest.raises(ReelError) as err:
        runpod_backend.run(job, job_dir, Reports(), threading.Event())
    assert not isinstance(err.value, RemoteUnavailable)  # the user's input is wrong: no fallback
    assert "not a readable image" in str(err.value)
    assert not (job_dir / "video.mp4").exists()


def test_cancel_stops_the_remote_job(remote, song, tmp_path):
    job, job_dir = make_job(tmp_path, song, options={"size": "1080x1920", "zoom": True})
    reports, cancel, raised = Reports(), threading.Event(), []

    def target():
        try:
            runpod_backend.run(job, job_dir, reports, cancel)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            raised.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    assert reports.event.wait(60), f"no remote progress seen: {reports.seen}"
    cancel.set()
    started = time.monotonic()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert len(raised) == 1 and isinstance(raised[0], Cancelled)
    remote_id = [jid for jid, j in remote.jobs.items() if j["input"]["options"].get("zoom")][-1]
    assert ("POST", f"/v2/{ENDPOINT_ID}/cancel/{remote_id}") in remote.calls
    assert remote.jobs[remote_id]["status"] == "CANCELLED"
    assert not (job_dir / "video.mp4").exists()


def test_cold_start_timeout_cancels_and_explains(remote, song, tmp_path, monkeypatch):
    remote.hold_in_queue = True
    monkeypatch.setenv("REEL_RUNPOD_QUEUE_TIMEOUT", "1")
    job, job_dir = make_job(tmp_path, song)
    reports = Reports()
    with pytest.raises(RemoteUnavailable, match="no RunPod worker picked the job up within 1 s"):
        runpod_backend.run(job, job_dir, reports, threading.Event())
    assert ("waiting for a RunPod worker", 0.0) in reports.seen
    queued = [jid for jid, j in remote.jobs.items() if j["status"] == "CANCELLED"]
    assert queued and ("POST", f"/v2/{ENDPOINT_ID}/cancel/{queued[-1]}") in remote.calls


def test_wrong_key_and_unreachable(remote, song, tmp_path, monkeypatch):
    job, job_dir = make_job(tmp_path, song)
    monkeypatch.setenv("RUNPOD_API_KEY", "wrong")
    with pytest.raises(RemoteUnavailable, match="RunPod refused the API key"):
        runpod_backend.run(job, job_dir, Reports(), threading.Event())
    monkeypatch.setenv("RUNPOD_API_KEY", API_KEY)
    # https, as in production: the SDK retries refused http:// connections with back-off for ~30 s.
    monkeypatch.setattr(runpod, "endpoint_url_base", f"https://127.0.0.1:{free_port()}/v2")
    with pytest.raises(RemoteUnavailable, match="RunPod unreachable"):
        runpod_backend.run(job, job_dir, Reports(), threading.Event())


# -- through the job queue: a real consumer process runs jobs with backend "runpod" ------------

@pytest.fixture
def queued(remote, tmp_path, monkeypatch):
    """A data folder and a one-worker consumer whose RunPod settings point at the stand-in cloud."""
    monkeypatch.setenv("REEL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RUNPOD_ENDPOINT_BASE_URL", f"{remote.url}/v2")
    for name in ("REEL_QUEUE_URL", "REEL_MAX_PENDING", "REEL_JOB_TIMEOUT", "ELEVENLABS_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(queue.huey, "storage", queue.new_huey().storage)
    consumer = Consumer(tmp_path / "consumer.log", workers=1)
    yield consumer
    consumer.stop()


def test_queued_job_runs_on_runpod_and_delete_cancels_it(queued, remote, song):
    job = jobs.create_job(song["image"], song["audio"], song["lyrics"], OPTIONS, words=truth_words(song))
    assert job["backend"] == "runpod"  # "auto" with RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID set

    def finished():
        current = jobs.get_job(job["id"])
        return current if current["state"] in ("completed", "failed") else None

    done = wait_until(finished, 90, "the RunPod job to finish", poll=0.05)
    assert done["state"] == "completed", (done["error"], queued.log()[-3000:])
    assert done["duration"] == pytest.approx(song["truth"]["duration"], abs=0.1)
    video = next(s for s in ffprobe(jobs.job_output(job["id"], "video"))["streams"] if s["codec_type"] == "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 540, 960)
    for kind in ("srt", "ass", "vtt", "words"):
        assert jobs.job_output(job["id"], kind).stat().st_size > 0

    # A short render can finish between two status polls, so the remote stages reaching the
    # record are checked on a slow (zoomed, full-size) job, which is then deleted mid-render.
    slow = jobs.create_job(song["image"], song["audio"], song["lyrics"], {"size": "1080x1920", "zoom": True},
                           words=truth_words(song), backend="runpod")
    wait_until(lambda: jobs.get_job(slow["id"])["stage"] in ("drawing", "encoding"), 60, "remote progress")
    remote_id = [jid for jid, j in remote.jobs.items() if j["input"]["options"].get("zoom")][-1]
    assert jobs.delete_job(slow["id"]) is True
    wait_until(lambda: ("POST", f"/v2/{ENDPOINT_ID}/cancel/{remote_id}") in remote.calls, 5,
               "the remote job to be cancelled")
    assert remote.jobs[remote_id]["status"] == "CANCELLED"


def test_fallback_renders_locally_when_runpod_cannot(remote, song, tmp_path, monkeypatch):
    remote.hold_in_queue = True
    monkeypatch.setenv("REEL_RUNPOD_QUEUE_TIMEOUT", "1")
    monkeypatch.setenv("REEL_RUNPOD_FALLBACK", "1")
    job, job_dir = make_job(tmp_path, song)
    reports = Reports()
    result = runpod_backend.run(job, job_dir, reports, threading.Event())
    assert result["outputs"] == OUTPUT_NAMES
    assert [s for s, _ in reports.seen if s.startswith("RunPod failed (no RunPod worker picked")]
    assert "encoding" in [s for s, _ in reports.seen]
    video = next(s for s in ffprobe(job_dir / "video.mp4")["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (540, 960)


def test_video_left_in_a_bucket_is_downloaded(song, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(song["dir"])))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        output = {"video": {"url": f"{base}/audio.mp3"}, "srt": "1\n", "ass": "", "vtt": "WEBVTT\n",
                  "words": {"words": []}, "duration": 12.0}
        result = runpod_backend.fetch_outputs(output, tmp_path)
        assert (tmp_path / "video.mp4").read_bytes() == song["audio"].read_bytes()
        assert result == {"outputs": OUTPUT_NAMES, "duration": 12.0, "transcribed": False, "clip": None,
                          "language": None}
        output["video"]["url"] = f"{base}/gone.mp4"
        with pytest.raises(RemoteUnavailable, match="could not download the rendered video: HTTP 404"):
            runpod_backend.fetch_outputs(output, tmp_path)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status, error, kind, message", [
    ("FAILED", "the image photo.jpg is not a readable image", ReelError, "the image photo.jpg is not a readable"),
    ("FAILED", json.dumps({"error_type": "<class 'MemoryError'>", "error_message": "out of memory",
                           "error_traceback": "Traceback ..."}), RemoteUnavailable,
     "the RunPod worker crashed: out of memory"),
    ("TIMED_OUT", None, RemoteUnavailable, "ran past the endpoint's execution timeout"),
    ("CANCELLED", None, RemoteUnavailable, "cancelled on RunPod"),
])
def test_remote_failures_say_what_happened(status, error, kind, message):
    """User errors pass through as they are (no fallback); a crash shows no traceback."""
    failure = runpod_backend.remote_failure(status, error)
    assert type(failure) is kind and message in str(failure) and "Traceback" not in str(failure)
