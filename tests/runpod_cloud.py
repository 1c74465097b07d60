"""Test stand-in for RunPod's cloud API, in front of the SDK's local worker server.

The handler runs for real: `python -m workers.runpod_handler --rp_serve_api` (the
SDK's development server; as a module, because run as a script its folder would
come first on sys.path and workers/queue.py would shadow the standard `queue`). That server differs from the cloud the client SDK talks
to: it lives at /run and /status/{id} (the client calls {base}/{endpoint}/run and
GETs {base}/{endpoint}/status/{id}), it runs a job only while a POST /status/{id}
waits, it has no /cancel, and progress_update posts to RUNPOD_WEBHOOK_POST_OUTPUT.
`RunPodCloud` bridges that in the tests only: /run is forwarded and the job is then
run by a background POST /status; meanwhile status reads IN_QUEUE / IN_PROGRESS with
the last progress the worker posted here; /cancel marks the job CANCELLED.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from conftest import send_json

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "rp-test-key"
ENDPOINT_ID = "reel-test-endpoint"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunPodCloud:
    """Serves {url}/v2/{endpoint}/run|status|cancel and {url}/progress/{id} for one worker."""

    def __init__(self):
        self.worker_url = ""
        self.jobs: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) in order
        self.hold_in_queue = False  # True: no worker ever picks jobs up (an endless cold start)
        self.lock = threading.Lock()
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                cloud.answer(self, "GET", b"")

            def do_POST(self):
                cloud.answer(self, "POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, req: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        path = req.path.split("?")[0]
        self.calls.append((method, path))
        progress = re.fullmatch(r"/progress/([^/]+)", path)
        if progress:  # the worker's progress_update: {"status": "IN_PROGRESS", "output": {...}}
            with self.lock:
                self.jobs[progress.group(1)]["progress"].append(json.loads(body)["output"])
            return self.reply(req, 200, {})
        if req.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self.reply(req, 401, {"error": "unauthorized"})
        route = re.fullmatch(rf"/v2/{ENDPOINT_ID}/(run|status|cancel)(?:/([^/]+))?", path)
        if not route:
            return self.reply(req, 404, {"error": "not found"})
        op, job_id = route.groups()
        if op == "run" and method == "POST":
            return self.reply(req, 200, self.submit(json.loads(body)))
        if job_id not in self.jobs:
            return self.reply(req, 404, {"error": "job not found"})
        job = self.jobs[job_id]
        if op == "cancel" and method == "POST":
            with self.lock:
                if job["status"] in ("IN_QUEUE", "IN_PROGRESS"):
                    job["status"] = "CANCELLED"
            return self.reply(req, 200, {"id": job_id, "status": job["status"]})
        if op == "status":
            with self.lock:
                state = {"id": job_id, "status": job["status"]}
                if job["status"] == "IN_PROGRESS" and job["progress"]:
                    state["output"] = job["progress"][-1]
                state.update(job["final"] if job["status"] in ("COMPLETED", "FAILED") else {})
            return self.reply(req, 200, state)
        return self.reply(req, 405, {"error": "method not allowed"})

    def submit(self, request: dict) -> dict:
        job_id = requests.post(f"{self.worker_url}/run", json=request, timeout=10).json()["id"]
        self.jobs[job_id] = {"status": "IN_QUEUE", "progress": [], "final": {}, "input": request["input"]}
        if not self.hold_in_queue:
            threading.Thread(target=self.execute, args=(job_id,), daemon=True).start()
        return {"id": job_id, "status": "IN_QUEUE"}

    def execute(self, job_id: str) -> None:
        job = self.jobs[job_id]
        with self.lock:
            job["status"] = "IN_PROGRESS"
        try:
            final = requests.post(f"{self.worker_url}/status/{job_id}", timeout=600).json()
        except requests.RequestException as exc:  # the worker was stopped mid-job
            final = {"status": "FAILED", "error": f"worker lost: {exc}"}
        with self.lock:
            if job["status"] == "IN_PROGRESS":
                job["status"] = final["status"]
                job["final"] = {k: final[k] for k in ("output", "error") if k in final}

    reply = staticmethod(send_json)


def start_worker(cloud: RunPodCloud, log_path: Path, env: dict | None = None) -> subprocess.Popen:
    """The real handler under the SDK's development server, wired to `cloud`; waits until it answers.

    It runs in the log's folder: the SDK keeps a job-state file in its working directory.
    """
    port = free_port()
    worker_env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT),
                  "RUNPOD_WEBHOOK_POST_OUTPUT": f"{cloud.url}/progress/$ID?from=worker"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "workers.runpod_handler", "--rp_serve_api",
                                 "--rp_api_host", "127.0.0.1", "--rp_api_port", str(port)],
                                cwd=log_path.parent, env=worker_env, stdout=log, stderr=subprocess.STDOUT)
    cloud.worker_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the RunPod worker exited: {log_path.read_text()[-2000:]}")
        try:
            requests.get(f"{cloud.worker_url}/docs", timeout=1)
            return proc
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the RunPod worker did not start within 60 s")


def stop_worker(proc: subprocess.Popen) -> None:
    """Stop the worker; kill it when a job it cannot cancel (the local server has no /cancel) still runs."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
