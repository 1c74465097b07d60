"""Shared test fixtures: generated alignment cases, a short example song, ffprobe.

The alignment corpus generator lives in ../shared/align_corpus (beside the
checkout); cases are generated once per test session into a cache folder.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REEL_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = SHARED / "align_corpus"
CACHE = Path(os.environ.get("REEL_TEST_CACHE", ROOT / ".pytest_cache" / "reel"))


def generate_case(case_id: str) -> Path:
    """Generate (once) one public corpus case; returns its folder."""
    out = CACHE / "corpus"
    folder = out / case_id
    if not (folder / "truth.json").is_file():
        subprocess.run([sys.executable, str(CORPUS / "public_cases.py"), str(out), "--only", case_id],
                       check=True, capture_output=True)
    return folder


@pytest.fixture(scope="session")
def public_case():
    """Factory: public_case("p1_city_lights") -> folder with audio.wav/mp3, lyrics.txt, truth.json."""
    return generate_case


@pytest.fixture(scope="session")
def song() -> dict:
    """A short (~12 s) generated song with truth times: image, audio, lyrics, truth.

    Built from the corpus generator so word times are exact; the image is a
    deterministic gradient (landscape, so cover-fit cropping is exercised).
    """
    folder = CACHE / "song"
    if not (folder / "truth.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        sung = "Hello bright morning,\nwe sing along.\n\nSilver rivers\nrun all night long.\n"
        (folder / "sung.txt").write_text(sung, encoding="utf-8")
        (folder / "lyrics.txt").write_text("[Verse 1]\n" + sung, encoding="utf-8")  # as a user pastes it
        subprocess.run([sys.executable, str(CORPUS / "make_case.py"), "--lyrics", str(folder / "sung.txt"),
                        "--out", str(folder / "case"), "--voice", "en-us", "--rate", "150", "--seed", "7",
                        "--lead-in", "1.0", "--stanza-gap", "2.5,2.5", "--tail", "1.0"],
                       check=True, capture_output=True)
        for name in ("audio.wav", "audio.mp3", "truth.json"):
            shutil.copy(folder / "case" / name, folder / name)
        from PIL import Image
        img = Image.linear_gradient("L").resize((1600, 900)).convert("RGB")
        img.save(folder / "image.jpg", quality=90)
    truth = json.loads((folder / "truth.json").read_text())
    return {"dir": folder, "image": folder / "image.jpg", "audio": folder / "audio.mp3",
            "wav": folder / "audio.wav", "lyrics": (folder / "lyrics.txt").read_text(encoding="utf-8"),
            "lyrics_path": folder / "lyrics.txt", "truth": truth}


def ffprobe(path: Path) -> dict:
    """ffprobe's JSON view of a media file (streams + format)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                          "-show_format", str(path)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def frame_at(video: Path, seconds: float):
    """The decoded RGB frame shown at `seconds`, as a numpy array (height, width, 3)."""
    import imageio_ffmpeg
    import numpy as np
    info = ffprobe(video)["streams"][0]
    width, height = int(info["width"]), int(info["height"])
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video),
                          "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)


def truth_words_file(song: dict, folder: Path) -> Path:
    """The song's exact word times as a `--words` file."""
    path = folder / "words.json"
    path.write_text(json.dumps({"words": song["truth"]["words"]}), encoding="utf-8")
    return path


def send_json(request, status: int, doc) -> None:
    """Answer an http.server request with a JSON body (the fake cloud APIs use it)."""
    data = json.dumps(doc).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


LONG_SONG_SECTIONS = [
    ("[Verse 1]", "Paper boats along the gutter\nsailing where the streetlights hum\n"
                  "every puddle holds a planet\nwaiting for the rain to come"),
    ("[Chorus]", "Carry me home on a borrowed tune\nhum it low beneath the moon\n"
                 "carry me home when the night is new"),
    ("[Verse 2]", "Window boxes full of thunder\ncoffee cooling on the sill\n"
                  "somewhere down the block a trumpet\npractices the same old thrill"),
    ("[Chorus]", "Carry me home on a borrowed tune\nhum it low beneath the moon\n"
                 "carry me home when the night is new"),
]


@pytest.fixture(scope="session")
def chorus_song() -> dict:
    """A ~50 s generated song (two verses, a chorus sung twice under [Chorus] markers) with
    truth times: for clips (12-42 s) and finding the chorus."""
    folder = CACHE / "chorus_song"
    if not (folder / "truth.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        sung = "\n\n".join(text for _, text in LONG_SONG_SECTIONS) + "\n"
        (folder / "sung.txt").write_text(sung, encoding="utf-8")
        marked = "\n\n".join(f"{marker}\n{text}" for marker, text in LONG_SONG_SECTIONS) + "\n"
        (folder / "lyrics.txt").write_text(marked, encoding="utf-8")
        subprocess.run([sys.executable, str(CORPUS / "make_case.py"), "--lyrics", str(folder / "sung.txt"),
                        "--out", str(folder / "case"), "--voice", "en-us", "--rate", "140", "--seed", "11",
                        "--lead-in", "2.0", "--line-gap", "0.6,0.9", "--stanza-gap", "2.0,2.5", "--tail", "1.5"],
                       check=True, capture_output=True)
        for name in ("audio.wav", "audio.mp3", "truth.json"):
            shutil.copy(folder / "case" / name, folder / name)
        from PIL import Image
        Image.linear_gradient("L").resize((900, 1600)).convert("RGB").save(folder / "image.jpg", quality=90)
    truth = json.loads((folder / "truth.json").read_text())
    return {"dir": folder, "image": folder / "image.jpg", "audio": folder / "audio.mp3",
            "lyrics": (folder / "lyrics.txt").read_text(encoding="utf-8"),
            "lyrics_path": folder / "lyrics.txt", "truth": truth}
