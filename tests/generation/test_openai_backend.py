"""The `openai` backend against a local OpenAI-compatible double on 127.0.0.1 (real HTTP, real SSE)."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from openai_double import Fault, OpenAIDouble, canned, from_generator

from supportbot.errors import BackendError, ConfigError
from supportbot.generation.base import GenerationSettings
from supportbot.generation.openai_backend import OpenAIGenerator

SETTINGS = GenerationSettings(max_new_tokens=16)
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "How do I return an item?"}]


def generator(base_url: str, **kwargs) -> OpenAIGenerator:
    kwargs.setdefault("backoff_s", 0.01)
    return OpenAIGenerator(base_url, "test-model", **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestOpenAIGeneratorStreaming:
    def test_streams_pieces_in_order(self):
        with OpenAIDouble(canned(["Hello", ",", " world"])) as server:
            assert list(generator(server.base_url).stream(MESSAGES, SETTINGS)) == ["Hello", ",", " world"]

    def test_sends_model_messages_and_standard_parameters_only(self):
        with OpenAIDouble(canned(["ok"])) as server:
            list(generator(server.base_url).stream(MESSAGES, GenerationSettings(max_new_tokens=7, temperature=0.0)))
        body = server.requests[0].body
        assert server.requests[0].path == "/v1/chat/completions"
        assert body == {"model": "test-model", "messages": MESSAGES, "max_tokens": 7, "temperature": 0.0, "stream": True}

    def test_stop_event_ends_the_stream_early(self):
        stop = threading.Event()
        received = []
        with OpenAIDouble(canned([f"p{i} " for i in range(50)], delay_s=0.01)) as server:
            for piece in generator(server.base_url).stream(MESSAGES, SETTINGS, stop):
                received.append(piece)
                if len(received) == 3:
                    stop.set()
        assert received == ["p0 ", "p1 ", "p2 "]


class TestOpenAIGeneratorFailures:
    def test_429_then_success_is_retried_honouring_retry_after(self):
        with OpenAIDouble(canned(["fine"]), faults=[Fault(status=429, retry_after="0")]) as server:
            text = "".join(generator(server.base_url, max_retries=2).stream(MESSAGES, SETTINGS))
        assert text == "fine"
        assert len(server.requests) == 2

    def test_5xx_errors_are_retried_with_backoff(self):
        with OpenAIDouble(canned(["fine"]), faults=[Fault(status=503), Fault(status=502)]) as server:
            text = "".join(generator(server.base_url, max_retries=2).stream(MESSAGES, SETTINGS))
        assert text == "fine" and len(server.requests) == 3

    def test_gives_up_after_max_retries_naming_the_url(self):
        with OpenAIDouble(canned(["never"]), faults=[Fault(status=503)] * 3) as server:
            with pytest.raises(BackendError, match=r"chat/completions failed after 2 attempts \(HTTP 503\)"):
                list(generator(server.base_url, max_retries=1).stream(MESSAGES, SETTINGS))

    def test_client_error_is_not_retried(self):
        with OpenAIDouble(canned(["never"]), faults=[Fault(status=400)]) as server:
            with pytest.raises(BackendError, match="HTTP 400"):
                list(generator(server.base_url, max_retries=3).stream(MESSAGES, SETTINGS))
        assert len(server.requests) == 1

    def test_connection_dropped_mid_stream_raises_after_the_partial_answer(self):
        received = []
        with OpenAIDouble(canned(["one ", "two ", "three "]), faults=[Fault(drop_after=2)]) as server:
            with pytest.raises(BackendError, match="mid-answer"):
                for piece in generator(server.base_url).stream(MESSAGES, SETTINGS):
                    received.append(piece)
        assert received == ["one ", "two "]
        assert len(server.requests) == 1  # text was already shown: a retry would repeat it

    def test_connection_dropped_before_the_first_piece_is_retried(self):
        with OpenAIDouble(canned(["whole answer"]), faults=[Fault(drop_after=0)]) as server:
            assert "".join(generator(server.base_url).stream(MESSAGES, SETTINGS)) == "whole answer"
        assert len(server.requests) == 2

    def test_unreachable_server_gives_a_clear_error(self):
        url = f"http://127.0.0.1:{free_port()}/v1"
        with pytest.raises(BackendError, match=r"ConnectError.*check that the server is up and model.base_url is right"):
            list(generator(url, max_retries=1).stream(MESSAGES, SETTINGS))

    def test_warm_up_reports_an_unreachable_server_at_once(self):
        url = f"http://127.0.0.1:{free_port()}/v1"
        with pytest.raises(BackendError, match=rf"cannot reach {url} \(ConnectError.*fix model.base_url"):
            generator(url).warm_up()

    def test_warm_up_accepts_a_server_that_answers(self):
        with OpenAIDouble(canned(["ok"])) as server:
            generator(server.base_url).warm_up()

    def test_a_stalled_server_times_out(self):
        with OpenAIDouble(canned(["late"], delay_s=1.0)) as server:
            with pytest.raises(BackendError, match="ReadTimeout"):
                list(generator(server.base_url, request_timeout=0.2, max_retries=0).stream(MESSAGES, SETTINGS))

    def test_base_url_that_is_not_http_is_a_config_error(self):
        with pytest.raises(ConfigError, match="model.base_url"):
            OpenAIGenerator("localhost:8000", "m")


class TestOpenAIGeneratorApiKey:
    def test_key_is_read_from_the_named_variable_and_never_logged(self, monkeypatch, caplog):
        monkeypatch.setenv("TEST_LLM_KEY", "sk-secret-123")
        caplog.set_level(logging.DEBUG)
        with OpenAIDouble(canned(["ok"]), faults=[Fault(status=429, retry_after="0")]) as server:
            list(generator(server.base_url, api_key_env="TEST_LLM_KEY").stream(MESSAGES, SETTINGS))
        assert server.requests[-1].headers["Authorization"] == "Bearer sk-secret-123"
        assert "sk-secret-123" not in caplog.text

    def test_missing_key_variable_names_it(self, monkeypatch):
        monkeypatch.delenv("TEST_LLM_KEY", raising=False)
        with pytest.raises(ConfigError, match=r"\$TEST_LLM_KEY, which is not set"):
            generator("http://127.0.0.1:1/v1", api_key_env="TEST_LLM_KEY").warm_up()  # before any connection


class TestOpenAIGeneratorTokenBudget:
    def test_estimate_truncates_to_the_longest_prefix_that_fits(self):
        assert generator("http://127.0.0.1:1/v1").truncate("é" * 100, 10) == "é" * 5  # 2 bytes each
        assert generator("http://127.0.0.1:1/v1").truncate("abc def ghi jkl", 3) == "abc def g"

    def test_default_context_window_is_documented_value(self):
        assert generator("http://127.0.0.1:1/v1").context_window == 4096
        assert generator("http://127.0.0.1:1/v1", context_window=1000).context_window == 1000

    @pytest.mark.slow
    def test_estimate_never_undercounts_the_real_tokenizer(self, chat_generator):
        from supportbot.retrieval.loaders import sample_docs_dir

        texts = [p.read_text(encoding="utf-8") for p in sorted(sample_docs_dir().rglob("*.md"))][:6]
        texts += ["Wie lange dauert die Rückerstattung? 返品はどうすればいいですか？", "Order #1234567890, SKU 88-1200-X: $1,299.00"]
        estimate = generator("http://127.0.0.1:1/v1")
        for text in texts:
            messages = [{"role": "system", "content": "You help."}, {"role": "user", "content": text}]
            assert estimate.count_tokens(messages) >= chat_generator.count_tokens(messages)


@pytest.mark.slow
def test_openai_backend_answers_like_the_model_it_fronts(chat_generator, llama_cpp_generator):
    """Through the double the HTTP backend streams exactly what the model behind it says."""
    settings = GenerationSettings(max_new_tokens=12)
    direct = "".join(llama_cpp_generator.stream(MESSAGES, settings))
    with OpenAIDouble(from_generator(llama_cpp_generator)) as server:
        pieces = list(generator(server.base_url).stream(MESSAGES, settings))
    assert len(pieces) > 1
    assert "".join(pieces) == direct and direct.strip()


def test_a_rejected_key_echoed_in_the_error_body_is_scrubbed(monkeypatch, caplog):
    monkeypatch.setenv("TEST_LLM_KEY", "sk-secret-123")
    caplog.set_level(logging.DEBUG)
    rejected = pytest.raises(BackendError, match=r"HTTP 401 .*Incorrect API key provided: Bearer \*\*\*")
    with OpenAIDouble(canned(["never"]), faults=[Fault(status=401, echo_authorization=True)]) as server, rejected as raised:
        list(generator(server.base_url, api_key_env="TEST_LLM_KEY").stream(MESSAGES, SETTINGS))
    assert "secret" not in str(raised.value) and "secret" not in caplog.text
