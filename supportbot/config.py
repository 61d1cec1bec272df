"""Typed configuration: dataclasses split by concern, loaded from TOML, then the environment, then the CLI.

Every default lives in the dataclasses below, each field with one help text; `config.toml` at the
repository root is rendered from them (`supportbot config defaults`), and a test keeps the two equal.
"""

from __future__ import annotations

import dataclasses
import json
import math
import operator
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from supportbot.errors import ConfigError

# Settings with a fixed set of values: checked when the config loads, with the choices in the message.
Backend = Literal["auto", "llama_cpp", "transformers", "openai"]
Device = Literal["auto", "cpu", "cuda"]
LlamaCppFallback = Literal["error", "transformers"]
Requantize = Literal["auto", "q8_0", "q4_0", ""]
RetrievalMode = Literal["hybrid", "dense", "bm25"]
Fusion = Literal["weighted", "rrf"]
QueryEncoder = Literal["onnx", "torch"]
DocumentEncoder = Literal["onnx", "torch"]
DocumentWeights = Literal["int8", "float32"]
DocumentRuntime = Literal["auto", "onnxruntime", "openvino"]
QuestionScoring = Literal["lift", "average"]
IndexType = Literal["flat", "hnsw", "ivf"]
Quantize = Literal["auto", "on", "off"]
LrScheduler = Literal["cosine", "linear", "constant"]
LogFormat = Literal["text", "json"]
AnswerMode = Literal["grounded", "extractive", "generative"]
# snowballstemmer.algorithms(), and "" for no stemming
Stemmer = Literal[
    "", "arabic", "armenian", "basque", "catalan", "czech", "danish", "dutch", "dutch_porter", "english", "esperanto",
    "estonian", "finnish", "french", "german", "greek", "hindi", "hungarian", "indonesian", "irish", "italian",
    "lithuanian", "nepali", "norwegian", "persian", "polish", "porter", "portuguese", "romanian", "russian", "serbian",
    "sesotho", "spanish", "swedish", "tamil", "turkish", "yiddish",
]

ENV_PREFIX = "SUPPORTBOT_"
CATALOG_NOTE = (
    " Left as this default (or empty), the message catalog says it in the customer's language; "
    "other text is said as written in every language."
)
CONFIG_FILE_ENV = "SUPPORTBOT_CONFIG"
# SUPPORTBOT_* variables that are not settings: the config file's path, and scripts/setup.sh's switch, which the README
# tells users to set (exported, it reached every command and was refused as an unknown setting).
NOT_SETTINGS = {CONFIG_FILE_ENV, "SUPPORTBOT_SKIP_LLAMA"}


def _opt(
    default: Any,
    help: str,
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
    below: float | None = None,
) -> Any:
    """A config field with its help text and the range a number must lie in (checked when the config loads);
    lists get a fresh copy per instance."""
    bounds = {"at_least": at_least, "above": above, "at_most": at_most, "below": below}
    metadata = {"help": help, **{name: bound for name, bound in bounds.items() if bound is not None}}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class ModelConfig:
    """The chat model and how it generates."""

    name: str = _opt(
        "bundled:smollm2-135m-instruct",
        "Chat model: 'bundled:smollm2-135m-instruct', a Hugging Face model id, a local model folder, or a .gguf file; "
        "with backend 'openai', the model name the server serves.",
    )
    backend: Backend = _opt(
        "auto",
        "Generation backend: 'llama_cpp' (a GGUF in-process via llama-cpp-python), 'transformers', 'openai' "
        "(an OpenAI-compatible HTTP endpoint), or 'auto' (llama_cpp for a GGUF on the CPU when installed, else transformers).",
    )
    device: Device = _opt("auto", "Where the model runs: 'auto' (CUDA when present, else CPU), 'cpu' or 'cuda'.")
    context_window: int = _opt(0, "Prompt plus answer limit in tokens; 0 takes the model's own maximum.", at_least=0)
    max_new_tokens: int = _opt(256, "Longest answer in tokens.", at_least=1)
    temperature: float = _opt(0.0, "Sampling temperature; 0 decodes greedily (reproducible answers).", at_least=0)
    top_p: float = _opt(0.9, "Nucleus sampling mass when temperature > 0.", at_least=0, at_most=1)
    repetition_penalty: float = _opt(1.1, "Penalty above 1 discourages the model from repeating itself; 1 is none.", above=0)
    threads: int = _opt(
        0,
        "CPU threads for generation; 0 lets torch decide (transformers) or takes all available cores (llama_cpp). "
        "On a machine busy with other work, set llama_cpp to cores - 1: its threads wait for each other.",
        at_least=0,
    )
    llama_cpp_fallback: LlamaCppFallback = _opt(
        "error",
        "When llama.cpp cannot load the model (an unsupported architecture): 'error', or 'transformers' to warn and use it.",
    )
    llama_cpp_requantize: Requantize = _opt(
        "auto",
        "llama_cpp: rewrite the GGUF once (cached) as 'q8_0' (about 1.7x faster prompts on AVX2, near lossless) or "
        "'q4_0' (faster still, less accurate); 'auto' does q8_0 for 2-6-bit GGUFs under 1 GiB; empty runs the file as it is.",
    )
    prompt_cache_mb: int = _opt(
        256,
        "llama_cpp: memory for saved prompt states of recent conversations, so an interleaved follow-up skips "
        "its shared prefix; 0 keeps only the last conversation's cache.",
        at_least=0,
    )
    base_url: str = _opt("http://127.0.0.1:8000/v1", "openai: the endpoint's base URL (vLLM, llama.cpp server, Ollama: .../v1).")
    api_key_env: str = _opt(
        "", "openai: name of the environment variable holding the API key (the key itself never goes in config); empty sends none."
    )
    request_timeout: float = _opt(60.0, "openai: seconds to wait to connect and for each piece of the streamed answer.", above=0)
    max_retries: int = _opt(3, "openai: retries, with exponential backoff, on 429, 5xx and connection errors before the answer starts.", at_least=0)
    tokenizer: str = _opt(
        "",
        "openai: a local tokenizer (Hugging Face id or folder, or bundled:...) for exact token counts; empty estimates "
        "them erring high (a token per 3 letters, per digit or punctuation mark, per non-ASCII byte).",
    )
    adapter: str = _opt("", "LoRA adapter folder from `supportbot finetune train` served on top of model.name; empty for none.")
    quantize: Quantize = _opt(
        "auto",
        "transformers backend: 'on' loads model.name with every linear layer in 4-bit NF4 (bitsandbytes, CPU or GPU; "
        "a quantized copy is cached once), 'off' in full precision, 'auto' the way model.adapter was trained "
        "(4-bit under a QLoRA adapter where bitsandbytes works, else full precision).",
    )


