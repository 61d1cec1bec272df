"""The HTTP API as an attacker, a browser and a partner's server meet it: tokens, keys, CORS, limits, errors."""

from __future__ import annotations

import base64
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from slack_double import SlackDouble
from slack_helpers import BOT_TOKEN
from web_helpers import API_KEY, TOKEN_HEADER, ask, new_session, start_bot, wait_for

from supportbot.channels.web.handoff import SlackHandoff
from supportbot.channels.web.sessions import ConversationTokens
from supportbot.config import SlackConfig, WebConfig

REFUNDS = "How long do refunds take?"
NO_ONE_TO_HAND_TO = "I can't connect you with a person from here. Please contact our support team directly."


def stored(bot, conversation_id: str) -> list[tuple[str, str]]:
    return [(m.role, m.kind) for m in bot.manager.messages("web", conversation_id)]


class TestConversationTokens:
    def test_a_token_reads_and_continues_only_its_own_conversation(self, web_bot, client_address):
        with web_bot.client(client_address) as client:
            a, b = new_session(client), new_session(client)
            ask(client, "How long do refunds take? (asked in B)", b)
            b_id = web_bot.tokens.verify(b[TOKEN_HEADER]).conversation_id
            assert client.get("/v1/conversation", headers=a).json()["messages"] == []
            answer = ask(client, REFUNDS, a, user=b_id)  # naming B in the body changes nothing without an API key
            assert "with 0 earlier messages" in answer.json()["choices"][0]["message"]["content"]
            assert answer.json()["supportbot"]["conversation_id"] != b_id
            assert client.get("/v1/conversation", headers=b).json()["messages"][0]["content"].endswith("(asked in B)")
            assert len(stored(web_bot, b_id)) == 2

    def test_a_token_changed_to_name_another_conversation_is_401(self, web_bot, client_address):
        with web_bot.client(client_address) as client:
            a, b = new_session(client)[TOKEN_HEADER], new_session(client)[TOKEN_HEADER]
            forged = ".".join([*b.split(".")[:3], a.split(".")[3]])
            response = client.get("/v1/conversation", headers={TOKEN_HEADER: forged})
        assert response.status_code == 401 and "signature" in response.json()["error"]["message"]

    def test_an_expired_token_is_401_and_says_to_start_again(self, web_bot, client_address):
        yesterday = ConversationTokens(b"web-tests-session-secret-0123456789abcdef", 3600, clock=lambda: time.time() - 86400)
        token, _ = yesterday.issue("old-conversation")
        with web_bot.client(client_address) as client:
            response = ask(client, REFUNDS, {TOKEN_HEADER: token})
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "the conversation token has expired: start a new conversation (POST /v1/sessions)"

    def test_asking_without_a_token_or_key_is_401(self, web_bot, client_address):
        with web_bot.client(client_address) as client:
            response = ask(client, REFUNDS)
        assert response.status_code == 401 and "X-Conversation-Token" in response.json()["error"]["message"]

    def test_each_answer_renews_the_token(self, web_bot, client_address):
        with web_bot.client(client_address) as client:
            first = new_session(client)
            renewed = ask(client, REFUNDS, first).json()["supportbot"]["conversation_token"]
            follow_up = ask(client, "And for gift cards?", {TOKEN_HEADER: renewed}).json()
        assert "with 2 earlier messages" in follow_up["choices"][0]["message"]["content"]


