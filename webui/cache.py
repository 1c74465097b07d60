"""Gradio's file cache: what reel leaves there, and taking it out again.

Gradio keeps every upload in its cache folder (GRADIO_TEMP_DIR) and copies every file
it serves there too (named by a hash of the content), with nothing removing them. A job
keeps its own copies of its inputs, so:
- `forget_upload`: an API call's uploads are removed as soon as the call has used them
  (accepted or refused), and so are the page's refused uploads and its lyrics files;
- `forget_served`: when a job is deleted, the copies Gradio made to serve its outputs
  are removed, so the video's URL stops answering;
- everything else (the page's accepted uploads, which it reuses for every preview; the copies
  Gradio's MCP server makes of data: URLs; its empty temporary files) goes with
  `start_sweeper`: files older than REEL_CACHE_MAX_AGE are removed.
"""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Iterable, Optional

import gradio as gr
from gradio import processing_utils, utils


def cache_folder() -> Path:
    return Path(utils.get_upload_folder()).resolve()


def _in_cache(path: Path) -> Optional[Path]:
    """The cache sub-folder holding `path` (cache/<hash>/<name>), or None when it lies elsewhere."""
    path = path.resolve()
    root = cache_folder()
    if path.parent.parent != root:
        return None
    return path.parent


_always_kept: set[Path] = set()


def keep(*sources: Path) -> None:
    """Never remove the cached copies of these files (the page's examples).

    Gradio caches a file as cache/<hash of its content>/<name>, where an upload of the
    same file lands too: removing that upload would take the example away."""
    for source in sources:
        _always_kept.add(cache_folder() / processing_utils.hash_file(source) / Path(source).name)


def kept_files(blocks: gr.Blocks) -> set[Path]:
    """Files the page itself shows (examples, default values): never removed."""
    kept: set[str] = set()
    for block in blocks.blocks.values():
        kept.update(getattr(block, "keep_in_cache", ()))
    return {Path(path).resolve() for path in kept} | _always_kept


def forget_upload(blocks: gr.Blocks, *paths: Optional[str]) -> None:
    """Remove uploaded files (and their hash folder) from the cache; other paths are left alone.

    Gradio names an upload by a hash of its content, so an upload of the example song is
    the example's own cached file: `kept_files` are skipped."""
    kept = kept_files(blocks)
    for path in filter(None, paths):
        file = Path(path).resolve()
        folder = _in_cache(file)
        if folder is None or file in kept:
            continue
        file.unlink(missing_ok=True)
        try:
            folder.rmdir()  # only when empty: the same content may be cached under another name
        except OSError:
            pass


def forget_served(paths: Iterable[Path]) -> None:
    """Remove the cached copies Gradio made to serve these files (call before deleting them)."""
    for path in paths:
        if path.is_file():
            shutil.rmtree(cache_folder() / processing_utils.hash_file(path), ignore_errors=True)


def sweep(blocks: gr.Blocks, max_age: float) -> int:
    """Remove cache files older than max_age seconds (but the page's own), then empty folders."""
    kept, cutoff, removed = kept_files(blocks), time.time() - max_age, 0
    root = cache_folder()
    if not root.is_dir():
        return 0
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        try:
            if path.is_dir():
                path.rmdir()  # fails (and stays) while it holds files
            elif path.resolve() not in kept and path.lstat().st_ctime < cutoff:  # copies keep old mtimes
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def start_sweeper(blocks: gr.Blocks, max_age: float) -> threading.Thread:
    """Sweep the cache every max_age / 4 (at most 15 min) in a daemon thread."""
    def run() -> None:
        while True:
            time.sleep(min(900.0, max_age / 4))
            sweep(blocks, max_age)

    thread = threading.Thread(target=run, name="reel-cache-sweep", daemon=True)
    thread.start()
    return thread