@dataclass
class RetrievalConfig:
    """How documents are split, embedded, indexed and searched."""

    embedding_model: str = _opt(
        "bundled:all-minilm-l6-v2",
        "Embedding model: 'bundled:all-minilm-l6-v2', a sentence-transformers model id or a local folder.",
    )
    query_prompt: str = _opt(
        "", "Text put before each query, e.g. 'query: ' for E5 models; empty: the model's own query prompt, if it has one."
    )
    document_prompt: str = _opt(
        "", "Text put before each indexed text, e.g. 'passage: ' for E5; empty: the model's own. Changing it means a rebuild."
    )
    embedding_languages: list[str] = _opt(
        [],
        "Languages (ISO 639-1) the embedding model reads. A question mostly in a script none of them is written in "
        "(Chinese with an English model) is searched by keywords alone in hybrid mode, and judged relevant by keywords "
        "(min_keyword_coverage, bot.answer_min_keyword_coverage) instead of by cosines that say nothing. [] takes the "
        "model's known languages (bundled:all-minilm-l6-v2: English only), and every language for any other model; "
        "[\"all\"] says the model reads every language.",
    )
    chunk_tokens: int = _opt(200, "Chunk size in embedding-model tokens (titles and headings are added on top).", at_least=1)
    chunk_overlap_tokens: int = _opt(30, "Tokens shared by neighbouring chunks of one section.", at_least=0)
    top_k: int = _opt(4, "Chunks put into the prompt per question.", at_least=1)
    min_score: float = _opt(
        0.35, "Cosine similarity under which a chunk counts as not relevant; with none left the bot falls back.",
        at_least=-1, at_most=1,
    )
    min_keyword_coverage: float = _opt(  # 0.05: higher bars drop chunks that answer (benchmarks/README.md)
        0.05,
        "Hybrid mode, for a question the embedding model does not read (see embedding_languages): the share of the "
        "question's words, each weighted by its BM25 IDF, a chunk must contain to count as relevant.",
        at_least=0, at_most=1,
    )
    relevant_keyword_coverage: float = _opt(  # 0.5: changes no decline of six sets, answers "Do you take American Express?"
        0.5,
        "Hybrid mode: a chunk holding at least this share of the question's words (each weighted by its BM25 IDF) is "
        "relevant even when its cosine is under min_score, as for a rare name the embedding model reads poorly "
        "('Do you take American Express?'). The answer's own relevance bar still applies; above 1 turns it off.",
        at_least=0,
    )
    batch_size: int = _opt(  # 8: 36 chunks/s against 31 with 32 on the ONNX path, 2 cores (benchmarks/README.md)
        8, "Chunks embedded per batch while indexing (batches are cut from chunks sorted by length).",
        at_least=1,
    )
    mode: RetrievalMode = _opt(
        "hybrid", "Retrieval pipeline: 'hybrid' (dense and BM25 fused), 'dense' (embeddings only) or 'bm25' (keywords only)."
    )
    fusion: Fusion = _opt(
        "weighted", "How hybrid mode fuses the two rankings: 'weighted' (min-max normalised scores) or 'rrf' (reciprocal rank)."
    )
    dense_weight: float = _opt(
        0.9, "Share of the dense side in weighted fusion (BM25 gets the rest); keywords only break near-ties.",
        at_least=0, at_most=1,
    )
    rrf_k: int = _opt(60, "Rank offset in reciprocal rank fusion: 1 / (rrf_k + rank).", at_least=0)
    question_weight: float = _opt(
        0.25,
        "For FAQ entries, how much the question-only vector counts next to the question-plus-answer chunk vector "
        "(see question_scoring).",
        at_least=0,
    )
    question_scoring: QuestionScoring = _opt(
        "lift",
        "How the FAQ question's cosine counts: 'lift' (only where it beats the chunk's: chunk + question_weight * "
        "the difference) or 'average' (weighted mean of the two, which also pulls down entries whose question is "
        "worded unlike the customer's situation; the default before was average with weight 0.5).",
    )
    bm25_title_weight: int = _opt(2, "How many times a chunk's title or FAQ question counts in BM25 (field weighting).", at_least=0)
    bm25_stemmer: Stemmer = _opt(  # noqa: RUF009 (the other Literal settings predate this check)
        "english", "Language of the Snowball stemmer BM25 reduces words with ('archived' matches 'archive'); '' for none."
    )
    query_encoder: QueryEncoder = _opt(
        "onnx", "How a query is embedded: 'onnx' (exported once to the cache, a few ms per query) or 'torch'."
    )
    document_encoder: DocumentEncoder = _opt(
        "onnx",
        "How `index build` embeds chunks: 'onnx' (the same export as queries, length-sorted batches, same vectors "
        "within 1e-5) or 'torch' (sentence-transformers).",
    )
    document_weights: DocumentWeights = _opt(
        "int8",
        "Weights of the ONNX document encoder: 'int8' (8-bit, one scale per block of 128 inputs: embeds ~1.2x faster, "
        "vectors within cosine ~0.999 of the model's, nDCG@10 within 0.005 on the dev sets) or 'float32' "
        "(the model's own vectors). Queries are always embedded in float32.",
    )
    document_runtime: DocumentRuntime = _opt(
        "auto",
        "What runs the ONNX document encoder: 'onnxruntime', 'openvino' (the same export multiplied in bfloat16: "
        "~1.4x onnxruntime's int8 on a CPU with AVX512-BF16 or AMX, and closer to the model's vectors) or 'auto' "
        "(OpenVINO where it is installed and the CPU computes bfloat16 natively, else onnxruntime).",
    )
    reranker: str = _opt(
        "",
        "Cross-encoder that re-reads the best candidates with the query and reorders them: a sentence-transformers "
        "CrossEncoder id or folder (e.g. cross-encoder/ms-marco-MiniLM-L-6-v2); empty: none (none ships offline).",
    )
    rerank_candidates: int = _opt(
        10, "With a reranker: how many of the pipeline's best chunks it reorders (one model pass each, ~55 ms on 2 CPU cores).",
        at_least=1,
    )
    index: IndexType = _opt("flat", "FAISS index type: 'flat' (exact), 'hnsw' (graph, for large corpora) or 'ivf' (clustered).")
    hnsw_ef_search: int = _opt(  # 256: recall@10 0.978 at 1M chunks in ~1 ms (benchmarks/README.md)
        256, "HNSW only: candidates explored per query; more finds more of the true nearest chunks, a little slower.",
        at_least=1,
    )
    ivf_probes: int = _opt(0, "IVF only: cells searched per query; 0 searches 1/16 of the cells (at least 8).", at_least=0)


