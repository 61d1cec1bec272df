"""Starting `supportbot slack`: token checks before anything listens, and the Socket Mode path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from slack_double import SIGNING_SECRET, mention
from slack_helpers import BOT_TOKEN, REPO, final_text
from websockets.sync.server import serve

from supportbot.channels.slack.server import SlackService
from supportbot.channels.slack.tokens import SlackTokens, tokens_from_env
from supportbot.config import load_config
from supportbot.errors import ConfigError


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environ.update(env, PYTHONPATH=str(REPO))
    command = [sys.executable, "-c", "from supportbot.cli import main; main()", "slack", "--port", "0", *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "not a secret!"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
    ],
)
def test_cli_missing_or_malformed_token_is_one_line_naming_the_variable_exit_2(env, variable):
    result = run_cli(env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and variable in lines[0]
    for value in env.values():
        assert value not in result.stderr  # secrets are never printed


def test_cli_token_rejected_by_slack_exits_2_before_loading_models(slack_double):
    slack_double.auth_error = "invalid_auth"
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SUPPORTBOT_SLACK_API_URL": slack_double.api_url}
    result = run_cli(env)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "invalid_auth" in result.stderr and BOT_TOKEN not in result.stderr
    assert [call.method for call in slack_double.calls] == ["auth.test"]


def test_api_url_comes_from_the_environment():
    config = load_config(environ={"SUPPORTBOT_SLACK_API_URL": "http://127.0.0.1:9/api/", "SUPPORTBOT_SLACK_IGNORED_CHANNELS": "C1,C2"})
    assert config.slack.api_url == "http://127.0.0.1:9/api/" and config.slack.ignored_channels == ["C1", "C2"]


def test_app_token_selects_socket_mode_and_tokens_hide_from_repr():
    tokens = tokens_from_env({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-A1-secret"})
    assert tokens.socket_mode and "secret" not in repr(tokens)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        tokens_from_env({"SLACK_BOT_TOKEN": BOT_TOKEN})


def test_socket_mode_connects_acks_the_envelope_and_answers(start_bot, slack_double):
    body = mention("How long do refunds take?")
    acks: list[dict] = []

    def slack_side(websocket) -> None:
        websocket.send(json.dumps({"type": "hello", "num_connections": 1}))
        envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False, "retry_attempt": 0, "payload": body}
        websocket.send(json.dumps(envelope))
        for raw in websocket:
            acks.append(json.loads(raw))

    with serve(slack_side, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        slack_double.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/"
        bot = start_bot(tokens=SlackTokens(BOT_TOKEN, app_token="xapp-1-A1-test"))
        assert bot.service.http is None  # nothing listens on HTTP in Socket Mode
        assert "How long do refunds take?" in final_text(bot, "C1", body["event"]["ts"])
        slack_double.wait_for(lambda: any(ack.get("envelope_id") == "env-1" for ack in acks))
        assert slack_double.calls_to("apps.connections.open")
        bot.service.stop(grace=5)
        server.shutdown()


def test_port_in_use_is_a_one_line_error(start_bot):
    first = start_bot()
    second = SlackService(first.manager, first.service.tokens, first.service.config, first.manager.store.database)
    with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{first.service.port}"):
        second.start("127.0.0.1", first.service.port)
