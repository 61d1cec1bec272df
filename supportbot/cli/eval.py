"""`supportbot eval`: measure retrieval (and answers) on a dataset, with the field's own metrics."""

from __future__ import annotations

import json
import tempfile
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click

from supportbot.cli import get_config


@contextmanager
def staged_details(path: Path | None) -> Iterator[TextIO | None]:
    """The --details file, written in full before it replaces an earlier one (a failed run leaves the old file)."""
    if path is None:
        yield None
        return
    from supportbot.staging import staged_file

    with staged_file(path) as partial, partial.open("w", encoding="utf-8") as handle:
        yield handle


METRIC_KEYS = ("R@1", "R@5", "MRR@{k}", "nDCG@{k}", "p50_ms", "p95_ms")


def _pipelines(value: str | None) -> list[str] | None:
    if value is None:
        return None
    from supportbot.app import RETRIEVAL_MODES

    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in RETRIEVAL_MODES]
    if unknown or not names:
        raise click.BadParameter(f"unknown pipeline {', '.join(unknown) or value!r}: choose from {', '.join(RETRIEVAL_MODES)}")
    return list(dict.fromkeys(names))


def _settings(config, dataset, k: int, embedder) -> dict:
    retrieval = config.retrieval
    return {
        "mode": retrieval.mode,
        "fusion": retrieval.fusion,
        "dense_weight": retrieval.dense_weight,
        "question_weight": retrieval.question_weight,
        "question_scoring": retrieval.question_scoring,
        "bm25_title_weight": retrieval.bm25_title_weight,
        "embedding_model": retrieval.embedding_model,
        "query_prompt": embedder.query_prompt,
        "document_prompt": embedder.document_prompt,
        "query_encoder": retrieval.query_encoder,
        "reranker": retrieval.reranker,
        "rerank_candidates": retrieval.rerank_candidates if retrieval.reranker else None,
        "index": retrieval.index,
        "chunk_tokens": retrieval.chunk_tokens,
        "k": k,
        "dataset": str(dataset.path),
        "documents": len(dataset.corpus),
        "queries": len(dataset.queries),
        "skipped_queries": dataset.skipped_queries,
    }


def _table(results, k: int) -> str:
    keys = [key.format(k=k) for key in METRIC_KEYS]
    lines = [f"{'pipeline':<10}" + "".join(f"{key:>10}" for key in keys)]
    for result in results:
        lines.append(f"{result.name:<10}" + "".join(f"{result.metrics[key]:>10.3f}" for key in keys))
    return "\n".join(lines)


@click.group("eval")
def eval_group() -> None:
    """Measure retrieval and answer quality on a dataset."""


@eval_group.command("retrieval")
@click.argument("dataset_dir", type=click.Path(path_type=Path))
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(1, 1000), help="Cut-off for MRR and nDCG.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: the metrics and the settings used.")
@click.option("--compare", "compare", callback=lambda ctx, param, value: _pipelines(value), help="Pipelines side by side, e.g. bm25,dense,hybrid.")
@click.option("--split", default="test", show_default=True, help="Which qrels/<split>.tsv to use.")
@click.pass_context
def retrieval(ctx: click.Context, dataset_dir: Path, k: int, as_json: bool, compare: list[str] | None, split: str) -> None:
    """Evaluate the configured retrieval on DATASET_DIR in BEIR layout.

    The folder holds corpus.jsonl ({"_id", "title", "text"}), queries.jsonl ({"_id", "text"}) and
    qrels/test.tsv (query-id, corpus-id, score). The corpus is indexed into a temporary index with
    the configured settings; documents are scored at document level. Reports Recall@1, Recall@5,
    MRR@k, nDCG@k and query latency p50/p95 in milliseconds.

    \b
    Examples:
      supportbot eval retrieval ../shared/data/stackfaq
      supportbot eval retrieval ../shared/data/stackfaq --compare bm25,dense,hybrid
      SUPPORTBOT_RETRIEVAL_MODE=dense supportbot eval retrieval data/faq --json
    """
    from supportbot.app import create_embedder, retriever_for_index
    from supportbot.evaluation.beir import load_beir
    from supportbot.evaluation.retrieval_eval import build_eval_index, evaluate_search

    config = get_config(ctx)
    dataset = load_beir(dataset_dir, split)
    embedder = create_embedder(config)
    embedder.warm_up()
    with tempfile.TemporaryDirectory(prefix="supportbot-eval-") as temporary:
        index = build_eval_index(config, dataset, Path(temporary) / "index", embedder, show_progress=not as_json)
        results = []
        for mode in compare or [config.retrieval.mode]:
            retriever = retriever_for_index(config, index, embedder, mode)
            if hasattr(retriever, "warm_up"):  # load a reranker before the clock starts
                retriever.warm_up()
            results.append(evaluate_search(mode, retriever.search, dataset, k, show_progress=not as_json))
    settings = _settings(config, dataset, k, embedder)
    if as_json:
        rounded = {result.name: {key: round(value, 4) for key, value in result.metrics.items()} for result in results}
        payload = {"pipelines": rounded} if compare else dict(rounded[results[0].name])
        click.echo(json.dumps({**payload, "settings": settings}))
        return
    click.echo(_table(results, k))
    click.echo(
        f"{settings['queries']} queries on {settings['documents']} documents"
        + (f"; {dataset.skipped_queries} queries without a relevant document skipped" if dataset.skipped_queries else "")
    )