@dataclass
class BotConfig:
    """What the bot says and how it keeps a conversation within the model's context."""

    system_prompt: str = _opt(
        "You are a friendly customer-support assistant. Answer the customer's question in one to three short "
        "sentences, using only the numbered sources below. Quote figures (prices, days, dates, limits) exactly as "
        "the sources state them and add nothing they don't say. If the sources do not answer the question, say so "
        "and offer to connect the customer with a person.",
        "System prompt; the retrieved sources are appended after it.",
    )
    answer_mode: AnswerMode = _opt(
        "grounded",
        "How answers are made from the retrieved sources: 'grounded' (the model writes, and each sentence is shown "
        "only if the sources support it, else the extractive answer), 'extractive' (the sources' own sentences, no "
        "model call) or 'generative' (the model's text as written: for large models a team trusts).",
    )
    answer_min_relevance: float = _opt(
        0.5,
        "Embedding similarity between the question and the best source sentence (with its heading) under which the "
        "sources are taken not to answer it, and the bot declines and offers a person (every answer mode).",
        at_least=-1, at_most=1,
    )
    answer_min_keyword_coverage: float = _opt(  # 0.25: measured on the Chinese answer set (benchmarks/README.md)
        0.25,
        "For a question the embedding model does not read (retrieval.embedding_languages), in every answer mode: the "
        "best retrieved chunk's keyword coverage (see retrieval.min_keyword_coverage) under which the bot declines, in "
        "place of answer_min_relevance.",
        at_least=0, at_most=1,
    )
    # Both bars, and both at these values, because on hand-labelled answers (benchmarks/grounding.py) either
    # measure alone lets through sentences that reuse a source's words or meaning with a detail changed.
    grounding_min_similarity: float = _opt(
        0.8, "grounded: embedding similarity an answer sentence needs with the source sentence that supports it.",
        at_least=-1, at_most=1,
    )
    grounding_min_overlap: float = _opt(
        0.7, "grounded: share of an answer sentence's content words that the supporting source sentence must contain.",
        at_least=0, at_most=1,
    )
    max_answer_sentences: int = _opt(
        3, "grounded: the model is stopped after this many supported sentences (support answers are short).",
        at_least=1,
    )
    fallback_message: str = _opt(
        "I'm sorry, I don't have an answer to that in our help center. Would you like me to connect you "
        "with a person from our support team?",
        "Said instead of generating when no retrieved chunk reaches retrieval.min_score."
        + CATALOG_NOTE,
    )
    error_message: str = _opt(
        "Sorry, something went wrong while I was answering. Please try again in a moment.",
        "Said to the user when generation fails; the error itself goes to the log." + CATALOG_NOTE,
    )
    max_message_tokens: int = _opt(512, "A longer user message is cut to this many tokens before prompting.", at_least=1)
    max_history_turns: int = _opt(10, "Past user/assistant exchanges offered to the model; older ones are dropped first.", at_least=0)
    max_message_chars: int = _opt(100_000, "Messages longer than this many characters are cut before tokenizing.", at_least=1)
    language: str = _opt(
        "en",
        "Language (ISO 639-1 code) of the bot's messages for a message whose language cannot be told (emoji, a name "
        "alone) in a conversation with no earlier one.",
    )
    languages: list[str] = _opt(
        ["en", "zh", "es", "fr", "de", "pt", "it", "nl", "pl", "ru", "tr", "ar", "ja", "ko"],
        "Languages (ISO 639-1) a message can be detected as; the bot answers in the detected one. Fewer detect short "
        "messages better and load less (14: ~0.3 GB, all 75: 1.2 GB). Han, kana and Hangul text is always recognised. "
        "[] turns detection off: every reply is in bot.language.",
    )
    catalog_dir: str = _opt(
        "",
        "Folder of message catalog files named by language (es.toml, zh-Hant.toml) that add languages or replace "
        "shipped messages; see supportbot/text/messages/en.toml for the keys.",
    )
    approved_min_score: float = _opt(
        0.8,
        "Cosine similarity between a question and an approved FAQ question (or approved page) above which the "
        "approved text is sent word for word instead of generating; above 1 turns approved answers off.",
        at_least=-1,
    )


