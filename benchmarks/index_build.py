"""Index build speed: `supportbot index build` against sentence-transformers' own `encode`, whole process each.

For each size, a help center of the sample-doc kind is written: the bundled sample docs copied as
often as needed, each copy's brand name numbered ("Larkspur7") so that no two chunks or FAQ
questions are the same text (the builder embeds a repeated FAQ question once). Then, in the same
run, each of these is timed as a whole process, from start to exit:

  supportbot       `python -m supportbot index build FOLDER --index DIR --quiet --workers N` (0: the default), with
                   retrieval.document_weights int8 (the default) and float32 (--weights), run by
                   retrieval.document_runtime "auto" (the default) and "onnxruntime" (--runtimes)
                   (a fresh index folder each time: nothing is reused from an earlier build)
  reference        a process that imports sentence-transformers, loads the same model and
                   `encode`s exactly the texts the build embedded (chunks with their titles, and
                   the FAQ questions), batch_size 32, normalised, on all cores

The ONNX export is made once before timing, as the first query or build after installing does;
its one-time cost is printed too. Both sides run with TOKENIZERS_PARALLELISM=false. Each process
is timed `--rounds` times (3), the rounds interleaving the processes, and the table gives the median:
on a shared machine one build of the same folder took anywhere from 10.4 to 14.0 s.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/index_build.py                        # 1k and 10k chunks
    PYTHONPATH=$PWD .venv/bin/python benchmarks/index_build.py --sizes 1000 --workers 1,2
    PYTHONPATH=$PWD .venv/bin/python benchmarks/index_build.py --sizes 1000 --no-reference
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from supportbot.config import load_config
from supportbot.model_sources import resolve_reference
from supportbot.retrieval.builder import embedding_workers
from supportbot.retrieval.index_store import load_index
from supportbot.retrieval.loaders import discover_files, load_file, sample_docs_dir
from supportbot.retrieval.openvino_session import computes_bfloat16
from supportbot.retrieval.splitter import ChunkingSettings, DocumentSplitter

REFERENCE = """
import json, sys
from sentence_transformers import SentenceTransformer
texts = json.load(open(sys.argv[2], encoding="utf-8"))
model = SentenceTransformer(sys.argv[1], device="cpu")
model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
"""


def write_help_center(folder: Path, copies: int) -> None:
    """`copies` numbered copies of the sample docs, each under its own folder."""
    source = sample_docs_dir()
    for copy in range(copies):
        for path in source.rglob("*"):
            if not path.is_file():
                continue
            target = folder / f"copy{copy}" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".pdf":
                shutil.copyfile(path, target)  # binary; its text is the same in every copy
            else:
                target.write_text(path.read_text(encoding="utf-8").replace("Larkspur", f"Larkspur{copy}"), encoding="utf-8")


def chunks_per_copy(config) -> int:
    from supportbot.app import create_embedder

    embedder = create_embedder(config)
    splitter = DocumentSplitter(ChunkingSettings(config.retrieval.chunk_tokens, config.retrieval.chunk_overlap_tokens), embedder.count_tokens)
    return sum(len(splitter.split(doc)) for source in discover_files(["bundled:sample-docs"]) for doc in load_file(source).documents)


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def embedded_texts(index_dir: Path) -> list[str]:
    """What the build embedded: every chunk's text with its title, and each distinct FAQ question."""
    index = load_index(index_dir)
    questions = list(dict.fromkeys(chunk.question for chunk in index.chunks if chunk.question))
    return [chunk.embedding_text() for chunk in index.chunks] + questions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="Chunk counts to build, comma-separated.")
    parser.add_argument("--workers", default="0", help="Values of `index build --workers` to time, comma-separated (0: the default, chosen per build).")
    parser.add_argument("--weights", default="int8,float32", help="Values of retrieval.document_weights to time, comma-separated.")
    parser.add_argument(
        "--runtimes", default="auto,onnxruntime", help="Values of retrieval.document_runtime to time, comma-separated ('auto' is named by what it chose)."
    )
    parser.add_argument("--rounds", type=int, default=3, help="Times each process is timed; the table gives the median.")
    parser.add_argument("--no-reference", action="store_true", help="Skip the sentence-transformers process.")
    args = parser.parse_args()
    config = load_config(None, environ={})
    per_copy = chunks_per_copy(config)
    model_path = resolve_reference(config.retrieval.embedding_model)
    seconds: dict[tuple[str, int, int], list[float]] = {}  # (process, chunks, texts) -> one time per round

    def record(name: str, chunks: int, texts: int, value: float) -> None:
        seconds.setdefault((name, chunks, texts), []).append(value)
        print(f"done: {name}, {chunks} chunks: {value:.1f} s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="index-build-bench-") as temporary:
        work = Path(temporary)
        env = {**os.environ, "SUPPORTBOT_PATHS_CACHE_DIR": str(work / "cache"), "PYTHONPATH": os.getcwd()}
        build = [sys.executable, "-m", "supportbot", "index", "build", "--quiet"]
        warm = timed([*build, "bundled:sample-docs", "--index", str(work / "warm")], env)  # exports (and quantizes) once
        print(f"first build of the sample docs ({per_copy} chunks), ONNX export included: {warm:.1f} s", file=sys.stderr)
        for size in (int(value) for value in args.sizes.split(",")):
            folder = work / f"docs-{size}"
            write_help_center(folder, math.ceil(size / per_copy))
            for _ in range(args.rounds):  # rounds interleave the processes, so a busy moment hits all of them alike
                settings = itertools.product(args.weights.split(","), args.runtimes.split(","), (int(v) for v in args.workers.split(",")))
                for weights, runtime, workers in settings:
                    index_dir = work / f"index-{size}-{workers}"
                    settings_env = {**env, "SUPPORTBOT_RETRIEVAL_DOCUMENT_WEIGHTS": weights, "SUPPORTBOT_RETRIEVAL_DOCUMENT_RUNTIME": runtime}
                    value = timed([*build, str(folder), "--index", str(index_dir), "--workers", str(workers)], settings_env)
                    texts = embedded_texts(index_dir)
                    chunks = len(load_index(index_dir).chunks)
                    chosen = f"0 (chose {embedding_workers(len(texts))})" if workers == 0 else workers
                    ran = f"auto: {'openvino' if computes_bfloat16() else 'onnxruntime'}" if runtime == "auto" else runtime
                    record(f"supportbot index build --workers {chosen}, {weights} weights, {ran}", chunks, len(texts), value)
                    shutil.rmtree(index_dir)
                if not args.no_reference:
                    texts_file = work / "texts.json"
                    texts_file.write_text(json.dumps(texts), encoding="utf-8")
                    value = timed([sys.executable, "-c", REFERENCE, model_path, str(texts_file)], env)
                    record("sentence-transformers encode (reference)", chunks, len(texts), value)
    print(f"median of {args.rounds} round(s); whole process s as median (lowest-highest)")
    print("| process | chunks | texts embedded | whole process s | chunks/s | vs reference |")
    print("| --- | --- | --- | --- | --- | --- |")
    medians = {key: statistics.median(values) for key, values in seconds.items()}
    for (name, chunks, texts), median in medians.items():
        reference = next((m for (n, c, _), m in medians.items() if c == chunks and n.startswith("sentence")), None)
        speedup = f"{reference / median:.2f}x" if reference else "-"
        spread = f" ({min(seconds[name, chunks, texts]):.1f}-{max(seconds[name, chunks, texts]):.1f})" if args.rounds > 1 else ""
        print(f"| {name} | {chunks} | {texts} | {median:.1f}{spread} | {chunks / median:.1f} | {speedup} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
