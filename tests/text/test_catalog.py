"""The message catalog: shipped English and Chinese, a team's own language files, config text kept."""

from __future__ import annotations

import pytest

from supportbot.config import BotConfig, SlackConfig
from supportbot.errors import ConfigError
from supportbot.text.catalog import SHIPPED_DIR, MessageCatalog, read_catalog_file


def test_every_shipped_language_has_only_keys_english_has_and_chinese_has_them_all():
    english = read_catalog_file(SHIPPED_DIR / "en.toml")
    assert set(read_catalog_file(SHIPPED_DIR / "zh.toml")) == set(english)


def test_config_defaults_are_the_english_messages_so_the_catalog_speaks_for_them():
    catalog = MessageCatalog()
    assert catalog.message("bot.fallback", "en") == BotConfig().fallback_message
    assert catalog.message("bot.error", "en") == BotConfig().error_message
    assert catalog.message("slack.busy", "en") == SlackConfig().busy_message
    assert catalog.message("slack.handoff", "en") == SlackConfig().handoff_message
    assert catalog.message("slack.busy", "zh", SlackConfig().busy_message) == "我正在回答其他问题，请一分钟后再问。"


def test_traditional_chinese_falls_back_to_simplified_and_unknown_languages_to_english():
    catalog = MessageCatalog()
    assert catalog.message("widget.send", "zh-Hant") == "发送"
    assert catalog.message("widget.send", "sw") == "Send"


def test_a_team_adds_a_language_and_replaces_one_shipped_message_with_files(tmp_path):
    (tmp_path / "es.toml").write_text('[bot]\nfallback = "Lo siento, no tengo una respuesta."\n', encoding="utf-8")
    (tmp_path / "zh.toml").write_text('[widget]\nsend = "提交"\n', encoding="utf-8")
    catalog = MessageCatalog(tmp_path)
    assert catalog.message("bot.fallback", "es") == "Lo siento, no tengo una respuesta."
    assert catalog.message("bot.error", "es") == BotConfig().error_message  # not translated: English
    assert catalog.section("widget", "zh")["send"] == "提交" and catalog.section("widget", "zh")["stop"] == "停止"
    assert catalog.languages == ["en", "es", "zh"]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ('[bot]\nfalback = "typo"\n', r"es\.toml: unknown message 'bot\.falback' \(known: .*bot\.fallback"),
        ("[bot\n", r"es\.toml: not valid TOML"),
        ('fallback = "no table"\n', r"es\.toml: \[fallback\] must be a table"),
    ],
)
def test_bad_team_file_is_a_one_line_error_naming_it(tmp_path, content, error):
    (tmp_path / "es.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        MessageCatalog(tmp_path)


def test_team_file_not_in_utf8_and_missing_folder_say_what_to_fix(tmp_path):
    (tmp_path / "zh.toml").write_bytes('[bot]\nfallback = "抱歉"\n'.encode("gb18030"))
    with pytest.raises(ConfigError, match=r"zh\.toml: not UTF-8 text; re-save"):
        MessageCatalog(tmp_path)
    with pytest.raises(ConfigError, match=r"bot\.catalog_dir: .*missing is not a folder"):
        MessageCatalog(tmp_path / "missing")


def test_config_default_stays_the_catalogs_when_a_team_rewords_the_english_message(tmp_path):
    (tmp_path / "en.toml").write_text('[bot]\nfallback = "No answer here, sorry."\n', encoding="utf-8")
    catalog = MessageCatalog(tmp_path)
    assert catalog.message("bot.fallback", "en", BotConfig().fallback_message) == "No answer here, sorry."
    assert catalog.message("bot.fallback", "zh", BotConfig().fallback_message).startswith("抱歉")
