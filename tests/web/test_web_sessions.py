"""Conversation tokens, API keys and rate limits, on their own (no server)."""

from __future__ import annotations

import pytest

from supportbot.channels.web.sessions import ApiKeys, ConversationTokens, RateLimiter, TokenError
from supportbot.errors import ConfigError

SECRET = b"0123456789abcdef0123456789abcdef"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TestConversationTokens:
    def test_a_token_names_its_conversation_until_it_expires(self):
        clock = Clock()
        tokens = ConversationTokens(SECRET, ttl_seconds=3600, clock=clock)
        token, expires_at = tokens.issue("conv-a")
        assert tokens.verify(token).conversation_id == "conv-a" and expires_at == clock.now + 3600
        clock.now += 3601
        with pytest.raises(TokenError, match="expired"):
            tokens.verify(token)

    def test_changing_the_conversation_inside_a_token_breaks_its_signature(self):
        tokens = ConversationTokens(SECRET, 3600)
        token_a, _ = tokens.issue("conv-a")
        token_b, _ = tokens.issue("conv-b")
        forged = ".".join([*token_b.split(".")[:3], token_a.split(".")[3]])
        with pytest.raises(TokenError, match="signature"):
            tokens.verify(forged)

    def test_a_token_signed_with_another_secret_is_refused(self):
        token, _ = ConversationTokens(b"another-secret-another-secret-xx", 3600).issue("conv-a")
        with pytest.raises(TokenError, match="signature"):
            ConversationTokens(SECRET, 3600).verify(token)

    @pytest.mark.parametrize("garbage", ["", "v1", "v1.abc", "v2.YQ.1.sig", "v1.YQ.soon.sig", "v1.%%%.1.sig", "v1.YQ.².sig", "v1.YQ.1.sïg"])
    def test_malformed_tokens_are_refused(self, garbage):
        with pytest.raises(TokenError):
            ConversationTokens(SECRET, 3600).verify(garbage)

    def test_a_short_secret_is_a_config_error_that_does_not_show_it(self):
        with pytest.raises(ConfigError, match="WEBCHAT_SESSION_SECRET is too short") as error:
            ConversationTokens.from_env({"WEBCHAT_SESSION_SECRET": "hunter2"}, 3600)
        assert "hunter2" not in str(error.value)

    def test_without_a_secret_tokens_use_a_random_one(self, caplog):
        first = ConversationTokens.from_env({}, 3600)
        token, _ = first.issue("conv-a")
        with pytest.raises(TokenError):
            ConversationTokens.from_env({}, 3600).verify(token)  # as after a restart
        assert "WEBCHAT_SESSION_SECRET is not set" in caplog.text


class TestApiKeys:
    def test_named_and_bare_keys_are_found_by_value(self):
        keys = ApiKeys.from_env({"WEBCHAT_API_KEYS": "backend=k" + "1" * 24 + ", " + "k" + "2" * 24})
        assert keys.name_for("k" + "1" * 24) == "backend"
        assert keys.name_for("k" + "2" * 24) == "key2"
        assert keys.name_for("k" + "3" * 24) is None and keys.name_for("") is None

    def test_a_short_key_is_an_error_that_names_the_entry_not_the_key(self):
        with pytest.raises(ConfigError, match="entry 2 \\(partner\\) is shorter") as error:
            ApiKeys.from_env({"WEBCHAT_API_KEYS": "backend=" + "x" * 24 + ",partner=tooshort"})
        assert "tooshort" not in str(error.value)

    def test_repr_shows_names_only(self):
        assert "x" * 24 not in repr(ApiKeys({"backend": "x" * 24}))


class TestRateLimiter:
    def test_the_61st_request_in_a_minute_waits_until_the_first_is_a_minute_old(self):
        clock = Clock(1000.0)
        limiter = RateLimiter(window=60.0, clock=clock)
        for _ in range(60):
            assert limiter.check("ip:a", 60) == 0
            clock.now += 0.5  # 60 requests over 30 s
        assert limiter.check("ip:a", 60) == pytest.approx(30.0)
        assert limiter.check("ip:b", 60) == 0  # another client is not affected
        clock.now = 1000.0 + 60.0
        assert limiter.check("ip:a", 60) == 0

    def test_refused_requests_do_not_extend_the_wait(self):
        clock = Clock(0.0)
        limiter = RateLimiter(window=60.0, clock=clock)
        assert limiter.check("k", 1) == 0
        for _ in range(10):
            clock.now += 5
            limiter.check("k", 1)
        clock.now = 60.0
        assert limiter.check("k", 1) == 0

    def test_a_limit_of_zero_turns_limiting_off(self):
        limiter = RateLimiter()
        assert all(limiter.check("k", 0) == 0 for _ in range(1000))

    def test_idle_clients_are_forgotten(self):
        clock = Clock(0.0)
        limiter = RateLimiter(window=60.0, clock=clock, max_clients=10)
        for n in range(10):
            limiter.check(f"ip:{n}", 5)
        clock.now = 120.0
        limiter.check("ip:new", 5)
        assert len(limiter._log) == 1


class TestServeCommand:
    def test_a_bad_api_key_stops_serve_with_one_line_before_anything_loads(self, monkeypatch):
        from click.testing import CliRunner

        from supportbot.cli import main

        monkeypatch.setenv("WEBCHAT_API_KEYS", "backend=tooshort")
        result = CliRunner().invoke(main, ["serve", "--port", "0"])
        assert result.exit_code == 2
        assert result.output.strip() == (
            "error: WEBCHAT_API_KEYS: the key of entry 1 (backend) is shorter than 20 characters (the value is not shown)"
        )
