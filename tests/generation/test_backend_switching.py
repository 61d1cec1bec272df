"""Choosing a backend is a config change only: the same dialogue manager answers through each of them."""

from __future__ import annotations

import pytest
from openai_double import OpenAIDouble, from_generator

from supportbot.config import load_config
from supportbot.errors import ConfigError
from supportbot.generation import registry
from supportbot.generation.llama_cpp_backend import LlamaCppGenerator
from supportbot.generation.openai_backend import OpenAIGenerator
from supportbot.generation.transformers_backend import TransformersGenerator

QUESTION = "How long do refunds take?"


class TestBackendRegistry:
    def test_each_backend_name_builds_its_generator(self, monkeypatch):
        expected = {"transformers": TransformersGenerator, "llama_cpp": LlamaCppGenerator, "openai": OpenAIGenerator}
        for name, cls in expected.items():
            monkeypatch.setenv("SUPPORTBOT_MODEL_BACKEND", name)
            assert type(registry.create_generator(load_config())) is cls

    def test_unknown_backend_is_refused_when_the_config_loads_and_lists_the_known_ones(self, monkeypatch):
        monkeypatch.setenv("SUPPORTBOT_MODEL_BACKEND", "vllm")
        with pytest.raises(ConfigError, match="SUPPORTBOT_MODEL_BACKEND: model.backend: 'vllm' is not one of.*'llama_cpp'.*'openai'"):
            load_config()

    def test_bad_fallback_value_is_a_config_error_at_load(self, monkeypatch):
        monkeypatch.setenv("SUPPORTBOT_MODEL_BACKEND", "llama_cpp")
        monkeypatch.setenv("SUPPORTBOT_MODEL_LLAMA_CPP_FALLBACK", "maybe")
        with pytest.raises(ConfigError, match="llama_cpp_fallback: 'maybe' is not one of 'error', 'transformers'"):
            load_config()

    def test_auto_uses_llama_cpp_for_the_bundled_gguf_on_cpu(self, monkeypatch):
        pytest.importorskip("llama_cpp")
        monkeypatch.setenv("SUPPORTBOT_MODEL_DEVICE", "cpu")
        assert type(registry.create_generator(load_config())) is LlamaCppGenerator

    def test_auto_uses_transformers_when_llama_cpp_is_not_installed(self, monkeypatch):
        import supportbot.generation.llama_cpp_backend as llama_cpp_backend

        monkeypatch.setattr(llama_cpp_backend, "llama_cpp_available", lambda: False)
        assert type(registry.create_generator(load_config())) is TransformersGenerator

    def test_auto_serves_an_adapter_with_transformers(self, monkeypatch, tmp_path):
        monkeypatch.setenv("SUPPORTBOT_MODEL_ADAPTER", str(tmp_path))
        assert type(registry.create_generator(load_config())) is TransformersGenerator

    def test_auto_uses_transformers_for_a_model_folder(self, monkeypatch, tmp_path):
        monkeypatch.setenv("SUPPORTBOT_MODEL_NAME", str(tmp_path))
        assert type(registry.create_generator(load_config())) is TransformersGenerator


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["transformers", "llama_cpp", "openai"])
def test_dialogue_manager_answers_through_each_backend(backend, monkeypatch, sample_index_dir, llama_cpp_generator):
    """The same one-shot question through every backend; the HTTP one through the local double."""
    from supportbot.app import create_dialogue_manager

    monkeypatch.setenv("SUPPORTBOT_MODEL_BACKEND", backend)
    monkeypatch.setenv("SUPPORTBOT_BOT_ANSWER_MODE", "generative")  # the backend's own text, token by token
    monkeypatch.setenv("SUPPORTBOT_MODEL_THREADS", "1")  # robust on a shared machine (see docs/backends.md)
    monkeypatch.setenv("SUPPORTBOT_MODEL_MAX_NEW_TOKENS", "12")
    monkeypatch.setenv("SUPPORTBOT_MODEL_CONTEXT_WINDOW", "2048")
    monkeypatch.setenv("SUPPORTBOT_PATHS_INDEX_DIR", str(sample_index_dir))
    with OpenAIDouble(from_generator(llama_cpp_generator)) as server:
        monkeypatch.setenv("SUPPORTBOT_MODEL_BASE_URL", server.base_url)
        manager = create_dialogue_manager(load_config(), show_progress=False)
        reply = manager.reply("test", "c1", QUESTION)
        pieces = list(reply)
    assert reply.kind == "generated", reply.partial_text
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert reply.sources
    if backend == "openai":
        assert len(server.requests) == 1


@pytest.mark.slow
def test_a_conversation_longer_than_the_window_is_trimmed_not_crashed(monkeypatch, sample_index_dir):
    """A small window and a long history: the dialogue manager drops old turns; llama.cpp never overflows."""
    from supportbot.app import create_dialogue_manager

    pytest.importorskip("llama_cpp")
    monkeypatch.setenv("SUPPORTBOT_MODEL_BACKEND", "llama_cpp")
    monkeypatch.setenv("SUPPORTBOT_BOT_ANSWER_MODE", "generative")  # the whole history reaches the model
    monkeypatch.setenv("SUPPORTBOT_MODEL_THREADS", "1")
    monkeypatch.setenv("SUPPORTBOT_MODEL_CONTEXT_WINDOW", "512")
    monkeypatch.setenv("SUPPORTBOT_MODEL_MAX_NEW_TOKENS", "8")
    monkeypatch.setenv("SUPPORTBOT_PATHS_INDEX_DIR", str(sample_index_dir))
    manager = create_dialogue_manager(load_config(), show_progress=False)
    for turn in range(6):
        manager.store.add_message("test", "long", "user", f"Question {turn}: " + "where is my parcel? " * 30)
        manager.store.add_message("test", "long", "assistant", "It is on its way. " * 20)
    reply = manager.reply("test", "long", QUESTION)
    assert reply.text().strip()
    assert reply.kind == "generated"
    assert reply.prompt.dropped_history_messages > 0
    assert reply.prompt.prompt_tokens <= 512 - 8
