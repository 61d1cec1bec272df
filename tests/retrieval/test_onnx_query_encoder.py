import numpy as np

from supportbot.retrieval.embedder import SentenceTransformerEmbedder


def test_onnx_query_vector_equals_the_torch_vector(tmp_path, embedder):
    fast = SentenceTransformerEmbedder("bundled:all-minilm-l6-v2", query_encoder="onnx", cache_dir=tmp_path)
    fast.warm_up()
    assert fast._onnx is not None, "onnxruntime path did not load"
    for query in ["Where is my order?", "Can I change the shipping address after the order shipped to my old flat?"]:
        assert np.allclose(fast.embed_query(query), embedder.embed_query(query), atol=1e-5)
    assert list((tmp_path / "onnx").glob("*.onnx")), "the export is cached for the next start"
