"""Language detection on short support questions: supportbot's detector against two references, in one run.

benchmarks/data/short_questions.jsonl holds 12 short questions (2-9 words: "refund status", "Where is
my order?") in each of 14 languages plus Traditional Chinese, written for this project. Rows:

  supportbot   text/language.py as configured by default: script first, then lingua (high accuracy)
               among bot.languages (14), answers None when unsure
  lingua-all   lingua among all its 75 languages, what the library does unrestricted
  py3langid    py3langid (langid.py's model, 97 languages): the small, common alternative

Each detector runs in a process of its own, so its memory (peak RSS, Python and the models) is
its own. A Traditional Chinese question counts as right when "zh-Hant" or "zh" is answered.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/language_detection.py   # py3langid: pip install -e '.[bench]'
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "short_questions.jsonl"
DETECTORS = ("supportbot", "lingua-all", "py3langid")


def detector(name: str):
    if name == "supportbot":
        from supportbot.config import BotConfig
        from supportbot.text.language import LanguageDetector

        return LanguageDetector(BotConfig().languages).detect
    if name == "lingua-all":
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().build()

        def detect(text: str) -> str | None:
            found = lingua.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found else None

        return detect
    import py3langid

    return lambda text: py3langid.classify(text)[0]


def run_one(name: str) -> dict:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    detect = detector(name)
    detect("warm up: load the models")
    loaded = time.perf_counter() - started
    right, latencies, misses = 0, [], []
    for row in rows:
        began = time.perf_counter()
        found = detect(row["text"])
        latencies.append((time.perf_counter() - began) * 1000)
        if found == row["language"] or (row["language"] == "zh-Hant" and found == "zh"):
            right += 1
        else:
            misses.append(f"{row['text']} -> {found}")
    latencies.sort()
    return {
        "accuracy": right / len(rows),
        "questions": len(rows),
        "load_s": loaded,
        "p50_ms": latencies[len(latencies) // 2],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "misses": misses,
    }


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2]), ensure_ascii=False))
        return 0
    print("| detector | accuracy | load s | p50 ms | peak RSS MB | misses |\n| --- | --- | --- | --- | --- | --- |")
    for name in DETECTORS:
        done = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True, check=False)
        if done.returncode:
            print(f"| {name} | failed: {done.stderr.strip().splitlines()[-1]} |")
            continue
        r = json.loads(done.stdout)
        print(
            f"| {name} | {r['accuracy']:.3f} ({round(r['accuracy'] * r['questions'])}/{r['questions']}) | {r['load_s']:.2f} "
            f"| {r['p50_ms']:.2f} | {r['peak_rss_mb']:.0f} | {'; '.join(r['misses'][:6])} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
