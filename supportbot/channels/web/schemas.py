"""What goes over the wire: request and response bodies (they are also the OpenAPI document) and the error body.

Every failure is `{"error": {"message", "type"}}`, the shape OpenAI clients read, raised as ApiError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from supportbot.bot.prompt import Source
from supportbot.bot.reply import AnswerKind
from supportbot.channels.web.parameters import (
    MAX_OUTPUT_TOKENS,
    MODEL_ID,
    check_metadata,
    check_model,
    check_stop,
    check_stream,
    check_stream_options,
    shown,
)
from supportbot.store import StoredMessage
from supportbot.text.normalize import shows_something

TOKEN_HEADER = "X-Conversation-Token"


class ApiError(Exception):
    """An answer other than 2xx, with a one-line message that says what to do."""

    def __init__(self, status: int, message: str, type: str = "invalid_request_error", headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type)


def error_body(message: str, type: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": type}}


class ErrorDetail(BaseModel):
    message: str
    type: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


class SourceOut(BaseModel):
    """A numbered source; `[n]` in an answer cites source n."""

    number: int
    id: str
    title: str
    path: str
    url: str
    score: float


def source_dicts(sources: list[Source]) -> list[dict[str, Any]]:
    return [source.to_dict() for source in sources]


def stored_source_dicts(message: StoredMessage) -> list[dict[str, Any]]:
    """Sources as stored with an answer; rows kept before sources carried their number are numbered in order."""
    return [{"number": position, **source} for position, source in enumerate(message.sources, start=1)]


class Extras(BaseModel):
    """What supportbot adds to an OpenAI completion (under `supportbot`, in the final stream event)."""

    conversation_id: str
    conversation_token: str = Field(description=f"Send it back in {TOKEN_HEADER} to continue this conversation.")
    token_expires_at: float
    kind: AnswerKind
    sources: list[SourceOut]
    message_id: int | None = Field(description="The stored answer's id: what POST /v1/feedback rates.")


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self, where: str) -> str:
        """The message's words, each text part on a line of its own; `where` ("messages[2]") names it in errors.

        A part the bot cannot read (an image, audio, a file) is refused rather than skipped: the answer would
        be to a question the customer did not ask.
        """
        if not isinstance(self.content, list):
            return self.content or ""
        texts = []
        for n, part in enumerate(self.content):
            kind = part.get("type")
            if kind != "text":
                this = f"this one is {shown(kind)}" if "type" in part else 'this one has no "type"'
                raise ApiError(400, f'{where}.content[{n}]: only text parts are read here ({this}); send {{"type": "text", "text": ...}}')
            text = part.get("text")
            if not isinstance(text, str):
                this = f"it is {shown(text)}" if "text" in part else "there is none"
                raise ApiError(400, f"{where}.content[{n}].text: send the text as a string ({this})")
            texts.append(text)
        return "\n".join(texts)  # OpenAI's docs name no separator; glued, "How long do" + "refunds take?" reads as one wrong word


class StreamOptions(BaseModel):
    """OpenAI's stream_options: with include_usage, a last chunk before [DONE] carries the answer's `usage`."""

    model_config = ConfigDict(extra="allow")

    include_usage: bool | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; only the last user message is read (the bot keeps the history itself).

    Sampling settings and the parameters below them are checked as OpenAI checks them and not used (the bot's
    config decides; docs/web.md says why for each); what a client would rely on and the bot cannot give (several
    choices, a tool call, JSON, log probabilities, audio) is a 400 (`refuse_unsupported`). Fields OpenAI adds
    later are accepted and not used.
    """

    model_config = ConfigDict(extra="allow")

    model: Annotated[str, BeforeValidator(check_model)] = Field(default=MODEL_ID, description="Any name: the bot answers (there is one).")
    messages: list[MessageIn]
    stream: Annotated[bool, BeforeValidator(check_stream)] = False
    stream_options: Annotated[StreamOptions | None, BeforeValidator(check_stream_options)] = None
    user: str | None = Field(
        default=None, description="With an API key: names the conversation (within the key's own conversations)."
    )
    # OpenAI's ranges, and strict as OpenAI is ("0.5" or true is no number); then not used
    temperature: float | None = Field(default=None, strict=True, ge=0, le=2)
    top_p: float | None = Field(default=None, strict=True, ge=0, le=1)
    presence_penalty: float | None = Field(default=None, strict=True, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, strict=True, ge=-2, le=2)
    max_tokens: int | None = Field(
        default=None, strict=True, ge=1, le=MAX_OUTPUT_TOKENS, description="Not used: an answer is as long as generation.max_new_tokens lets it be."
    )
    max_completion_tokens: int | None = Field(default=None, strict=True, ge=1, le=MAX_OUTPUT_TOKENS, description="As max_tokens.")
    top_logprobs: int | None = Field(default=None, strict=True, ge=0, le=20)
    logit_bias: dict[str, Annotated[float, Field(strict=True, ge=-100, le=100)]] | None = None
    seed: int | None = Field(default=None, strict=True, ge=-(2**63), le=2**63 - 1)
    stop: Annotated[str | list[str] | None, BeforeValidator(check_stop)] = Field(
        default=None, description="Not used: cutting the answer would leave its sources and the stored answer naming text the client never got."
    )
    metadata: Annotated[dict[str, str] | None, BeforeValidator(check_metadata)] = Field(default=None, description="Not used or stored.")
    # what the bot cannot give but a client relies on: refuse_unsupported
    n: int | None = Field(default=None, strict=True, ge=1, le=128, description="Only 1: the bot gives one answer.")
    logprobs: bool | None = Field(default=None, description="Only false: the bot gives no log probabilities.")
    tool_choice: str | dict[str, Any] | None = Field(default=None, description='Only "auto" or "none": the bot calls no tools.')
    function_call: str | dict[str, Any] | None = Field(default=None, description='Only "auto" or "none".')
    response_format: dict[str, Any] | None = Field(default=None, description='Only {"type": "text"}: the bot answers in prose.')
    modalities: list[str] | None = Field(default=None, description='Only ["text"].')
    audio: dict[str, Any] | None = Field(default=None, description="Not supported: the bot answers in text.")

    def refuse_unsupported(self) -> None:
        """A 400 naming the parameter when the client asked for what the bot cannot give: a plain answer instead would be misread."""
        choice_words = (None, "none", "auto")
        refused = [
            ("n", (self.n or 1) > 1, f"this bot gives one answer per request; send 1 or leave n out (not {self.n})"),
            ("tool_choice", self.tool_choice not in choice_words, 'this bot calls no tools; send "auto" or "none", or leave it out'),
            ("function_call", self.function_call not in choice_words, 'this bot calls no functions; send "auto" or "none", or leave it out'),
            ("response_format", (self.response_format or {"type": "text"}).get("type") != "text",
             'this bot answers in plain text; send {"type": "text"} or leave it out'),
            ("logprobs", bool(self.logprobs), "this bot gives no log probabilities; send false or leave it out"),
            ("modalities", self.modalities not in (None, ["text"]), 'this bot answers in text only; send ["text"] or leave it out'),
            ("audio", self.audio is not None, "this bot answers in text only; leave it out"),
        ]
        for parameter, asked_for, fix in refused:
            if asked_for:
                raise ApiError(400, f"{parameter}: {fix}")

    def question(self) -> str:
        """The last user message's text; one that shows nothing (spaces, zero-width spaces) is a 400."""
        asked = [n for n, message in enumerate(self.messages) if message.role == "user"]
        if not asked:
            raise ApiError(400, "expected a messages list holding at least one {role: user, content: ...}")
        text = self.messages[asked[-1]].text(f"messages[{asked[-1]}]")
        if not shows_something(text):
            raise ApiError(400, "empty message: type a question")
        return text


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: str = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    supportbot: Extras


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    owned_by: str = "supportbot"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class Session(BaseModel):
    conversation_id: str
    conversation_token: str = Field(description=f"Send it in {TOKEN_HEADER} with every request about this conversation.")
    token_expires_at: float


