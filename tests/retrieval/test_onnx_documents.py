"""The ONNX document path of `index build`: the vectors sentence-transformers gives, without torch, safe to interrupt."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from supportbot.errors import ConfigError
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.index_store import load_index, read_manifest
from supportbot.retrieval.loaders import sample_docs_dir
from supportbot.retrieval.onnx_encoder import ensure_export, read_model_folder

MODEL = "bundled:all-minilm-l6-v2"
REPO_ROOT = Path(__file__).resolve().parents[2]
# The batch mixes lengths (padding), a text past the model's 256-token limit (truncation), stray
# whitespace, accents and CJK (the tokenizer's normaliser), as an index build meets them.
TEXTS = [
    "Where is my order?",
    "  Returns\nItems can be returned within 30 days of delivery, unused and in their original packaging.  ",
    "Two-step verification > Lost your phone?\n" + "Sign in with one of your backup codes, then set up the new phone. " * 40,
    "Crème brûlée dish, Übergröße: 退货政策 30 天内可退货。",
    "Gift cards never expire.",
]


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A cache folder holding the bundled model's ONNX export, made once from the session's model."""
    cache = tmp_path_factory.mktemp("onnx-cache")
    ensure_export(read_model_folder(MODEL), cache, lambda: embedder.model)
    return cache


def test_onnx_document_vectors_equal_sentence_transformers(onnx_cache: Path, embedder):
    fast = SentenceTransformerEmbedder(MODEL, document_encoder="onnx", cache_dir=onnx_cache)
    vectors = fast.embed_documents(TEXTS, batch_size=2)
    expected = embedder.embed_documents(TEXTS, batch_size=2)
    assert fast._onnx is not None, "the ONNX document path did not load"
    assert np.abs(vectors - expected).max() < 1e-5  # measured: ~2e-7
    shared = fast.embed_documents(TEXTS, batch_size=2, workers=2)  # `index build --workers 2`: two processes
    assert np.abs(shared - vectors).max() < 1e-6
    assert [fast.count_tokens(text) for text in TEXTS] == [embedder.count_tokens(text) for text in TEXTS]
    assert fast.dimension == embedder.dimension and fast.document_prompt == embedder.document_prompt == ""


def test_int8_document_vectors_stay_within_the_measured_quantization_error(onnx_cache: Path, embedder):
    """retrieval.document_weights = "int8" (the default): the 8-bit copy embeds documents; queries stay float32."""
    fast = SentenceTransformerEmbedder(MODEL, document_encoder="onnx", document_weights="int8", cache_dir=onnx_cache)
    vectors = fast.embed_documents(TEXTS, batch_size=2)
    expected = embedder.embed_documents(TEXTS, batch_size=2)
    assert fast._documents is not None and "-int8-" in fast._documents.model_file.name
    assert fast._onnx is None  # documents alone never open the float32 session (~150 MB)
    cosines = (vectors * expected).sum(axis=1)
    assert cosines.min() > 0.997, cosines  # measured: 0.9988 at the lowest over 280 help-center texts
    assert np.abs(vectors - expected).max() > 1e-4  # the 8-bit weights really ran (float32 is within 1e-5)
    assert np.abs(fast.embed_query(TEXTS[0]) - embedder.embed_query(TEXTS[0])).max() < 1e-5


@pytest.mark.parametrize(("weights", "lowest"), [("float32", 0.9999), ("int8", 0.998)])
def test_openvino_runs_the_export_in_bfloat16_close_to_the_model(onnx_cache: Path, embedder, weights: str, lowest: float):
    """retrieval.document_runtime = "openvino" (what "auto" takes on a CPU computing bfloat16): the same export, the
    matrices multiplied in bfloat16; worker processes give the same vectors as one."""
    fast = SentenceTransformerEmbedder(MODEL, document_weights=weights, document_runtime="openvino", document_encoder="onnx", cache_dir=onnx_cache)
    vectors = fast.embed_documents(TEXTS, batch_size=2)
    expected = embedder.embed_documents(TEXTS, batch_size=2)
    assert type(fast._documents.session).__name__ == "OpenVinoSession"
    cosines = (vectors * expected).sum(axis=1)
    assert cosines.min() > lowest, cosines  # measured over 600 help-center texts: 0.99997 (float32), 0.9992 (int8)
    assert np.abs(fast.embed_documents(TEXTS, batch_size=2, workers=2) - vectors).max() < 1e-6
    assert np.abs(fast.embed_query(TEXTS[0]) - embedder.embed_query(TEXTS[0])).max() < 1e-5  # queries: onnxruntime, float32


