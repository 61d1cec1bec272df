"""The bot's own messages (fallback, busy, handoff, errors, Slack's and the widget's labels) per language.

A catalog is a folder of TOML files named by language code (en.toml, zh.toml, zh-Hant.toml), each a
table per part of the bot ([bot], [slack], [widget]) of `key = "text"`. English and Simplified
Chinese ship in supportbot/text/messages; `bot.catalog_dir` names a team's folder, whose files add
languages or replace single shipped messages. A message is looked up in the message's language,
then its base language (zh-Hant -> zh), then English, which has every key.

Text a team wrote in its config (bot.fallback_message and the like) is the team's own words and
is said as written in every language: it may hold things no catalog knows (a phone number, a
policy). Left empty, or equal to the shipped English text (what `supportbot config defaults`
wrote before the catalog existed), the catalog speaks instead.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from supportbot.errors import ConfigError
from supportbot.text.language import base_language

SHIPPED_DIR = Path(__file__).resolve().parent / "messages"
ENGLISH = "en"


def read_catalog_file(path: Path) -> dict[str, str]:
    """One language file as {"section.key": text}; a bad file is a one-line error naming it."""
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; re-save the message catalog file as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    messages = {}
    for section, table in data.items():
        if not isinstance(table, dict) or not all(isinstance(text, str) for text in table.values()):
            raise ConfigError(f'{path}: [{section}] must be a table of key = "text" lines')
        messages.update({f"{section}.{key}": text for key, text in table.items()})
    return messages


def _read_folder(folder: Path) -> dict[str, dict[str, str]]:
    return {path.stem: read_catalog_file(path) for path in sorted(folder.glob("*.toml"))}


class MessageCatalog:
    """Messages by language: the shipped files, then a team's folder on top (see the module docstring)."""

    def __init__(self, team_dir: str | Path = "") -> None:
        self.by_language = _read_folder(SHIPPED_DIR)
        self.shipped_english = dict(self.by_language[ENGLISH])  # what config defaults hold, see message()
        known = set(self.shipped_english)
        if team_dir:
            folder = Path(team_dir).expanduser()
            if not folder.is_dir():
                raise ConfigError(f"bot.catalog_dir: {folder} is not a folder (it should hold files like es.toml)")
            for language, messages in _read_folder(folder).items():
                unknown = sorted(set(messages) - known)
                if unknown:
                    raise ConfigError(
                        f"{folder / (language + '.toml')}: unknown message {unknown[0]!r} (known: {', '.join(sorted(known))})"
                    )
                self.by_language[language] = {**self.by_language.get(language, {}), **messages}

    @property
    def languages(self) -> list[str]:
        return sorted(self.by_language)

    def _chain(self, language: str) -> list[str]:
        return list(dict.fromkeys(code for code in (language, base_language(language), ENGLISH) if code in self.by_language))

    def message(self, key: str, language: str, configured: str = "") -> str:
        """The message `key` ("bot.fallback") in `language`; `configured` is the team's config text for it, if any."""
        shipped = self.shipped_english[key]  # KeyError: a key the code uses and en.toml lacks is a bug
        if configured and configured != shipped:
            return configured
        return next(self.by_language[code][key] for code in self._chain(language) if key in self.by_language[code])

    def section(self, section: str, language: str) -> Mapping[str, str]:
        """Every message of one part (e.g. "widget") in `language`, for a client that shows them itself."""
        prefix = section + "."
        keys = [key for key in self.by_language[ENGLISH] if key.startswith(prefix)]
        return {key[len(prefix) :]: self.message(key, language) for key in keys}
