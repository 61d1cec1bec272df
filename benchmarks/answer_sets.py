"""Every dev answer set in one mode, per-question answers kept, and the answers that changed since a previous run.

The figures the notes report per stop (sample, situations, Chinese, StackFAQ-400, Brightwave) come from this
script. Each set's `--details` lines go to OUT/<set>.jsonl, its report to OUT/<set>.summary.json; with
`--against EARLIER_OUT` it lists every answer that differs from the earlier run (a change to how answers are
picked should move only the answers it means to). To measure a commit against the one before it, run the old
code from a `git archive` snapshot:

    mkdir /tmp/before && git archive HEAD~1 supportbot | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before .venv/bin/python benchmarks/answer_sets.py /tmp/answers-before
    PYTHONPATH=$PWD .venv/bin/python benchmarks/answer_sets.py /tmp/answers-after --against /tmp/answers-before

Sets: sample (supportbot/sample_data/eval/answers.jsonl), situations (benchmarks/data/sample_situations.jsonl,
situations described instead of questions), chinese (answers-zh.jsonl over docs-zh), stackfaq (the first
--stackfaq-limit queries of ../shared/data/stackfaq), brightwave (benchmarks/data/brightwave). Data and
documents are read from this checkout; the code is whatever `supportbot` PYTHONPATH finds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from supportbot.app import create_dialogue_manager, create_embedder
from supportbot.config import Config
from supportbot.evaluation.answers import AnswerCase, evaluate_answers, load_answer_cases
from supportbot.evaluation.beir import load_beir
from supportbot.evaluation.retrieval_eval import build_eval_index

REPO = Path(__file__).resolve().parent.parent
STACKFAQ = REPO.parent / "shared" / "data" / "stackfaq"
DOC_SETS = {
    "sample": (REPO / "supportbot/sample_data/docs", REPO / "supportbot/sample_data/eval/answers.jsonl"),
    "situations": (REPO / "supportbot/sample_data/docs", REPO / "benchmarks/data/sample_situations.jsonl"),
    "chinese": (REPO / "supportbot/sample_data/docs-zh", REPO / "supportbot/sample_data/eval/answers-zh.jsonl"),
    "brightwave": (REPO / "benchmarks/data/brightwave/docs", REPO / "benchmarks/data/brightwave/answers.jsonl"),
}
FIGURES = ["rouge_l", "token_f1", "unsupported_number_rate", "supported_sentence_rate", "decline_rate", "decline_rate_unanswerable"]


def set_up(name: str, work: Path, stackfaq_limit: int) -> tuple[Config, list[AnswerCase], object]:
    """A set's config (its own index and data folders under `work`), its cases, and a shared embedder if built."""
    config = Config()
    config.paths.data_dir = str(work / f"{name}-data")
    index_dir = str(work / f"{name}-index")
    if name != "stackfaq":
        docs, answers = DOC_SETS[name]
        return replace(config, paths=replace(config.paths, index_dir=index_dir, docs=[str(docs)])), load_answer_cases(answers), None
    if not STACKFAQ.is_dir():
        sys.exit(f"{STACKFAQ} not found: the stackfaq set reads ../shared/data/stackfaq")
    beir = load_beir(STACKFAQ)
    config = replace(config, paths=replace(config.paths, index_dir=index_dir))
    embedder = create_embedder(config)
    build_eval_index(config, beir, Path(index_dir), embedder, show_progress=False)
    queries = list(beir.queries.items())[:stackfaq_limit]
    cases = [AnswerCase(text, beir.corpus[next(iter(beir.qrels[qid]))].text, tuple(beir.qrels[qid])) for qid, text in queries]
    return config, cases, embedder


def case_key(line: dict) -> str:
    """One case of a details file: a follow-up is its history and question, not the question alone."""
    return json.dumps([line.get("history"), line["question"]], ensure_ascii=False)


def changed_answers(earlier: Path, now: Path) -> list[tuple[dict, dict]]:
    """(earlier, now) details lines of the cases whose answer differs between two runs of one set."""
    before = {case_key(line): line for line in map(json.loads, earlier.read_text(encoding="utf-8").splitlines())}
    pairs = []
    for line in map(json.loads, now.read_text(encoding="utf-8").splitlines()):
        old = before.get(case_key(line))
        if old is not None and old["answer"] != line["answer"]:
            pairs.append((old, line))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="Folder for <set>.jsonl details and <set>.summary.json.")
    parser.add_argument("--sets", default="sample,situations,chinese,stackfaq,brightwave")
    parser.add_argument("--mode", default="extractive", choices=["extractive", "grounded", "generative"])
    parser.add_argument("--stackfaq-limit", type=int, default=400)
    parser.add_argument("--against", type=Path, help="An earlier run's folder: list the answers that changed.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="supportbot-answer-sets-") as temporary:
        for name in [name.strip() for name in args.sets.split(",")]:
            config, cases, embedder = set_up(name, Path(temporary), args.stackfaq_limit)
            config = replace(config, bot=replace(config.bot, answer_mode=args.mode))
            manager = create_dialogue_manager(config, show_progress=False, embedder=embedder)
            details_path = args.out / f"{name}.jsonl"
            with details_path.open("w", encoding="utf-8") as details:
                report = evaluate_answers(manager, cases, show_progress=False, details=details).to_dict()
            (args.out / f"{name}.summary.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
            print(f"{name} ({len(cases)}): " + ", ".join(f"{key} {report.get(key)}" for key in FIGURES), flush=True)
            if args.against and (args.against / f"{name}.jsonl").is_file():
                pairs = changed_answers(args.against / f"{name}.jsonl", details_path)
                print(f"  {len(pairs)} answers changed since {args.against}")
                for old, new in pairs:
                    print(f"  Q: {new['question']}\n    before: {old['answer']}\n    now:    {new['answer']}")


if __name__ == "__main__":
    main()
