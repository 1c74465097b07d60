"""reel's web page and API: one still image + one song + its lyrics -> a captioned reel.

The page previews the word timings in seconds (a still frame, an editable word table,
the SRT, and a player that animates the captions in the browser over the song), then
queues the render as a job and follows its progress to the finished video. The same
work is offered as named API endpoints (gradio_client) and as MCP tools.

Every job has an owner (`webui.owners`: the login, the browser's token, the API
client's token or session); the page and every endpoint show and touch only the
caller's jobs, and one owner may have REEL_MAX_JOBS_PER_OWNER jobs in the queue.

Renders never run in a Gradio worker: they are jobs (`workers.jobs`), run by the queue
consumer that `python app.py` starts in the background, so a long encode never blocks
the page. Timing the words (seconds of CPU) runs here, at most two at a time.

    python app.py        # serves on GRADIO_SERVER_PORT (default 7860)
Environment: REEL_AUTH=user:pass (optional login), REEL_DATA_DIR, REEL_QUEUE_URL, ...
"""
from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Optional

import gradio as gr

from reel.align import check_transcription
from reel.clip import check_inside, explicit_span
from reel.errors import ReelError
from reel.fonts import check_font_file
from reel.lrc import read_lyrics
from reel.languages import AUTO as AUTO_LANGUAGE, LANGUAGES, check_language
from reel.media import decode_audio, load_image
from reel.model import POSITIONS, WORDS_SCHEMA, ReelOptions, Word, options_schema
from reel.pipeline import align_only, validate_inputs
from reel.preview import preview_frame
from reel.styles import STYLE_NAMES, describe_styles
from webui import cache, clip_controls, owners, player, timings
from webui.picture import PictureInput
from webui.typed_json import TypedJSON
from webui.progress import PROGRESS_CSS, TERMINAL, event_progress, follow_on, progress_html
from workers import jobs, settings

log = logging.getLogger("reel.app")

EXAMPLES = Path(__file__).resolve().parent / "assets" / "examples"
PAGE_CSS = (Path(__file__).resolve().parent / "webui" / "page.css").read_text(encoding="utf-8")
SIZES = [("9:16 vertical", "1080x1920"), ("1:1 square", "1080x1080"), ("16:9 wide", "1920x1080")]
JOB_STATES = ["all", "pending", "processing", "completed", "failed", "cancelled"]
JOB_COLUMNS = ["id", "state", "progress", "stage", "created (UTC)", "length (s)", "error"]
MAX_FILE_SIZE = "100mb"
POLL_SECONDS = 1.0
SYNC_WAIT_SECONDS = settings.job_timeout() + 120
ALIGN_CONCURRENCY = 2   # word timing is CPU-bound: at most this many at once
SYNC_CONCURRENCY = 4    # create_video_sync callers waiting for their job


def user_errors(fn):
    """Turn ReelError into a message in the page / API error; never show a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ReelError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except gr.Error:
            raise
        except Exception:
            log.exception("unexpected error in %s", fn.__name__)
            raise gr.Error("Something went wrong on the server (the error was logged). "
                           "Please try again.", print_exception=False) from None
    return wrapper


def need(value, what: str):
    """The value, or a ReelError asking for it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ReelError(f"please add {what}")
    return value


def page_options(style: str, size: str, font_file: Optional[str], font_size: float, outline_width: float,
                 shadow: float, text_color: str, highlight_color: str, outline_color: str,
                 position: str, waveform: bool, progress_bar: bool, platform: str, clip_start: str,
                 clip_end: str) -> ReelOptions:
    """The render options chosen with the page's controls (sizes of 0 = the template's own).

    `font_file` is the uploaded font's path on this server (checked as a font here); a
    platform sets the frame size; the clip's start and end are page text (`webui.clip_controls`)."""
    return ReelOptions(style=style, size=clip_controls.platform_size(platform, size), font_file=font_file or "",
                       font_size=int(font_size or 0), outline_width=int(outline_width or 0), shadow=int(shadow or 0),
                       text_color=text_color, highlight_color=highlight_color, outline_color=outline_color,
                       position=position, waveform=bool(waveform), progress_bar=bool(progress_bar),
                       platform=platform or "", clip=clip_controls.clip_option(clip_start, clip_end))


