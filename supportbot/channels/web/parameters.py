"""OpenAI's request parameters that the bot takes but does not act on, checked as OpenAI checks them.

`stop: 5` or a number in `metadata` was answered as if it had been read; OpenAI answers such a request
with a 400, and so does this bot now, naming the parameter and what to send. What passes is not used
(docs/web.md says why for each). Each check runs before pydantic reads the field (`BeforeValidator`), so
its own message is the one the client gets (app.py shows an OPENAI_PARAMETER error as written).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import PydanticCustomError

MODEL_ID = "supportbot"
OPENAI_PARAMETER = "openai_parameter"  # the pydantic error type whose message is the whole answer
MAX_OUTPUT_TOKENS = 1_048_576  # a larger max_tokens is a mistake: no model writes that much (OpenAI's largest context is about this)
MAX_STOP_SEQUENCES = 4  # OpenAI's limits
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY_CHARS = 64
MAX_METADATA_VALUE_CHARS = 512
STREAM_OPTION_FLAGS = ("include_usage", "include_obfuscation")


def shown(value: Any) -> str:
    """A value sent, as an error message names it: a short one as JSON, anything longer by its kind."""
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    if isinstance(value, str) and len(value) > 40:
        return f"a string of {len(value)} characters"
    return json.dumps(value, ensure_ascii=False)


def _refused(message: str) -> PydanticCustomError:
    return PydanticCustomError(OPENAI_PARAMETER, message)


def check_model(value: Any) -> Any:
    """Any model name is answered by the bot (there is one): LangChain's ChatOpenAI sends "gpt-3.5-turbo" unless told."""
    if isinstance(value, str) and value.strip():
        return value
    raise _refused(f'send the model\'s name as a string, "{MODEL_ID}" (GET /v1/models lists it), not {shown(value)}')


def check_stop(value: Any) -> Any:
    """A string or up to 4 of them, as OpenAI takes them."""
    if value is None or isinstance(value, str):
        return value
    fix = f"send a string or a list of up to {MAX_STOP_SEQUENCES} strings"
    if not isinstance(value, list):
        raise _refused(f"{fix}, not {shown(value)}")
    if len(value) > MAX_STOP_SEQUENCES:
        raise _refused(f"{fix} (this list has {len(value)})")
    for n, sequence in enumerate(value):
        if not isinstance(sequence, str):
            raise _refused(f"{fix} (stop[{n}] is {shown(sequence)})")
    return value


def check_metadata(value: Any) -> Any:
    """Up to 16 string values under keys of up to 64 characters, each value up to 512, as OpenAI takes them."""
    if value is None:
        return value
    fix = f"send an object of up to {MAX_METADATA_PAIRS} string values"
    if not isinstance(value, dict):
        raise _refused(f"{fix}, not {shown(value)}")
    if len(value) > MAX_METADATA_PAIRS:
        raise _refused(f"{fix} (this one has {len(value)})")
    for key, item in value.items():
        if len(key) > MAX_METADATA_KEY_CHARS:
            raise _refused(f"keys are at most {MAX_METADATA_KEY_CHARS} characters (one has {len(key)})")
        if not isinstance(item, str):
            raise _refused(f"{fix} (metadata[{shown(key)}] is {shown(item)})")
        if len(item) > MAX_METADATA_VALUE_CHARS:
            raise _refused(f"values are at most {MAX_METADATA_VALUE_CHARS} characters (metadata[{shown(key)}] has {len(item)})")
    return value


def check_stream(value: Any) -> Any:
    """true or false, as OpenAI takes it: "yes", "false" or 1 would otherwise be read as a flag the client did not send."""
    if value is None or isinstance(value, bool):  # None: pydantic's own "not null" error, as before
        return value
    raise _refused(f"send true or false, not {shown(value)}")


def check_stream_options(value: Any) -> Any:
    """An object whose flags are true or false; other keys are left for what OpenAI adds later."""
    if value is None:
        return value
    if not isinstance(value, dict):
        raise _refused(f'send an object such as {{"include_usage": true}}, not {shown(value)}')
    for flag in STREAM_OPTION_FLAGS:
        if flag in value and not isinstance(value[flag], bool):
            raise _refused(f"send {flag} as true or false, not {shown(value[flag])}")
    return value
