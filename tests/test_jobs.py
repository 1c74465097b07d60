"""The job API and records without a consumer: create, refuse, list, delete, expire, recover.

Everything runs against a real SQLite file and a real Huey SQLite queue in a fresh
data folder per test; renders are in tests/test_queue.py.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
import wave
from pathlib import Path

import pytest

from queue_helpers import alive, truth_words, wait_until
from reel.errors import ReelError
from workers import jobs, procs, queue, settings, store, tasks
from workers.jobs import JobNotFound


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh REEL_DATA_DIR, with this process's queue pointed at it."""
    folder = tmp_path / "data"
    monkeypatch.setenv("REEL_DATA_DIR", str(folder))
    for name in ("REEL_QUEUE_URL", "REEL_MAX_PENDING", "REEL_JOB_TIMEOUT", "REEL_WORKER_STALE",
                 "RUNPOD_API_KEY", "RUNPOD_ENDPOINT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(queue.huey, "storage", queue.new_huey().storage)
    return folder


def create(song, **kwargs) -> dict:
    return jobs.create_job(song["image"], song["audio"], song["lyrics"], **kwargs)


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def test_create_records_a_pending_job_with_inputs_under_fixed_names(data_dir, song):
    job = create(song, options={"style": "pop", "size": "540x960"}, words=truth_words(song))

    assert len(job["id"]) == 32 and int(job["id"], 16) >= 0
    assert (job["state"], job["progress"], job["attempts"], job["backend"]) == ("pending", 0, 0, "local")
    assert job["options"]["style"] == "pop" and job["options"]["size"] == "540x960"
    assert job["outputs"] == {} and job["error"] is None and job["started_at"] is None
    assert job["created_at"].endswith("+00:00")
    folder = data_dir / "jobs" / job["id"]
    assert sorted(os.listdir(folder)) == ["audio.mp3", "image.jpg", "lyrics.txt", "timings.json"]
    assert (folder / "lyrics.txt").read_text(encoding="utf-8") == song["lyrics"]
    assert (folder / "audio.mp3").read_bytes() == song["audio"].read_bytes()
    assert jobs.get_job(job["id"]) == job
    assert queue.huey.storage.queue_size() == 1


def test_input_extension_comes_from_the_content_not_the_name(data_dir, song, tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(song["wav"], upload / "song.mp3")  # a WAV named .mp3
    shutil.copy(song["image"], upload / "cover.png.exe")
    job = jobs.create_job(upload / "cover.png.exe", upload / "song.mp3", song["lyrics"])
    assert sorted(os.listdir(data_dir / "jobs" / job["id"])) == ["audio.wav", "image.jpg", "lyrics.txt"]
    assert job["inputs"] == {"image": "image.jpg", "audio": "audio.wav", "lyrics": "lyrics.txt", "timings": None}


def test_no_lyrics_and_no_transcriber_is_refused_before_any_work(data_dir, song, monkeypatch):
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    with pytest.raises(ReelError, match="please paste the lyrics"):
        jobs.create_job(song["image"], song["audio"], None)
    assert not (data_dir / "jobs").exists() or list((data_dir / "jobs").iterdir()) == []


def test_traversal_in_upload_paths_cannot_write_outside_the_job_folder(data_dir, song, tmp_path):
    nested = tmp_path / "upload" / "a" / "b"
    nested.mkdir(parents=True)
    shutil.copy(song["audio"], tmp_path / "upload" / "..x.mp3")
    shutil.copy(song["image"], nested / "; rm -rf ~ #.jpg")
    before = tree(tmp_path)
    job = jobs.create_job(f"{nested}/../b/; rm -rf ~ #.jpg", f"{nested}/../../..x.mp3", song["lyrics"])
    added = tree(tmp_path) - before
    assert all(p.startswith("data/") for p in added)  # the data folder's files, nothing beside the upload
    folder = f"data/jobs/{job['id']}"
    assert {p for p in added if p.startswith("data/jobs/")} == {folder, f"{folder}/audio.mp3",
                                                                 f"{folder}/image.jpg", f"{folder}/lyrics.txt"}
    assert sorted(os.listdir(data_dir / "jobs" / job["id"])) == ["audio.mp3", "image.jpg", "lyrics.txt"]


@pytest.mark.parametrize("bad, message", [
    ({"image": "not-an-image.jpg"}, "not a readable image"),
    ({"audio": "silent.wav"}, "silent"),
    ({"lyrics": "   \n  "}, "lyrics"),
    ({"options": {"style": "disco"}}, "style must be one of"),
    ({"options": {"colour": "red"}}, "unknown option"),
    ({"words": []}, "word timings are empty"),
    ({"words": [{"text": "hi", "start": 2, "end": 1}]}, "ends before it starts"),
    ({"backend": "cloud9"}, "backend must be"),
    ({"options": {"clip": "40-50"}}, "clip starts at 40 s, after the end of the song"),
    ({"options": {"clip": "20-10"}}, "clip ends"),
])
def test_bad_input_is_refused_and_leaves_nothing(data_dir, song, tmp_path, bad, message):
    (tmp_path / "not-an-image.jpg").write_text("hello")
    with wave.open(str(tmp_path / "silent.wav"), "wb") as silent:
        silent.setnchannels(1), silent.setsampwidth(2), silent.setframerate(16000)
        silent.writeframes(bytes(2 * 32000))
    args = {"image": song["image"], "audio": song["audio"], "lyrics": song["lyrics"], "options": None,
            "words": None, "backend": "auto"}
    for key in ("image", "audio"):
        if key in bad:
            bad = {**bad, key: tmp_path / bad[key]}
    args.update(bad)
    with pytest.raises(ReelError, match=message):
        jobs.create_job(args["image"], args["audio"], args["lyrics"], args["options"], args["words"],
                        args["backend"])
    assert tree(data_dir / "jobs") == set()
    assert jobs.list_jobs() == [] and queue.huey.storage.queue_size() == 0


def test_malformed_ids_and_kinds_are_refused(data_dir, song):
    job = create(song)
    for bad in ("../../etc/passwd", job["id"].upper(), job["id"] + "/..", "", None, 42):
        with pytest.raises(JobNotFound):
            jobs.get_job(bad)
        assert jobs.delete_job(bad) is False
    with pytest.raises(JobNotFound):
        jobs.get_job("0" * 32)
    with pytest.raises(ReelError, match="output kind"):
        jobs.job_output(job["id"], "../lyrics.txt")
    with pytest.raises(ReelError, match="not finished .*pending"):
        jobs.job_output(job["id"], "video")


def test_list_is_newest_first_with_state_filter_and_paging(data_dir, song):
    ids = [create(song)["id"] for _ in range(5)]
    worker = "test:1:main"
    store.beat(worker, None)
    assert store.claim(ids[1], worker)["state"] == "processing"

    assert [j["id"] for j in jobs.list_jobs()] == ids[::-1]
    assert [j["id"] for j in jobs.list_jobs(limit=2, offset=1)] == [ids[3], ids[2]]
    assert [j["id"] for j in jobs.list_jobs(state="processing")] == [ids[1]]
    assert len(jobs.list_jobs(state="pending")) == 4 and jobs.list_jobs(state="failed") == []
    with pytest.raises(ReelError, match="state must be"):
        jobs.list_jobs(state="done")
    with pytest.raises(ReelError, match="limit"):
        jobs.list_jobs(limit=0)


def test_queue_full_is_refused_with_a_clear_message(data_dir, song, monkeypatch):
    monkeypatch.setenv("REEL_MAX_PENDING", "2")
    first, _ = create(song), create(song)
    with pytest.raises(ReelError, match="queue full"):
        create(song)
    assert len(os.listdir(data_dir / "jobs")) == 2 and queue.huey.storage.queue_size() == 2
    assert jobs.delete_job(first["id"]) is True
    assert create(song)["state"] == "pending"


def test_delete_pending_job_removes_record_and_files(data_dir, song):
    job = create(song)
    assert jobs.delete_job(job["id"]) is True
    assert not (data_dir / "jobs" / job["id"]).exists()
    with pytest.raises(JobNotFound):
        jobs.get_job(job["id"])
    assert jobs.delete_job(job["id"]) is False
    assert store.claim(job["id"], "test:1:main") is None  # its queued task will find nothing to run


def test_worker_updates_need_ownership(data_dir, song):
    job = create(song)
    store.beat("w1", None)
    claimed = store.claim(job["id"], "w1")
    assert claimed["attempts"] == 1 and store.claim(job["id"], "w2") is None
    assert store.report(job["id"], "w1", 1, "encoding", 70)
    assert not store.report(job["id"], "w2", 1, "encoding", 71)
    assert not store.finish(job["id"], "w1", 2, "completed")
    assert jobs.get_job(job["id"])["progress"] == 70
    jobs.delete_job(job["id"])
    assert not store.report(job["id"], "w1", 1, "encoding", 80)


def stale(worker: str) -> None:
    store.beat(worker, None)
    store.db().execute("UPDATE workers SET beat = ? WHERE id = ?", (time.time() - 3600, worker))


def test_stranded_job_is_queued_again_once_then_failed(data_dir, song, monkeypatch):
    monkeypatch.setenv("REEL_WORKER_STALE", "5")
    job = create(song)
    stale("gone:1:main")
    store.claim(job["id"], "gone:1:main")

    tasks.recover_stranded_jobs()
    again = jobs.get_job(job["id"])
    assert (again["state"], again["attempts"], again["stage"]) == ("pending", 1, "queued")
    assert queue.huey.storage.queue_size() == 2  # the original message and the retry
    assert jobs.health()["workers_alive"] == 0  # the stale worker row is gone

    store.db().execute("UPDATE jobs SET worker = NULL WHERE id = ?", (job["id"],))
    store.claim(job["id"], "never-registered:2:main")
    tasks.recover_stranded_jobs()
    failed = jobs.get_job(job["id"])
    assert failed["state"] == "failed" and failed["attempts"] == settings.MAX_ATTEMPTS
    assert "worker stopped while rendering" in failed["error"] and failed["finished_at"]


def test_live_workers_jobs_are_left_alone_unless_dropped(data_dir, song, monkeypatch):
    monkeypatch.setenv("REEL_WORKER_STALE", "60")
    job = create(song)
    store.beat("busy:1:main", None)
    store.set_current_job("busy:1:main", job["id"])
    store.claim(job["id"], "busy:1:main")
    tasks.recover_stranded_jobs()
    assert jobs.get_job(job["id"])["state"] == "processing"
    assert jobs.health()["workers_alive"] == 1

    store.set_current_job("busy:1:main", None)  # its task ended without recording an outcome
    tasks.recover_stranded_jobs()
    assert jobs.get_job(job["id"])["state"] == "pending"


def test_leftovers_of_a_dead_group_leader_are_killed_but_live_leaders_are_not():
    orphan_maker = subprocess.Popen(["sh", "-c", "sleep 60 & echo $!"], stdout=subprocess.PIPE, text=True,
                                    start_new_session=True)
    orphan = int(orphan_maker.stdout.readline())
    orphan_maker.wait()
    leader = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        assert procs.is_gone(orphan_maker.pid) and not procs.is_gone(orphan)
        procs.kill_leftovers(orphan_maker.pid)
        wait_until(lambda: not alive(orphan), 5, "the orphan to die")
        procs.kill_leftovers(leader.pid)
        assert leader.poll() is None
    finally:
        leader.kill()
        leader.wait()
        if alive(orphan):
            os.kill(orphan, signal.SIGKILL)


def test_a_render_that_ignores_cancel_is_failed_and_its_group_killed(data_dir, song, monkeypatch):
    monkeypatch.setenv("REEL_JOB_TIMEOUT", "0.5")
    monkeypatch.setattr(tasks, "KILL_GRACE", 0.5)
    stuck = subprocess.Popen(["sleep", "60"], start_new_session=True)  # stands in for the worker's group
    job = create(song)
    store.beat("w1", stuck.pid)
    claimed = store.claim(job["id"], "w1")
    try:
        with tasks.JobWatch(claimed, "w1", stuck.pid) as watch:
            assert watch.cancel.wait(5) and watch.timed_out  # first: asked to stop
            wait_until(lambda: stuck.poll() is not None, 5, "the stuck group to be killed")
    finally:
        stuck.kill()
        stuck.wait()
    failed = jobs.get_job(job["id"])
    assert failed["state"] == "failed" and failed["error"].startswith("timed out")


def test_expiry_removes_old_finished_jobs_and_stray_folders(data_dir, song):
    old, recent, waiting = create(song), create(song), create(song)
    for job, finished in ((old, "2000-01-01T00:00:00+00:00"), (recent, store.now_iso())):
        store.db().execute("UPDATE jobs SET state = 'completed', finished_at = ? WHERE id = ?",
                           (finished, job["id"]))
    stray_old, stray_new = data_dir / "jobs" / ("a" * 32), data_dir / "jobs" / ("b" * 32)
    stray_old.mkdir(), stray_new.mkdir()
    os.utime(stray_old, (time.time() - 2 * store.STRAY_FOLDER_AGE,) * 2)

    assert store.expire_jobs(settings.retention_hours()) == 1
    assert {j["id"] for j in jobs.list_jobs()} == {recent["id"], waiting["id"]}
    assert sorted(os.listdir(data_dir / "jobs")) == sorted([recent["id"], waiting["id"], "b" * 32])


def test_health_reports_each_part(data_dir, song):
    create(song)
    report = jobs.health()
    assert report["db"]["ok"] and report["queue"] == {"ok": True, "kind": "sqlite", "waiting": 1}
    assert report["counts"]["pending"] == 1 and report["free_disk_mb"] > 0
    assert report["workers_alive"] == 0 and report["ok"] is False  # nothing would run the job


def test_old_jobs_table_is_migrated_on_open(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(data_dir / "jobs.db") as conn:
        conn.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, state TEXT, created_at TEXT)")
        conn.execute("INSERT INTO jobs VALUES (?, 'failed', '2020-01-01T00:00:00+00:00')", ("c" * 32,))
    job = jobs.get_job("c" * 32)
    assert job["state"] == "failed" and job["outputs"] == {} and job["attempts"] is None


def test_settings_must_be_numbers(monkeypatch):
    monkeypatch.setenv("REEL_JOB_TIMEOUT", "ten minutes")
    with pytest.raises(ReelError, match="REEL_JOB_TIMEOUT must be a number"):
        settings.job_timeout()


def test_owners_see_only_their_jobs_and_share_the_queue_fairly(data_dir, song, monkeypatch):
    monkeypatch.setenv("REEL_MAX_JOBS_PER_OWNER", "2")
    args = (song["image"], song["audio"], song["lyrics"], {"size": "360x640"})
    mine = [jobs.create_job(*args, owner="user:ann") for _ in range(2)]
    with pytest.raises(ReelError, match="you already have 2 jobs waiting or rendering"):
        jobs.create_job(*args, owner="user:ann")
    theirs = jobs.create_job(*args, owner="user:bob")
    operator = jobs.create_job(*args)  # the operator's jobs have no owner and no share limit
    assert [j["id"] for j in jobs.list_jobs(owner="user:ann")] == [mine[1]["id"], mine[0]["id"]]
    assert {j["id"] for j in jobs.list_jobs()} >= {mine[0]["id"], theirs["id"], operator["id"]}
    with pytest.raises(JobNotFound):
        jobs.get_job(mine[0]["id"], owner="user:bob")
    assert jobs.delete_job(mine[0]["id"], owner="user:bob") is False
    assert jobs.get_job(mine[0]["id"])["owner"] == "user:ann"
    assert jobs.delete_job(mine[0]["id"], owner="user:ann") is True
    jobs.create_job(*args, owner="user:ann")  # a freed slot can be used again