def _answer_modes(value: str | None) -> list[str] | None:
    if value is None:
        return None
    from supportbot.config import AnswerMode

    known = typing.get_args(AnswerMode)
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise click.BadParameter(f"unknown answer mode {', '.join(unknown) or value!r}: choose from {', '.join(known)}")
    return list(dict.fromkeys(names))


def _answer_cases(config, dataset: Path, temporary: Path, as_json: bool):
    """The cases, and the embedder when a BEIR corpus had to be indexed for them."""
    from supportbot.evaluation.answers import AnswerCase, load_answer_cases

    if not dataset.is_dir():
        return load_answer_cases(dataset), None
    from supportbot.app import create_embedder
    from supportbot.evaluation.beir import load_beir
    from supportbot.evaluation.retrieval_eval import build_eval_index

    beir = load_beir(dataset)
    config.paths.index_dir = str(temporary / "index")
    embedder = create_embedder(config)
    build_eval_index(config, beir, Path(config.paths.index_dir), embedder, not as_json)
    cases = [AnswerCase(text, beir.corpus[next(iter(beir.qrels[qid]))].text, tuple(beir.qrels[qid])) for qid, text in beir.queries.items()]
    return cases, embedder


@eval_group.command("answers")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--limit", type=click.IntRange(1), help="Only the first N questions (generation is slow on a CPU).")
@click.option(
    "--compare", callback=lambda ctx, param, value: _answer_modes(value), help="Answer modes side by side, e.g. extractive,generative,grounded."
)
@click.option("--details", "details_path", type=click.Path(dir_okay=False, path_type=Path), help="Write one JSON line per answer here.")
@click.pass_context
def answers(ctx: click.Context, dataset: Path, as_json: bool, limit: int | None, compare: list[str] | None, details_path: Path | None) -> None:
    """Ask the bot every question in DATASET and score its answers against the references.

    DATASET is a JSONL file of {"question", "answer", "doc_ids"?, "history"?, "answerable"?}
    answered from the configured index, or a BEIR folder whose corpus is indexed into a temporary
    index (the first relevant document of each query is its reference answer). Reports ROUGE-L and
    token F1 against the references, faithfulness (unsupported_number_rate: answers stating a
    figure none of their sources states; supported_sentence_rate: answer sentences the grounding
    check accepts), how often a cited source is relevant, how often the bot declines (on questions
    the documents answer, and on those marked "answerable": false), approved answers, answer kinds,
    time to first visible words and to the whole answer.

    --details writes, per answer: question, answer, kind, reference, and sources ({"id", "text"}
    with the exact text the answer was made from), with what the checks found.

    \b
    Examples:
      supportbot eval answers qa.jsonl --limit 20
      supportbot eval answers supportbot/sample_data/eval/answers.jsonl --compare extractive,generative,grounded
      supportbot eval answers ../shared/data/stackfaq --limit 60 --json --details details.jsonl
    """
    from supportbot.staging import check_not_the_input

    if details_path is not None:  # before anything loads
        check_not_the_input(details_path, dataset, "--details")
    from supportbot.app import create_dialogue_manager
    from supportbot.evaluation.answers import answer_modes, evaluate_answers

    config = get_config(ctx)
    with tempfile.TemporaryDirectory(prefix="supportbot-eval-") as temporary:
        cases, embedder = _answer_cases(config, dataset, Path(temporary), as_json)
        cases = cases[:limit] if limit else cases
        config.paths.conversations_db = str(Path(temporary) / "conversations.sqlite3")
        manager = create_dialogue_manager(config, show_progress=not as_json, embedder=embedder)
        manager.warm_up()
        reports = {}
        with staged_details(details_path) as details:
            for mode in answer_modes(manager, compare or [config.bot.answer_mode]):
                reports[mode] = evaluate_answers(manager, cases, show_progress=not as_json, details=details).to_dict()
    if as_json:
        click.echo(json.dumps({"modes": reports} if compare else next(iter(reports.values()))))
        return
    if not compare:
        for key, value in next(iter(reports.values())).items():
            click.echo(f"{key:<26}{value}")
        return
    click.echo(f"{'':<26}" + "".join(f"{mode:>14}" for mode in reports))
    for key in next(iter(reports.values())):
        if key != "kinds":
            click.echo(f"{key:<26}" + "".join(f"{report[key]!s:>14}" for report in reports.values()))
