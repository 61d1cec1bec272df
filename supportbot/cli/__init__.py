"""The `supportbot` command: one group per user task, each in a module of its own."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from supportbot.config import Config, load_config
from supportbot.errors import SupportbotError
from supportbot.observability import configure_logging

log = logging.getLogger("supportbot")


class SupportbotGroup(click.Group):
    """Shows a SupportbotError as one `error:` line and its exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SupportbotError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)


def _quiet_libraries() -> None:
    """Keeps libraries' notices and loading bars out of the console.

    Through the environment where it can: importing transformers only to quiet it would cost every
    command about a second of its start, and most commands (an index build, a reply from the GGUF
    model) never load it. transformers reads these when it is first imported.
    """
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # what transformers' disable_progress_bar() sets
    # pypdf: its own warning for a broken PDF ("EOF marker not found") came unattributed before the bot's
    # "skipped <file>: not a readable PDF (...)", which names the file and says the same.
    for name in ("transformers", "sentence_transformers", "huggingface_hub", "faiss", "httpx", "bitsandbytes", "pypdf"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if "transformers" in sys.modules:  # already imported (the CLI called from Python): quiet it directly
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()


def get_config(ctx: click.Context) -> Config:
    """The config for this invocation, loaded once: defaults, then the file, then SUPPORTBOT_* variables."""
    return ctx.find_root().obj


@click.group(cls=SupportbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="Config file (default: $SUPPORTBOT_CONFIG, else ./config.toml).")
@click.option("-v", "--verbose", is_flag=True, help="Log more, with logger names.")
@click.version_option(package_name="supportbot")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None, verbose: bool) -> None:
    """supportbot: a support chat bot that answers from your company's documents.

    \b
    Examples:
      supportbot chat                         # index the sample docs if needed, then chat
      supportbot index build docs/ --index .supportbot/index
      supportbot chat --message "How do I return an item?" --json
    """
    ctx.obj = load_config(config_file)  # a bad file is reported by SupportbotGroup.invoke
    configure_logging(verbose, ctx.obj.log.format)
    _quiet_libraries()


def _register() -> None:
    from supportbot.cli.chat import chat
    from supportbot.cli.config_cmd import config_group
    from supportbot.cli.eval import eval_group
    from supportbot.cli.finetune import finetune_group
    from supportbot.cli.index import index_group
    from supportbot.cli.report import report_group
    from supportbot.cli.serve import serve
    from supportbot.cli.slack import slack
    from supportbot.cli.store import conversations_group, store_group

    main.add_command(chat)
    main.add_command(index_group)
    main.add_command(config_group)
    main.add_command(slack)
    main.add_command(finetune_group)
    main.add_command(eval_group)
    main.add_command(serve)
    main.add_command(store_group)
    main.add_command(conversations_group)
    main.add_command(report_group)


_register()
