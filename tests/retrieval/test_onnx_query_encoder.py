import numpy as np

from supportbot.retrieval.embedder import SentenceTransformerEmbedder


def test_onnx_query_vector_equals_the_torch_vector(tmp_path, embedder):
    fast = SentenceTransformerEmbedder("bundled:all-minilm-l6-v2", query_encoder="onnx", cache_dir=tmp_path)
    fast.warm_up()
    assert fast._onnx is not None, "onnxruntime path did not load"
    for query in ["Where is my order?", "Can I change the shipping address after the order shipped to my old flat?"]:
        assert np.allclose(fast.embed_query(query), embedder.embed_query(query), atol=1e-5)
    assert list((tmp_path / "onnx").glob("*.onnx")), "the export is cached for the next start"


def test_a_question_asked_again_is_embedded_once_and_its_kept_vector_cannot_be_changed(embedder, monkeypatch):
    encoded = []
    original = embedder._embed_query_with_torch
    monkeypatch.setattr(embedder, "_embed_query_with_torch", lambda text: encoded.append([text]) or original(text))
    first = embedder.embed_query("Do you ship to Canada?")
    first[:] = 0.0  # a caller scribbling on its vector
    again = embedder.embed_query("Do you ship to Canada?")
    other = embedder.embed_query("How do I reset my password?")
    assert encoded == [["Do you ship to Canada?"], ["How do I reset my password?"]]
    assert abs(float(np.linalg.norm(again)) - 1.0) < 1e-5 and not np.allclose(again, other)
