"""What the widget does besides asking: open a conversation, reread it, rate an answer, ask for a person.

Every route but POST /v1/sessions acts on the conversation named by the X-Conversation-Token, and on
no other: there is no parameter that names a conversation.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from supportbot.channels.web.access import Caller
from supportbot.channels.web.context import CHANNEL, WebContext
from supportbot.channels.web.schemas import (
    ApiError,
    Conversation,
    ErrorResponse,
    FeedbackIn,
    FeedbackOut,
    HandoffIn,
    HandoffOut,
    Session,
    StoredMessageOut,
    stored_source_dicts,
)

log = logging.getLogger(__name__)


def conversations_router(web: WebContext) -> APIRouter:
    router = APIRouter(tags=["web chat"], responses={status: {"model": ErrorResponse} for status in (401, 429)})
    manager = web.manager

    @router.post("/v1/sessions", response_model=Session, status_code=201)
    def open_session(caller: Caller = Depends(web.gate)) -> Session:
        """A new conversation and its token (the widget calls this once, then keeps the token)."""
        if caller.key_name is None and not web.config.widget:
            raise ApiError(404, "browser sessions are off (web.widget = false): use an API key", "not_found")
        conversation_id = web.tokens.new_conversation_id()
        token, expires_at = web.tokens.issue(conversation_id)
        return Session(conversation_id=conversation_id, conversation_token=token, token_expires_at=expires_at)

    @router.get("/v1/conversation", response_model=Conversation)
    def read_conversation(caller: Caller = Depends(web.gate)) -> Conversation:
        """The token's conversation as stored: what the widget shows after a page load."""
        conversation_id = caller.conversation()
        messages = [
            StoredMessageOut(
                id=m.id, role=m.role, content=m.content, kind=m.kind, interrupted=m.interrupted, sources=stored_source_dicts(m)
            )
            for m in manager.messages(CHANNEL, conversation_id)
            if m.role in ("user", "assistant")
        ]
        return Conversation(conversation_id=conversation_id, in_handoff=manager.in_handoff(CHANNEL, conversation_id), messages=messages)

    @router.post("/v1/feedback", response_model=FeedbackOut, status_code=201, responses={404: {"model": ErrorResponse}})
    def rate_answer(feedback: FeedbackIn, caller: Caller = Depends(web.gate)) -> FeedbackOut:
        """👍 or 👎 on one of the conversation's answers, stored like Slack's."""
        conversation_id = caller.conversation()
        answers = {m.id for m in manager.messages(CHANNEL, conversation_id) if m.role == "assistant"}
        if feedback.message_id not in answers:
            raise ApiError(404, f"this conversation has no answer {feedback.message_id}", "not_found")
        return FeedbackOut(feedback_id=manager.record_feedback(CHANNEL, conversation_id, feedback.rating, caller.who(), feedback.message_id))

    @router.post("/v1/handoff", response_model=HandoffOut)
    async def hand_off(request: HandoffIn, caller: Caller = Depends(web.gate)) -> HandoffOut:
        """'Talk to a person': the bot stops answering here, and the support team gets the conversation in Slack."""
        conversation_id = caller.conversation()
        started = await run_in_threadpool(manager.hand_off, CHANNEL, conversation_id, caller.who(), "asked for a person")
        posted = False
        if started and web.handoff is not None:
            history = await run_in_threadpool(manager.history, CHANNEL, conversation_id)
            posted = await run_in_threadpool(web.handoff.post, conversation_id, history, "asked for a person", request.page)
        log.info("web conversation %s handed to a person%s", conversation_id, " (posted to Slack)" if posted else "")
        return HandoffOut(in_handoff=True, message=web.config.handoff_message, posted_to_slack=posted)

    @router.delete("/v1/handoff", response_model=HandoffOut)
    def resume(caller: Caller = Depends(web.gate)) -> HandoffOut:
        """Back to the bot: the customer chose to keep asking it."""
        manager.resume(CHANNEL, caller.conversation(), caller.who())
        return HandoffOut(in_handoff=False, message="")

    return router
