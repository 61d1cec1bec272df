"""Generation speed of the default backend against llama.cpp run directly, in the same process run.

A ~500-token retrieved-context prompt (the bundled sample docs as numbered sources, like the prompt
composer renders them), greedy decoding, 128 new tokens, the bundled SmolLM2-135M-Instruct GGUF.

    python benchmarks/generation.py            # figures as text, then one JSON line
    python benchmarks/generation.py --json     # only the JSON line
    python benchmarks/generation.py --skip-transformers --skip-rss   # the fast part only

Reported: decode tokens/s and time to first token of the default backend (`model.backend = "auto"`),
of llama-cpp-python's own `create_chat_completion` on the same GGUF (the reference) and of the
transformers backend; the ratio ours / llama.cpp; a follow-up turn's time to first token (it shares
the first turn's prompt prefix); the peak resident memory of `supportbot chat --message`; and what
the `openai` backend adds per request against a local double, compared with a bare httpx request.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "generation"))  # the OpenAI-compatible double

from supportbot.config import Config  # noqa: E402
from supportbot.generation.base import GenerationSettings  # noqa: E402
from supportbot.generation.registry import create_generator  # noqa: E402

NEW_TOKENS = 128
CONTEXT_TOKENS = 500
QUESTION = "I ordered a lamp two weeks ago and it arrived damaged. Can I get a refund, and how long will it take?"
FOLLOW_UP = "And can I exchange it for a different colour instead?"


def build_messages(count_tokens, target: int = CONTEXT_TOKENS) -> list[dict]:
    """System prompt plus numbered sample-doc sources, cut so the whole prompt is about `target` tokens."""
    from supportbot.retrieval.loaders import sample_docs_dir

    system = Config().bot.system_prompt + "\n\nSources:\n"
    # the returns and refunds pages first: they are what a retriever would rank top for this question
    docs = sorted(sample_docs_dir().rglob("*.md"), key=lambda p: (not any(w in p.stem for w in ("return", "refund")), str(p)))
    blocks = [f"[{i}] {p.stem.replace('-', ' ').title()}\n{p.read_text(encoding='utf-8').strip()}" for i, p in enumerate(docs, 1)]
    text = "\n\n".join(blocks)
    low, high = 0, len(text)
    while low < high:  # the longest prefix of the sources that keeps the prompt within target
        mid = (low + high + 1) // 2
        messages = [{"role": "system", "content": system + text[:mid]}, {"role": "user", "content": QUESTION}]
        low, high = (mid, high) if count_tokens(messages) <= target else (low, mid - 1)
    return [{"role": "system", "content": system + text[:low]}, {"role": "user", "content": QUESTION}]


def timed_stream(pieces, count_tokens_of_text) -> dict:
    """Consume a stream of text pieces; time to first piece, decode rate over the rest, and the text."""
    start = time.perf_counter()
    first = last = None
    parts = []
    for piece in pieces:
        now = time.perf_counter()
        first = first or now
        last = now
        parts.append(piece)
    text = "".join(parts)
    tokens = count_tokens_of_text(text)
    decode_s = (last - first) if first and last and last > first else float("nan")
    return {"ttft_s": first - start, "decode_tok_s": (tokens - 1) / decode_s, "tokens": tokens, "text": text}


def median_run(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in ("ttft_s", "decode_tok_s", "tokens")} | {"text": runs[-1]["text"]}


def bench_llama(repeats: int, threads: int, requantize: str | None) -> dict:
    import llama_cpp
    from llama_cpp import Llama

    config = Config()
    config.model.threads = threads
    if requantize is not None:
        config.model.llama_cpp_requantize = requantize
    config.model.context_window = 2048
    config.model.prompt_cache_mb = 0
    ours = create_generator(config)  # the default backend: llama_cpp for the bundled GGUF on a CPU
    ours.warm_up()
    backend = type(ours).__name__
    llama = ours.llama
    n_threads = llama.context_params.n_threads  # what the default backend chose
    flash_attn = llama.context_params.flash_attn_type == llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
    # the reference: llama.cpp with the same settings on the file ours runs (requantized or not) ...
    reference = Llama(model_path=llama.model_path, n_ctx=2048, n_threads=n_threads, n_threads_batch=n_threads, flash_attn=flash_attn, verbose=False)
    # ... and llama.cpp's defaults on the GGUF as shipped, to show what the requantized copy and settings change
    shipped_path = str(ours._gguf_path())
    shipped = Llama(model_path=shipped_path, n_ctx=2048, n_threads=n_threads, n_threads_batch=n_threads, verbose=False)

    def n_tokens(text: str) -> int:
        return len(llama.tokenize(text.encode(), add_bos=False, special=False))

    messages = build_messages(ours.count_tokens)
    settings = GenerationSettings(max_new_tokens=NEW_TOKENS, temperature=0.0)

    def direct(model):
        model.reset()
        for chunk in model.create_chat_completion(
            messages, max_tokens=NEW_TOKENS, temperature=0.0, repeat_penalty=settings.repetition_penalty, stream=True
        ):
            text = chunk["choices"][0]["delta"].get("content")
            if text:
                yield text

    def run_ours():
        llama.reset()
        yield from ours.stream(messages, settings)

    runners = {"ours": run_ours, "direct": lambda: direct(reference), "shipped": lambda: direct(shipped)}
    runs = {name: [] for name in runners}
    for repeat in range(repeats):  # interleaved, order rotating, each from an empty KV cache
        names = list(runners)[repeat % 3 :] + list(runners)[: repeat % 3]
        for name in names:
            runs[name].append(timed_stream(runners[name](), n_tokens))
    ours_result, direct_result = median_run(runs["ours"]), median_run(runs["direct"])
    follow_up = [*messages, {"role": "assistant", "content": ours_result["text"]}, {"role": "user", "content": FOLLOW_UP}]
    follow = timed_stream(ours.stream(follow_up, settings), n_tokens)
    return {
        "backend": backend,
        "threads": n_threads,
        "prompt_tokens": ours.count_tokens(messages),
        "follow_up_prompt_tokens": ours.count_tokens(follow_up),
        "ours": ours_result,
        "direct": direct_result,
        "shipped": median_run(runs["shipped"]),
        "file": Path(llama.model_path).name,
        "flash_attn": flash_attn,
        "follow_up": follow,
        "same_text": ours_result["text"] == direct_result["text"],
        "messages": messages,
    }


def bench_transformers(messages: list[dict], threads: int) -> dict:
    from supportbot.generation.transformers_backend import TransformersGenerator

    generator = TransformersGenerator("bundled:smollm2-135m-instruct", Config().paths.cache_path(), device="cpu", threads=threads)
    generator.warm_up()
    tokenizer = generator.tokenizer
    settings = GenerationSettings(max_new_tokens=NEW_TOKENS, temperature=0.0)
    return timed_stream(generator.stream(messages, settings), lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]))


def chat_peak_rss_mb(backend: str, data_dir: Path, threads: int) -> float:
    """Peak RSS of a `supportbot chat --message` process (index already built in data_dir)."""
    code = (
        "import atexit, resource, sys\n"
        "atexit.register(lambda: sys.stderr.write('PEAK_RSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
        "from supportbot.cli import main\n"
        "main()\n"
    )
    env = os.environ | {
        "PYTHONPATH": str(REPO),
        "SUPPORTBOT_PATHS_DATA_DIR": str(data_dir),
        "SUPPORTBOT_MODEL_BACKEND": backend,
        "SUPPORTBOT_MODEL_THREADS": str(threads),
        "SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "32",
        "HF_HUB_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", code, "chat", "--message", QUESTION, "--json"], env=env, capture_output=True, text=True, cwd=data_dir
    )
    if result.returncode != 0:
        raise RuntimeError(f"supportbot chat failed: {result.stderr[-2000:]}")
    line = next(line for line in result.stderr.splitlines() if line.startswith("PEAK_RSS_KB="))
    return int(line.split("=")[1]) / 1024


def bench_openai(repeats: int = 20) -> dict:
    """Per-request cost of the openai backend on loopback: a canned 128-piece answer, ours vs bare httpx."""
    import httpx
    from openai_double import OpenAIDouble, canned

    from supportbot.generation.openai_backend import OpenAIGenerator

    messages = [{"role": "user", "content": QUESTION}]
    settings = GenerationSettings(max_new_tokens=NEW_TOKENS)
    with OpenAIDouble(canned([f"w{i} " for i in range(NEW_TOKENS)])) as server:
        generator = OpenAIGenerator(server.base_url, "double")
        client = httpx.Client()

        def ours() -> float:
            start = time.perf_counter()
            assert len(list(generator.stream(messages, settings))) == NEW_TOKENS
            return time.perf_counter() - start

        def bare() -> float:
            start = time.perf_counter()
            body = {"model": "double", "messages": messages, "max_tokens": NEW_TOKENS, "stream": True}
            with client.stream("POST", server.base_url + "/chat/completions", json=body) as response:
                pieces = [json.loads(line[5:]) for line in response.iter_lines() if line.startswith("data:") and "[DONE]" not in line]
            assert len(pieces) == NEW_TOKENS + 1
            return time.perf_counter() - start

        ours_runs, bare_runs = [], []
        for _ in range(repeats + 1):  # interleaved, so both see the same machine load; the first opens the connections
            ours_runs.append(ours())
            bare_runs.append(bare())
        ours_s, bare_s = statistics.median(ours_runs[1:]), statistics.median(bare_runs[1:])
    return {"openai_request_ms": ours_s * 1000, "openai_bare_httpx_request_ms": bare_s * 1000, "openai_overhead_ms": (ours_s - bare_s) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="Print only the JSON line.")
    parser.add_argument("--repeats", type=int, default=3, help="Runs of ours and of llama.cpp direct (median).")
    parser.add_argument("--skip-transformers", action="store_true", help="Skip the slow (~20 s) transformers run.")
    parser.add_argument("--threads", type=int, default=0, help="model.threads for every backend (0: each backend's default).")
    parser.add_argument("--requantize", default=None, help="model.llama_cpp_requantize ('', q4_0, q8_0; default: config's 'auto'); llama.cpp direct runs the same file.")
    parser.add_argument("--skip-rss", action="store_true", help="Skip the `supportbot chat` memory runs.")
    args = parser.parse_args()
    say = (lambda *a: None) if args.json else print

    llama = bench_llama(args.repeats, args.threads, args.requantize)
    ours, direct, follow = llama["ours"], llama["direct"], llama["follow_up"]
    figures = {
        "backend": llama["backend"],
        "threads": llama["threads"],
        "requantize": llama["file"] if args.requantize is None else args.requantize,
        "flash_attn": llama["flash_attn"],
        "prompt_tokens": llama["prompt_tokens"],
        "new_tokens": ours["tokens"],
        "decode_tok_s": round(ours["decode_tok_s"], 1),
        "ttft_s": round(ours["ttft_s"], 3),
        "llama_cpp_decode_tok_s": round(direct["decode_tok_s"], 1),
        "llama_cpp_ttft_s": round(direct["ttft_s"], 3),
        "ratio_vs_llama_cpp": round(ours["decode_tok_s"] / direct["decode_tok_s"], 3),
        "same_text_as_llama_cpp": llama["same_text"],
        "followup_prompt_tokens": llama["follow_up_prompt_tokens"],
        "followup_ttft_s": round(follow["ttft_s"], 3),
        "shipped_gguf_llama_cpp_decode_tok_s": round(llama["shipped"]["decode_tok_s"], 1),
        "shipped_gguf_llama_cpp_ttft_s": round(llama["shipped"]["ttft_s"], 3),
    }
    say(f"default backend: {llama['backend']}, prompt {llama['prompt_tokens']} tokens, {ours['tokens']} new tokens")
    say(f"  ours:      {ours['decode_tok_s']:.1f} tok/s decode, ttft {ours['ttft_s']:.3f} s")
    say(f"  llama.cpp: {direct['decode_tok_s']:.1f} tok/s decode, ttft {direct['ttft_s']:.3f} s (ratio {figures['ratio_vs_llama_cpp']})")
    say(f"  llama.cpp defaults on the GGUF as shipped: {llama['shipped']['decode_tok_s']:.1f} tok/s decode, "
        f"ttft {llama['shipped']['ttft_s']:.3f} s")
    say(f"  follow-up turn ({figures['followup_prompt_tokens']} tokens): ttft {follow['ttft_s']:.3f} s")
    if not args.skip_transformers:
        tf = bench_transformers(llama["messages"], args.threads)
        figures |= {
            "transformers_decode_tok_s": round(tf["decode_tok_s"], 1),
            "transformers_ttft_s": round(tf["ttft_s"], 3),
            "speedup_vs_transformers": round(ours["decode_tok_s"] / tf["decode_tok_s"], 2),
        }
        say(f"  transformers: {tf['decode_tok_s']:.1f} tok/s decode, ttft {tf['ttft_s']:.3f} s")
    if not args.skip_rss:
        with tempfile.TemporaryDirectory() as data_dir:
            figures["chat_peak_rss_mb"] = round(chat_peak_rss_mb("auto", Path(data_dir), args.threads), 1)
            figures["chat_peak_rss_mb_transformers"] = round(chat_peak_rss_mb("transformers", Path(data_dir), args.threads), 1)
        say(f"  supportbot chat peak RSS: {figures['chat_peak_rss_mb']} MB (transformers: {figures['chat_peak_rss_mb_transformers']} MB)")
    openai = bench_openai()
    figures |= {key: round(value, 2) for key, value in openai.items()}
    say(f"  openai backend, 128 pieces on loopback: {openai['openai_request_ms']:.2f} ms/request, "
        f"{openai['openai_overhead_ms']:.2f} ms over bare httpx")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
