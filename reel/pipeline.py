"""make_reel: the one seam every caller renders through (CLI, queue worker, RunPod, app).

check inputs -> time the words on the whole song (or take edited timings; an LRC file's
line times keep each line in its span) -> cut them to the clip (`reel.clip`: explicit, or
the chorus) -> lay out caption pages -> draw each caption state once -> one ffmpeg encode
of the clip -> subtitle and LRC files. Progress goes
through `progress(stage, fraction_of_whole_job)`; `cancel` stops it between stages
and kills ffmpeg mid-encode.
"""
from __future__ import annotations

import math
import shutil
import tempfile
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
import time
from pathlib import Path
from typing import Optional

from reel.align import Alignment, align
from reel.captions import CaptionState, Page, caption_pages, caption_states
from reel.clip import CHORUS, Span, chorus_limit, cut_words, find_chorus, planned_span
from reel.draw import CaptionPainter
from reel.errors import Cancelled, ReelError
from reel.lrc import SyncedLyrics, anchor_lines, read_lyrics, write_lrc
from reel.languages import AUTO
from reel.lyrics import Lyrics, preload_language_model
from reel.media import ALIGN_SAMPLE_RATE, decode_audio, load_image
from reel.model import Progress, ReelOptions, ReelResult, Word, no_progress, words_to_json
from reel.render import background, encode, write_playlist
from reel.subtitles import subtitle_file, write_subtitles

OUTPUT_NAMES = {"video": "video.mp4", "srt": "captions.srt", "ass": "captions.ass",
                "vtt": "captions.vtt", "lrc": "lyrics.lrc", "words": "words.json"}
SAVES_IN_FLIGHT = 8
BAND_COMPRESSION = "tga_rle"  # see draw_states
# Share of the whole job each stage takes, in order (for one 0..1 progress figure).
STAGE_WEIGHTS = {"checking": 0.03, "aligning": 0.40, "layout": 0.02, "drawing": 0.05, "encoding": 0.50}


class StageProgress:
    """Turns per-stage fractions into the job's overall fraction."""

    def __init__(self, progress: Progress, cancel: Optional[threading.Event]):
        self.progress, self.cancel = progress, cancel

    def __call__(self, stage: str, fraction: float) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("cancelled")
        done = 0.0
        for name, weight in STAGE_WEIGHTS.items():
            if name == stage:
                self.progress(stage, min(1.0, done + weight * max(0.0, min(1.0, fraction))))
                return
            done += weight
        self.progress(stage, 1.0)


def validate_inputs(image_path, audio_path, lyrics_text: Optional[str],
                    options: Optional[ReelOptions] = None) -> float:
    """Every cheap check make_reel would fail on; returns the audio duration (s).

    With `options`, also that an explicit clip lies inside the song and that the video
    fits the platform's length.
    """
    load_image(image_path)
    pcm = decode_audio(audio_path)
    if lyrics_text is not None:
        read_lyrics(lyrics_text)
    duration = pcm.size / ALIGN_SAMPLE_RATE
    if options is not None:
        planned_span(options.clip, options.platform, duration)
    return duration


def choose_clip(options: ReelOptions, words: list[Word], lyrics: Optional[Lyrics],
                song_seconds: float) -> Optional[Span]:
    """The part of the song to show: the explicit clip, the chorus found in the timed words,
    or None for the whole song."""
    span = planned_span(options.clip, options.platform, song_seconds)
    if options.clip != CHORUS:
        return span
    lines = line_texts(words, lyrics)
    sections = ([(line.section, line.section_index) for line in lyrics.lines]
                if lyrics is not None and lyrics.line_texts == lines else [("", -1)] * len(lines))
    return find_chorus(words, lines, sections, song_seconds, chorus_limit(options.platform))


def align_only(audio_path, lyrics_text: Optional[str], aligner: str = "auto",
               progress: Progress = no_progress, language: str = "auto") -> Alignment:
    """Word timings without rendering (the subtitle preview, `reel align`)."""
    if lyrics_text is not None and language == AUTO:
        preload_language_model()
    pcm = decode_audio(audio_path)
    lyrics = read_lyrics(lyrics_text) if lyrics_text is not None else None
    return time_words(Path(audio_path), pcm, lyrics, aligner, progress, language)


