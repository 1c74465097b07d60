"""A JSON input whose API schema says what the JSON holds.

`gr.JSON` describes its value to the API and to MCP clients as `{}` (any JSON), which
MCP clients reject as a tool's input schema ("{} is not valid under any of the given
schemas"). This input is the same widget with a real JSON Schema: the `options` object
built from `reel.model`'s option rules, the `words` list of timed words.
"""
from __future__ import annotations

import gradio as gr


class TypedJSON(gr.JSON):
    """gr.JSON (same front-end) whose API and MCP tool schema is `schema`."""

    is_template = True  # Gradio: draw it with the parent's (JSON) front-end component

    def __init__(self, *args, schema: dict, **kwargs):
        self.schema = schema
        super().__init__(*args, **kwargs)

    def api_info(self) -> dict:
        return self.schema