def job_options(options: ReelOptions) -> tuple[dict, Optional[str]]:
    """The options as a job takes them: the font file travels as its own input, not as an option."""
    chosen = options.to_dict()
    return chosen, chosen.pop("font_file") or None


def sung_lyrics(lyrics: Optional[str], transcribe: bool) -> Optional[str]:
    """The lyrics to align, or None to transcribe the song instead."""
    return None if transcribe else (lyrics or "")


def can_transcribe() -> bool:
    """Whether a song without lyrics can be transcribed here (only ElevenLabs can: offline is too wrong)."""
    try:
        check_transcription()
        return True
    except ReelError:
        return False


def has_rows(rows) -> bool:
    """True when the word table holds at least one word."""
    return any(row and str(row[0] or "").strip() for row in (rows or []))


# ---------------------------------------------------------------- page handlers

def preview_views(image: str, audio: str, words: list[Word], options: ReelOptions) -> tuple:
    """Still frame, SRT text and in-browser player for these timings."""
    frame = preview_frame(image, words, options)
    return frame, timings.srt_text(words, options), player.player_html(image, audio, words, options)


def language_note(alignment, chosen: str) -> str:
    """"Lyrics language: Spanish (detected)" for the page."""
    name = LANGUAGES[alignment.language].name if alignment.language in LANGUAGES else alignment.language
    return f"Lyrics language: {name} ({'detected' if chosen == AUTO_LANGUAGE else 'chosen'})"


@user_errors
def preview_subtitles(image, audio, lyrics, transcribe, language, bar=gr.Progress(), *controls):
    """Time the lyrics (seconds) and show the still frame, the word table, the SRT and the player.

    The event's progress bar follows the checks and the aligner (20-40 s for a 3-minute song)."""
    need(image, "an image")
    need(audio, "a song")
    options = page_options(*controls)
    text = sung_lyrics(lyrics, transcribe)
    progress = event_progress(bar)
    progress("checking", 0.0)
    song_seconds = validate_inputs(image, audio, text)
    if (span := explicit_span(options.clip)) is not None:  # a whole song may pass a platform's limit here:
        check_inside(span, song_seconds)                   # the preview is where its chorus is found
    alignment = align_only(audio, text, options.aligner, progress, language=check_language(language))
    if not alignment.words:
        raise ReelError("no words were heard in the song")
    if alignment.transcribed:
        gr.Info("No lyrics given: the words were transcribed and may be wrong. Fix them in the table.")
    else:
        gr.Info(language_note(alignment, language))
    frame, srt, html = preview_views(image, audio, alignment.words, options)
    return frame, timings.words_to_rows(alignment.words), srt, html


@user_errors
def refresh_preview(image, audio, rows, *controls):
    """Redraw the still, SRT and player after a table edit or a style change."""
    return refreshed_views(image, audio, rows, controls)


def refreshed_views(image, audio, rows, controls) -> tuple:
    """The preview views for the page's controls, or skips while there is no preview to redraw."""
    if not (image and audio and has_rows(rows)):
        return gr.skip(), gr.skip(), gr.skip()
    return preview_views(image, audio, timings.rows_to_words(rows), page_options(*controls))


@user_errors
def clip_edited(image, audio, rows, *controls):
    """A new clip start/end: the span in words beside the boxes (or what is wrong with it), and
    the player playing just that part."""
    try:
        note = clip_controls.clip_note(*controls[-3:])  # page_options' last three: platform, start, end
        views = refreshed_views(image, audio, rows, controls)
    except ReelError as exc:
        return f"⚠ {exc}", gr.skip(), gr.skip(), gr.skip()
    return note, *views


