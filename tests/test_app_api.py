"""The app's named API, driven with gradio_client against a real `python app.py`.

One server for the module (embedded queue worker, its own data dir). Renders use a
small frame size to keep the suite fast; the bundled example song is ~16 s.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from conftest import ffprobe
from app_server import EXAMPLES, running_app

ENDPOINTS = {"/create_video", "/get_job", "/download_video", "/delete_job", "/list_jobs", "/health",
             "/create_video_sync", "/align_lyrics"}
SMALL = {"size": "360x640", "style": "karaoke"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("app-api")


@pytest.fixture(scope="module")
def client(data_dir):
    with running_app(data_dir) as url:
        yield Client(url, verbose=False)


@pytest.fixture(scope="module")
def example():
    return {"image": handle_file(str(EXAMPLES / "sunset.jpg")), "audio": handle_file(str(EXAMPLES / "song.mp3")),
            "lyrics": (EXAMPLES / "lyrics.txt").read_text(encoding="utf-8")}


def wait_done(client: Client, job_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        job = client.predict(job_id, api_name="/get_job")
        seen.append((job["state"], job["progress"]))
        if job["state"] in ("completed", "failed", "cancelled"):
            return {**job, "seen": seen}
        time.sleep(0.5)
    pytest.fail(f"job {job_id} not done after {timeout} s: {seen[-5:]}")


def assert_reel(path: Path, width: int, height: int, min_seconds: float) -> None:
    info = ffprobe(Path(path))
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (width, height)
    assert video["codec_name"] == "h264"
    assert any(s["codec_type"] == "audio" for s in info["streams"])
    assert float(info["format"]["duration"]) >= min_seconds


def test_named_endpoints_are_exactly_the_documented_ones(client):
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(named) == ENDPOINTS
    create = {p["parameter_name"]: p for p in named["/create_video"]["parameters"]}
    assert list(create) == ["image", "audio", "lyrics", "options", "words", "font"]
    assert all(create[name]["parameter_has_default"] for name in ("options", "words", "font"))


def test_health(client):
    deadline = time.monotonic() + 30  # the embedded worker reports in shortly after the page is up
    while not (health := client.predict(api_name="/health"))["ok"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert health["ok"] is True, health
    assert health["workers_alive"] >= 1 and "path" not in health["db"]


def test_align_lyrics_times_every_word(client, example):
    result = client.predict(example["audio"], example["lyrics"], api_name="/align_lyrics")
    words = result["words"]
    assert [w["text"] for w in words][:3] == ["Golden", "light", "on"]
    assert len(words) == 20 and result["transcribed"] is False
    starts = [w["start"] for w in words]
    assert starts == sorted(starts) and 0.8 < starts[0] < 1.8 and starts[-1] < 16


def test_submit_poll_download_delete_list(client, example, tmp_path):
    job = client.predict(example["image"], example["audio"], example["lyrics"], SMALL, api_name="/create_video")
    assert job["state"] in ("pending", "processing") and len(job["id"]) == 32
    done = wait_done(client, job["id"])
    assert done["state"] == "completed", done
    assert done["progress"] == 100 and done["finished_at"]
    listed = client.predict("completed", 10, api_name="/list_jobs")
    assert job["id"] in [j["id"] for j in listed]
    video = client.predict(job["id"], api_name="/download_video")
    assert Path(video).suffix == ".mp4"
    assert_reel(Path(video), 360, 640, 15.0)
    assert client.predict(job["id"], api_name="/delete_job")["deleted"] is True
    assert job["id"] not in [j["id"] for j in client.predict("", 50, api_name="/list_jobs")]
    with pytest.raises(AppError):
        client.predict(job["id"], api_name="/get_job")


def progress_texts(job) -> list[str]:
    """Every progress text (gr.Progress on the server) a submitted call's status showed until it finished."""
    seen: list[str] = []
    while not job.done():
        for unit in job.status().progress_data or []:
            if unit.desc and seen[-1:] != [unit.desc]:
                seen.append(unit.desc)
        time.sleep(0.05)
    return seen


