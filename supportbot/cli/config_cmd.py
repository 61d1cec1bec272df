"""`supportbot config`: print the default or the effective configuration."""

from __future__ import annotations

import copy

import click

from supportbot.config import Config, render_toml


@click.group("config")
def config_group() -> None:
    """Show configuration."""


@config_group.command("defaults")
def defaults() -> None:
    """Print every setting with its default and help, as config.toml holds them.

    \b
    Example:
      supportbot config defaults > config.toml
    """
    click.echo(render_toml(Config()), nl=False)


@config_group.command("show")
@click.pass_context
def show(ctx: click.Context) -> None:
    """Print the configuration in effect after the config file and SUPPORTBOT_* variables (passwords masked)."""
    from supportbot.cli import get_config
    from supportbot.store.engines import display_url

    shown = copy.deepcopy(get_config(ctx))
    shown.store.url = display_url(shown.store.url)
    click.echo(render_toml(shown), nl=False)