def time_words(audio_path: Path, pcm, lyrics: Optional[SyncedLyrics], aligner: str,
               progress: Progress, language: str = "auto") -> Alignment:
    """Align the lyrics (transcribe when None); an LRC file's line times keep each line in its span."""
    alignment = align(audio_path, pcm, lyrics.lyrics if lyrics else None, aligner, progress, language)
    if lyrics is not None and lyrics.starts and alignment.words:
        alignment.words = anchor_lines(alignment.words, lyrics.starts, pcm.size / ALIGN_SAMPLE_RATE)
    return alignment


def fit_words(words: list[Word], duration: float) -> list[Word]:
    """Hand-edited timings made safe to render: in time order, inside the audio.

    A word that starts after the audio ends is refused (it could never be shown); an end
    past the audio is cut to its end.
    """
    if not words:
        raise ReelError("the word timings are empty")
    fitted = []
    for w in sorted(words, key=lambda w: w.start):
        if w.start > duration:
            raise ReelError(f"word timings: '{w.text}' starts at {w.start:.2f} s, after the end of the "
                            f"audio ({duration:.2f} s)")
        start = max(0.0, w.start)
        fitted.append(Word(w.text, start, min(max(start, w.end), duration), w.line, w.confidence))
    return fitted


def line_texts(words: list[Word], lyrics: Optional[Lyrics]) -> list[str]:
    """Text of each lyric line the words refer to (from the lyrics when they match)."""
    count = max(w.line for w in words) + 1
    if lyrics is not None and len(lyrics.lines) == count:
        return lyrics.line_texts
    return [" ".join(w.text for w in words if w.line == i) for i in range(count)]


def lay_out(words: list[Word], options: ReelOptions,
            until: float = float("inf")) -> tuple[CaptionPainter, list[Page], list[CaptionState]]:
    """The painter for these words' script, their caption pages (none past `until`) and states."""
    painter = CaptionPainter(options)
    style = options.caption_style
    pages = caption_pages(words, style, painter.max_width, painter.measure, until)
    return painter, pages, caption_states(pages, style, options.fps)


def _frame(seconds: float, fps: int) -> int:
    """The first video frame shown at or after `seconds`."""
    return math.ceil(seconds * fps - 1e-6)


def draw_states(painter: CaptionPainter, states: list[CaptionState], duration: float, fps: int, folder: Path,
                report: StageProgress) -> list[tuple[Path, int]]:
    """One picture per state seen on a video frame, plus a blank; returns the playlist
    covering 0..duration as (picture, frames shown).

    A state spans the frames from the first at or after its start to the first at or
    after its end, so each band changes exactly on its frame; a motion frame shorter
    than a video frame that no frame shows is not drawn (bounce, 60 s workload: 925 ->
    852 bands).
    Bands are saved as run-length-coded TGA: a band is mostly transparent rows, which RLE
    packs almost as well as PNG at a fifth of the cost to write and half the cost for
    ffmpeg to read (measured: 1.2 vs 6.1 ms to save a 1080x252 band, 0.7 vs 1.5 ms to
    decode), and motion templates write one band per frame while a word moves. Saving
    runs in a thread pool while the next states are drawn; at most SAVES_IN_FLIGHT
    pictures wait in memory.
    """
    blank = folder / "blank.tga"
    segments: list[tuple[Path, int]] = []
    shown, total = 0, max(1, _frame(duration, fps))
    with ThreadPoolExecutor(max_workers=2) as pool:
        saves = deque([pool.submit(painter.blank().save, blank, compression=BAND_COMPRESSION)])
        for n, state in enumerate(states):
            first, last = max(_frame(state.start, fps), shown), min(_frame(state.end, fps), total)
            if last <= first:
                continue
            if first > shown:
                segments.append((blank, first - shown))
            band = folder / f"state{n:05d}.tga"
            saves.append(pool.submit(painter.draw(state).save, band, compression=BAND_COMPRESSION))
            while len(saves) > SAVES_IN_FLIGHT:
                saves.popleft().result()
            segments.append((band, last - first))
            shown = last
            report("drawing", (n + 1) / len(states))
        for save in saves:
            save.result()
    if total > shown:
        segments.append((blank, total - shown))
    return segments


