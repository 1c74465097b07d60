"""A second process that runs forced searches beside this one, so alignment uses two cores.

PocketSphinx holds the GIL while it searches, so threads would take turns; a child
process (`python -m reel.align.helper`) searches truly in parallel. ForcedAligner.align
tries its settings in a fixed order until one succeeds, and which of them the budget
affords is known before any runs (budget.py), so while one search runs here the helper
already runs the next in that order; its result is taken only where the one-process
order would have run that search. Every search starts from fresh feature state
(ForcedAligner.search), so a result is the same whichever process computed it: the
alignment is identical with or without the helper, only sooner.

The child is started at once (it imports while this process reads the lyrics and the
audio), learns the song's words from `prepare`, and exits when the pipe closes. A helper
that fails or dies is dropped: every search then runs here.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple, Optional

MISSING = object()  # `take`: the helper has not run that search
CLOSE_TIMEOUT_S = 5.0


class Search(NamedTuple):
    """One forced search, as ForcedAligner.search runs it (here or in the helper)."""

    setting: int
    indices: tuple[int, ...]
    ahead: tuple[int, ...]
    audio: bytes
    unlisted: bool = False


def cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class SearchHelper:
    """The child process, holding at most one search at a time (running or done)."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])  # where `reel` is importable from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self._proc = subprocess.Popen([sys.executable, "-m", "reel.align.helper", str(theirs.fileno())],
                                      pass_fds=[theirs.fileno()], env=env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        theirs.close()
        self._conn: Optional[Connection] = Connection(ours.detach())
        self._pending: Optional[Search] = None  # sent, its reply not yet taken
        self.used = 0  # searches whose result came from the helper

    def prepare(self, aligner_args: tuple) -> None:
        """Give the child the song's ForcedAligner (its constructor's arguments)."""
        self._send(("aligner", aligner_args))

    def offer(self, search: Search) -> None:
        """Start `search` in the child if it is free (a result nobody took is dropped)."""
        if self._conn is None:
            return
        if self._pending is not None:
            if not self._ready():
                return
            self._receive()
        if self._send(("search", search)):
            self._pending = search

    def take(self, search: Search) -> Any:
        """The result of `search` if the child ran (or is running) it, waiting for it; else MISSING."""
        if self._conn is None or self._pending != search:
            return MISSING
        result = self._receive()
        if result is not MISSING:
            self.used += 1
        return result

    def close(self) -> None:
        """Stop the child, even mid-search."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
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
        """The child failed: go on without it."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _serve(conn: Connection) -> None:
    """The child's loop: build the song's aligner, then run each search sent until the pipe closes."""
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
            conn.send(aligner.search(body))
        except OSError:  # the parent went away mid-search
            return


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
