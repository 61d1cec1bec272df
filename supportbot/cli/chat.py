"""`supportbot chat`: talk to the bot in the terminal, or ask one question and exit."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from supportbot.cli import get_config
from supportbot.errors import SupportbotError

log = logging.getLogger("supportbot")

# The bundled help centers of the same fictional store, by language.
SAMPLES = {"en": "bundled:sample-docs", "zh": "bundled:sample-docs-zh"}


@click.command("chat")
@click.option("-m", "--message", help="Answer this one message and exit.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="With --message: print {answer, sources, conversation_id, kind} as JSON; kind is how the answer was made: grounded, "
    "extractive, generated, approved, fallback (nothing relevant found), conversation (the bot's own words) or handoff.",
)
@click.option("--conversation", "conversation_id", help="Continue a stored conversation by its id.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder (default: paths.index_dir).")
@click.option("--adapter", type=click.Path(file_okay=False, path_type=Path), help="Fine-tuned adapter folder (default: model.adapter).")
@click.option(
    "--sample",
    type=click.Choice(sorted(SAMPLES)),
    help="Chat with a bundled sample help center: 'en' or 'zh' (Chinese), indexed into <data_dir>/index-sample-<name>.",
)
@click.pass_context
def chat(
    ctx: click.Context,
    message: str | None,
    as_json: bool,
    conversation_id: str | None,
    index_dir: Path | None,
    adapter: Path | None = None,
    sample: str | None = None,
) -> None:
    """Chat with the bot. With no index yet, it first indexes paths.docs (the sample docs by default).

    In the REPL: /sources lists the last answer's sources, /reset starts a new conversation,
    /quit (or Ctrl-D) leaves, Ctrl-C stops an answer.

    \b
    Examples:
      supportbot chat
      supportbot chat --message "How long do refunds take?" --json
      supportbot chat --conversation 3f2a... --message "And for gift cards?"
      supportbot chat --sample zh --message "退款要多久？"
    """
    from supportbot.app import create_dialogue_manager
    from supportbot.channels.console import ConsoleChannel, new_conversation_id

    config = get_config(ctx)
    if sample is not None:
        config.paths.docs = [SAMPLES[sample]]
        config.paths.index_dir = str(config.paths.data_path() / f"index-sample-{sample}")
        config.bot.language = sample  # a message with no clear language gets the help center's language
    if index_dir is not None:
        config.paths.index_dir = str(index_dir)
    if adapter is not None:
        config.model.adapter = str(adapter)
    if as_json and message is None:
        raise click.UsageError("--json needs --message")
    manager = create_dialogue_manager(config, show_progress=not as_json, build_missing=index_dir is None)
    manager.warm_up()
    if message is None:
        if config.metrics.port:
            port = manager.metrics.serve(config.metrics.host, config.metrics.port)
            click.echo(f"metrics on http://{config.metrics.host}:{port}/metrics", err=True)
        history_file = config.paths.data_path() / "console_history"
        ConsoleChannel(manager, conversation_id, history_file).run()
        return
    conversation_id = conversation_id or new_conversation_id()
    failure = _AnswerFailure()
    logging.getLogger("supportbot.bot.reply").addFilter(failure)
    try:
        _answer_once(manager, conversation_id, message, as_json)
    finally:
        logging.getLogger("supportbot.bot.reply").removeFilter(failure)
    if failure.error is not None:
        failure.raise_it()


class _AnswerFailure(logging.Filter):
    """Holds back the traceback of a failed one-shot answer, so `chat --message` can say it in one line and fail."""

    def __init__(self) -> None:
        super().__init__()
        self.error: BaseException | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            self.error = record.exc_info[1]
            return False
        return True

    def raise_it(self) -> None:
        if isinstance(self.error, SupportbotError):  # a one-line message that says what to fix
            raise self.error
        log.debug("answering failed", exc_info=self.error)  # the traceback with -v
        raise SupportbotError(f"answering failed ({type(self.error).__name__}: {self.error}); run with -v for details")


def _answer_once(manager, conversation_id: str, message: str, as_json: bool) -> None:
    """Print the answer to `message`: as JSON, or streamed with its sources; nothing of a failed answer."""
    from supportbot.bot.reply import AnswerKind
    from supportbot.channels.console import ConsoleChannel, format_sources, shown

    reply = manager.reply(ConsoleChannel.name, conversation_id, message)
    if as_json:
        answer = reply.text()
        if reply.kind == AnswerKind.ERROR:
            return
        payload = {
            "answer": answer,
            "sources": [source.to_dict() for source in reply.cited_sources()],
            "conversation_id": conversation_id,
            "kind": reply.kind,
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    for piece in reply:
        if reply.kind == AnswerKind.ERROR:
            return
        click.echo(shown(piece), nl=False)
    click.echo()
    if reply.cited_sources():
        click.echo(format_sources(reply.cited_sources()))
