"""One API key listed under two names in WEBCHAT_API_KEYS is refused, as one name used twice is."""

from __future__ import annotations

import os
import subprocess
import sys

KEY = "abcdefghijklmnopqrstuvwxyz"


def serve_with_keys(keys: str, cwd) -> subprocess.CompletedProcess:
    """`supportbot serve` as a user starts it; the keys are checked before anything loads, so it stops at once."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SUPPORTBOT_", "WEBCHAT_"))}
    env |= {"WEBCHAT_API_KEYS": keys, "SUPPORTBOT_PATHS_DATA_DIR": str(cwd / "data")}
    command = [sys.executable, "-m", "supportbot", "serve", "--port", "0"]
    return subprocess.run(command, check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_one_key_under_two_names_stops_serve_with_one_line_naming_both_and_not_the_key(tmp_path):
    # It was accepted silently: the key's calls were logged and stored under one of the names, whichever matched.
    result = serve_with_keys(f"a={KEY},b={KEY}", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: WEBCHAT_API_KEYS: a and b have the same key: give each caller a key of its own (the value is not shown)"
    )
    assert KEY not in result.stdout + result.stderr


def test_the_same_bare_key_twice_is_refused_by_the_names_it_was_given(tmp_path):
    result = serve_with_keys(f"backend=k{'1' * 24},{KEY}, {KEY}", tmp_path)
    assert result.returncode == 2 and "key2 and key3 have the same key" in result.stderr and KEY not in result.stderr
