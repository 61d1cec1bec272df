"""Answer quality, faithfulness and speed per answer mode, next to today's generative answers, in one run.

Three sets: the sample docs' answer set (supportbot/sample_data/eval/answers.jsonl: 40 questions,
6 follow-ups, 15 the docs don't answer), StackFAQ's first 60 queries (../shared/data/stackfaq,
as `eval answers --limit 60` takes them), and the Brightwave help center's (benchmarks/data/brightwave:
a broadband provider's help center written apart from the bot, 34 questions, 6 follow-ups, 10 it
doesn't answer; only with `--sets brightwave`). Modes, each on the same warm bot:

- reference: generative with the system prompt of stop 10 (what the bot did before grounded
  answers: whole chunks in the prompt, the model's text shown as written);
- generative, grounded, extractive: bot.answer_mode as configured today.

Per mode: ROUGE-L and token F1 against the references (answerable questions), unsupported_number_rate,
supported_sentence_rate, declines on answerable and unanswerable questions, time to the first
visible words and to the whole answer (p50 and p90 in ms, over the answers that are not declines).
Run it on an otherwise idle machine:

    PYTHONPATH=$PWD .venv/bin/python benchmarks/answers.py
    PYTHONPATH=$PWD .venv/bin/python benchmarks/answers.py --limit 20 --sets sample
    PYTHONPATH=$PWD .venv/bin/python benchmarks/answers.py --sets brightwave
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.app import create_dialogue_manager, create_embedder
from supportbot.config import Config
from supportbot.evaluation.answers import AnswerCase, evaluate_answers, load_answer_cases
from supportbot.evaluation.beir import load_beir
from supportbot.evaluation.retrieval_eval import build_eval_index
from supportbot.retrieval.loaders import sample_docs_dir

REPO = Path(__file__).resolve().parent.parent
STACKFAQ = REPO.parent / "shared" / "data" / "stackfaq"
BRIGHTWAVE = REPO / "benchmarks" / "data" / "brightwave"
STOP_10_PROMPT = (
    "You are a friendly customer-support assistant. Answer the customer's question using only the "
    "numbered sources below. Cite the sources you use like [1]. If the sources do not contain the "
    "answer, say that you don't know and offer to connect the customer with a person."
)
COLUMNS = [
    ("rouge_l", "ROUGE-L"),
    ("token_f1", "F1"),
    ("unsupported_number_rate", "unsup.num"),
    ("supported_sentence_rate", "supp.sent"),
    ("decline_rate", "decl.ans"),
    ("decline_rate_unanswerable", "decl.unans"),
    ("ttft_p50_ms", "first p50"),
    ("ttft_p90_ms", "first p90"),
    ("answer_p50_ms", "whole p50"),
    ("answer_p90_ms", "whole p90"),
]


def docs_set(work: Path, config: Config, name: str, docs: Path, answers: Path) -> tuple[Config, list[AnswerCase], object]:
    """An answer set over a folder of documents, indexed as `index build` reads them."""
    config = replace(config, paths=replace(config.paths, index_dir=str(work / f"{name}-index"), docs=[str(docs)]))
    return config, load_answer_cases(answers), None


def stackfaq_set(work: Path, config: Config, limit: int) -> tuple[Config, list[AnswerCase], object]:
    beir = load_beir(STACKFAQ)
    config = replace(config, paths=replace(config.paths, index_dir=str(work / "stackfaq-index")))
    embedder = create_embedder(config)
    build_eval_index(config, beir, Path(config.paths.index_dir), embedder, show_progress=False)
    queries = list(beir.queries.items())[:limit]
    cases = [AnswerCase(text, beir.corpus[next(iter(beir.qrels[qid]))].text, tuple(beir.qrels[qid])) for qid, text in queries]
    return config, cases, embedder


def run_set(name: str, config: Config, cases: list[AnswerCase], embedder, limit: int | None) -> None:
    cases = cases[:limit] if limit else cases
    manager = create_dialogue_manager(config, show_progress=False, embedder=embedder)
    manager.warm_up()
    modes = [("reference: stop-10 generative", "generative", STOP_10_PROMPT)]
    # Grounded before extractive: it meets the sentence-embedding cache cold, as a newly started bot does.
    modes += [(mode, mode, config.bot.system_prompt) for mode in ("generative", "grounded", "extractive")]
    print(f"\n{name}: {len(cases)} questions")
    print(f"{'mode':<31}" + "".join(f"{label:>11}" for _, label in COLUMNS))
    for label, mode, system_prompt in modes:
        manager.bot.answer_mode = mode
        manager.composer.system_prompt = system_prompt
        manager.reply("bench", f"warm-up-{mode}", cases[-1].question).text()  # untimed: loads the model
        report = evaluate_answers(manager, cases, show_progress=False).to_dict()
        cells = "".join(f"{'-' if report[key] is None else report[key]:>11}" for key, _ in COLUMNS)
        print(f"{label:<31}{cells}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="sample,stackfaq", help="Comma-separated: sample, stackfaq, brightwave.")
    parser.add_argument("--limit", type=int, help="Only the first N questions of each set.")
    args = parser.parse_args()
    names = [name.strip() for name in args.sets.split(",")]
    with tempfile.TemporaryDirectory(prefix="supportbot-answers-bench-") as temporary:
        work = Path(temporary)
        config = Config()
        config.paths.data_dir = str(work / "data")
        if "sample" in names:
            answers = REPO / "supportbot" / "sample_data" / "eval" / "answers.jsonl"
            run_set("sample docs' answer set", *docs_set(work, config, "sample", sample_docs_dir(), answers), args.limit)
        if "stackfaq" in names:
            if not STACKFAQ.is_dir():
                sys.exit(f"{STACKFAQ} not found: this benchmark reads ../shared/data/stackfaq")
            run_set("StackFAQ, first 60 queries", *stackfaq_set(work, config, 60), args.limit)
        if "brightwave" in names:
            brightwave = docs_set(work, config, "brightwave", BRIGHTWAVE / "docs", BRIGHTWAVE / "answers.jsonl")
            run_set("Brightwave help center's answer set", *brightwave, args.limit)


if __name__ == "__main__":
    main()
