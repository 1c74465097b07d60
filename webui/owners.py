"""Who is asking: the owner id of a page visitor, an API client or an MCP agent.

Every job belongs to the owner that created it, and every job endpoint and page event
acts on the caller's jobs only (`workers.jobs` takes the owner). The owner is, first
match wins:

1. a logged-in user (`REEL_AUTH` login, or Hugging Face OAuth on a Space): "user:<name>";
   names listed in `REEL_ADMINS` are the operator and see every job (owner None);
2. an owner token: the page's random token kept in the browser's localStorage (a
   reload keeps your jobs), or the `X-Reel-Owner` header a gradio_client or MCP client
   sends; stored only as a hash, "token:<sha256>";
3. a gradio_client without a token: its session ("session:<hash>"), so its jobs live
   as long as that `Client` object.

MCP calls all arrive through one internal Gradio client (one session for every
agent), so an MCP call without a token or a login has no owner and is refused.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from typing import Optional

import gradio as gr
from gradio import helpers, oauth

from reel.errors import ReelError
from workers import settings

OWNER_HEADER = "x-reel-owner"
MCP_MARK = ("x-gradio-user", "mcp")  # the header Gradio's MCP server puts on the calls it relays
MAX_TOKEN_CHARS = 200


def new_browser_token() -> str:
    """A fresh token for a browser that has none yet (kept in its localStorage)."""
    return secrets.token_urlsafe(24)


def browser_secret() -> str:
    """The key gr.BrowserState encrypts the token with, kept in REEL_DATA_DIR so a restart
    does not make every browser's token unreadable (and its jobs unreachable)."""
    path = settings.data_dir() / "browser-secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def admins() -> set[str]:
    """REEL_ADMINS: comma-separated login names that see and manage every job."""
    return {name.strip() for name in os.environ.get("REEL_ADMINS", "").split(",") if name.strip()}


def login_name(request: Optional[gr.Request]) -> Optional[str]:
    """The logged-in user's name: the REEL_AUTH login, else a Hugging Face OAuth login."""
    if request is None:
        return None
    if request.username:
        return request.username
    info = oauth._get_valid_oauth_info_from_session(helpers._session_from_request(request))
    return (info or {}).get("userinfo", {}).get("preferred_username") or None


def _token_owner(token: str) -> str:
    if len(token) > MAX_TOKEN_CHARS:
        raise ReelError(f"the owner token is longer than {MAX_TOKEN_CHARS} characters")
    return "token:" + hashlib.sha256(token.encode()).hexdigest()


def owner_of(request: Optional[gr.Request], browser_token: Optional[str] = None) -> Optional[str]:
    """The caller's owner id (see the module docstring); None for an admin (every job)."""
    name = login_name(request)
    if name:
        return None if name in admins() else f"user:{name}"
    headers = request.headers if request is not None else {}
    token = (browser_token or headers.get(OWNER_HEADER) or "").strip()
    if token:
        return _token_owner(token)
    if headers.get(MCP_MARK[0]) == MCP_MARK[1]:
        raise ReelError(f"MCP clients must send an {OWNER_HEADER.title()} header (any long random "
                        "string you keep) so that your jobs stay yours")
    if request is None or not request.session_hash:
        raise ReelError("cannot tell whose jobs these are: send an X-Reel-Owner header")
    return f"session:{request.session_hash}"
