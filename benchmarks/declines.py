"""When the bot declines: the share of questions declined for each bar on `bot.answer_min_relevance`.

A question is declined when retrieval finds no relevant chunk, or when the best source sentence's
embedding similarity with the question (read under its heading) is under the bar. Sets: the sample
docs' answer set (answerable and not), the Brightwave help center's (benchmarks/data/brightwave, written
apart from the bot: answerable and not), StackFAQ's 1,249 queries (all answerable), and two sets
where nothing is answerable: the sample questions against the StackFAQ index, and 60 StackFAQ
queries (every fifth of the first 300) against the sample docs. No model call: this is fast.

A second table does the same for `bot.answer_min_keyword_coverage`, the bar for questions the
embedding model does not read (Chinese with all-MiniLM-L6-v2), on the Chinese answer set; as a
check on other data, the English sample set sent through the same keyword path (as if the model
read only Chinese), and the Chinese questions against the English sample docs (nothing answerable).
The first table's "ref" rows are the Chinese set judged by MiniLM's similarity, as it was before.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/declines.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.app import build_index, create_embedder, create_grounding_checker, retriever_for_index
from supportbot.bot.dialogue import merge_hits
from supportbot.bot.extractive import ExtractiveAnswerer
from supportbot.bot.prompt import group_sources
from supportbot.config import Config
from supportbot.evaluation.answers import AnswerCase, load_answer_cases
from supportbot.evaluation.beir import load_beir
from supportbot.evaluation.retrieval_eval import build_eval_index
from supportbot.retrieval.index_store import load_index

REPO = Path(__file__).resolve().parent.parent
STACKFAQ = REPO.parent / "shared" / "data" / "stackfaq"
BRIGHTWAVE = REPO / "benchmarks" / "data" / "brightwave"
BARS = (0.4, 0.45, 0.5, 0.55, 0.6)
KEYWORD_BARS = (0.15, 0.2, 0.25, 0.3, 0.35)


def relevance(config: Config, index_dir: Path, embedder, cases: list[AnswerCase]) -> list[float | None]:
    """The best sentence's similarity per question, None when retrieval declines on its own."""
    retriever = retriever_for_index(config, load_index(index_dir), embedder)
    answerer = ExtractiveAnswerer(create_grounding_checker(config, embedder), config.bot.answer_min_relevance)
    found = []
    for case in cases:
        hits = retriever.retrieve(case.question)
        asked = f"{case.history[-1]}\n{case.question}" if case.history else case.question
        if case.history:
            hits = merge_hits(hits, retriever.retrieve(asked))[: config.retrieval.top_k]
        found.append(answerer.rank(asked, group_sources(hits)).relevance if hits else None)
    return found


def print_shares(bars: tuple[float, ...], rows: list[tuple[str, list[float | None]]]) -> None:
    print(f"{'declined at bar':<46}{'n':>6}" + "".join(f"{bar:>8.2f}" for bar in bars))
    for name, values in rows:
        shares = [sum(1 for v in values if v is None or v < bar) / len(values) for bar in bars]
        print(f"{name:<46}{len(values):>6}" + "".join(f"{share:>8.3f}" for share in shares))


def main() -> None:
    config = Config()
    keywords_only = Config()
    keywords_only.retrieval.embedding_languages = ["zh"]  # English questions then take the keyword path
    fused = Config()
    fused.retrieval.embedding_languages = ["all"]  # Chinese questions judged by MiniLM's similarity, as before
    embedder = create_embedder(config)
    embedder.warm_up()
    eval_dir = REPO / "supportbot" / "sample_data" / "eval"
    sample, chinese = load_answer_cases(eval_dir / "answers.jsonl"), load_answer_cases(eval_dir / "answers-zh.jsonl")
    brightwave = load_answer_cases(BRIGHTWAVE / "answers.jsonl")
    beir = load_beir(STACKFAQ)
    stackfaq = [AnswerCase(text, "") for text in beir.queries.values()]
    with tempfile.TemporaryDirectory(prefix="supportbot-declines-") as temporary:
        sample_index, stackfaq_index, chinese_index, brightwave_index = (
            Path(temporary) / name for name in ("sample", "stackfaq", "zh", "brightwave")
        )
        build_index(config, ["bundled:sample-docs"], sample_index, show_progress=False, embedder=embedder)
        build_index(config, [str(BRIGHTWAVE / "docs")], brightwave_index, show_progress=False, embedder=embedder)
        build_index(config, ["bundled:sample-docs-zh"], chinese_index, show_progress=False, embedder=embedder)
        build_eval_index(config, beir, stackfaq_index, embedder, show_progress=False)
        rows = [
            ("sample docs, answerable", relevance(config, sample_index, embedder, [c for c in sample if c.answerable])),
            ("sample docs, not answerable", relevance(config, sample_index, embedder, [c for c in sample if not c.answerable])),
            ("Brightwave, answerable", relevance(config, brightwave_index, embedder, [c for c in brightwave if c.answerable])),
            ("Brightwave, not answerable", relevance(config, brightwave_index, embedder, [c for c in brightwave if not c.answerable])),
            ("StackFAQ, answerable", relevance(config, stackfaq_index, embedder, stackfaq)),
            ("sample questions on the StackFAQ index", relevance(config, stackfaq_index, embedder, sample)),
            ("StackFAQ queries on the sample docs", relevance(config, sample_index, embedder, stackfaq[:300:5])),
            ("ref: Chinese set, answerable, by MiniLM", relevance(fused, chinese_index, embedder, [c for c in chinese if c.answerable])),
            ("ref: Chinese set, not answerable, by MiniLM", relevance(fused, chinese_index, embedder, [c for c in chinese if not c.answerable])),
        ]
        keyword_rows = [
            ("Chinese set, answerable", relevance(config, chinese_index, embedder, [c for c in chinese if c.answerable])),
            ("Chinese set, not answerable", relevance(config, chinese_index, embedder, [c for c in chinese if not c.answerable])),
            ("sample docs by keywords, answerable", relevance(keywords_only, sample_index, embedder, [c for c in sample if c.answerable])),
            ("sample docs by keywords, not answerable", relevance(keywords_only, sample_index, embedder, [c for c in sample if not c.answerable])),
            ("Chinese questions on the English sample docs", relevance(config, sample_index, embedder, chinese)),
        ]
    print("bot.answer_min_relevance (embedding similarity)")
    print_shares(BARS, rows)
    print("\nbot.answer_min_keyword_coverage (questions the embedding model does not read)")
    print_shares(KEYWORD_BARS, keyword_rows)


if __name__ == "__main__":
    main()
