"""A public server: private jobs, a fair share of the queue, MCP tools, nothing left behind.

One real `python app.py` (no embedded worker, so queued jobs wait until the test starts
a real consumer), driven by two gradio_client clients (one by its session, one by an
owner token), MCP clients over streamable HTTP and a headless browser.
"""
from __future__ import annotations

import asyncio
import base64
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from app_server import EXAMPLES, app_log, running_app
from conftest import ffprobe
from queue_helpers import Consumer

PER_OWNER = 2
SMALL = {"size": "360x640", "style": "pop"}
LYRICS = (EXAMPLES / "lyrics.txt").read_text(encoding="utf-8")
UNKNOWN = "0" * 32
CACHE_AGE = 8  # s: the test waits for the server's cache sweep


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("owners")


@pytest.fixture(scope="module")
def url(data_dir):
    with running_app(data_dir, REEL_EMBEDDED_WORKERS="0", REEL_MAX_JOBS_PER_OWNER=str(PER_OWNER),
                     REEL_CACHE_MAX_AGE=str(CACHE_AGE)) as url:
        yield url


@pytest.fixture(scope="module")
def ann(url):
    """A client known by its session only."""
    return Client(url, verbose=False)


@pytest.fixture(scope="module")
def bob(url):
    """A client that passes an owner token."""
    return Client(url, verbose=False, headers={"X-Reel-Owner": "bob-secret-token"})


@pytest.fixture(scope="module")
def consumer(url, data_dir):
    """A real queue consumer on the server's data folder, started when a test needs renders."""
    worker = Consumer(data_dir / "consumer.log", workers=1, env={"REEL_DATA_DIR": str(data_dir)})
    yield worker
    worker.stop()


def submit(client: Client, **options) -> dict:
    return client.predict(handle_file(str(EXAMPLES / "sunset.jpg")), handle_file(str(EXAMPLES / "song.mp3")),
                          LYRICS, {**SMALL, **options}, api_name="/create_video")


def error_of(call) -> str:
    with pytest.raises(AppError) as caught:
        call()
    return str(caught.value)


def cached_files(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "gradio").rglob("*") if p.is_file()]


