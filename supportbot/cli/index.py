"""`supportbot index`: build an index from document files and inspect it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from supportbot.cli import get_config
from supportbot.cli.signals import sigterm_interrupts


@click.group("index")
def index_group() -> None:
    """Build and inspect the document index."""


@index_group.command("build")
@click.argument("paths", nargs=-1, required=True)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder (default: paths.index_dir).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option(
    "--workers",
    type=click.IntRange(0),
    default=0,
    help="Processes that embed chunks side by side, each with its share of the cores (ONNX document encoder only). "
    "Default: one per core (up to 8) when 1,000 or more texts are embedded, else 1.",
)
@click.pass_context
def build(ctx: click.Context, paths: tuple[str, ...], index_dir: Path | None, quiet: bool, workers: int) -> None:
    """Index Markdown, text, HTML, PDF and FAQ JSONL files from PATHS (files or folders).

    Re-running re-embeds only files whose content changed. The previous index stays usable until
    the new one is complete. Ctrl-C or SIGTERM (`kill`, `docker stop`) stops the build and its
    workers at once, keeping the previous index and deleting what the build wrote. A second build
    of the same index waits for the first to finish, then builds on its result.

    \b
    Examples:
      supportbot index build help-center/ faq.jsonl
      supportbot index build bundled:sample-docs --index /tmp/sample-index
      supportbot index build help-center/ --workers 2
    """
    from supportbot.app import build_index
    from supportbot.retrieval.index_store import build_lock

    config = get_config(ctx)
    index_dir = index_dir or config.paths.index_path()
    # killed outright, it left its workers' semaphores to the resource tracker's warning; waiting, Ctrl-C stops it
    with sigterm_interrupts(), build_lock(index_dir, on_wait=lambda line: click.echo(line, err=True)):
        report = build_index(config, list(paths), index_dir, show_progress=not quiet, workers=workers)
    click.echo(report.summary())


@index_group.command("info")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder (default: paths.index_dir).")
@click.pass_context
def info(ctx: click.Context, index_dir: Path | None) -> None:
    """Print the live build and its manifest: embedding model, chunking, sources with hashes, counts.

    Running bots pick up a new build between questions; their /readyz (and the supportbot_index
    metric) name the build they answer from.

    \b
    Example:
      supportbot index info --index /tmp/sample-index
    """
    from supportbot.retrieval.index_store import live_build_id, read_manifest

    config = get_config(ctx)
    index_dir = index_dir or config.paths.index_path()
    manifest = read_manifest(index_dir)
    click.echo(json.dumps({"build": live_build_id(index_dir), **manifest.to_dict()}, indent=2))
