"""A still frame of the reel in the chosen style, without rendering the video."""
from __future__ import annotations

from typing import Optional

from PIL import Image

from reel.captions import state_at
from reel.media import load_image
from reel.model import ReelOptions, Word
from reel.pipeline import fit_words, lay_out
from reel.render import background


def preview_frame(image_path, words: list[Word], options: Optional[ReelOptions] = None,
                  at: Optional[float] = None) -> Image.Image:
    """The frame shown at time `at` (seconds; default: the middle word of the first page)."""
    options = options or ReelOptions()
    painter, pages, states = lay_out(fit_words(words, float("inf")), options)
    frame = background(load_image(image_path), options).resize((options.width, options.height))
    frame = frame.convert("RGBA")
    if at is None and pages:
        first = [s for s in states if s.page is pages[0]]
        state = first[len(first) // 2]
    else:
        state = state_at(states, at or 0.0)
    if state is not None:
        frame.alpha_composite(painter.draw(state), (0, painter.band_top))
    return frame.convert("RGB")