class StoredMessageOut(BaseModel):
    id: int
    role: str
    content: str
    kind: str
    interrupted: bool
    sources: list[SourceOut]


class Conversation(BaseModel):
    conversation_id: str
    in_handoff: bool
    messages: list[StoredMessageOut]


class FeedbackIn(BaseModel):
    message_id: int = Field(description="The answer rated: `message_id` from the completion.")
    rating: Literal["up", "down"]


class FeedbackOut(BaseModel):
    feedback_id: int


class HandoffIn(BaseModel):
    page: str = Field(default="", max_length=2000, description="The page the customer was on (shown to the support team).")


class HandoffOut(BaseModel):
    in_handoff: bool
    message: str
    posted_to_slack: bool = False


class WidgetSetup(BaseModel):
    """What the widget needs when a page loads, in one request (each counts against the visitor's rate limit)."""

    labels: dict[str, str] = Field(description="The widget's words in the page's language (the catalog's [widget]); English where it has none.")
    handoff: bool = Field(
        description="Whether a person can be reached from the chat (slack.handoff_channel and SLACK_BOT_TOKEN are set): "
        "without it the widget shows no 'Talk to a person'."
    )


def sse(event: Mapping[str, Any] | str) -> str:
    """One server-sent event line as OpenAI streams them."""
    data = event if isinstance(event, str) else json.dumps(event, ensure_ascii=False)
    return f"data: {data}\n\n"