class TestApiKeys:
    def test_a_wrong_key_is_401_and_no_key_reaches_the_log(self, web_bot, caplog):
        caplog.set_level(logging.DEBUG)
        with web_bot.client(Authorization="Bearer sk-guessed-0000000000000000") as client:
            response = ask(client, REFUNDS)
        with web_bot.keyed() as client:
            assert ask(client, REFUNDS).status_code == 200
        assert response.status_code == 401 and response.json()["error"]["type"] == "authentication_error"
        assert "sk-guessed" not in caplog.text and API_KEY not in caplog.text

    def test_a_key_holder_names_conversations_among_its_own(self, web_bot):
        with web_bot.keyed() as client:
            first = ask(client, REFUNDS, user="c42").json()
            second = ask(client, "And for gift cards?", {"X-Conversation-Id": "c42"}).json()
        assert first["supportbot"]["conversation_id"].startswith("backend:")
        assert "with 2 earlier messages" in second["choices"][0]["message"]["content"]

    def test_a_key_holders_user_email_is_in_no_conversation_id_token_or_export(self, web_bot, tmp_path):
        with web_bot.keyed() as client:
            first = ask(client, REFUNDS, user="jane.doe@example.com")
            second = ask(client, "And for gift cards?", user="jane.doe@example.com").json()
        conversation_id = first.json()["supportbot"]["conversation_id"]
        assert second["supportbot"]["conversation_id"] == conversation_id  # the same user, the same conversation
        assert "with 2 earlier messages" in second["choices"][0]["message"]["content"]
        readable_in_token = base64.urlsafe_b64decode(first.headers[TOKEN_HEADER].split(".")[1] + "==").decode()
        exported = subprocess.run(
            [sys.executable, "-m", "supportbot", "conversations", "export", "--url", web_bot.manager.store.database.display_url],
            check=True, capture_output=True, text=True, timeout=120,
        ).stdout
        assert conversation_id in exported and readable_in_token == conversation_id
        assert "jane" not in exported and "jane" not in readable_in_token


class TestCors:
    def test_an_allowed_origin_gets_cors_headers(self, web_bot, client_address):
        with web_bot.client(client_address, Origin="https://help.example.com") as client:
            response = client.post("/v1/sessions")
            preflight = client.options(
                "/v1/chat/completions",
                headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-conversation-token"},
            )
        assert response.headers["access-control-allow-origin"] == "https://help.example.com"
        assert preflight.status_code == 200 and "x-conversation-token" in preflight.headers["access-control-allow-headers"].lower()

    def test_a_disallowed_origin_gets_no_cors_headers(self, web_bot, client_address):
        with web_bot.client(client_address, Origin="https://evil.example") as client:
            response = client.post("/v1/sessions")
            preflight = client.options("/v1/sessions", headers={"Access-Control-Request-Method": "POST"})
        assert not any(name.startswith("access-control-") for name in response.headers)
        assert not any(name.startswith("access-control-allow-origin") for name in preflight.headers)

    def test_api_keys_cannot_be_sent_from_a_browser_page(self, web_bot, client_address):
        with web_bot.client(client_address, Origin="https://help.example.com") as client:
            preflight = client.options(
                "/v1/chat/completions", headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
            )
        assert preflight.status_code == 400


class TestLimits:
    def test_the_61st_request_in_a_minute_gets_429_with_retry_after(self, web_bot, client_address):
        with web_bot.client(client_address) as client:
            statuses = [client.post("/v1/sessions").status_code for _ in range(60)]
            refused = client.post("/v1/sessions")
        with web_bot.client("192.0.2.200") as other:
            assert other.post("/v1/sessions").status_code == 201
        assert statuses == [201] * 60
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["error"]["type"] == "rate_limit_exceeded"
        assert web_bot.refusals.counts["rate_limit_ip"] >= 1

    @pytest.mark.parametrize("chunked", [False, True])
    def test_a_2_mb_body_gets_413(self, web_bot, chunked):
        body = b'{"messages": [{"role": "user", "content": "' + b"x" * 2_000_000 + b'"}]}'
        content = iter([body[i : i + 65536] for i in range(0, len(body), 65536)]) if chunked else body
        with web_bot.keyed() as client:
            response = client.post("/v1/chat/completions", content=content, headers={"Content-Type": "application/json"})
        assert response.status_code == 413 and "web.max_body_bytes" in response.json()["error"]["message"]

    def test_a_long_message_gets_400_naming_the_limit(self, web_bot):
        with web_bot.keyed() as client:
            response = ask(client, "refund " * 1000)
        assert response.status_code == 400 and "at most 4000 are accepted (web.max_message_chars)" in response.json()["error"]["message"]

    def test_a_malformed_request_gets_400_saying_what_is_wrong(self, web_bot):
        with web_bot.keyed() as client:
            wrong_field = client.post("/v1/chat/completions", json={"messages": "hello"})
            not_json = client.post("/v1/chat/completions", content=b'{"messages": [', headers={"Content-Type": "application/json"})
        assert wrong_field.status_code == 400 and wrong_field.json()["error"]["message"].startswith("messages:")
        assert not_json.status_code == 400 and not_json.json()["error"]["message"].startswith("the body is not valid JSON")

    def test_when_every_slot_is_busy_the_caller_is_told_at_once(self, web_manager):
        busy_bot = start_bot(web_manager, WebConfig(max_concurrent_answers=1, max_waiting_answers=0))
        try:
            with busy_bot.keyed() as client:
                slow = threading.Thread(target=ask, args=(client, "SLOW: How long do refunds take?"))
                slow.start()
                time.sleep(0.5)
                started = time.monotonic()
                refused = ask(client, REFUNDS)
                refused_after = time.monotonic() - started
                slow.join()
                after = ask(client, REFUNDS)
        finally:
            busy_bot.stop()
        assert refused.status_code == 503 and refused.json()["error"]["type"] == "server_busy" and refused.headers["Retry-After"]
        assert refused_after < 1.0 and busy_bot.refusals.counts["busy"] == 1
        assert after.status_code == 200


