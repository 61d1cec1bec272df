"""Fixtures for the generation backends: the bundled GGUF through llama.cpp, loaded once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def llama_cpp_generator():
    """The bundled SmolLM2-135M-Instruct through llama-cpp-python; skipped where it is not installed."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install 'supportbot[llama]')")
    from supportbot.generation.llama_cpp_backend import LlamaCppGenerator

    generator = LlamaCppGenerator("bundled:smollm2-135m-instruct", context_window=2048, threads=1)
    generator.warm_up()
    return generator
