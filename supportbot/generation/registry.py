"""Backends by the name `model.backend` uses. A new backend is one new module plus one line here."""

from __future__ import annotations

from collections.abc import Callable

from supportbot.config import Config
from supportbot.errors import ConfigError
from supportbot.generation.base import GenerationSettings, Generator


def _transformers(config: Config) -> Generator:
    from supportbot.generation.transformers_backend import TransformersGenerator

    return TransformersGenerator(
        config.model.name,
        cache_dir=config.paths.cache_path(),
        device=config.model.device,
        context_window=config.model.context_window,
        threads=config.model.threads,
        adapter=config.model.adapter,
    )


BACKENDS: dict[str, Callable[[Config], Generator]] = {
    "transformers": _transformers,
}


def create_generator(config: Config) -> Generator:
    factory = BACKENDS.get(config.model.backend)
    if factory is None:
        raise ConfigError(f"model.backend: unknown backend '{config.model.backend}' (known: {', '.join(BACKENDS)})")
    return factory(config)


def generation_settings(config: Config) -> GenerationSettings:
    model = config.model
    return GenerationSettings(model.max_new_tokens, model.temperature, model.top_p, model.repetition_penalty)
