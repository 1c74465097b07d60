"""Command line: `python -m reel render ...` and `python -m reel align ...`.

Progress (stage and percent) goes to stderr; bad input exits with code 2 and one line
naming the problem. Output files appear complete or not at all.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from reel.align import check_transcription
from reel.errors import ReelError
from reel.lrc import read_lyrics, write_lrc
from reel.languages import check_language
from reel.model import ALIGNERS, POSITIONS, SIZES, ReelOptions, words_from_json, words_to_json
from reel.pipeline import align_only, line_texts, make_reel
from reel.platforms import PLATFORM_NAMES
from reel.styles import STYLE_NAMES


class StderrProgress:
    """Prints "stage  NN%" on stderr, one line per change of stage or whole percent."""

    def __init__(self):
        self.last = None

    def __call__(self, stage: str, fraction: float) -> None:
        shown = (stage, int(fraction * 100))
        if shown != self.last:
            self.last = shown
            print(f"{stage:<10} {shown[1]:3d}%", file=sys.stderr, flush=True)


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReelError(f"{what} file not found: {path}") from None
    except UnicodeDecodeError:
        raise ReelError(f"{what} file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise ReelError(f"cannot read {what} file {path}: {exc.strerror}") from None


def _output_path(path: str) -> Path:
    out = Path(path)
    if not out.parent.is_dir():
        raise ReelError(f"output folder does not exist: {out.parent}")
    return out


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def font_choice(value: str | None) -> dict:
    """--font: a font file on this machine when it looks like one, else an installed family name."""
    if not value:
        return {}
    if Path(value).suffix.lower() in (".ttf", ".otf", ".ttc") or os.sep in value or "/" in value:
        return {"font_file": value}
    return {"font": value}


SUBTITLE_KINDS = ("srt", "ass", "vtt", "lrc")


def _render_outputs(args: argparse.Namespace, out: Path) -> dict[str, Path]:
    """Where each file of a render goes: subtitles at their flag's path, else beside the video
    (reel.mp4 -> reel.srt, reel.ass, reel.vtt, reel.lrc); the words file only when asked for."""
    paths = {kind: _output_path(getattr(args, kind)) if getattr(args, kind) else out.with_suffix(f".{kind}")
             for kind in SUBTITLE_KINDS}
    if args.save_words:
        paths["save_words"] = _output_path(args.save_words)
    return {kind: path for kind, path in paths.items() if path != out}


def cmd_render(args: argparse.Namespace) -> None:
    out = _output_path(args.out)
    extra = _render_outputs(args, out)
    if not args.lyrics and not args.words:
        check_transcription(args.aligner)
    lyrics = _read_text(args.lyrics, "lyrics") if args.lyrics else None
    edited = words_from_json(_read_text(args.words, "word timings")) if args.words else None
    options = ReelOptions(style=args.style, size=args.size, aligner=args.aligner, **font_choice(args.font),
                          font_size=args.font_size, text_color=args.text_color,
                          highlight_color=args.highlight_color, outline_color=args.outline_color,
                          position=args.position, zoom=args.zoom, outline_width=args.outline_width,
                          waveform=args.waveform, progress_bar=args.progress_bar,
                          shadow=args.shadow, clip=args.clip or "", platform=args.platform or "",
                          fade_in=args.fade_in, fade_out=args.fade_out, language=args.language)
    with tempfile.TemporaryDirectory(prefix=".reel-", dir=out.parent) as work:
        result = make_reel(args.image, args.audio, lyrics, work, options, words=edited,
                           progress=StderrProgress())
        produced = {"srt": result.srt, "ass": result.ass, "vtt": result.vtt, "lrc": result.lrc,
                    "save_words": result.words_json}
        for kind, dest in extra.items():
            shutil.move(produced[kind], dest)
        shutil.move(result.video, out)
    if result.transcribed:
        print("note: no lyrics were given; the captions are a machine transcription", file=sys.stderr)
    if result.clip is not None:
        print(f"clip: {result.clip[0]:g}-{result.clip[1]:g} s of the song", file=sys.stderr)
    print(out)


def cmd_align(args: argparse.Namespace) -> None:
    out = _output_path(args.out)
    lrc = _output_path(args.lrc) if args.lrc else None
    if not args.lyrics:
        check_transcription(args.aligner)
    lyrics = _read_text(args.lyrics, "lyrics") if args.lyrics else None
    alignment = align_only(args.audio, lyrics, args.aligner, StderrProgress(), check_language(args.language))
    lines = line_texts(alignment.words, read_lyrics(lyrics).lyrics if lyrics else None)
    _write_atomically(out, words_to_json(alignment.words, lines, transcribed=alignment.transcribed,
                                         language=alignment.language))
    if lrc is not None:
        _write_atomically(lrc, write_lrc(alignment.words))
    if alignment.transcribed:
        print("note: no lyrics were given; the words are a machine transcription", file=sys.stderr)
    print(out)


LANGUAGE_HELP = "the lyrics' language as an ISO 639-1 code, e.g. es, de, hi (default: auto, detected)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reel", description="Still image + song + lyrics -> captioned MP4.")
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render", help="make the video")
    render.add_argument("--image", required=True)
    render.add_argument("--audio", required=True)
    render.add_argument("--lyrics", help="UTF-8 lyrics or .lrc file (omit only to transcribe with ElevenLabs)")
    render.add_argument("--out", required=True, help="output .mp4")
    render.add_argument("--style", choices=STYLE_NAMES, default="karaoke")
    render.add_argument("--size", choices=SIZES, default="1080x1920")
    render.add_argument("--aligner", choices=ALIGNERS, default="auto")
    render.add_argument("--language", default="auto", help=LANGUAGE_HELP)
    render.add_argument("--position", choices=POSITIONS, default="bottom")
    render.add_argument("--font", help="a TTF/OTF file, or an installed family name (e.g. DejaVuSans)")
    render.add_argument("--font-size", type=int, default=0, help="pixels (default: from the frame size)")
    render.add_argument("--outline-width", type=int, default=0, help="pixels (default: the style's)")
    render.add_argument("--shadow", type=int, default=0, help="drop-shadow offset in pixels (default: the style's)")
    render.add_argument("--text-color", default=ReelOptions.text_color)
    render.add_argument("--highlight-color", default=ReelOptions.highlight_color)
    render.add_argument("--outline-color", default=ReelOptions.outline_color)
    render.add_argument("--zoom", action="store_true", help="gentle Ken Burns zoom on the image")
    render.add_argument("--waveform", action="store_true", help="audiogram: a waveform that moves with the music")
    render.add_argument("--progress-bar", action="store_true", help="audiogram: a bar showing the time played")
    render.add_argument("--clip", metavar="START-END|chorus",
                        help="only this part of the song: seconds or m:ss (12-42, 1:05-1:35), or chorus")
    render.add_argument("--platform", choices=PLATFORM_NAMES,
                        help="post-ready for this app: size, fps, bitrate, length check, buttons kept clear")
    render.add_argument("--fade-in", type=float, default=ReelOptions.fade_in, metavar="SECONDS",
                        help="audio fade-in at the start of a clip (default %(default)s)")
    render.add_argument("--fade-out", type=float, default=ReelOptions.fade_out, metavar="SECONDS",
                        help="audio fade-out at the end of a clip (default %(default)s)")
    render.add_argument("--words", metavar="WORDS_JSON",
                        help="use these word timings (e.g. edited by hand) instead of aligning")
    for kind in ("srt", "ass", "vtt"):
        render.add_argument(f"--{kind}", help=f"write the {kind.upper()} subtitles here (default: beside --out)")
    render.add_argument("--lrc", help="write the enhanced LRC (word times) here (default: beside --out)")
    render.add_argument("--save-words", metavar="WORDS_JSON", help="also write the word timings used here")
    render.set_defaults(run=cmd_render)
    align = sub.add_parser("align", help="word timings only")
    align.add_argument("--audio", required=True)
    align.add_argument("--lyrics", help="UTF-8 lyrics or .lrc file (omit only to transcribe with ElevenLabs)")
    align.add_argument("--out", required=True, help="output words .json")
    align.add_argument("--lrc", help="also write the enhanced LRC (word times) here")
    align.add_argument("--aligner", choices=ALIGNERS, default="auto")
    align.add_argument("--language", default="auto", help=LANGUAGE_HELP)
    align.set_defaults(run=cmd_align)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except ReelError as exc:
        print(f"reel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
