"""The project's exceptions: each carries a one-line message that names the bad value and the fix."""

from __future__ import annotations


class SupportbotError(Exception):
    """An error the user can fix; `str(error)` is the whole message shown to them."""

    exit_code = 1


class ConfigError(SupportbotError):
    """A config file, environment variable or option has an unknown key or a wrong value."""

    exit_code = 2


class DocumentError(SupportbotError):
    """A document or docs path cannot be indexed."""


class IndexMissingError(SupportbotError):
    """No index exists where one was expected."""


class IndexDamagedError(SupportbotError):
    """An index folder holds a build that cannot be read (a file cut short or missing, no valid CURRENT)."""


class IndexPathError(SupportbotError):
    """The index path is not a folder that can hold an index (it is a file, or lies under one)."""


class IndexMismatchError(SupportbotError):
    """The index on disk was built with a different embedding model or dimension than configured."""


class ModelLoadError(SupportbotError):
    """A chat or embedding model could not be found or loaded."""


class MessageError(SupportbotError):
    """A user's message cannot be answered as given (for example, it is empty)."""


class TrainingDataError(SupportbotError):
    """Fine-tuning data is malformed; the message lists each bad line as file:line."""


class FinetuneError(SupportbotError):
    """A fine-tuning run, adapter or merge cannot go ahead as configured."""


class DatasetError(SupportbotError):
    """An evaluation dataset is missing a file or has a bad line; the message names file and line."""


class BackendError(SupportbotError):
    """The generation backend failed: an HTTP endpoint is unreachable or refuses, or llama.cpp is missing."""


class StoreError(SupportbotError):
    """The conversation store cannot be opened, migrated or copied as asked (a bad store.url, an unreachable server)."""