def test_sync_render_uses_edited_timings(client, example, data_dir):
    timing = client.submit(example["audio"], example["lyrics"], api_name="/align_lyrics")
    assert "Timing the words" in progress_texts(timing)
    words = timing.result()["words"]
    words[0].update(text="GOLDEN", start=0.5)
    render = client.submit(example["image"], example["audio"], example["lyrics"], {**SMALL, "size": "320x320"},
                           words, api_name="/create_video_sync")
    following = progress_texts(render)  # the job's own bar: queued, then stage and percent
    assert following and all(t == "Waiting in the queue…" or t.endswith(" %") or t.startswith("Done")
                             for t in following), following
    video = render.result()
    assert_reel(Path(video), 320, 320, 15.0)
    newest = client.predict("completed", 1, api_name="/list_jobs")[0]
    srt = (data_dir / "jobs" / newest["id"] / "captions.srt").read_text(encoding="utf-8")
    assert srt.splitlines()[1].startswith("00:00:00,300 -->")  # 0.2 s lead-in before the 0.5 s word and "GOLDEN light" in srt


@pytest.mark.parametrize("case, message", [
    ("text_as_image", "image"),
    ("bad_style", "style"),
    ("empty_audio", "audio"),
    ("no_lyrics", "please paste the lyrics"),  # no offline transcription: it gets most words wrong
    ("random_bytes_audio", "audio"),
])
def test_bad_inputs_are_clear_errors(client, example, data_dir, tmp_path, case, message):
    image, audio, options, lyrics = example["image"], example["audio"], dict(SMALL), example["lyrics"]
    bad_upload = None
    if case == "no_lyrics":
        lyrics = ""
    elif case == "text_as_image":
        bad_upload = EXAMPLES / "lyrics.txt"
        image = handle_file(str(bad_upload))
    elif case == "bad_style":
        options["style"] = "sparkles"
    else:
        bad_upload = tmp_path / ("silence.mp3" if case == "empty_audio" else "noise.mp3")
        bad_upload.write_bytes(b"" if case == "empty_audio" else np.random.default_rng(3).bytes(5 * 2**20))
        audio = handle_file(str(bad_upload))
    with pytest.raises(AppError) as error:
        client.predict(image, audio, lyrics, options, api_name="/create_video")
    text = str(error.value)
    assert message in text.lower() and "Traceback" not in text and "ffmpeg" not in text
    if bad_upload is not None:  # a refused upload leaves Gradio's cache at once
        assert bad_upload.name not in [p.name for p in (data_dir / "gradio").rglob("*") if p.is_file()]


def test_lrc_lyrics_in_and_the_lrc_download(client, example):
    from reel.lrc import parse_lrc
    words = client.predict(example["audio"], example["lyrics"], api_name="/align_lyrics")["words"]
    lines = sorted({w["line"] for w in words})
    lrc = "[ti:example]\n" + "".join(
        f"[00:{min(w['start'] for w in words if w['line'] == n):05.2f}]"
        + " ".join(w["text"] for w in words if w["line"] == n) + "\n" for n in lines)
    client.predict(example["image"], example["audio"], lrc, SMALL, api_name="/create_video_sync")
    newest = client.predict("completed", 1, api_name="/list_jobs")[0]
    written = Path(client.predict(newest["id"], "lrc", api_name="/download_video"))
    assert written.suffix == ".lrc"
    assert parse_lrc(written.read_text(encoding="utf-8")).lyrics.line_texts == parse_lrc(lrc).lyrics.line_texts
    with pytest.raises(AppError) as error:
        client.predict(example["image"], example["audio"], "[00:01.00]one\n[00:0x.00]two", SMALL,
                       api_name="/create_video")
    assert "line 2: bad time tag" in str(error.value)


def test_a_font_file_of_ones_own(client, example, data_dir, tmp_path):
    from reel.fonts import family_file
    serif = family_file("DejaVuSerif")
    video = client.predict(example["image"], example["audio"], example["lyrics"], {**SMALL, "style": "word"}, None,
                           handle_file(str(serif)), api_name="/create_video_sync")
    assert_reel(Path(video), 360, 640, 15.0)
    newest = client.predict("completed", 1, api_name="/list_jobs")[0]
    assert newest["inputs"]["font"] == "font.ttf"
    assert (data_dir / "jobs" / newest["id"] / "font.ttf").read_bytes() == serif.read_bytes()
    fake = tmp_path / "brand.ttf"
    fake.write_text("this is not a font")
    with pytest.raises(AppError) as error:
        client.predict(example["image"], example["audio"], example["lyrics"], SMALL, None, handle_file(str(fake)),
                       api_name="/create_video")
    assert "brand.ttf is not a font file" in str(error.value) and "Traceback" not in str(error.value)