@dataclass
class PathsConfig:
    """Where supportbot reads documents and keeps its index, conversations and caches."""

    docs: list[str] = _opt(["bundled:sample-docs"], "Document files or folders indexed when no index exists.")
    data_dir: str = _opt("~/.local/share/supportbot", "Folder for the index, the conversation store and REPL history.")
    index_dir: str = _opt("", "Index folder; empty means <data_dir>/index.")
    conversations_db: str = _opt(
        "", "SQLite conversation store when store.url is empty; empty means <data_dir>/conversations.sqlite3."
    )
    cache_dir: str = _opt("~/.cache/supportbot", "Cache for models converted from GGUF.")

    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()

    def index_path(self) -> Path:
        return Path(self.index_dir).expanduser() if self.index_dir else self.data_path() / "index"

    def conversations_path(self) -> Path:
        if self.conversations_db:
            return Path(self.conversations_db).expanduser()
        return self.data_path() / "conversations.sqlite3"

    def cache_path(self) -> Path:
        return Path(self.cache_dir).expanduser()


@dataclass
class SlackConfig:
    """The Slack channel; tokens come only from SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_APP_TOKEN."""

    api_url: str = _opt("https://slack.com/api/", "Slack Web API base URL; point it at a local double in tests.")
    handoff_channel: str = _opt(
        "", "Channel ID (C...) where handoffs to a person are posted; empty disables handoff to a channel."
    )
    answer_without_mention: list[str] = _opt([], "Channel IDs where every new message is answered, mention or not.")
    ignored_channels: list[str] = _opt([], "Channel IDs the bot never answers in, even when mentioned.")
    queue_size: int = _opt(32, "Events waiting for a worker; when full, the user is told the bot is busy.", at_least=1)
    workers: int = _opt(2, "Answers generated at the same time.", at_least=1)
    update_interval: float = _opt(1.0, "Seconds between edits of a streaming answer (Slack allows about one per second).", at_least=0)
    max_rate_limit_retries: int = _opt(5, "Times one Web API call waits out HTTP 429 Retry-After before giving up.", at_least=0)
    shutdown_grace: float = _opt(60.0, "Seconds a stopping bot lets answers in progress finish; queued ones wait for the next start.", at_least=0)
    busy_message: str = _opt(
        "I'm busy answering other questions right now. Please ask again in a minute.",
        "Said in the thread when the queue is full." + CATALOG_NOTE,
    )
    handoff_message: str = _opt(
        "I've asked our support team to join this thread; someone will follow up here. "
        "I'll stay quiet here until someone says `@supportbot resume`.",
        "Said in the thread when the conversation is handed to a person." + CATALOG_NOTE,
    )
    handoff_failed_message: str = _opt(
        "I couldn't reach our support team just now, so no one has been notified. "
        "I'll keep answering here; please contact support directly if you need a person.",
        "Said in the thread when the handoff summary could not be posted to slack.handoff_channel (the bot keeps answering)."
        + CATALOG_NOTE,
    )
    resume_user_group: str = _opt(
        "",
        "User group ID (S...) whose members may say `@supportbot resume`, besides the members of slack.handoff_channel.",
    )
    claim_lease: float = _opt(
        30.0,
        "Seconds an instance holds an accepted event before another instance on the same store may answer it "
        "(renewed while it works, so only a crashed instance's events are taken over).",
        above=0,
    )


