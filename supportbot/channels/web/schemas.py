"""What goes over the wire: request and response bodies (they are also the OpenAPI document) and the error body.

Every failure is `{"error": {"message", "type"}}`, the shape OpenAI clients read, raised as ApiError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from supportbot.bot.prompt import Source
from supportbot.bot.reply import AnswerKind
from supportbot.store import StoredMessage

MODEL_ID = "supportbot"
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

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: [{"type": "text", "text": ...}, ...]
            return "".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; only the last user message is read (the bot keeps the history itself)."""

    model_config = ConfigDict(extra="allow")  # temperature, max_tokens and the like are accepted and not used

    model: str = MODEL_ID
    messages: list[MessageIn]
    stream: bool = False
    user: str | None = Field(
        default=None, description="With an API key: names the conversation (within the key's own conversations)."
    )

    def question(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text()
        raise ApiError(400, "expected a messages list holding at least one {role: user, content: ...}")


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
