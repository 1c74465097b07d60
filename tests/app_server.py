"""Start the real app (`python app.py`) on a free port for the app tests."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(data_dir: Path, **env: str):
    """Yield the base URL of `python app.py` (embedded worker, its own data dir), then stop it."""
    port = free_port()
    log_path = data_dir / "app.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
                   "REEL_DATA_DIR": str(data_dir), "GRADIO_TEMP_DIR": str(data_dir / "gradio"),
                   "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", **env}
    environment.pop("ELEVENLABS_API_KEY", None)
    environment.pop("RUNPOD_API_KEY", None)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=environment,
                                stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + "gradio_api/info", timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers (401 behind REEL_AUTH)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"app.py did not answer in {START_TIMEOUT} s:\n"
                                       f"{log_path.read_text()[-3000:]}") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def app_log(data_dir: Path) -> str:
    """What the app printed (for failure messages)."""
    return (data_dir / "app.log").read_text(errors="replace")