def test_openvino_asked_for_but_missing_is_a_one_line_error_saying_what_to_do(onnx_cache: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "openvino", None)  # as if it were not installed: importing it fails
    fast = SentenceTransformerEmbedder(MODEL, document_runtime="openvino", document_encoder="onnx", cache_dir=onnx_cache)
    with pytest.raises(ConfigError, match="pip install openvino, or set it to 'auto'"):
        fast.embed_documents(TEXTS[:1])


def test_queries_embedded_in_batches_equal_one_at_a_time(onnx_cache: Path):
    fast = SentenceTransformerEmbedder(MODEL, cache_dir=onnx_cache)
    batched = fast.embed_queries(TEXTS, batch_size=2)
    assert np.abs(batched - np.stack([fast.embed_query(text) for text in TEXTS])).max() < 1e-5


def _run(code: str, cache: Path, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "SUPPORTBOT_PATHS_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, text=True, **kwargs)


def test_a_build_with_the_export_cached_never_imports_torch_or_transformers(onnx_cache: Path, tmp_path: Path):
    """`index build` starts in about a second: torch, sentence-transformers and transformers take ~8 s to import."""
    env = {**os.environ, "SUPPORTBOT_PATHS_CACHE_DIR": str(onnx_cache), "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-X", "importtime", "-m", "supportbot", "index", "build", str(sample_docs_dir() / "billing"),
               "--index", str(tmp_path / "index"), "--quiet"]
    result = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "indexed" in result.stdout and load_index(tmp_path / "index").chunks
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert imported & {"onnxruntime", "openvino"}  # the importtime listing is there, and the fast path ran
    assert not imported & {"torch", "sentence_transformers", "transformers"}


def test_a_fast_build_killed_while_embedding_leaves_the_old_index_usable(onnx_cache: Path, tmp_path: Path, embedder):
    docs = tmp_path / "docs"
    shutil.copytree(sample_docs_dir() / "account", docs / "account")
    index_dir = tmp_path / "index"
    from supportbot.app import build_index
    from supportbot.config import load_config

    build_index(load_config(None), [str(docs)], index_dir, show_progress=False, embedder=embedder)
    before = read_manifest(index_dir)
    for copy in range(8):  # enough new text that embedding takes a while
        shutil.copytree(sample_docs_dir(), docs / f"more{copy}")

    code = f"from supportbot.cli import main\nmain(['index', 'build', '{docs}', '--index', '{index_dir}'])\n"
    process = _run(code, onnx_cache, stderr=subprocess.PIPE)
    seen = ""
    deadline = time.monotonic() + 120
    while "embedding chunks" not in seen and time.monotonic() < deadline and process.poll() is None:
        seen += process.stderr.read(1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert "embedding chunks" in seen, f"the build never started embedding: {seen[-500:]}"

    after = load_index(index_dir)
    assert after.manifest.sources.keys() == before.sources.keys() and after.manifest.built_at == before.built_at
    from supportbot.retrieval.dense import DenseRetriever

    hit = DenseRetriever(after, embedder, top_k=1, min_score=0.35).retrieve("I forgot my password")[0]
    assert hit.chunk.doc_id == "account/reset-password.md"


def test_builds_left_to_choose_share_big_embeddings_among_the_cores_and_keep_small_ones_in_one_process():
    from supportbot.cpu import available_cores
    from supportbot.retrieval.builder import embedding_workers

    assert embedding_workers(40) == embedding_workers(999) == 1  # a worker's second to start is not won back
    assert embedding_workers(1000) == embedding_workers(100_000) == min(available_cores(), 8)
