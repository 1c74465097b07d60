"""Helpers for the queue tests and benchmark: real consumers, redis-server, process checks.

`Consumer` runs the documented command (`huey_consumer workers.main.huey -k process`)
as a subprocess in its own session; `stop()` ends it and anything it left behind
(its worker processes lead their own process groups).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
HUEY_CONSUMER = Path(sys.executable).with_name("huey_consumer")


def wait_until(check: Callable[[], object], timeout: float, what: str, poll: float = 0.1):
    """Poll `check` until it returns something truthy; AssertionError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text` (a job id: its ffmpeg)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if text in cmdline and alive(int(entry.name)):
                found.append(int(entry.name))
    return found


class Consumer:
    """`huey_consumer workers.main.huey -w N -k process` in a subprocess, logging to a file."""

    def __init__(self, log_path: Path, workers: int = 2, env: Optional[dict] = None):
        cmd = [str(HUEY_CONSUMER), "workers.main.huey", "-w", str(workers), "-k", "process", "-m", "0.5"]
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.workers_seen: set[int] = set()

    def worker_pids(self) -> list[int]:
        pids = children(self.proc.pid)
        self.workers_seen.update(pids)
        return pids

    def send(self, sig: int) -> None:
        self.worker_pids()
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Stop the consumer, then kill whatever of its workers and their groups is left."""
        if self.proc.poll() is None:
            self.send(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in self.workers_seen:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    """A throw-away redis-server (no persistence) on a free port; returns it and its URL."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    wait_until(lambda: _pings(client), 10, "redis-server to answer")
    return proc, f"redis://127.0.0.1:{port}/0"


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def truth_words(song: dict) -> list[dict]:
    """The song fixture's exact word times, as the edited timings a user could send."""
    return [{"text": w["text"], "start": w["start"], "end": w["end"], "line": w["line"]}
            for w in song["truth"]["words"]]