class TestFailures:
    @pytest.mark.parametrize("stream", [False, True])
    def test_a_model_failure_is_a_json_500_and_the_conversation_is_stored_once(self, web_bot, stream):
        with web_bot.keyed() as client:
            response = ask(client, "FAIL: How long do refunds take?", stream=stream)
        payload = response.json()
        assert response.status_code == 500 and response.headers["content-type"] == "application/json"
        assert payload["error"] == {"message": web_bot.manager.bot.error_message, "type": "server_error"}
        assert stored(web_bot, payload["supportbot"]["conversation_id"]) == [("user", ""), ("assistant", "error")]

    def test_a_client_that_leaves_mid_answer_stops_it_and_what_was_said_is_kept(self, web_bot):
        body = {"stream": True, "messages": [{"role": "user", "content": "SLOW: refunds?"}]}
        with web_bot.keyed() as client, client.stream("POST", "/v1/chat/completions", json=body) as response:
            conversation_token = response.headers[TOKEN_HEADER]
            lines = response.iter_lines()
            assert '"role": "assistant"' in next(lines)
            next(line for line in lines if line)  # the first words, then hang up
        conversation_id = web_bot.tokens.verify(conversation_token).conversation_id

        def interrupted_answer():
            messages = web_bot.manager.messages("web", conversation_id)
            return [m for m in messages if m.role == "assistant" and m.interrupted]

        (answer,) = wait_for(interrupted_answer)
        assert answer.content and not answer.content.endswith("[1].")  # cut short, not generated to the end

    def test_an_unknown_route_is_a_json_404(self, web_bot):
        response = httpx.get(web_bot.url + "/v2/chat")
        assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"


