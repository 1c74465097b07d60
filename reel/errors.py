"""The one error family of the pipeline.

A `ReelError` carries a message meant for the user ("the audio file is empty"),
never a traceback. The edges turn it into exit code 2 (CLI), a Gradio error (app)
or a failed job (queue).
"""


class ReelError(Exception):
    """A problem with the user's input or request, explained in plain words."""


class Cancelled(ReelError):
    """The work was stopped on request (job deleted or timed out)."""
