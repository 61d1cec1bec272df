"""The app manifest asks for exactly the scopes and events the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# Web API methods the bot calls -> the bot scope each needs (auth.test needs none).
METHOD_SCOPES = {
    "auth_test": set(),
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},  # the bot's own placeholder, when an answer had to be posted anew
    "chat_postEphemeral": {"chat:write"},
    "chat_getPermalink": set(),
    "reactions_add": {"reactions:write"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "conversations_members": {"channels:read", "groups:read"},
    "usergroups_users_list": {"usergroups:read"},
}
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
}


def test_manifest_scopes_match_the_web_api_methods_and_events_the_bot_uses():
    manifest = yaml.safe_load((REPO / "slack" / "manifest.yaml").read_text())
    source = "\n".join(p.read_text() for p in (REPO / "supportbot" / "channels" / "slack").glob("*.py"))
    called = set(re.findall(r"client\.([a-z]+(?:_[A-Za-z]+)+)\b", source))
    assert called <= set(METHOD_SCOPES), f"add the scope for {called - set(METHOD_SCOPES)} to the manifest and this test"
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == set(EVENT_SCOPES)
    needed = set().union(*(METHOD_SCOPES[m] for m in called)) | {EVENT_SCOPES[e] for e in events}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert manifest["settings"]["interactivity"]["is_enabled"] is True  # feedback and handoff buttons
