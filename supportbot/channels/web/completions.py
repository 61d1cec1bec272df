"""`POST /v1/chat/completions` (streaming or not) and `GET /v1/models`: the bot behind OpenAI's API.

Clients of the OpenAI API resend the whole history each turn; the bot keeps its own, so only the last
user message is read. The conversation is the one the X-Conversation-Token names; a caller with an
API key may instead name it (`user` or X-Conversation-Id, among that key's own conversations, stored
under a keyed hash of the name) or start a new one. The answer's sources, kind, stored id and the
token to continue come under `supportbot`, in the final stream event when streaming. A conversation's questions
are answered one at a time, in the order they came (turns.py).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from supportbot.bot.reply import AnswerKind, Reply
from supportbot.channels.web.access import Caller
from supportbot.channels.web.answers import AnswerRun
from supportbot.channels.web.context import CHANNEL, WebContext
from supportbot.channels.web.schemas import (
    MODEL_ID,
    TOKEN_HEADER,
    ApiError,
    ChatCompletion,
    ChatCompletionRequest,
    ErrorResponse,
    ModelList,
    error_body,
    source_dicts,
    sse,
)
from supportbot.errors import MessageError
from supportbot.generation.openai_backend import estimate_tokens

log = logging.getLogger(__name__)


class AnswerStream(StreamingResponse):
    """Server-sent events of one answer; stops generating when the response ends early (the client left)."""

    def __init__(self, run: AnswerRun, events: AsyncIterator[str], headers: dict[str, str]) -> None:
        super().__init__(events, media_type="text/event-stream", headers=headers | {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self.run = run

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.run.cancel()


def _chunk(completion_id: str, created: int, delta: dict, finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _usage(reply: Reply) -> dict[str, int]:
    """OpenAI's `usage` of an answer: the prompt's tokens as the model's tokenizer counted them, and the answer's
    estimated, erring high (counting them exactly would wait for the model, which the next answer may hold by then);
    0 and 0 for an answer the model did not write (an approved or extractive one, small talk, a fallback)."""
    prompt, answer = (0, 0) if reply.prompt is None else (reply.prompt.prompt_tokens, estimate_tokens(reply.partial_text))
    return {"prompt_tokens": prompt, "completion_tokens": answer, "total_tokens": prompt + answer}


def completions_router(web: WebContext) -> APIRouter:
    router = APIRouter(tags=["OpenAI-compatible"])
    config = web.config

    def extras(conversation_id: str, reply: Reply) -> dict[str, Any]:
        token, expires_at = web.tokens.issue(conversation_id)  # each answer renews the token
        return {
            "conversation_id": conversation_id,
            "conversation_token": token,
            "token_expires_at": expires_at,
            "kind": reply.kind,
            "sources": source_dicts(reply.cited_sources()),
            "message_id": reply.message_id,
        }

    def conversation_for(caller: Caller, body: ChatCompletionRequest, request: Request) -> str:
        if caller.key_name is None and not config.widget:
            raise ApiError(401, "this server answers only callers with an API key (web.widget = false)", "authentication_error")
        if caller.token is not None:
            return caller.token.conversation_id
        if caller.key_name is None:
            raise ApiError(
                401,
                f"send an API key (Authorization: Bearer ...) or a conversation token in {TOKEN_HEADER} (POST /v1/sessions gives one)",
                "authentication_error",
            )
        named = request.headers.get("X-Conversation-Id") or body.user
        if not named:
            return web.tokens.new_conversation_id()
        return web.tokens.named_conversation_id(caller.key_name, named)

    @router.get("/v1/models", response_model=ModelList)
    def models(caller: Caller = Depends(web.gate)) -> ModelList:
        return ModelList(data=[{"id": MODEL_ID}])

    @router.post(
        "/v1/chat/completions",
        response_model=ChatCompletion,
        responses={
            200: {"content": {"text/event-stream": {}}, "description": "The completion, or with `stream` its server-sent events."},
            **{status: {"model": ErrorResponse} for status in (400, 401, 409, 413, 429, 500, 503)},
        },
    )
    async def chat_completions(body: ChatCompletionRequest, request: Request, caller: Caller = Depends(web.gate)):
        """Answer the last user message in the caller's conversation."""
        body.refuse_unsupported()
        question = body.question()
        if len(question) > config.max_message_chars:
            raise ApiError(400, f"the message has {len(question)} characters; at most {config.max_message_chars} are accepted (web.max_message_chars)")
        conversation_id = conversation_for(caller, body, request)
        web.check_ready()
        run = await begin_answer(conversation_id, question)
        try:
            reply = await run.start()
        except MessageError as error:
            raise ApiError(400, str(error)) from None
        first = await run.next_piece()
        if reply.kind == AnswerKind.ERROR:  # the model failed before saying anything: no 200
            async for _ in run.pieces():  # wait until the apology is stored
                pass
            return failed(conversation_id, reply)
        completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        token_header = {TOKEN_HEADER: web.tokens.issue(conversation_id)[0]}
        if body.stream:
            with_usage = bool(body.stream_options and body.stream_options.include_usage)
            return AnswerStream(run, events(run, reply, first, completion_id, created, conversation_id, with_usage), token_header)
        parts = [first or ""] + [piece async for piece in run.pieces()]
        if reply.kind == AnswerKind.ERROR:
            return failed(conversation_id, reply)
        completion = {
            "id": completion_id,
            "created": created,
            "choices": [{"message": {"content": "".join(parts)}}],
            "supportbot": extras(conversation_id, reply),
        }
        return JSONResponse(ChatCompletion.model_validate(completion).model_dump(mode="json"), headers=token_header)

    async def begin_answer(conversation_id: str, question: str) -> AnswerRun:
        """The answer, started once the conversation's earlier answers are stored; it holds the conversation's turn
        and an answer slot until its own is stored, even when its reader leaves first."""
        turn = await web.turns.take(conversation_id)

        def done() -> None:
            web.slots.release()
            turn.end()

        try:
            if await run_in_threadpool(web.manager.in_handoff, CHANNEL, conversation_id):  # an earlier turn may have handed it off
                raise ApiError(409, "this conversation is with our support team; DELETE /v1/handoff to talk to the bot again", "in_handoff")
            await web.acquire_slot()
        except BaseException:
            turn.end()
            raise
        run = AnswerRun(web.manager, CHANNEL, conversation_id, question)
        try:
            run.launch(web.executor, on_done=done)
        except BaseException:  # the executor has shut down: the server is stopping
            done()
            raise
        return run

    def apology(reply: Reply) -> str:
        """The bot's apology in the question's language, as the stored answer has it (the team's bot.error_message, if set)."""
        return web.manager.error_message(reply.language)

    def failed(conversation_id: str, reply: Reply) -> JSONResponse:
        """The model failed: a JSON 500 with the bot's apology (stored once, like any answer)."""
        return JSONResponse(error_body(apology(reply), "server_error") | {"supportbot": extras(conversation_id, reply)}, 500)

    async def events(
        run: AnswerRun, reply: Reply, first: str | None, completion_id: str, created: int, conversation_id: str, with_usage: bool
    ):
        """The answer's chunks; `with_usage` (stream_options.include_usage) adds OpenAI's last chunk, its `usage` and no
        choices, before [DONE], and `"usage": null` to every other chunk, as OpenAI's spec has it."""

        def chunk(delta: dict, finish_reason: str | None = None) -> dict[str, Any]:
            made = _chunk(completion_id, created, delta, finish_reason)
            return (made | {"usage": None}) if with_usage else made

        yield sse(chunk({"role": "assistant"}))
        try:
            if first is not None:
                yield sse(chunk({"content": first}))
                async for piece in run.pieces():
                    yield sse(chunk({"content": piece}))
        except Exception:  # noqa: BLE001 - logged where it happened; the status line is sent, so say it in the stream
            yield sse(error_body(apology(reply), "server_error"))
            return
        yield sse(chunk({}, "stop") | {"supportbot": extras(conversation_id, reply)})
        if with_usage:
            yield sse(_chunk(completion_id, created, {}) | {"choices": [], "usage": _usage(reply)})
        yield sse("[DONE]")

    return router
