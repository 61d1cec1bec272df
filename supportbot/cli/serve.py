"""`supportbot serve`: the bot over HTTP, an OpenAI-compatible API and the web chat widget."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from supportbot.cli import get_config


@click.command("serve")
@click.option("--host", help="Interface to listen on (default: web.host, 127.0.0.1).")
@click.option("--port", type=int, help="TCP port (default: web.port, 8080); 0 picks a free one.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder (default: paths.index_dir).")
@click.option("--allow-origin", "origins", multiple=True, help="A page origin allowed to embed the widget (adds to web.allowed_origins).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, index_dir: Path | None, origins: tuple[str, ...]) -> None:
    """Serve the bot over HTTP until Ctrl-C or SIGTERM (answers in progress finish first).

    POST /v1/chat/completions (OpenAI-compatible, streaming or not), /widget.js for a help center
    page, GET /healthz and /readyz, and the API description at /openapi.json. Callers need an API
    key from WEBCHAT_API_KEYS (name=key,...), or a conversation token the server issued
    (POST /v1/sessions, what the widget does). Set WEBCHAT_SESSION_SECRET so tokens outlive a restart.

    \b
    Examples:
      supportbot serve --port 8080 --allow-origin https://help.example.com
      # on the help center page: <script src="https://bot.example.com/widget.js" data-title="Help"></script>
      WEBCHAT_API_KEYS=backend=$(openssl rand -hex 24) supportbot serve
      curl -N localhost:8080/v1/chat/completions -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \\
        -d '{"model": "supportbot", "stream": true, "user": "c42",
             "messages": [{"role": "user", "content": "How long do refunds take?"}]}'
    """
    from supportbot.app import create_dialogue_manager
    from supportbot.channels.web.app import create_app
    from supportbot.channels.web.handoff import SlackHandoff
    from supportbot.channels.web.server import WebServer
    from supportbot.channels.web.sessions import ApiKeys, ConversationTokens
    from supportbot.store.retention import RetentionJanitor

    config = get_config(ctx)
    if index_dir is not None:
        config.paths.index_dir = str(index_dir)
    config.web.allowed_origins = [*config.web.allowed_origins, *origins]
    # secrets first: a bad one is a one-line error before anything loads
    keys = ApiKeys.from_env(os.environ)
    tokens = ConversationTokens.from_env(os.environ, config.web.session_ttl_hours * 3600)
    handoff = SlackHandoff.from_config(config.slack, os.environ)
    manager = create_dialogue_manager(config, build_missing=index_dir is None)  # opens (or first builds) the default index; the model loads once serving
    RetentionJanitor(manager.store, config.privacy.retention_days).start()  # privacy.retention_days, hourly
    server = WebServer(create_app(manager, config.web, tokens, keys, handoff=handoff), config.web, host, port)
    click.echo(f"supportbot serving {server.url} (widget: {server.url}/widget.js; Ctrl-C stops)", err=True)
    # uvicorn stops gracefully on SIGTERM / Ctrl-C, then re-raises the signal: exit 0 for a stop that was asked for
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
