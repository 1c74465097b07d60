#!/usr/bin/env python3
"""Word error rate of transcription without lyrics (`reel align` with no --lyrics).

Runs the transcriber (ElevenLabs Scribe: needs ELEVENLABS_API_KEY) on generated songs (the
public corpus, align_bench's extra set) and on spoken voice-overs (speech only, no music, as
a narrated reel would be), and scores the words against the truth:
WER = (substituted + deleted + inserted words) / truth words, on normalised text (lower
case, letters and digits), from the corpus's Levenshtein word alignment.

  python benchmarks/transcribe_bench.py [--corpus DIR] [--set public|extra|voiceover|all] [--only ID]
                                        [--aligner elevenlabs]

The offline recogniser (PocketSphinx en-us language model, `--aligner offline` before it was
removed) measured here: songs 110.7 % (public set, 365 words, per case 85-172 %) and 118.6 %
(extra set, 1237 words, per case 86-159 %); voice-overs 69.4 % (170 words; espeak voices
95-102 %, Flite's recorded speakers 25 % and 54 %). That is why reel has no offline transcription.

Generation is cached in DIR (default tmp/align_corpus, shared with align_bench).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from align_bench import ROOT, SETS, generate  # noqa: E402  (also puts the corpus on sys.path)
from evaluate import align_sequences  # noqa: E402
from lyrics_text import normalize_word  # noqa: E402
from make_case import CaseSpec  # noqa: E402

# Original narration written for these cases: what a spoken voice-over reel says.
_MARKET = """Every Saturday the old market wakes up before the sun.
Farmers stack their crates of apples and pears beside the fountain.
By eight o'clock the square smells of fresh bread and coffee.
Come early, bring a basket, and say hello to the baker.
"""
_TRAIL = """This trail climbs four hundred metres through pine forest.
Take water, good shoes and a warm jacket, even in summer.
At the top you can see three lakes and the mountains behind them.
The walk back down takes about an hour.
"""
_RECIPE = """Today we are making a simple tomato soup in twenty minutes.
Chop one onion and two cloves of garlic, then soften them in olive oil.
Add the tomatoes, a pinch of salt and a cup of water.
Blend it smooth and serve it with toasted bread.
"""
_STUDIO = """Welcome to our small studio by the river.
We build wooden chairs and tables by hand, one piece at a time.
Each design starts as a pencil sketch on the kitchen table.
Visit us on weekdays from nine until five.
"""
VOICEOVER_CASES = [
    CaseSpec(case_id="v1_market_us", voice="en-us", rate=160, seed=301, lyrics=_MARKET,
             word_gap=(0.02, 0.08), line_gap=(0.4, 0.8), notes="espeak en-us, speech only"),
    CaseSpec(case_id="v2_trail_gb_f3", voice="en-gb+f3", rate=155, seed=302, lyrics=_TRAIL,
             word_gap=(0.02, 0.08), line_gap=(0.4, 0.8), notes="espeak en-gb female, speech only"),
    CaseSpec(case_id="v3_recipe_slt", voice="flite:slt", rate=160, seed=303, lyrics=_RECIPE,
             word_gap=(0.02, 0.08), line_gap=(0.4, 0.8), notes="Flite slt (recorded speaker), speech only"),
    CaseSpec(case_id="v4_studio_rms", voice="flite:rms", rate=160, seed=304, lyrics=_STUDIO,
             word_gap=(0.02, 0.08), line_gap=(0.4, 0.8), notes="Flite rms (recorded speaker), speech only"),
]
TRANSCRIBE_SETS = {"public": SETS["public"], "extra": SETS["extra"], "voiceover": VOICEOVER_CASES}


def word_errors(truth: list[str], heard: list[str]) -> dict:
    """Substitutions, deletions and insertions turning the truth words into the heard ones."""
    pairs = align_sequences(truth, heard)
    subs = sum(1 for i, j in pairs if i is not None and j is not None and truth[i] != heard[j])
    dels = sum(1 for i, j in pairs if j is None)
    ins = sum(1 for i, j in pairs if i is None)
    return {"n": len(truth), "sub": subs, "del": dels, "ins": ins}


def run_case(folder: Path, aligner: str, out_dir: Path) -> dict:
    """Transcribe one case with the CLI and score its words."""
    pred = out_dir / f"{folder.name}.json"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reel", "align", "--audio", str(folder / "audio.mp3"),
                           "--out", str(pred), "--aligner", aligner], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{folder.name}: reel align failed:\n{proc.stderr}")
    truth = json.loads((folder / "truth.json").read_text())
    heard = json.loads(pred.read_text())["words"]
    result = word_errors([w.get("norm") or normalize_word(w["text"]) for w in truth["words"]],
                         [n for n in (normalize_word(w["text"]) for w in heard) if n])
    return {**result, "case": folder.name, "seconds": seconds, "audio_s": truth["duration"],
            "sample": " ".join(w["text"] for w in heard[:8])}


def wer(r: dict) -> float:
    return 100 * (r["sub"] + r["del"] + r["ins"]) / max(1, r["n"])


def print_table(title: str, results: list[dict]) -> None:
    print(f"\n{title}")
    print(f"{'case':<30} {'words':>5} {'WER':>6} {'sub':>4} {'del':>4} {'ins':>4} {'runtime':>8}  first words heard")
    for r in results:
        print(f"{r['case']:<30} {r['n']:5d} {wer(r):5.1f}% {r['sub']:4d} {r['del']:4d} {r['ins']:4d} "
              f"{r['seconds']:7.1f}s  {r['sample']}")
    total = {k: sum(r[k] for r in results) for k in ("n", "sub", "del", "ins")}
    print(f"transcribe: wer={wer(total):.1f}% words={total['n']} worst={max(map(wer, results)):.1f}% "
          f"best={min(map(wer, results)):.1f}%")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=Path, default=ROOT / "tmp" / "align_corpus")
    p.add_argument("--set", choices=(*TRANSCRIBE_SETS, "all"), default="all")
    p.add_argument("--only", action="append", help="case id (repeatable)")
    p.add_argument("--aligner", default="elevenlabs")
    a = p.parse_args(argv)
    names = tuple(TRANSCRIBE_SETS) if a.set == "all" else (a.set,)
    with tempfile.TemporaryDirectory(prefix="transcribe_bench_") as tmp:
        for name in names:
            cases = [c for c in TRANSCRIBE_SETS[name] if not a.only or c.case_id in a.only]
            if cases:
                results = [run_case(f, a.aligner, Path(tmp)) for f in generate(cases, a.corpus / name)]
                print_table(f"{name} ({len(results)} cases), aligner={a.aligner}", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