def test_a_clip_given_as_start_end_and_the_chorus_found(client, example, data_dir):
    job = client.predict(example["image"], example["audio"], example["lyrics"], {**SMALL, "clip": [4, 12]},
                         api_name="/create_video")
    done = wait_done(client, job["id"])
    assert done["state"] == "completed" and done["clip"] == [4.0, 12.0], done
    assert float(ffprobe(Path(client.predict(job["id"], api_name="/download_video")))["format"]["duration"]) \
        == pytest.approx(8.0, abs=0.05)
    words = client.predict(example["audio"], example["lyrics"], api_name="/align_lyrics")["words"]
    chorus = [w for w in words if w["line"] in (2, 3)]  # the lines under the example's [Chorus]
    done = wait_done(client, client.predict(example["image"], example["audio"], example["lyrics"],
                                            {**SMALL, "clip": "chorus"}, api_name="/create_video")["id"])
    start, end = done["clip"]
    assert start == pytest.approx(chorus[0]["start"] - 1.0, abs=0.05) and chorus[-1]["end"] <= end <= 16.1
    shown = (data_dir / "jobs" / done["id"] / "words.json").read_text(encoding="utf-8")
    assert [w["text"] for w in json.loads(shown)["words"]] == [w["text"] for w in chorus]


@pytest.mark.parametrize("options, message", [
    ({"clip": "10-30"}, "the clip ends at 30 s, after the end of the song (16.0 s)"),
    ({"clip": [9, 5]}, "the clip ends (5 s) before it starts (9 s)"),
    ({"clip": "1-2.5"}, "the clip is 1.5 s long; make it at least 3 s"),
    ({"clip": "0-75", "platform": "shorts"}, "YouTube Shorts takes videos of at most 60 s"),
])
def test_bad_clips_are_refused_with_no_job_left(client, example, data_dir, options, message):
    before = sorted(p.name for p in (data_dir / "jobs").iterdir())
    with pytest.raises(AppError) as error:
        client.predict(example["image"], example["audio"], example["lyrics"], options, api_name="/create_video")
    assert message in str(error.value) and "Traceback" not in str(error.value)
    assert sorted(p.name for p in (data_dir / "jobs").iterdir()) == before


def test_chorus_of_a_song_without_one_fails_the_job_with_a_message(client, example):
    job = client.predict(example["image"], example["audio"], "golden light on the water we walk along the shore",
                         {**SMALL, "clip": "chorus"}, api_name="/create_video")
    done = wait_done(client, job["id"])
    assert done["state"] == "failed" and "no chorus found" in done["error"], done


def test_unknown_job_is_a_clear_error(client):
    with pytest.raises(AppError) as error:
        client.predict("0" * 32, api_name="/download_video")
    assert "Traceback" not in str(error.value)


def test_the_same_endpoints_are_mcp_tools(client):
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def talk() -> tuple[set, str, bool]:
        async with streamable_http_client(client.src.rstrip("/") + "/gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {tool.name for tool in (await session.list_tools()).tools}
                health = await session.call_tool("health", {})
                missing = await session.call_tool("get_job", {"job_id": "f" * 32})
                return tools, health.content[0].text, missing.isError

    tools, health, missing_is_error = asyncio.run(talk())
    assert tools == {name.lstrip("/") for name in ENDPOINTS}
    assert "'ok': True" in health or '"ok": true' in health
    assert missing_is_error


def test_uploads_over_100_mb_are_refused(client, example, tmp_path):
    big = tmp_path / "huge.mp3"
    with open(big, "wb") as f:
        f.truncate(101 * 2**20)
    with pytest.raises(Exception) as error:
        client.predict(example["image"], handle_file(str(big)), "la la", SMALL, api_name="/create_video")
    assert "100" in str(error.value) or "413" in str(error.value)


def test_optional_login(tmp_path, example):
    with running_app(tmp_path / "data", REEL_AUTH="ann:s3cret") as url:
        with pytest.raises(Exception):
            Client(url, verbose=False).predict(api_name="/health")
        assert "counts" in Client(url, auth=("ann", "s3cret"), verbose=False).predict(api_name="/health")


def test_an_upload_over_the_size_limit_is_refused_and_leaves_no_file(client, data_dir, tmp_path):
    big = tmp_path / "huge-song.mp3"
    with open(big, "wb") as fh:
        fh.truncate(101 * 2**20)  # over the 100 MB upload limit (sparse: no real disk use)
    with open(big, "rb") as fh:
        answer = httpx.post(f"{client.src.rstrip('/')}/gradio_api/upload", files={"files": fh}, timeout=120)
    assert answer.status_code == 413 and "maximum allowed size" in answer.text, answer.text[:200]
    assert [p for p in (data_dir / "gradio").rglob("*") if p.is_file() and p.stat().st_size > 2**20] == []
