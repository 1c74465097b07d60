"""Pieces of the Gradio page that are not wiring: the word table, the in-browser
caption player, the job progress bar. `app.py` puts them on the page."""