def make_reel(image_path, audio_path, lyrics_text: Optional[str], out_dir,
              options: Optional[ReelOptions] = None, words: Optional[list[Word]] = None,
              progress: Progress = no_progress, cancel: Optional[threading.Event] = None) -> ReelResult:
    """Render the reel into out_dir (files named as in OUTPUT_NAMES); see the module docstring."""
    options = options or ReelOptions()
    report = StageProgress(progress, cancel)
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ReelError(f"output folder does not exist: {out_dir}")
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    report("checking", 0.0)
    if words is None and lyrics_text is not None and options.language == AUTO:
        preload_language_model()
    image = load_image(image_path)
    pcm = decode_audio(audio_path)
    duration = pcm.size / ALIGN_SAMPLE_RATE
    # Lyrics are required to align; with edited timings they only name the lines (optional).
    synced = None
    if lyrics_text is not None and (words is None or lyrics_text.strip()):
        synced = read_lyrics(lyrics_text)
    lyrics = synced.lyrics if synced is not None else None
    planned_span(options.clip, options.platform, duration)
    lap("checking")

    transcribed, language = False, None
    if words is None:
        alignment = time_words(Path(audio_path), pcm, synced, options.aligner, lambda s, f: report("aligning", f),
                               options.language)
        words, transcribed, language = alignment.words, alignment.transcribed, alignment.language
        if not words:
            raise ReelError("no words were heard in the audio")
    words = fit_words(words, duration)
    lines = line_texts(words, lyrics)
    span = choose_clip(options, words, lyrics, duration)
    if span is not None:
        words, lines = cut_words(words, lines, span)
    video_seconds = duration if span is None else span.duration
    fades = (options.fade_in, options.fade_out) if span is not None else (0.0, 0.0)
    lap("aligning")

    report("layout", 0.0)
    painter, pages, states = lay_out(words, options, video_seconds)
    lap("layout")

    work = Path(tempfile.mkdtemp(prefix=".work-", dir=out_dir))
    try:
        bg_png = work / "background.png"
        background(image, options).save(bg_png, compress_level=1)
        segments = draw_states(painter, states, video_seconds, options.fps, work, report)
        playlist = work / "captions.ffconcat"
        write_playlist(playlist, segments, options.fps)
        lap("drawing")
        paths = {kind: out_dir / name for kind, name in OUTPUT_NAMES.items()}
        encoder = encode(bg_png, playlist, Path(audio_path), paths["video"], options=options,
                         band_top=painter.band_top, band_height=painter.band_height, duration=video_seconds,
                         audio_start=0.0 if span is None else span.start, fade_in=fades[0], fade_out=fades[1],
                         progress=lambda s, f: report("encoding", f), cancel=cancel)
        lap("encoding")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    write_outputs(pages, words, options, painter, paths, lines, transcribed, language)
    progress("done", 1.0)
    timings["encoder"] = encoder
    return ReelResult(video=paths["video"], srt=paths["srt"], ass=paths["ass"], vtt=paths["vtt"],
                      lrc=paths["lrc"], words_json=paths["words"], duration=video_seconds, words=words,
                      transcribed=transcribed, timings=timings,
                      clip=None if span is None else [span.start, span.end], language=language)


def write_outputs(pages: list[Page], words: list[Word], options: ReelOptions, painter: CaptionPainter,
                  paths: dict[str, Path], lines: list[str], transcribed: bool,
                  language: Optional[str] = None) -> None:
    """Subtitle files, the enhanced LRC and the words file beside the video."""
    subs = subtitle_file(pages, options, font_name=painter.font.getname()[0], font_size=painter.size,
                         outline=painter.outline,
                         margin_v=options.height - painter.band_top - painter.band_height)
    write_subtitles(subs, pages, paths["srt"], paths["vtt"], paths["ass"])
    paths["lrc"].write_text(write_lrc(words), encoding="utf-8")
    paths["words"].write_text(words_to_json(words, lines, transcribed=transcribed, language=language), encoding="utf-8")