def data_url(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()


def mcp(url: str, calls: list[tuple[str, dict]], token: str | None = "agent-token") -> list:
    """Run tool calls in one MCP session over streamable HTTP; returns their results."""
    import httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def talk():
        headers = {"X-Reel-Owner": token} if token else {}
        async with httpx.AsyncClient(headers=headers, timeout=120) as http:
            async with streamable_http_client(url + "gradio_api/mcp/", http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return [await session.call_tool(name, args) for name, args in calls]

    return asyncio.run(talk())


def text_of(result) -> str:
    return " ".join(getattr(c, "text", "") or str(c) for c in result.content)


def test_fair_share_and_private_jobs(ann, bob, url):
    first = submit(ann)
    second = submit(ann)
    full = error_of(lambda: submit(ann))
    assert f"you already have {PER_OWNER} jobs waiting or rendering" in full
    theirs = submit(bob)  # another owner can still submit

    assert [j["id"] for j in ann.predict(api_name="/list_jobs")] == [second["id"], first["id"]]
    assert [j["id"] for j in bob.predict(api_name="/list_jobs")] == [theirs["id"]]
    assert ann.predict("pending", 1, api_name="/list_jobs")[0]["id"] == second["id"]

    unknown = {name: error_of(lambda name=name: bob.predict(UNKNOWN, api_name=name))
               for name in ("/get_job", "/download_video", "/delete_job")}
    assert all("job not found" in message for message in unknown.values()), unknown
    for name, message in unknown.items():  # another owner's job answers exactly as an unknown id
        assert error_of(lambda name=name: bob.predict(first["id"], api_name=name)) == message
    assert ann.predict(first["id"], api_name="/get_job")["state"] == "pending"  # still there

    same_token = Client(url, verbose=False, headers={"X-Reel-Owner": "bob-secret-token"})
    assert [j["id"] for j in same_token.predict(api_name="/list_jobs")] == [theirs["id"]]
    assert Client(url, verbose=False).predict(api_name="/list_jobs") == []  # a new session owns nothing

    listed, peek, agent_delete = mcp(url, [("list_jobs", {}), ("get_job", {"job_id": first["id"]}),
                                           ("delete_job", {"job_id": theirs["id"]})])
    assert not listed.isError and first["id"] not in text_of(listed) and theirs["id"] not in text_of(listed)
    assert peek.isError and "job not found" in text_of(peek)
    assert agent_delete.isError
    (anonymous,) = mcp(url, [("list_jobs", {})], token=None)
    assert anonymous.isError and "X-Reel-Owner" in text_of(anonymous)

    assert bob.predict(theirs["id"], api_name="/delete_job") == {"id": theirs["id"], "deleted": True}
    assert "job not found" in error_of(lambda: bob.predict(theirs["id"], api_name="/delete_job"))


def test_mcp_agent_creates_downloads_and_deletes_a_video(url, data_dir, bob, consumer, tmp_path):
    image = data_url(EXAMPLES / "sunset.jpg", "image/jpeg")
    audio = data_url(EXAMPLES / "song.mp3", "audio/mpeg")
    (created,) = mcp(url, [("create_video", {"image": image, "audio": audio, "lyrics": LYRICS, "options": SMALL})])
    assert not created.isError, text_of(created)
    found = re.search(r"'id': '([0-9a-f]{32})'", text_of(created))
    assert found, text_of(created)
    job_id = found.group(1)

    deadline = time.monotonic() + 240
    while True:
        (status,) = mcp(url, [("get_job", {"job_id": job_id})])
        if "'state': 'completed'" in text_of(status):
            break
        assert "'state': 'failed'" not in text_of(status), text_of(status)
        assert time.monotonic() < deadline, f"{text_of(status)}\n{consumer.log()[-2000:]}"
        time.sleep(1)

    (download,) = mcp(url, [("download_video", {"job_id": job_id})])
    assert not download.isError, text_of(download)
    video_url = next(word for word in text_of(download).replace("'", " ").replace('"', " ").split()
                     if word.startswith("http") and word.endswith(".mp4"))
    saved = tmp_path / "agent.mp4"
    saved.write_bytes(urllib.request.urlopen(video_url, timeout=30).read())
    stream = next(s for s in ffprobe(saved)["streams"] if s["codec_type"] == "video")
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 360, 640)

    assert "job not found" in error_of(lambda: bob.predict(job_id, api_name="/download_video"))
    (deleted,) = mcp(url, [("delete_job", {"job_id": job_id})])
    assert not deleted.isError, text_of(deleted)
    with pytest.raises(urllib.error.HTTPError) as gone:  # the URL Gradio served no longer answers
        urllib.request.urlopen(video_url, timeout=30)
    assert gone.value.code in (403, 404)
    assert not (data_dir / "jobs" / job_id).exists()
    assert "video.mp4" not in [p.name for p in cached_files(data_dir)]
    time.sleep(CACHE_AGE * 1.5)  # what Gradio itself left (MCP's copies of the data: URLs) is swept
    leftovers = {p.name for p in cached_files(data_dir)}
    assert leftovers <= {"sunset.jpg", "song.mp3"}, leftovers  # only the page's example remains


def test_browser_keeps_its_jobs_across_a_reload(url, ann, consumer, data_dir):
    from test_app_browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    theirs = {j["id"] for j in ann.predict(api_name="/list_jobs")}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(url)
        page.wait_for_selector("#reel-create-btn")
        page.get_by_text("song.mp3").click()
        page.wait_for_function("document.querySelector('#reel-lyrics textarea').value.includes('Golden light')")
        page.get_by_label("Style").first.click()
        page.get_by_role("option", name="pop").click()
        page.click("#reel-create-btn")
        page.wait_for_selector("#reel-progress [data-state], .toast-body", state="attached", timeout=60_000)
        assert not page.locator(".toast-body").count(), page.locator(".toast-body").first.inner_text()
        mine = [j for j in _all_jobs(data_dir) if j not in theirs]
        assert len(mine) == 1, app_log(data_dir)[-3000:]

        page.reload()
        page.wait_for_selector("#reel-create-btn")
        page.get_by_role("tab", name="Jobs").click()
        page.wait_for_function("(id) => document.querySelector('#reel-jobs').innerText.includes(id)",
                               arg=mine[0], timeout=30_000)
        shown = page.locator("#reel-jobs").inner_text()
        assert not any(job_id in shown for job_id in theirs), shown  # ann's jobs are not on the page
        browser.close()
    assert mine[0] not in {j["id"] for j in ann.predict(api_name="/list_jobs")}
    assert "job not found" in error_of(lambda: ann.predict(mine[0], api_name="/get_job"))


def _all_jobs(data_dir: Path) -> list[str]:
    """Every job id (the operator's view: the Python API)."""
    import os
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", "from workers import jobs; print(' '.join(j['id'] for j in "
                          "jobs.list_jobs(limit=500)))"], capture_output=True, text=True, check=True,
                         env={**os.environ, "REEL_DATA_DIR": str(data_dir)}, cwd=Path(__file__).parent.parent)
    return out.stdout.split()


def page_event(url: str, name: str, data: list) -> dict:
    """Call one of the page's own (private) events the way the page does: queue/join, then its stream.

    Returns the final message (success, output or error)."""
    import json
    import secrets

    import httpx
    dependency = next(d for d in httpx.get(url + "config").json()["dependencies"] if d.get("api_name") == name)
    session = secrets.token_hex(8)
    joined = httpx.post(url + "gradio_api/queue/join", json={
        "data": data, "fn_index": dependency["id"], "session_hash": session, "event_data": None,
        "trigger_id": dependency["targets"][0][0]})
    assert joined.status_code == 200, joined.text
    with httpx.stream("GET", url + f"gradio_api/queue/data?session_hash={session}", timeout=60) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:") and (message := json.loads(line[5:])).get("msg") == "process_completed":
                return message
    pytest.fail(f"no answer from the page event {name}")


def test_the_pages_own_events_cannot_open_or_delete_another_owners_job(url):
    """What the page sends (open, delete) with someone else's job id answers as an unknown id."""
    carol = Client(url, verbose=False)
    job = submit(carol, style="word")
    for name, data in (("open_job", [job["id"], "someone-elses-browser-token"]),
                       ("remove_job", [job["id"], "all", "someone-elses-browser-token"])):
        answer = page_event(url, name, data)
        assert answer["success"] is False and answer["output"]["error"] == "job not found", answer
    # untouched: still there, not cancelled (the consumer an earlier test started may have taken it)
    assert carol.predict(job["id"], api_name="/get_job")["state"] in ("pending", "processing", "completed")
    carol.predict(job["id"], api_name="/delete_job")