@dataclass
class StoreConfig:
    """Where conversations, ratings, handoffs and channel state are kept."""

    url: str = _opt(
        "",
        "Empty: the SQLite file paths.conversations_db. 'postgresql://USER@HOST:PORT/DB' lets several instances share "
        "one store; give the password in PGPASSWORD (or the whole URL in SUPPORTBOT_STORE_URL), never in this file.",
    )
    pool_size: int = _opt(8, "PostgreSQL: most connections one process keeps open.", at_least=1)


@dataclass
class PrivacyConfig:
    """Personal data in logs and stored conversations."""

    redact_stored: bool = _opt(
        False,
        "Mask email addresses, phone numbers, card numbers and security codes, IBANs and national ID numbers in stored "
        "conversations (logs are always masked); "
        "the model still reads the message as written.",
    )
    retention_days: int = _opt(
        0, "Running bots delete conversations untouched for this many days (checked hourly); 0 keeps them.",
        at_least=0,
    )


@dataclass
class LogConfig:
    """What the bot logs and how."""

    format: LogFormat = _opt(
        "text", "'text' (plain lines, for a terminal) or 'json' (one object a line with request and conversation ids)."
    )


@dataclass
class MetricsConfig:
    """Prometheus metrics (served at /metrics by `supportbot slack` over HTTP)."""

    port: int = _opt(
        0, "Also serve /metrics on this port (the console, Slack in Socket Mode); 0: no extra port.",
        at_least=0, at_most=65535,
    )
    host: str = _opt("127.0.0.1", "Address the metrics port binds to.")


@dataclass
class WebConfig:
    """`supportbot serve`: the HTTP API and the web chat widget; secrets come only from WEBCHAT_API_KEYS and WEBCHAT_SESSION_SECRET."""

    host: str = _opt("127.0.0.1", "Interface to listen on; behind a reverse proxy keep 127.0.0.1 (0.0.0.0 listens on all).")
    port: int = _opt(8080, "TCP port.", at_least=0, at_most=65535)
    widget: bool = _opt(
        True,
        "Serve /widget.js and let browsers open conversations without an API key (POST /v1/sessions, rate-limited per "
        "IP); false: only callers with an API key from WEBCHAT_API_KEYS are answered.",
    )
    allowed_origins: list[str] = _opt(
        [],
        "Web pages (origins like https://help.example.com) allowed to call the API from a browser (CORS); the pages "
        "that embed the widget. Empty: no cross-origin access.",
    )
    session_ttl_hours: float = _opt(
        24.0, "A browser's conversation token expires this long after the conversation's last answer (each answer renews it).",
        above=0,
    )
    rate_limit_per_ip: int = _opt(
        60, "Requests per minute from one IP address without an API key; more get 429 with Retry-After. 0: no limit.",
        at_least=0,
    )
    rate_limit_per_session: int = _opt(20, "Requests per minute in one browser conversation; 0: no limit.", at_least=0)
    rate_limit_per_key: int = _opt(600, "Requests per minute with one API key; 0: no limit.", at_least=0)
    forwarded_allow_ips: list[str] = _opt(
        ["127.0.0.1", "::1"],
        "Reverse proxies whose X-Forwarded-For names the client (rate limits are per client IP); a request from any "
        "other address is keyed by that address.",
    )
    max_concurrent_answers: int = _opt(
        2, "Answers generated at the same time (a CPU model answers one at a time; more only queue inside it).",
        at_least=1,
    )
    max_waiting_answers: int = _opt(32, "Questions waiting for a free answer slot; beyond that the caller is told the bot is busy (503).", at_least=0)
    max_wait: float = _opt(30.0, "Seconds a question waits for an answer slot before the caller is told the bot is busy.", at_least=0)
    max_body_bytes: int = _opt(1_000_000, "Largest request body; a larger one gets 413.", at_least=1)
    max_message_chars: int = _opt(4000, "Longest question accepted; a longer one gets 400 with the limit.", at_least=1)
    shutdown_grace: float = _opt(60.0, "Seconds a stopping server lets answers in progress finish.", at_least=0)
    handoff_message: str = _opt(
        "I've asked our support team to take over this conversation; a person will follow up with you.",
        "Shown in the widget when the customer asks for a person.",
    )


