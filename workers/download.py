"""Fetch one https URL into a file, streamed, refusing more than a size limit.

Used by the RunPod handler (image and audio given as URLs) and the RunPod backend
(a video the worker left in a bucket). Every failure is a ReelError naming the host.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import requests

from reel.errors import ReelError

TIMEOUT = (10, 60)  # connect, read (s)


def fetch_url(url: str, dest: Path, max_bytes: int, what: str) -> None:
    """Stream url into dest; ReelError when it fails or is larger than max_bytes."""
    host = urlparse(url).netloc
    too_big = ReelError(f"the {what} at {host} is larger than the {max_bytes // 2**20} MB limit")
    try:
        with requests.get(url, stream=True, timeout=TIMEOUT) as resp:
            if resp.status_code != 200:
                raise ReelError(f"could not download the {what}: HTTP {resp.status_code} from {host}")
            if int(resp.headers.get("Content-Length") or 0) > max_bytes:
                raise too_big
            size = 0
            with open(dest, "wb") as fh:
                for chunk in resp.iter_content(chunk_size=1 << 20):
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_big
                    fh.write(chunk)
    except requests.RequestException as exc:
        raise ReelError(f"could not download the {what} from {host}: {type(exc).__name__}") from None