@user_errors
def fill_chorus(audio, lyrics, transcribe, rows, platform):
    """Fill the clip's start and end with the chorus found in the table's words."""
    return clip_controls.chorus_times(need(audio, "a song"), sung_lyrics(lyrics, transcribe), rows, platform)


def platform_chosen(platform: str, size: str):
    """A platform fixes the frame size: show it, and free the choice again for none."""
    return gr.Radio(value=clip_controls.platform_size(platform, size), interactive=not platform)


@user_errors
def load_lyrics_file(path: str) -> str:
    """The text of an uploaded lyrics or LRC file, checked (a corrupt LRC is a message now).

    The file leaves Gradio's cache at once: its text is in the lyrics box now, or it was refused."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ReelError(f"{Path(path).name} is not UTF-8 text") from None
    finally:
        cache.forget_upload(demo, path)
    read_lyrics(text)
    return text


def refuse_bad_upload(check):
    """A page upload handler: a file `check` accepts stays; a refused one leaves Gradio's cache at
    once, the input is emptied and the reason shown (the page reuses accepted uploads for every preview)."""
    def check_upload(path: Optional[str]):
        if path:
            try:
                check(path)
            except ReelError as exc:
                cache.forget_upload(demo, path)
                gr.Warning(str(exc))
                return None
        return gr.skip()
    return check_upload


def clear_preview():
    """A new song: the old timings no longer apply."""
    return None, [], "", player.EMPTY


def keep_browser_token(token: Optional[str]) -> str:
    """On page load: the browser's owner token, or a new one to keep in its localStorage."""
    return token or owners.new_browser_token()


@user_errors
def start_job(request: gr.Request, token, image, audio, lyrics, transcribe, rows, language, *controls):
    """Queue the render (with the table's timings when there are any) and start following it."""
    chosen, font = job_options(page_options(*controls))
    chosen["language"] = check_language(language)
    words = [w.to_dict() for w in timings.rows_to_words(rows)] if has_rows(rows) else None
    owner = owners.owner_of(request, token)
    job = jobs.create_job(need(image, "an image"), need(audio, "a song"), sung_lyrics(lyrics, transcribe),
                          chosen, words=words, font_file=font, owner=owner)
    return job["id"], progress_html(job), gr.Timer(active=True), *finished_views(None, owner)


FINISHED_VIEWS = 5  # the video and the four download buttons


def finished_views(job_id: Optional[str], owner: Optional[str]) -> tuple:
    """Video and the four download buttons: filled for a finished job, else hidden."""
    if job_id is None:
        return (gr.Video(value=None, visible=False),
                *(gr.DownloadButton(value=None, visible=False) for _ in range(4)))
    return (gr.Video(value=str(jobs.job_output(job_id, "video", owner)), visible=True),
            *(gr.DownloadButton(value=str(jobs.job_output(job_id, kind, owner)), visible=True)
              for kind in ("video", "srt", "ass", "lrc")))


def follow_job(job_id: Optional[str], token: Optional[str], request: gr.Request):
    """One poll of the followed job: the bar, and the video once it is done."""
    if not job_id:
        return progress_html(None), gr.Timer(active=False), *(gr.skip(),) * FINISHED_VIEWS
    try:
        owner = owners.owner_of(request, token)
        job = jobs.get_job(job_id, owner)
        if job["state"] not in TERMINAL:
            return progress_html(job), gr.skip(), *(gr.skip(),) * FINISHED_VIEWS
        done = job["state"] == "completed"
        return progress_html(job), gr.Timer(active=False), *finished_views(job_id if done else None, owner)
    except ReelError as exc:  # deleted meanwhile: say so once and stop polling
        return (progress_html({"state": "failed", "error": str(exc)}), gr.Timer(active=False),
                *finished_views(None, None))


