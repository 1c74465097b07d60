"""reel: one still image + one song + its lyrics -> a vertical MP4 with word-timed captions.

The package is the pure pipeline (no queue, no UI). Its one entry point for rendering
is `reel.pipeline.make_reel`; the command line is `python -m reel`.
"""
