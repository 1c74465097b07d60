"""Make the bundled example (assets/examples/): a picture, a short song and its lyrics.

Everything is generated here, so the example carries no one else's rights: the image
is drawn with Pillow (a sunset over mountains), the "song" is espeak-ng singing the lyrics
over a synthetic music bed, made by the alignment-corpus generator
(../shared/align_corpus/make_case.py beside the checkout, or --corpus). The generated
files are committed; the app never runs this script.

    python assets/make_example.py            # rewrites assets/examples/
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "align_corpus"

LYRICS = """[Verse]
Golden light on the water,
we walk along the shore.

[Chorus]
Sing it loud tonight,
the city is ours once more.
"""


def draw_image(width: int = 1080, height: int = 1350) -> Image.Image:
    """A sunset: sky gradient, a low sun with a soft glow, two mountain ridges."""
    sky = Image.new("RGB", (width, height))
    top, bottom = (36, 20, 72), (252, 146, 84)
    for y in range(height):
        t = min(1.0, y / (height * 0.7))
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom))
        sky.paste(colour, (0, y, width, y + 1))
    glow = Image.new("L", (width, height), 0)
    cx, cy, r = width // 2, round(height * 0.62), round(width * 0.14)
    ImageDraw.Draw(glow).ellipse((cx - 2 * r, cy - 2 * r, cx + 2 * r, cy + 2 * r), fill=150)
    glow = glow.filter(ImageFilter.GaussianBlur(r))
    sky = Image.composite(Image.new("RGB", sky.size, (255, 214, 140)), sky, glow)
    draw = ImageDraw.Draw(sky)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 236, 180))
    for base, amplitude, colour in ((0.70, 0.05, (92, 48, 88)), (0.80, 0.04, (44, 24, 52))):
        points = [(x, round(height * (base + amplitude * ((x * 7919 % 97) / 97 - 0.5)
                                      * (1 + (x // 90) % 3))))
                  for x in range(0, width + 90, 90)]
        draw.polygon([(0, height)] + points + [(width, height)], fill=colour)
    return sky.filter(ImageFilter.SMOOTH)


def make_song(corpus: Path, work: Path) -> Path:
    """The sung lyrics over a quiet music bed (MP3); returns its path.

    Section tags ("[Chorus]") are for the reader, not sung, so the voice gets the
    lyrics without them.
    """
    lyrics_file = work / "sung.txt"
    lyrics_file.write_text(re.sub(r"(?m)^\[.*\]\n", "", LYRICS), encoding="utf-8")
    subprocess.run([sys.executable, str(corpus / "make_case.py"), "--lyrics", str(lyrics_file),
                    "--out", str(work / "case"), "--voice", "en-us+f3", "--rate", "150", "--seed", "11",
                    "--lead-in", "1.2", "--stanza-gap", "1.6,1.8", "--tail", "1.5",
                    "--music-db", "14"], check=True, capture_output=True)
    return work / "case" / "audio.mp3"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="folder holding make_case.py")
    parser.add_argument("--out", type=Path, default=EXAMPLES)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lyrics.txt").write_text(LYRICS, encoding="utf-8")
    draw_image().save(args.out / "sunset.jpg", quality=85, optimize=True)
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(make_song(args.corpus, Path(work)), args.out / "song.mp3")
    print(f"wrote {', '.join(sorted(p.name for p in args.out.iterdir()))} to {args.out}")


if __name__ == "__main__":
    main()