@dataclass
class FinetuneConfig:
    """Fine-tuning with `supportbot finetune`: QLoRA (LoRA on a 4-bit base) or plain LoRA, on a CPU or GPUs."""

    output_dir: str = _opt("finetune-output", "Folder for the adapter, checkpoints, train_report.json and the loss curve.")
    eval_split: float = _opt(0.1, "Share of conversations held out for evaluation when no eval file is given; 0 for none.", at_least=0, below=1)
    max_length: int = _opt(1024, "Longest training sequence in tokens; longer conversations lose their oldest turns first.", at_least=1)
    batch_size: int = _opt(4, "Conversations per optimizer micro-batch (per GPU); lower it on out-of-memory.", at_least=1)
    gradient_accumulation_steps: int = _opt(1, "Micro-batches summed per optimizer step.", at_least=1)
    epochs: int = _opt(3, "Passes over the training data.", at_least=1)
    max_steps: int = _opt(0, "Stop after this many optimizer steps; 0 trains for `epochs`.", at_least=0)
    learning_rate: float = _opt(2e-4, "Peak AdamW learning rate for the LoRA weights.", above=0)
    warmup_ratio: float = _opt(0.03, "Share of steps spent warming the learning rate up linearly.", at_least=0, at_most=1)
    lr_scheduler: LrScheduler = _opt("cosine", "Learning-rate schedule after warm-up: 'cosine', 'linear' or 'constant'.")
    weight_decay: float = _opt(0.0, "AdamW weight decay.", at_least=0)
    max_grad_norm: float = _opt(1.0, "Gradients are clipped to this norm; 0 disables clipping.", at_least=0)
    eval_steps: int = _opt(0, "Evaluate (and checkpoint) every N optimizer steps; 0 evaluates at the end of each epoch.", at_least=0)
    early_stopping_patience: int = _opt(3, "Stop after this many evaluations without a lower eval loss; 0 never stops early.", at_least=0)
    lora_r: int = _opt(16, "LoRA rank.", at_least=1)
    lora_alpha: int = _opt(32, "LoRA scaling numerator (the update is scaled by alpha / r).")
    lora_dropout: float = _opt(0.05, "Dropout on the LoRA branch.", at_least=0, below=1)
    lora_target_modules: list[str] = _opt(["all-linear"], "Layers that get LoRA: 'all-linear' or module names like q_proj, v_proj.")
    quantize: Quantize = _opt(
        "auto",
        "QLoRA: 'on' trains on the base loaded in 4-bit NF4 through bitsandbytes (CPU or GPU), 'off' on the full-precision "
        "base, 'auto' on 4-bit wherever bitsandbytes works and otherwise, with a warning, full precision.",
    )
    gradient_checkpointing: bool = _opt(True, "Recompute activations in backward: much less memory for about 30% more compute.")
    group_by_length: bool = _opt(True, "Batch conversations of similar length together so little compute goes to padding.")
    packing: bool = _opt(
        False,
        "Lay several conversations end to end in rows of up to max_length tokens, each attending only to itself, "
        "and let batch_size count rows: fewer, fuller steps, for a GPU, where short dialogues took supportbot's step "
        "from 0.54x to about 2x the plain QLoRA recipe's tokens/s (benchmarks/README.md).",
    )
    loss_chunk_tokens: int = _opt(
        256,
        "Labelled positions sent through the output layer at once when computing the loss (256 was faster and smaller "
        "than 1024 at 135M, 1.5B and 7B on an H200; benchmarks/README.md).",
        at_least=1,
    )
    embeddings_on_cpu: bool = _opt(
        False,
        "Keep the frozen input embedding table in CPU memory and send each step's rows to the GPU: 1.1 GB less GPU memory "
        "for a 7B Qwen2.5 (0.58x -> 0.49x the plain QLoRA recipe's peak), speed within run-to-run spread. Only for bases "
        "whose input embeddings are not their output layer (untied).",
    )
    chat_template: str = _opt("", "Chat template to train with: empty for the model's own, 'chatml', or a Jinja file.")
    decline_share: float = _opt(
        0.1,
        "`finetune prepare --context`: share of examples given an unrelated question's sources and bot.fallback_message "
        "as the reply, so the model learns to decline when the sources don't answer (0.2 made the bundled model "
        "hand off a third or more of questions its sources answer; benchmarks/README.md).",
        at_least=0, below=1,
    )
    seed: int = _opt(42, "Seed for the split, the batch order, LoRA initialisation, dropout and prepare's declines.")
    eval_max_new_tokens: int = _opt(64, "Longest generated answer when `finetune eval` scores answers.", at_least=1)
    eval_limit: int = _opt(50, "Conversations whose last reply `finetune eval` generates and scores; 0 for all.", at_least=0)


