"""What `supportbot slack` writes to its log, read from the real process: no customer text from the Slack clients'
request bodies even with -v, no warning at every start, and one line for a request the bot does not handle."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

import pytest
from instances import BotProcess, OpenAIDouble, echo_answer, instance_env
from slack_double import _post, event_body, message, new_ts, post_action, post_event, signed_headers
from slack_helpers import final_text


@pytest.mark.slow
def test_a_verbose_log_shows_no_digits_of_a_card_an_answer_streams_cut_off(slack_double, sample_index_dir, tmp_path: Path):
    with OpenAIDouble(echo_answer(delay_s=0.1)) as model:
        env = instance_env(slack_double.api_url, f"sqlite:///{tmp_path / 'c.sqlite3'}", sample_index_dir, model.base_url)
        bot = BotProcess(env, options=["-v"])
        try:
            asked = message("my card is 4111 1111 1111 1111, why was it charged twice?", channel="D1")
            post_event(bot.url, asked)
            final = final_text(SimpleNamespace(double=slack_double), "D1", asked["event"]["ts"])
        finally:
            bot.stop()
    streamed = [call["text"] for call in slack_double.calls_to("chat.update")]
    assert any("4111" in text and "4111 1111 1111 1111" not in text for text in streamed), streamed  # cut off mid-card
    assert "4111 1111 1111 1111" in final
    log = "".join(bot.log)
    assert "DEBUG supportbot" in log  # -v still logs the bot's own steps
    assert "4111" not in log  # was: "Sending a request ... 'text': \"Answer to 'my card is 4111 1111 1111 …\""


@pytest.mark.slow
def test_a_start_warns_of_nothing_and_a_request_the_bot_does_not_handle_is_acknowledged_in_one_line(slack_double, sample_index_dir, tmp_path: Path):
    with OpenAIDouble(echo_answer()) as model:
        env = instance_env(slack_double.api_url, f"sqlite:///{tmp_path / 'c.sqlite3'}", sample_index_dir, model.base_url)
        bot = BotProcess(env)
        try:
            started = len(bot.log)
            form = urllib.parse.urlencode({"command": "/supportbot", "text": "How long do refunds take?", "user_id": "U1", "channel_id": "C1", "trigger_id": "1"})
            command, _ = _post(bot.url, form.encode(), signed_headers(form, content_type="application/x-www-form-urlencoded"))
            shortcut = {"type": "message_action", "callback_id": "ask_supportbot", "user": {"id": "U1"}, "channel": {"id": "C1"},
                        "message": {"ts": new_ts(), "text": "How long do refunds take?"}, "trigger_id": "1", "team": {"id": "T1"}}
            shortcut_status, _ = post_action(bot.url, shortcut)
            reaction = event_body({"type": "reaction_added", "user": "U1", "reaction": "thumbsup", "item": {"type": "message", "channel": "C1", "ts": new_ts()}})
            reaction_status, _ = post_event(bot.url, reaction)
        finally:
            bot.stop()
    assert [command, shortcut_status, reaction_status] == [200, 200, 200]  # were 404: Slack retries an event, shows a command failed
    log = "".join(bot.log)
    assert "will be unused" not in log  # bolt's warning at every start: the client given carries SLACK_BOT_TOKEN itself
    assert "[Suggestion]" not in log and "@app." not in log
    handled = [line.strip() for line in bot.log[started:] if "does not handle" in line]
    assert handled == [
        "acknowledged a Slack slash command /supportbot the bot does not handle",
        "acknowledged a Slack message_action ask_supportbot the bot does not handle",
        "acknowledged a Slack event reaction_added the bot does not handle",
    ]
    assert json.dumps(shortcut["message"]["text"]) not in log