@user_errors
def job_rows(state: str, token: Optional[str], request: gr.Request) -> list[list]:
    """The caller's jobs table, newest first."""
    found = jobs.list_jobs(None if state in (None, "", "all") else state, limit=200,
                           owner=owners.owner_of(request, token))
    return [[j["id"], j["state"], j.get("progress", 0), j.get("stage") or "",
             (j.get("created_at") or "")[:19].replace("T", " "),
             round(j["duration"], 1) if j.get("duration") else "", j.get("error") or ""] for j in found]


def pick_job(evt: gr.SelectData) -> str:
    """The id of the clicked row."""
    return evt.row_value[0]


@user_errors
def open_job(job_id, token, request: gr.Request):
    """Follow the chosen job on the first tab."""
    job = jobs.get_job(need(job_id, "a job (click a row)"), owners.owner_of(request, token))
    return job["id"], gr.Tabs(selected="make"), gr.Timer(active=True), progress_html(job)


def delete_owned_job(job_id: str, owner: Optional[str]) -> None:
    """Delete the caller's job with every file of it, Gradio's copies of its outputs included.

    JobNotFound when the caller has no such job (unknown, or someone else's)."""
    cache.forget_served(jobs.job_outputs(job_id, owner))
    if not jobs.delete_job(job_id, owner):
        raise jobs.JobNotFound("job not found")


@user_errors
def remove_job(job_id, state, token, request: gr.Request):
    """Delete the chosen job (cancelling it if it runs) and refresh the list."""
    delete_owned_job(need(job_id, "a job (click a row)"), owners.owner_of(request, token))
    gr.Info("Job deleted.")
    return "", job_rows(state, token, request)


# ---------------------------------------------------------------- API endpoints

@user_errors
def create_video(image: str, audio: str, lyrics: str, options: Optional[dict] = None,
                 words: Optional[list] = None, font: Optional[str] = None,
                 request: gr.Request = None) -> dict:
    """Queue a reel (a vertical video whose captions follow the voice word by word); returns the job.

    Args:
        image: the picture (JPEG, PNG, WebP, ...), shown for the whole song.
        audio: the song (MP3, WAV, M4A, FLAC, OGG, ...).
        lyrics: the sung words, one line per lyric line, or the text of an LRC file (its line times
            keep each line in place); leave empty to transcribe the song
            (only where ElevenLabs is set up; otherwise refused, asking for the lyrics).
        options: render options, e.g. {"style": "karaoke", "size": "1080x1920"}; every option with its
            type and range is in the schema (style, size, font, font_size, colours, position, zoom...).
        words: optional word timings from align_lyrics ([{"text", "start", "end", "line"}, ...]).
        font: optional TTF/OTF font file to draw the captions with.
    Returns:
        The job: id, state (pending|processing|completed|failed|cancelled), progress, stage, error.
        Poll get_job with the id, then call download_video.
    """
    try:
        return jobs.create_job(need(image, "an image"), need(audio, "a song"), (lyrics or "").strip() or None,
                               options, words=words or None, font_file=font or None, owner=owners.owner_of(request))
    finally:  # the job has its own copies (or was refused): the uploads are not needed any more
        cache.forget_upload(demo, image, audio, font)


@user_errors
def get_job(job_id: str, request: gr.Request = None) -> dict:
    """The job's state, progress (0-100), stage, error and times.

    Args:
        job_id: the id returned by create_video.
    """
    return jobs.get_job(need(job_id, "a job id"), owners.owner_of(request))


@user_errors
def download_video(job_id: str, kind: str = "video", request: gr.Request = None) -> str:
    """The finished MP4 of a completed job (or, with `kind`, one of the files made with it).

    Args:
        job_id: the id returned by create_video.
        kind: video (default), srt, ass, vtt, lrc (enhanced LRC: word times) or words (JSON).
    """
    return str(jobs.job_output(need(job_id, "a job id"), (kind or "video").strip(), owners.owner_of(request)))


