"""Backends by the name `model.backend` uses. A new backend is one new module plus one line here."""

from __future__ import annotations

import logging
from collections.abc import Callable

from supportbot.config import Config
from supportbot.generation.base import GenerationSettings, Generator

log = logging.getLogger(__name__)


def _transformers(config: Config) -> Generator:
    from supportbot.generation.transformers_backend import TransformersGenerator

    return TransformersGenerator(
        config.model.name,
        cache_dir=config.paths.cache_path(),
        device=config.model.device,
        context_window=config.model.context_window,
        threads=config.model.threads,
        adapter=config.model.adapter,
        quantize=config.model.quantize,
    )


def _llama_cpp(config: Config) -> Generator:
    from supportbot.generation.llama_cpp_backend import LlamaCppGenerator

    model = config.model
    fallback = (lambda: _transformers(config)) if model.llama_cpp_fallback == "transformers" else None
    return LlamaCppGenerator(
        model.name,
        model.context_window,
        model.threads,
        model.prompt_cache_mb,
        adapter=model.adapter,
        cache_dir=config.paths.cache_path(),
        fallback=fallback,
        requantize=model.llama_cpp_requantize,
    )


def _openai(config: Config) -> Generator:
    from supportbot.generation.openai_backend import OpenAIGenerator

    model = config.model
    return OpenAIGenerator(
        model.base_url,
        model.name,
        api_key_env=model.api_key_env,
        request_timeout=model.request_timeout,
        max_retries=model.max_retries,
        context_window=model.context_window,
        tokenizer=model.tokenizer,
    )


def _auto(config: Config) -> Generator:
    """llama_cpp for a GGUF on the CPU when llama-cpp-python is installed (about 6x faster there), else transformers."""
    from supportbot.generation.llama_cpp_backend import llama_cpp_available
    from supportbot.generation.transformers_backend import pick_device
    from supportbot.model_sources import BUNDLED_PREFIX, resolve_reference

    model = config.model
    is_gguf = model.name.endswith(".gguf") or (model.name.startswith(BUNDLED_PREFIX) and resolve_reference(model.name).endswith(".gguf"))
    # With an adapter, transformers serves it as trained; llama_cpp serves it faster when chosen by name.
    if is_gguf and model.device in ("auto", "cpu") and not model.adapter:
        if llama_cpp_available():
            if model.device == "cpu" or pick_device("auto") == "cpu":
                return _llama_cpp(config)
        else:
            log.info("llama-cpp-python is not installed: using transformers (pip install 'supportbot[llama]' decodes ~5x faster on a CPU)")
    return _transformers(config)


BACKENDS: dict[str, Callable[[Config], Generator]] = {
    "auto": _auto,
    "transformers": _transformers,
    "llama_cpp": _llama_cpp,
    "openai": _openai,
}


def create_generator(config: Config) -> Generator:
    return BACKENDS[config.model.backend](config)


def generation_settings(config: Config) -> GenerationSettings:
    model = config.model
    return GenerationSettings(model.max_new_tokens, model.temperature, model.top_p, model.repetition_penalty)
