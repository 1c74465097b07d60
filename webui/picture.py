"""The picture input: Gradio's image upload, minus Gradio's own decoding.

`gr.Image` opens every upload with Pillow before the handler runs, so a file that is
not an image fails inside Gradio with no message for the user. This input hands the
uploaded file's path over untouched; `reel.media.load_image` then checks it and says
what is wrong, like every other input.
"""
from __future__ import annotations

from typing import Optional

import gradio as gr


class PictureInput(gr.Image):
    """gr.Image (same widget in the browser) whose value is the uploaded file's path."""

    is_template = True  # Gradio: draw it with the parent's (Image) front-end component

    def preprocess(self, payload) -> Optional[str]:
        return payload.path if payload is not None else None