@dataclass
class Config:
    """All of supportbot's settings."""

    model: ModelConfig = field(default_factory=ModelConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    bot: BotConfig = field(default_factory=BotConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    log: LogConfig = field(default_factory=LogConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    web: WebConfig = field(default_factory=WebConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)


def sections(config: Config) -> dict[str, Any]:
    """The section dataclasses by their TOML table name."""
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}


def _field_types(section: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(type(section))
    return {f.name: hints[f.name] for f in dataclasses.fields(section)}


def _check_type(where: str, value: Any, expected: Any) -> Any:
    """Return `value` as `expected`, or raise a ConfigError naming `where`."""
    origin = typing.get_origin(expected)
    if origin in (list, list):
        (item_type,) = typing.get_args(expected)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__} {value!r}")
        return [_check_type(f"{where}[{i}]", item, item_type) for i, item in enumerate(value)]
    if origin in (typing.Union, types.UnionType):
        raise TypeError("union config fields are not supported")
    if origin is Literal:
        choices = typing.get_args(expected)
        if value not in choices:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(repr, choices))}")
        return value
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is int and isinstance(value, bool) or not isinstance(value, expected):
        raise ConfigError(f"{where}: expected {expected.__name__}, got {type(value).__name__} {value!r}")
    return value


# A number's bounds, as _opt takes them, with how each reads in a message.
_BOUNDS = (("at_least", ">=", operator.ge), ("above", ">", operator.gt), ("at_most", "<=", operator.le), ("below", "<", operator.lt))


def _check_range(where: str, value: Any, metadata: Mapping[str, Any]) -> Any:
    """Return `value` unless it is NaN or outside the bounds in its field's metadata; the message states them all."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if math.isnan(value) or math.isinf(value):
        raise ConfigError(f"{where}: must be a finite number, got {value!r}")
    bounds = [(sign, metadata[name], holds) for name, sign, holds in _BOUNDS if name in metadata]
    if not all(holds(value, bound) for _, bound, holds in bounds):
        rule = " and ".join(f"{sign} {bound:g}" for sign, bound, _ in bounds)
        raise ConfigError(f"{where}: must be {rule}, got {value!r}")
    return value


def _check_together(config: Config) -> None:
    """Checks that need more than one setting, or a list of codes, once every source is applied."""
    from supportbot.text.language import check_language_codes

    retrieval = config.retrieval
    if retrieval.chunk_overlap_tokens >= retrieval.chunk_tokens:
        raise ConfigError(
            f"retrieval.chunk_overlap_tokens: must be less than retrieval.chunk_tokens ({retrieval.chunk_tokens}), "
            f"got {retrieval.chunk_overlap_tokens}"
        )
    check_language_codes([config.bot.language], "bot.language")
    check_language_codes(config.bot.languages, "bot.languages")


def _carries_password(url: str) -> bool:
    """A password in the URL's user info, or a password= parameter (URL query or libpq key=value)."""
    return bool(urlsplit(url).password or re.search(r"(?:^|[?&\s])password\s*=", url, re.IGNORECASE))


def apply_settings(config: Config, settings: Mapping[str, Any], source: str) -> Config:
    """Set dotted `section.key` values on `config`, checking names and types; `source` names the origin."""
    by_section = sections(config)
    for dotted, value in settings.items():
        section_name, _, key = dotted.partition(".")
        section = by_section.get(section_name)
        if section is None:
            raise ConfigError(f"{source}: unknown section '{section_name}' (known: {', '.join(by_section)})")
        types_by_key = _field_types(section)
        if key not in types_by_key:
            raise ConfigError(f"{source}: unknown key '{dotted}' (known in [{section_name}]: {', '.join(types_by_key)})")
        where = f"{source}: {dotted}"
        metadata = next(f.metadata for f in dataclasses.fields(section) if f.name == key)
        setattr(section, key, _check_range(where, _check_type(where, value, types_by_key[key]), metadata))
    return config