class TestFeedbackAndHandoff:
    def test_feedback_on_an_answer_is_stored_and_another_conversations_answer_cannot_be_rated(self, web_bot, client_address):
        with web_bot.client(client_address) as client:
            a, b = new_session(client), new_session(client)
            answer_a = ask(client, REFUNDS, a).json()["supportbot"]
            answer_b = ask(client, REFUNDS, b).json()["supportbot"]
            rated = client.post("/v1/feedback", json={"message_id": answer_a["message_id"], "rating": "down"}, headers=a)
            foreign = client.post("/v1/feedback", json={"message_id": answer_b["message_id"], "rating": "down"}, headers=a)
        assert rated.status_code == 201 and foreign.status_code == 404
        feedback = web_bot.manager.store.feedback("web", answer_a["conversation_id"])
        assert [(f["rating"], f["message_id"], f["rater"]) for f in feedback] == [("down", answer_a["message_id"], "visitor")]
        assert web_bot.manager.store.feedback("web", answer_b["conversation_id"]) == []

    def test_talk_to_a_person_posts_to_slack_pauses_the_bot_until_the_customer_resumes(self, web_manager, client_address):
        double = SlackDouble()
        handoff = SlackHandoff.from_config(SlackConfig(api_url=double.api_url, handoff_channel="CHANDOFF"), {"SLACK_BOT_TOKEN": BOT_TOKEN})
        bot = start_bot(web_manager, WebConfig(), handoff=handoff)
        try:
            with bot.client(client_address) as client:
                session = new_session(client)
                ask(client, REFUNDS, session)
                handed = client.post("/v1/handoff", json={"page": "https://help.example.com/returns"}, headers=session)
                while_handed = ask(client, "Hello?", session)
                in_handoff = client.get("/v1/conversation", headers=session).json()["in_handoff"]
                client.delete("/v1/handoff", headers=session)
                after = ask(client, "Are you back?", session)
        finally:
            bot.stop()
            double.close()
        assert handed.json() == {"in_handoff": True, "message": WebConfig().handoff_message, "posted_to_slack": True}
        (post,) = double.calls_to("chat.postMessage")
        assert post["channel"] == "CHANDOFF" and REFUNDS in post["text"] and "https://help.example.com/returns" in post["text"]
        assert while_handed.status_code == 409 and in_handoff
        assert after.status_code == 200

    def test_talk_to_a_person_without_slack_says_no_one_can_be_reached_and_the_bot_keeps_answering(self, web_manager, client_address):
        bot = start_bot(web_manager, WebConfig())  # the default: no slack.handoff_channel, nobody to tell
        failures = handoff_failures(web_manager)
        try:
            with bot.client(client_address) as client:
                session = new_session(client)
                ask(client, REFUNDS, session)
                handed = client.post("/v1/handoff", json={"page": "https://help.example.com/returns"}, headers=session)
                after = ask(client, "Are you still there?", session)
                in_handoff = client.get("/v1/conversation", headers=session).json()["in_handoff"]
        finally:
            bot.stop()
        assert handed.json() == {"in_handoff": False, "message": NO_ONE_TO_HAND_TO, "posted_to_slack": False}
        assert after.status_code == 200 and not in_handoff
        assert handoff_failures(web_manager) == failures + 1

    def test_asking_for_a_person_in_words_posts_to_slack_and_pauses_the_bot_as_the_button_does(self, web_manager, client_address):
        double = SlackDouble()
        handoff = SlackHandoff.from_config(SlackConfig(api_url=double.api_url, handoff_channel="CHANDOFF"), {"SLACK_BOT_TOKEN": BOT_TOKEN})
        bot = start_bot(web_manager, WebConfig(), handoff=handoff)
        try:
            with bot.client(client_address) as client:
                session = new_session(client)
                ask(client, REFUNDS, session)
                asked = ask(client, "talk to a human", session).json()
                while_handed = ask(client, "Hello?", session)
        finally:
            bot.stop()
            double.close()
        assert asked["choices"][0]["message"]["content"] == WebConfig().handoff_message and asked["supportbot"]["kind"] == "handoff"
        (post,) = double.calls_to("chat.postMessage")
        assert post["channel"] == "CHANDOFF" and REFUNDS in post["text"] and "talk to a human" in post["text"]
        assert while_handed.status_code == 409

    def test_yes_to_the_fallbacks_offer_of_a_person_without_slack_says_no_one_can_be_reached(self, web_manager, client_address):
        bot = start_bot(web_manager, WebConfig())
        try:
            with bot.client(client_address) as client:
                session = new_session(client)
                offered = ask(client, "Who won the 1998 football world cup?", session).json()
                accepted = ask(client, "yes please connect me", session).json()
        finally:
            bot.stop()
        assert offered["supportbot"]["kind"] == "fallback"
        assert accepted["choices"][0]["message"]["content"] == NO_ONE_TO_HAND_TO

    def test_the_widget_is_told_when_a_page_loads_whether_a_person_can_be_reached(self, web_manager, client_address):
        # It offered "Talk to a person" on every page and learnt that no one could be reached only once a customer asked.
        double = SlackDouble()
        handoff = SlackHandoff.from_config(SlackConfig(api_url=double.api_url, handoff_channel="CHANDOFF"), {"SLACK_BOT_TOKEN": BOT_TOKEN})
        setups, reachable = {}, {}
        for name, desk in (("with slack", handoff), ("without slack", None)):
            bot = start_bot(web_manager, WebConfig(), handoff=desk)
            try:
                with bot.client(client_address) as client:
                    setups[name] = client.get("/v1/widget/setup", params={"lang": "zh-CN"})
                reachable[name] = web_manager.can_reach_person("web")  # what the route asks the dialogue manager
            finally:
                bot.stop()
        double.close()
        assert reachable == {"with slack": True, "without slack": False}
        assert setups["with slack"].status_code == setups["without slack"].status_code == 200
        assert setups["with slack"].json()["handoff"] is True and setups["without slack"].json()["handoff"] is False
        assert setups["with slack"].json()["labels"]["talk_to_person"] == "转人工客服"  # its words come with it, in the page's language
        assert double.calls == []  # asking whether is no handoff