@user_errors
def delete_job(job_id: str, request: gr.Request = None) -> dict:
    """Delete a job and its files (a pending or running job is cancelled first).

    Args:
        job_id: the id returned by create_video.
    """
    delete_owned_job(need(job_id, "a job id"), owners.owner_of(request))
    return {"id": job_id, "deleted": True}


@user_errors
def list_jobs(state: Optional[str] = None, limit: Optional[float] = None, request: gr.Request = None) -> list:
    """Your jobs, newest first (with no arguments: all of them, in every state).

    Args:
        state: only jobs in this state (pending, processing, completed, failed, cancelled); empty for all.
        limit: at most this many jobs (1-500).
    """
    return jobs.list_jobs((state or "").strip() or None, limit=int(limit or 50), owner=owners.owner_of(request))


@user_errors
def health() -> dict:
    """Whether the service can take work: database, queue, live workers, free disk, jobs per state."""
    return jobs.health()


@user_errors
def create_video_sync(image: str, audio: str, lyrics: str, options: Optional[dict] = None,
                      words: Optional[list] = None, font: Optional[str] = None,
                      request: gr.Request = None, bar=gr.Progress()) -> str:
    """Make a reel and wait for it; returns the MP4 (for short songs; use create_video for long ones).

    Args:
        image: the picture shown for the whole song.
        audio: the song.
        lyrics: the sung words, one line per lyric line; leave empty to transcribe the song
            (only where ElevenLabs is set up; otherwise refused, asking for the lyrics).
        options: render options as for create_video.
        words: optional word timings from align_lyrics.
        font: optional TTF/OTF font file to draw the captions with.
    """
    owner = owners.owner_of(request)
    job = create_video(image, audio, lyrics, options, words, font, request)
    job = jobs.wait_for_job(job["id"], timeout=SYNC_WAIT_SECONDS, owner=owner, on_update=follow_on(bar))
    if job["state"] == "failed":
        raise ReelError(f"the video could not be made: {job.get('error') or 'unknown error'}")
    if job["state"] != "completed":
        raise ReelError(f"the job is {job['state']}; follow it with get_job('{job['id']}')")
    return str(jobs.job_output(job["id"], "video", owner))


@user_errors
def align_lyrics(audio: str, lyrics: str, language: str = "auto", bar=gr.Progress()) -> dict:
    """Time every lyric word in the song (no video); edit the times and pass them to create_video.

    Args:
        audio: the song.
        lyrics: the sung words, one line per lyric line; leave empty to transcribe the song
            (only where ElevenLabs is set up; otherwise refused, asking for the lyrics).
        language: the lyrics' language, an ISO 639-1 code such as es, de, hi; "auto" detects it.
    Returns:
        {"words": [{"text", "start", "end", "line", "confidence"}, ...], "transcribed": bool,
         "language": the code the words were timed in}
    """
    try:
        alignment = align_only(need(audio, "a song"), (lyrics or "").strip() or None,
                               progress=event_progress(bar), language=check_language(language or AUTO_LANGUAGE))
    finally:
        cache.forget_upload(demo, audio)
    return {"words": [w.to_dict() for w in alignment.words], "transcribed": alignment.transcribed,
            "language": alignment.language}


# ---------------------------------------------------------------- the page

def example_row() -> list:
    """The bundled example: a generated sunset, a short sung song and its lyrics."""
    files = [EXAMPLES / "sunset.jpg", EXAMPLES / "song.mp3"]
    cache.keep(*files)
    return [*map(str, files), (EXAMPLES / "lyrics.txt").read_text(encoding="utf-8")]


