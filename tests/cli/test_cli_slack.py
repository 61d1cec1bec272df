"""`supportbot slack` as an operator starts it: what it says when Slack cannot be reached (real sockets)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"


def test_unreachable_slack_is_not_reported_as_a_rejected_token(isolated_data_dir: Path):
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SUPPORTBOT_SLACK_API_URL": f"http://127.0.0.1:{port}/"}
    result = subprocess.run([sys.executable, "-m", "supportbot", "slack"], check=False, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2 and "rejected" not in result.stderr
    assert result.stderr.strip() == f"error: cannot reach Slack at http://127.0.0.1:{port}/ (connection refused): check the network and slack.api_url"
