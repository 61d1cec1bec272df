"""Baseline figures for the foundation, the numbers later work must beat.

    python benchmarks/baseline.py            # all sections
    python benchmarks/baseline.py --skip-chat

Prints: index build throughput (chunks/s) on the sample docs and on ../shared/data/stackfaq (its
corpus as FAQ JSONL), retrieval latency p50/p95 over the stackfaq queries, and time to first token
and decode tokens/s of a one-shot answer on the default config (in-process, and the wall time of
the whole `supportbot chat --message` process). Reads ../shared/data; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
STACKFAQ = ROOT.parent / "shared" / "data" / "stackfaq"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def stackfaq_as_faq_jsonl(target: Path) -> Path:
    path = target / "stackfaq.jsonl"
    with path.open("w", encoding="utf-8") as out, (STACKFAQ / "corpus.jsonl").open(encoding="utf-8") as corpus:
        for line in corpus:
            entry = json.loads(line)
            out.write(json.dumps({"id": entry["_id"], "question": entry["title"], "answer": entry["text"]}) + "\n")
    return path


def bench_index(config, embedder, work: Path) -> dict:
    from supportbot.app import create_index_builder

    builder = create_index_builder(config, embedder, show_progress=False)
    figures = {}
    sample = builder.build(["bundled:sample-docs"], work / "sample-index")
    figures["sample_docs"] = {"chunks": sample.chunks, "seconds": round(sample.seconds, 2), "chunks_per_s": round(sample.chunks / sample.seconds, 1)}
    if STACKFAQ.is_dir():
        faq = stackfaq_as_faq_jsonl(work)
        report = builder.build([str(faq)], work / "stackfaq-index")
        figures["stackfaq"] = {"chunks": report.chunks, "seconds": round(report.seconds, 2), "chunks_per_s": round(report.chunks / report.seconds, 1)}
    return figures


def bench_queries(config, embedder, work: Path) -> dict:
    from supportbot.retrieval.dense import DenseRetriever
    from supportbot.retrieval.index_store import load_index

    index_dir = work / "stackfaq-index"
    if not index_dir.exists():
        return {}
    retriever = DenseRetriever(load_index(index_dir), embedder, config.retrieval.top_k, config.retrieval.min_score)
    queries = [json.loads(line)["text"] for line in (STACKFAQ / "queries.jsonl").open(encoding="utf-8")]
    retriever.retrieve(queries[0])
    latencies = []
    for query in queries:
        started = time.perf_counter()
        retriever.retrieve(query)
        latencies.append((time.perf_counter() - started) * 1000)
    return {"queries": len(queries), "p50_ms": round(statistics.median(latencies), 2), "p95_ms": round(percentile(latencies, 0.95), 2)}


def bench_chat(config, work: Path) -> dict:
    from supportbot.app import create_dialogue_manager

    config.paths.data_dir = str(work / "chat-data")
    config.paths.index_dir = str(work / "sample-index")
    config.model.max_new_tokens = 128
    manager = create_dialogue_manager(config, show_progress=False)
    manager.warm_up()
    question = "My package says delivered but it is not here. What should I do?"
    reply = manager.reply("bench", "b1", question)
    started = time.perf_counter()
    text = reply.text()
    finished = time.perf_counter()
    first = reply.first_token_at or finished
    tokens = len(manager.generator.tokenizer(text, add_special_tokens=False)["input_ids"])
    process_started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "supportbot", "chat", "--message", question, "--json"],
        env={**os.environ, "SUPPORTBOT_PATHS_DATA_DIR": str(work / "chat-data"), "SUPPORTBOT_PATHS_INDEX_DIR": str(work / "sample-index"), "SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "128"},
        check=True,
        capture_output=True,
    )
    return {
        "prompt_tokens": reply.prompt.prompt_tokens if reply.prompt else 0,
        "answer_tokens": tokens,
        "ttft_s": round(first - started, 3),
        "decode_tok_s": round((tokens - 1) / (finished - first), 1) if tokens > 1 and finished > first else 0.0,
        "process_wall_s": round(time.perf_counter() - process_started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-chat", action="store_true", help="Skip the generation figures.")
    args = parser.parse_args()
    from supportbot.app import create_embedder
    from supportbot.cli import _quiet_libraries
    from supportbot.config import Config

    _quiet_libraries()
    config = Config()
    embedder = create_embedder(config)
    embedder.warm_up()
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results["index_build"] = bench_index(config, embedder, work)
        results["retrieval_latency"] = bench_queries(config, embedder, work)
        if not args.skip_chat:
            results["chat"] = bench_chat(config, work)
    for section, figures in results.items():
        print(f"{section}: {figures}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
