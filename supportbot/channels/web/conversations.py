"""What the widget does besides asking: open a conversation, reread it, rate an answer, ask for a person.

Every route but POST /v1/sessions acts on the conversation named by the X-Conversation-Token, and on
no other: there is no parameter that names a conversation.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from supportbot.bot.handoff import ASKED_FOR_PERSON
from supportbot.channels.web.access import Caller
from supportbot.channels.web.context import CHANNEL, WebContext
from supportbot.channels.web.handoff import WebDesk
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
    WidgetSetup,
    stored_source_dicts,
)

log = logging.getLogger(__name__)


def conversations_router(web: WebContext) -> APIRouter:
    router = APIRouter(tags=["web chat"], responses={status: {"model": ErrorResponse} for status in (401, 429)})
    manager = web.manager
    # The button below and a customer typing "talk to a person" both reach the team through this desk, or learn there is none.
    manager.set_desk(CHANNEL, WebDesk(web.handoff, manager.catalog, web.config) if web.handoff is not None else None)

    @router.post("/v1/sessions", response_model=Session, status_code=201)
    def open_session(caller: Caller = Depends(web.gate)) -> Session:
        """A new conversation and its token (the widget calls this once, then keeps the token)."""
        if caller.key_name is None and not web.config.widget:
            raise ApiError(404, "browser sessions are off (web.widget = false): use an API key", "not_found")
        conversation_id = web.tokens.new_conversation_id()
        token, expires_at = web.tokens.issue(conversation_id)
        return Session(conversation_id=conversation_id, conversation_token=token, token_expires_at=expires_at)

    def words(lang: str) -> dict[str, str]:
        # "zh_CN" as well as "zh-CN": pages and Accept-Language parsers write both
        return dict(manager.catalog.section("widget", lang.replace("_", "-").split("-")[0].lower()))

    @router.get("/v1/widget/setup", response_model=WidgetSetup)
    def widget_setup(lang: str = "en", caller: Caller = Depends(web.gate)) -> WidgetSetup:
        """What the widget asks for when a page loads: its words in the page's language ("zh", "zh-CN"), and whether
        a person can be reached, so that it offers none when no one can be (not only after the customer asked)."""
        return WidgetSetup(labels=words(lang), handoff=manager.can_reach_person(CHANNEL))

    @router.get("/v1/widget/labels", response_model=dict[str, str])
    def widget_labels(lang: str = "en", caller: Caller = Depends(web.gate)) -> dict[str, str]:
        """The widget's words in the page's language, from the message catalog; English where it has none (widget/setup has them too)."""
        return words(lang)

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
    async def hand_off(request: HandoffIn | None = None, caller: Caller = Depends(web.gate)) -> HandoffOut:
        """'Talk to a person': once the support team has the conversation in Slack, the bot stops answering here.

        With no Slack to post to, or when posting fails, the conversation stays with the bot and the message says so.
        The body is optional: without one, the team is not told which page the customer was on.
        """
        page = request.page if request is not None else ""
        conversation_id = caller.conversation()
        turn = await web.turns.take(conversation_id)  # after the answer being written: the team's summary has it
        try:
            handoff = await run_in_threadpool(manager.hand_to_person, CHANNEL, conversation_id, caller.who(), ASKED_FOR_PERSON, page)
        finally:
            turn.end()
        if handoff.with_person:
            log.info("web conversation %s handed to a person%s", conversation_id, " (posted to Slack)" if handoff.posted else "")
        return HandoffOut(in_handoff=handoff.with_person, message=handoff.notice, posted_to_slack=handoff.posted)

    @router.delete("/v1/handoff", response_model=HandoffOut)
    def resume(caller: Caller = Depends(web.gate)) -> HandoffOut:
        """Back to the bot: the customer chose to keep asking it."""
        manager.resume(CHANNEL, caller.conversation(), caller.who())
        return HandoffOut(in_handoff=False, message="")

    return router