def handoff_failures(manager) -> float:
    """supportbot_handoffs_total{channel="web",outcome="failed"}, as Prometheus reads it (0 before the first)."""
    line = 'supportbot_handoffs_total{channel="web",outcome="failed"} '
    found = [row for row in manager.metrics.exposition()[0].decode().splitlines() if row.startswith(line)]
    return float(found[0][len(line):]) if found else 0.0


class TestServer:
    def test_health_readiness_and_the_openapi_document(self, web_bot):
        assert httpx.get(web_bot.url + "/healthz").json() == {"status": "ok"}
        assert httpx.get(web_bot.url + "/readyz").json() == {"status": "ready", "index_build": ""}  # no index watch here
        document = httpx.get(web_bot.url + "/openapi.json").json()
        assert {"/v1/chat/completions", "/v1/models", "/v1/sessions", "/v1/conversation", "/v1/feedback", "/v1/handoff"} <= set(document["paths"])
        assert "ChatCompletionRequest" in json.dumps(document["components"])

    def test_not_ready_until_the_model_has_loaded(self, web_manager):
        loaded = threading.Event()
        original = web_manager.generator.warm_up
        web_manager.generator.warm_up = loaded.wait
        bot = start_bot(web_manager, WebConfig(), warm_up=True)
        try:
            loading = httpx.get(bot.url + "/readyz")
            with bot.keyed() as client:
                early = ask(client, REFUNDS)
            loaded.set()
            wait_for(lambda: httpx.get(bot.url + "/readyz").status_code == 200)
        finally:
            web_manager.generator.warm_up = original
            bot.stop()
        assert loading.status_code == 503 and loading.json()["status"] == "loading"
        assert early.status_code == 503 and "loading" in early.json()["error"]["message"]

    def test_stopping_the_server_lets_an_answer_in_progress_finish(self, web_manager):
        bot = start_bot(web_manager, WebConfig())
        events: list[str] = []

        def read_stream():
            body = {"stream": True, "messages": [{"role": "user", "content": "SLOW: How long do refunds take?"}]}
            with bot.keyed() as client, client.stream("POST", "/v1/chat/completions", json=body) as response:
                events.extend(line for line in response.iter_lines() if line)

        reader = threading.Thread(target=read_stream)
        reader.start()
        time.sleep(0.4)
        bot.stop()
        reader.join(10)
        assert events[-1] == "data: [DONE]"
        final = json.loads(events[-2][len("data: ") :])["supportbot"]
        assert final["kind"] == "generated" and final["message_id"]


class TestListening:
    def test_bad_port_or_host_is_a_one_line_config_error(self):
        from supportbot.channels.web.server import bind
        from supportbot.errors import ConfigError

        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            with pytest.raises(ConfigError, match=rf"cannot listen on 127.0.0.1:{port} \(Address already in use\): pass another --port"):
                bind("127.0.0.1", port)
        for port in (99999, -1):
            with pytest.raises(ConfigError, match=rf"port {port} is out of range: pass a --port \(web.port\) from 1 to 65535"):
                bind("127.0.0.1", port)
        with pytest.raises(ConfigError, match=r"cannot listen on 999.1.1.1:8080 \(.*\): pass another --host"):
            bind("999.1.1.1", 8080)

    def test_serve_on_a_busy_port_says_so_in_one_line(self, sample_index_dir: Path, isolated_data_dir: Path):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            result = subprocess.run(
                [sys.executable, "-m", "supportbot", "serve", "--port", str(port), "--index", str(sample_index_dir)],
                check=False, capture_output=True, text=True, timeout=300,
            )
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1] == (
            f"error: cannot listen on 127.0.0.1:{port} (Address already in use): pass another --port (web.port) or --host"
        )