def _flatten_toml(data: Mapping[str, Any], source: str, config: Config) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    by_section = sections(config)
    for section_name, table in data.items():
        if not isinstance(table, dict) and section_name in by_section:
            raise ConfigError(f"{source}: '{section_name}' must be a table like [{section_name}]")
        if not isinstance(table, dict):  # "top_k = 5" above every [section]
            holders = [name for name, section in by_section.items() if section_name in _field_types(section)]
            where = f"under [{holders[0]}]" if len(holders) == 1 else f"under one of [{'], ['.join(holders or by_section)}]"
            raise ConfigError(f"{source}: '{section_name}' is outside any section: put it {where}")
        for key, value in table.items():
            flat[f"{section_name}.{key}"] = value
    return flat


def _parse_env_value(name: str, raw: str, expected: Any) -> Any:
    if expected is str or typing.get_origin(expected) is Literal:
        return raw
    if typing.get_origin(expected) is list:
        if not raw.startswith("["):
            return [part.strip() for part in raw.split(",") if part.strip()]
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConfigError(f'{name}: {raw!r} is not a JSON list ({error.msg}); write ["en", "zh"] or en,zh') from None
    if expected is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name}: expected true or false, got {raw!r}")
    try:
        return expected(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected {expected.__name__}, got {raw!r}") from None


def _env_settings(config: Config, environ: Mapping[str, str]) -> dict[str, Any]:
    """Read SUPPORTBOT_<SECTION>_<KEY> variables, e.g. SUPPORTBOT_RETRIEVAL_TOP_K=6."""
    settings: dict[str, Any] = {}
    by_section = sections(config)
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in NOT_SETTINGS:
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section_name = next((s for s in by_section if rest.startswith(s + "_")), None)
        if section_name is None:
            raise ConfigError(f"{name}: unknown setting (variables look like SUPPORTBOT_<SECTION>_<KEY>, sections: {', '.join(by_section)})")
        key = rest[len(section_name) + 1 :]
        expected = _field_types(by_section[section_name]).get(key)
        if expected is None:
            raise ConfigError(f"{name}: unknown key '{section_name}.{key}'")
        settings[f"{section_name}.{key}"] = _parse_env_value(name, raw, expected)
    return settings


def default_config_file() -> Path | None:
    """The config file used when none is named: $SUPPORTBOT_CONFIG, else ./config.toml if present."""
    if os.environ.get(CONFIG_FILE_ENV):
        return Path(os.environ[CONFIG_FILE_ENV])
    local = Path("config.toml")
    return local if local.is_file() else None


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Defaults, then the TOML file, then SUPPORTBOT_* environment variables."""
    config = Config()
    named_by = "--config" if path is not None else CONFIG_FILE_ENV
    path = path if path is not None else default_config_file()
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist: check the {named_by} path") from None
        except IsADirectoryError:
            raise ConfigError(f"config file {path} is a folder: point {named_by} at a TOML file such as config.toml") from None
        except UnicodeDecodeError:
            raise ConfigError(f"config file {path} is not UTF-8 text: re-save it as UTF-8") from None
        except OSError as error:
            raise ConfigError(f"cannot read config file {path} ({error.strerror}): check the {named_by} path") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML ({error})") from None
        apply_settings(config, _flatten_toml(data, str(path), config), str(path))
        if _carries_password(config.store.url):  # secrets come from the environment only
            raise ConfigError(
                f"{path}: store.url carries a password; remove it and set PGPASSWORD (or SUPPORTBOT_STORE_URL) in the environment"
            )
    env = os.environ if environ is None else environ
    env_settings = _env_settings(config, env)
    for dotted, value in env_settings.items():
        apply_settings(config, {dotted: value}, ENV_PREFIX + dotted.replace(".", "_").upper())
    _check_together(config)
    return config


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if not isinstance(value, int) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def render_toml(config: Config) -> str:
    """The config as commented TOML: what `config.toml` at the repository root holds for the defaults."""
    lines = [
        "# supportbot configuration: every setting with its default.",
        "# Override with --config FILE, or SUPPORTBOT_<SECTION>_<KEY> environment variables",
        "# (for example SUPPORTBOT_RETRIEVAL_TOP_K=6). Regenerate with `supportbot config defaults`.",
    ]
    for section_name, section in sections(config).items():
        lines += ["", f"[{section_name}]", f"# {type(section).__doc__}"]
        for f in dataclasses.fields(section):
            lines.append(f"# {f.metadata['help']}")
            lines.append(f"{f.name} = {_toml_value(getattr(section, f.name))}")
    return "\n".join(lines) + "\n"
