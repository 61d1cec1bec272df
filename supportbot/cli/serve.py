"""`supportbot serve`: the bot as an OpenAI-compatible HTTP endpoint for web chat widgets."""

from __future__ import annotations

from pathlib import Path

import click

from supportbot.cli import get_config


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 for all).")
@click.option("--port", default=8080, show_default=True, type=int, help="TCP port.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder (default: paths.index_dir).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, index_dir: Path | None) -> None:
    """Serve POST /v1/chat/completions (streaming or not) answered by the bot, until Ctrl-C.

    Only the last user message of a request is read; the bot keeps the history itself, keyed by the
    request's `user` field or an X-Conversation-Id header.

    \b
    Examples:
      supportbot serve --port 8080
      curl -N localhost:8080/v1/chat/completions -H 'Content-Type: application/json' \\
        -d '{"model": "supportbot", "stream": true, "user": "c42",
             "messages": [{"role": "user", "content": "How long do refunds take?"}]}'
    """
    from supportbot.app import create_dialogue_manager
    from supportbot.channels.openai_api import OpenAIChannel

    config = get_config(ctx)
    if index_dir is not None:
        config.paths.index_dir = str(index_dir)
    manager = create_dialogue_manager(config)
    manager.warm_up()
    channel = OpenAIChannel(manager, host, port)
    click.echo(f"supportbot serving http://{host}:{port}/v1/chat/completions (Ctrl-C stops)", err=True)
    try:
        channel.run()
    except KeyboardInterrupt:
        pass
