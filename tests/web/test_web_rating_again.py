"""A customer who rates one answer again through POST /v1/feedback changes their rating; they do not add one."""

from __future__ import annotations

from web_helpers import ask, new_session

from supportbot.store.gaps import RATED_DOWN, find_gaps

REFUNDS = "How long do refunds take?"


def test_down_three_times_then_up_stores_one_rating_up_and_the_question_is_no_gap(web_bot, client_address):
    with web_bot.client(client_address) as client:
        session = new_session(client)
        answer = ask(client, REFUNDS, session).json()["supportbot"]
        votes = [
            client.post("/v1/feedback", json={"message_id": answer["message_id"], "rating": rating}, headers=session)
            for rating in ("down", "down", "down", "up")
        ]
    assert [vote.status_code for vote in votes] == [201] * 4
    assert len({vote.json()["feedback_id"] for vote in votes}) == 1  # one rating, changed three times
    store = web_bot.manager.store
    assert [(f["rating"], f["message_id"]) for f in store.feedback("web", answer["conversation_id"])] == [("up", answer["message_id"])]
    rated_down = [gap for gap in find_gaps(store.database, 0) if gap.conversation_id == answer["conversation_id"] and RATED_DOWN in gap.reasons]
    assert rated_down == []  # `report gaps` listed it as "rated down" although the last vote was up
