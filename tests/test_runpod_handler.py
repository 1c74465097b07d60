"""The RunPod handler in-process: input checks, https downloads, output packaging, progress.

Inputs given as https URLs are served by a local HTTPS server with a throw-away
certificate that requests trusts through REQUESTS_CA_BUNDLE. The end-to-end path
through RunPod's SDK is in test_runpod_backend.py.
"""
from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import json
import os
import re
import ssl
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import runpod
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import ROOT, ffprobe
from workers import runpod_handler
from workers.runpod_handler import ProgressSender, handler


def run_handler(job_input) -> dict:
    return asyncio.run(handler({"id": "job-1", "input": job_input}))


def self_signed(folder) -> tuple:
    """A certificate and key for 127.0.0.1, written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def https_files(song, tmp_path, monkeypatch):
    """Base URL of an HTTPS server holding the song's files (image.jpg, audio.mp3, ...)."""
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(song["dir"])))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def progress_sent(monkeypatch):
    sent = []
    monkeypatch.setattr(runpod.serverless, "progress_update", lambda job, value: sent.append((job["id"], value)))
    return sent


def words_of(song) -> list[dict]:
    return [{"text": w["text"], "start": w["start"], "end": w["end"], "line": w["line"]}
            for w in song["truth"]["words"]]


def test_render_from_https_urls(song, https_files, progress_sent, tmp_path):
    output = run_handler({"image": f"{https_files}/image.jpg", "audio": f"{https_files}/audio.mp3",
                          "lyrics": song["lyrics"], "options": {"size": "360x640"}, "words": words_of(song)})
    assert "error" not in output, output
    (tmp_path / "out.mp4").write_bytes(base64.b64decode(output["video"]["base64"]))
    assert (tmp_path / "out.mp4").stat().st_size == output["video"]["bytes"]
    video = next(s for s in ffprobe(tmp_path / "out.mp4")["streams"] if s["codec_type"] == "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 360, 640)
    assert output["srt"].startswith("1\n") and output["vtt"].startswith("WEBVTT") and "[Events]" in output["ass"]
    assert [w["text"] for w in output["words"]["words"]] == [w["text"] for w in song["truth"]["words"]]
    assert output["duration"] == pytest.approx(song["truth"]["duration"], abs=0.1)
    stages = [value["stage"] for _, value in progress_sent]
    assert stages[0] == "checking" and "encoding" in stages and progress_sent[-1] == ("job-1", {"stage": "done",
                                                                                                "progress": 100})


@pytest.mark.parametrize("job_input, message", [
    ("just text", "the job input must be an object"),
    ({"audio": "AAAA"}, "'image' is required"),
    ({"image": "http://example.com/a.jpg", "audio": "AAAA"}, "the image URL must start with https://"),
    ({"image": "not base64!", "audio": "AAAA"}, "the image is neither valid base64 data nor an https URL"),
    ({"image": "AAAA", "audio": "AAAA", "lyrics": 5}, "'lyrics' must be text or null"),
    ({"image": "AAAA", "audio": "AAAA", "options": {"colour": "red"}}, "unknown option(s): colour"),
    ({"image": "AAAA", "audio": "AAAA", "options": {"font_size": "big"}}, "font_size must be a whole number"),
    ({"image": "AAAA", "audio": "AAAA", "words": "hello"}, "word timings must be a list"),
    ({"image": "AAAA", "audio": "AAAA", "words": [{"text": "hi"}]}, "needs text, start and end"),
])
def test_bad_input_returns_an_error(job_input, message):
    output = run_handler(job_input)
    assert set(output) == {"error"} and message in output["error"], output


def test_bad_files_return_the_pipeline_message(song):
    text = base64.b64encode(b"not a picture at all").decode()
    audio = base64.b64encode(song["audio"].read_bytes()).decode()
    assert "not a readable image" in run_handler({"image": text, "audio": audio, "lyrics": "la la"})["error"]


def test_a_bad_font_file_returns_a_clear_error(song):
    encoded = {kind: base64.b64encode(song[kind].read_bytes()).decode() for kind in ("image", "audio")}
    font = base64.b64encode(b"definitely not a font").decode()
    output = run_handler({**encoded, "lyrics": "la la", "font": font, "font_name": "brand.otf"})
    assert output == {"error": "font.otf is not a font file Pillow can read (use TTF or OTF)"}


def test_download_errors(song, https_files, monkeypatch):
    missing = run_handler({"image": f"{https_files}/nope.jpg", "audio": "AAAA"})
    assert missing == {"error": "could not download the image: HTTP 404 from " + https_files[8:]}
    monkeypatch.setattr(runpod_handler, "MAX_FILE_BYTES", 1000)
    too_big = run_handler({"image": f"{https_files}/image.jpg", "audio": "AAAA"})
    assert "larger than the 0 MB limit" in too_big["error"]
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    untrusted = run_handler({"image": f"{https_files}/image.jpg", "audio": "AAAA"})
    assert untrusted["error"].startswith("could not download the image from 127.0.0.1")


def test_large_video_needs_a_bucket(song, progress_sent, monkeypatch):
    job = {"image": base64.b64encode(song["image"].read_bytes()).decode(),
           "audio": "data:audio/mpeg;base64," + base64.b64encode(song["audio"].read_bytes()).decode(),
           "audio_name": "song.mp3", "lyrics": song["lyrics"], "options": {"size": "360x640"}, "words": words_of(song)}
    monkeypatch.setenv("REEL_RUNPOD_INLINE_MB", "0.01")
    assert "set BUCKET_ENDPOINT_URL" in run_handler(job)["error"]

    uploads = []
    monkeypatch.setattr(runpod_handler.rp_upload, "upload_file_to_bucket",
                        lambda name, path, **kw: uploads.append((name, path, kw)) or f"https://bucket.test/{name}")
    for name in ("BUCKET_ENDPOINT_URL", "BUCKET_ACCESS_KEY_ID", "BUCKET_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "set")
    output = run_handler(job)
    assert output["video"]["url"] == "https://bucket.test/job-1.mp4" and output["video"]["bytes"] > 0
    assert uploads[0][2] == {"bucket_name": None, "prefix": "reel"}


def test_progress_is_sent_on_change_and_throttled(progress_sent):
    send = ProgressSender({"id": "j"}, interval=60)
    for stage, fraction in [("checking", 0.0), ("checking", 0.001), ("aligning", 0.1), ("aligning", 0.2),
                            ("encoding", 0.5), ("done", 1.0)]:
        send(stage, fraction)
    assert [v for _, v in progress_sent] == [{"stage": "checking", "progress": 0}, {"stage": "aligning", "progress": 10},
                                             {"stage": "encoding", "progress": 50}, {"stage": "done", "progress": 100}]


def test_gpu_image_entry_point_runs_a_job(song, tmp_path):
    """The CMD of Dockerfile.gpu in the SDK's one-job local mode (it reads test_input.json in its folder)."""
    dockerfile = (ROOT / "Dockerfile.gpu").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1))
    assert cmd[:3] == ["python", "-m", "workers.runpod_handler"]
    job = {"input": {"image": base64.b64encode(song["image"].read_bytes()).decode(),
                     "audio": base64.b64encode(song["audio"].read_bytes()).decode(),
                     "lyrics": song["lyrics"], "options": {"size": "360x640"}, "words": words_of(song)}}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    (tmp_path / "test_input.json").write_text(json.dumps(job))
    run = subprocess.run([sys.executable, *cmd[1:]], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and "completed successfully" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