def style_controls() -> list:
    """The caption look controls, in page_options' argument order."""
    with gr.Accordion("Caption style", open=True):
        with gr.Row():
            style = gr.Dropdown(list(STYLE_NAMES), value="karaoke", label="Style", info=describe_styles())
            size = gr.Radio(SIZES, value="1080x1920", label="Output size")
        font_file = gr.File(label="Your font (TTF/OTF, optional)", file_types=[".ttf", ".otf"], type="filepath",
                            height=80, elem_id="reel-font")
        font_size = gr.Slider(0, 200, value=0, step=2, label="Font size (px; 0 = automatic)")
        with gr.Row():
            outline_width = gr.Slider(0, 30, value=0, step=1, label="Outline (px; 0 = the style's)")
            shadow = gr.Slider(0, 40, value=0, step=1, label="Drop shadow (px; 0 = the style's)")
        with gr.Row():
            swatch = {"elem_classes": "reel-swatch"}  # webui/page.css: visible on any panel
            text_color = gr.ColorPicker("#FFFFFF", label="Text", elem_id="reel-text-color", **swatch)
            highlight_color = gr.ColorPicker("#FFD23F", label="Sung word", elem_id="reel-highlight-color", **swatch)
            outline_color = gr.ColorPicker("#000000", label="Outline", elem_id="reel-outline-color", **swatch)
        position = gr.Radio(list(POSITIONS), value="bottom", label="Position")
        with gr.Row():
            waveform = gr.Checkbox(False, label="Audiogram: waveform moving with the music")
            progress_bar = gr.Checkbox(False, label="Audiogram: progress bar")
    return [style, size, font_file, font_size, outline_width, shadow, text_color, highlight_color, outline_color,
            position, waveform, progress_bar]


def post_controls() -> tuple[list, gr.Button, gr.Markdown]:
    """Platform and clip (page_options' last arguments), the "Find the chorus" button, the chosen span."""
    with gr.Accordion("Platform and clip", open=True):
        platform = gr.Radio(clip_controls.platform_choices(), value=clip_controls.NO_PLATFORM, label="Post to",
                            info="1080x1920, 30 fps, the platform's length limit; captions kept clear "
                                 "of its buttons and text", elem_id="reel-platform")
        with gr.Row(equal_height=True):
            start = gr.Textbox(label="Clip start (s or m:ss)", placeholder="empty: the whole song",
                               elem_id="reel-clip-start")
            end = gr.Textbox(label="Clip end (s or m:ss)", placeholder="e.g. 1:35", elem_id="reel-clip-end")
            chorus_btn = gr.Button("Find the chorus", size="sm", elem_id="reel-chorus-btn")
        note = gr.Markdown(clip_controls.WHOLE_SONG, elem_id="reel-clip-note")
    return [platform, start, end], chorus_btn, note


