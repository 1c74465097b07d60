"""Process groups, so that a worker's ffmpeg can be killed together with the worker.

Each forked consumer worker leads a process group of its own; ffmpeg, started by the
pipeline as the worker's child, inherits it. When a worker dies (kill -9), its ffmpeg
lives on in that group; whoever recovers the job kills the group. A group id cannot
be handed to a new process while any member of the group lives, so once the leader
is gone, killing the group reaches only the dead worker's leftovers.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path
from typing import Optional


def lead_own_group() -> Optional[int]:
    """In a forked worker process, start its own process group and return its id; else None.

    Threads of the main process (e.g. `huey_consumer -k thread`) keep the terminal's
    group, so Ctrl-C still reaches them.
    """
    if multiprocessing.parent_process() is None:
        return None
    os.setpgid(0, 0)
    return os.getpid()


def is_gone(pid: int) -> bool:
    """True when no running process has this pid (none at all, or a zombie not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        if Path("/proc/self").exists():
            return True
    try:  # no /proc here (macOS): ask the kernel
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


def kill_group(pgid: int) -> None:
    """SIGKILL every process of a group (nothing happens when the group is already empty)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_leftovers(pgid: int) -> None:
    """Kill what is left of a dead worker's group (its ffmpeg); never a live worker."""
    if is_gone(pgid):
        kill_group(pgid)
