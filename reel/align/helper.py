"""A second process that searches beside this one, so alignment uses two cores.

PocketSphinx holds the GIL while it searches, so threads would take turns; a child
process (`python -m reel.align.helper`) searches truly in parallel. First it runs the
free phone loop over the song that the confidence compares words against (it needs no
alignment). Then, ForcedAligner.align tries its settings in a fixed order until one
succeeds, and which of them the budget affords is known before any runs (budget.py),
so while one search runs here the helper already runs the next in that order; its
result is taken only where the one-process order would have run that search. Every
search starts from fresh feature state (ForcedAligner.search), so a result is the same
whichever process computed it: the alignment is identical with or without the helper,
only sooner.

The child is started at once (it imports while this process reads the lyrics and the
audio), learns the song's words from `prepare`, and exits when the pipe closes. A helper
that fails or dies is dropped: every search then runs here.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple, Optional

MISSING = object()  # `take`: the helper has not run that job
CLOSE_TIMEOUT_S = 5.0


class Search(NamedTuple):
    """One forced search, as ForcedAligner.search runs it (here or in the helper)."""

    setting: int
    indices: tuple[int, ...]
    ahead: tuple[int, ...]
    audio: bytes
    unlisted: bool = False


class PhoneLoop(NamedTuple):
    """The free phone loop over the whole (16-bit PCM) audio: confidence.phone_loop_scores."""

    audio: bytes


def cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class SearchHelper:
    """The child process, holding at most one job (a Search or the PhoneLoop) at a time,
    running or done."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])  # where `reel` is importable from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self._proc = subprocess.Popen([sys.executable, "-m", "reel.align.helper", str(theirs.fileno())],
                                      pass_fds=[theirs.fileno()], env=env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        theirs.close()
        self._conn: Optional[Connection] = Connection(ours.detach())
        self._pending: Optional[tuple] = None  # the job sent, its reply not yet read
        self._keep = False  # whether that reply waits to be taken when the next job is offered
        self._kept: dict[tuple, Any] = {}  # replies read that wait to be taken
        self.used: Counter[str] = Counter()  # jobs whose result came from the helper, by kind

    def prepare(self, aligner_args: tuple) -> None:
        """Give the child the song's ForcedAligner (its constructor's arguments)."""
        self._send(("aligner", aligner_args))

    def offer(self, job: Search | PhoneLoop, keep: bool = False) -> None:
        """Start `job` in the child if it is free. Its result waits to be taken until another
        job is offered after it finished, or with `keep` until it is taken."""
        if self._conn is None:
            return
        if self._pending is not None:
            if not self._ready():
                return
            done, keep_done = self._pending, self._keep
            result = self._receive()
            if keep_done and result is not MISSING:
                self._kept[done] = result
        if self._conn is not None and self._send(("job", job)):
            self._pending, self._keep = job, keep

    def take(self, job: Search | PhoneLoop) -> Any:
        """The result of `job` if the child ran (or is running) it, waiting for it; else MISSING."""
        if job in self._kept:
            result = self._kept.pop(job)
        elif self._conn is not None and self._pending == job:
            result = self._receive()
        else:
            return MISSING
        if result is not MISSING:
            self.used[type(job).__name__] += 1
        return result

    def close(self) -> None:
        """Stop the child, even mid-search."""
        self._drop()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait(CLOSE_TIMEOUT_S)

    def __enter__(self) -> "SearchHelper":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _ready(self) -> bool:
        try:
            return self._conn.poll()
        except OSError:
            self._drop()
            return False

    def _send(self, message: tuple) -> bool:
        try:
            self._conn.send(message)
            return True
        except (OSError, ValueError):
            self._drop()
            return False

    def _receive(self) -> Any:
        self._pending = None
        try:
            return self._conn.recv()
        except (OSError, EOFError):
            self._drop()
            return MISSING

    def _drop(self) -> None:
        """Close the pipe (the child failed, or is being stopped): go on without it."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _serve(conn: Connection) -> None:
    """The child's loop: build the song's aligner, then run each job sent until the pipe closes."""
    from reel.align.confidence import phone_loop_scores
    from reel.align.offline import ForcedAligner

    aligner = None
    while True:
        try:
            kind, body = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "aligner":
            aligner = ForcedAligner(*body)
            continue
        try:
            conn.send(aligner.search(body) if isinstance(body, Search) else phone_loop_scores(body.audio))
        except OSError:  # the parent went away mid-search
            return


if __name__ == "__main__":  # run as `python -m reel.align.helper FD`: serve from the importable module,
    from reel.align import helper  # whose Search and PhoneLoop classes the parent's messages name

    helper._serve(Connection(int(sys.argv[1])))