def build() -> gr.Blocks:
    """The page and the API endpoints (one Blocks)."""
    private = {"api_visibility": "private"}
    with gr.Blocks(title="reel: lyrics video maker") as demo:
        token = gr.BrowserState(None, storage_key="reel-owner", secret=owners.browser_secret())
        gr.Markdown("# reel\nOne picture + one song + its lyrics → a vertical video whose captions "
                    "follow the voice word by word.")
        job_id = gr.State(None)
        with gr.Tabs() as tabs:
            with gr.Tab("Make a reel", id="make"):
                with gr.Row():
                    with gr.Column(scale=1):
                        image = PictureInput(type="filepath", label="Picture", height=260, elem_id="reel-image")
                        audio = gr.Audio(type="filepath", label="Song", sources=["upload"], elem_id="reel-audio")
                        lyrics = gr.Textbox(label="Lyrics", lines=8, elem_id="reel-lyrics",
                                            placeholder="Paste the lyrics, one sung line per line.\n"
                                                        "[Chorus] and similar tags are skipped.")
                        lyrics_file = gr.UploadButton("Load lyrics from a file (.txt, or .lrc with line times)",
                                                      file_types=[".lrc", ".txt"], size="sm",
                                                      elem_id="reel-lyrics-file")
                        transcribe = gr.Checkbox(False, label="No lyrics: transcribe the song with ElevenLabs "
                                                              "Scribe (the words are a machine guess)",
                                                 visible=can_transcribe())
                        language = gr.Dropdown([("Auto (detect from the lyrics)", AUTO_LANGUAGE)]
                                               + [(lang.name, lang.code) for lang in LANGUAGES.values()],
                                               value=AUTO_LANGUAGE, label="Lyrics language",
                                               elem_id="reel-language")
                        looks = style_controls()
                        posting, chorus_btn, clip_note = post_controls()
                        controls = [*looks, *posting]
                        platform, clip_start, clip_end = posting
                        with gr.Row():
                            preview_btn = gr.Button("Preview subtitles", elem_id="reel-preview-btn")
                            create_btn = gr.Button("Create video", variant="primary", elem_id="reel-create-btn")
                        gr.Examples([example_row()], inputs=[image, audio, lyrics], label="Try the example")
                    with gr.Column(scale=1):
                        gr.Markdown("### Subtitle preview\nPlay it to hear and see the sync; fix a word or "
                                    "a time in the table and play again. The video uses the table's words and "
                                    "timings (changed the lyrics? preview again).")
                        player_view = gr.HTML(player.EMPTY, css_template=player.PLAYER_CSS,
                                              js_on_load=player.PLAYER_JS, elem_id="reel-player")
                        words_table = gr.Dataframe(
                            headers=timings.HEADERS, datatype=timings.DATATYPES, type="array",
                            static_columns=timings.STATIC_COLUMNS, interactive=True, label="Word timings (s)",
                            max_height=320, elem_id="reel-words")
                        with gr.Accordion("Still frame and SRT", open=False):
                            still = gr.Image(label="Still frame", interactive=False, height=360)
                            srt = gr.Textbox(label="SRT", lines=8, max_lines=20, buttons=["copy"])
                        gr.Markdown("### Your video")
                        progress = gr.HTML(progress_html(None), css_template=PROGRESS_CSS, js_on_load=None,
                                           elem_id="reel-progress")
                        video = gr.Video(label="Reel", visible=False, height=560, elem_id="reel-video")
                        with gr.Row():
                            downloads = [gr.DownloadButton(label, visible=False, elem_id=f"reel-download-{kind}")
                                         for label, kind in (("MP4", "mp4"), ("SRT", "srt"), ("ASS", "ass"),
                                                             ("LRC", "lrc"))]
            with gr.Tab("Jobs", id="jobs"):
                with gr.Row():
                    state_filter = gr.Dropdown(JOB_STATES, value="all", label="State", scale=1)
                    refresh_btn = gr.Button("Refresh", scale=0)
                jobs_table = gr.Dataframe(headers=JOB_COLUMNS, type="array", interactive=False,
                                          label="Jobs (click a row to choose it)", elem_id="reel-jobs")
                with gr.Row():
                    chosen = gr.Textbox(label="Chosen job", interactive=False, scale=3)
                    open_btn = gr.Button("Open", scale=1)
                    delete_btn = gr.Button("Delete", variant="stop", scale=1)
        timer = gr.Timer(POLL_SECONDS, active=False)

        finished = [video, *downloads]
        preview_outputs = [still, srt, player_view]
        preview_btn.click(preview_subtitles, [image, audio, lyrics, transcribe, language, *controls],
                          [still, words_table, srt, player_view], concurrency_id="align",
                          concurrency_limit=ALIGN_CONCURRENCY, **private)
        for control in looks:
            control.change(refresh_preview, [image, audio, words_table, *controls], preview_outputs, **private)
        size = looks[1]  # style_controls() order
        platform.change(platform_chosen, [platform, size], size, **private)
        gr.on([platform.change, clip_start.submit, clip_start.blur, clip_end.submit, clip_end.blur], clip_edited,
              [image, audio, words_table, *controls], [clip_note, *preview_outputs], **private)
        chorus_btn.click(fill_chorus, [audio, lyrics, transcribe, words_table, platform], [clip_start, clip_end],
                         **private).success(clip_edited, [image, audio, words_table, *controls],
                                            [clip_note, *preview_outputs], **private)
        words_table.input(refresh_preview, [image, audio, words_table, *controls], preview_outputs, **private)
        image.change(refresh_preview, [image, audio, words_table, *controls], preview_outputs, **private)
        audio.change(clear_preview, None, [still, words_table, srt, player_view], **private)
        font_file = looks[2]  # style_controls() order
        for upload, check in ((image, load_image), (audio, decode_audio), (font_file, check_font_file)):
            upload.upload(refuse_bad_upload(check), upload, upload, **private)
        lyrics_file.upload(load_lyrics_file, lyrics_file, lyrics, **private)
        create_btn.click(start_job, [token, image, audio, lyrics, transcribe, words_table, language, *controls],
                         [job_id, progress, timer, *finished], **private)
        timer.tick(follow_job, [job_id, token], [progress, timer, *finished], show_progress="hidden", **private)

        gr.on([refresh_btn.click, state_filter.change, tabs.select], job_rows, [state_filter, token], jobs_table,
              **private)
        jobs_table.select(pick_job, None, chosen, **private)
        open_btn.click(open_job, [chosen, token], [job_id, tabs, timer, progress], **private).then(
            follow_job, [job_id, token], [progress, timer, *finished], **private)
        delete_btn.click(remove_job, [chosen, state_filter, token], [chosen, jobs_table], **private)
        demo.load(keep_browser_token, token, token, **private)

        api_endpoints()
    return demo


def api_endpoints() -> None:
    """The named API (and MCP tools): hidden components, no page triggers."""
    with gr.Column(visible=False):
        image = gr.File(label="image")
        audio = gr.File(label="audio")
        lyrics = gr.Textbox(label="lyrics")
        language = gr.Textbox(value=AUTO_LANGUAGE, label="language")
        options = TypedJSON(value={}, label="options", schema=options_schema())
        words = TypedJSON(value=None, label="words", schema=WORDS_SCHEMA)
        font = gr.File(label="font")
        job_id = gr.Textbox(label="job_id")
        kind = gr.Textbox("video", label="kind")
        state = gr.Textbox(label="state")
        limit = gr.Number(None, precision=0, label="limit")
        result = gr.JSON(label="result")
        mp4 = gr.File(label="video")
    submit = [image, audio, lyrics, options, words, font]
    gr.on([], create_video, submit, result, api_name="create_video")
    gr.on([], get_job, job_id, result, api_name="get_job")
    gr.on([], download_video, [job_id, kind], mp4, api_name="download_video")
    gr.on([], delete_job, job_id, result, api_name="delete_job")
    gr.on([], list_jobs, [state, limit], result, api_name="list_jobs")
    gr.on([], health, None, result, api_name="health")
    gr.on([], create_video_sync, submit, mp4, api_name="create_video_sync",
          concurrency_id="sync", concurrency_limit=SYNC_CONCURRENCY)
    gr.on([], align_lyrics, [audio, lyrics, language], result, api_name="align_lyrics",
          concurrency_id="align", concurrency_limit=ALIGN_CONCURRENCY)


def auth_from_env() -> Optional[list[tuple[str, str]]]:
    """REEL_AUTH=user:pass[,user2:pass2...] turns on the login page (each user sees their own jobs)."""
    value = os.environ.get("REEL_AUTH", "")
    if not value:
        return None
    logins = [entry.strip().partition(":") for entry in value.split(",")]
    if not all(sep and user and password for user, sep, password in logins):
        raise SystemExit("REEL_AUTH must look like user:password (several: user:password,user2:password2)")
    return [(user, password) for user, _, password in logins]


demo = build()

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    if workers := settings.embedded_workers():
        jobs.start_embedded_worker(workers)
    cache.start_sweeper(demo, settings.cache_max_age())
    demo.queue(default_concurrency_limit=8).launch(
        max_file_size=MAX_FILE_SIZE, auth=auth_from_env(), mcp_server=True,
        theme=gr.themes.Soft(), css=PAGE_CSS, footer_links=["api", "gradio"])
