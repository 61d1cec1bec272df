"""Configuration: one file of defaults, typed overrides from files and the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportbot.config import Config, load_config, render_toml
from supportbot.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


class TestConfigDefaults:
    def test_repo_config_toml_holds_every_default(self):
        assert (REPO_ROOT / "config.toml").read_text(encoding="utf-8") == render_toml(Config())

    def test_rendered_defaults_load_back_to_the_same_config(self, tmp_path: Path):
        path = tmp_path / "config.toml"
        path.write_text(render_toml(Config()), encoding="utf-8")
        assert load_config(path, environ={}) == Config()


class TestConfigOverrides:
    def test_file_overrides_default(self, tmp_path: Path):
        path = tmp_path / "c.toml"
        path.write_text('[retrieval]\ntop_k = 7\n[model]\nname = "my/model"\n', encoding="utf-8")
        config = load_config(path, environ={})
        assert config.retrieval.top_k == 7 and config.model.name == "my/model"

    def test_environment_overrides_file(self, tmp_path: Path):
        path = tmp_path / "c.toml"
        path.write_text("[retrieval]\ntop_k = 7\n", encoding="utf-8")
        config = load_config(path, environ={"SUPPORTBOT_RETRIEVAL_TOP_K": "9", "SUPPORTBOT_PATHS_DOCS": "a,b"})
        assert config.retrieval.top_k == 9
        assert config.paths.docs == ["a", "b"]

    def test_int_accepted_for_float_setting(self, tmp_path: Path):
        path = tmp_path / "c.toml"
        path.write_text("[retrieval]\nmin_score = 1\n", encoding="utf-8")
        assert load_config(path, environ={}).retrieval.min_score == 1.0


class TestConfigErrors:
    def test_unknown_key_is_named(self, tmp_path: Path):
        path = tmp_path / "c.toml"
        path.write_text("[retrieval]\ntopk = 7\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"unknown key 'retrieval.topk'"):
            load_config(path, environ={})

    def test_unknown_section_is_named(self, tmp_path: Path):
        path = tmp_path / "c.toml"
        path.write_text("[retrival]\ntop_k = 7\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"unknown section 'retrival'"):
            load_config(path, environ={})

    def test_wrong_type_names_key_and_value(self, tmp_path: Path):
        path = tmp_path / "c.toml"
        path.write_text('[retrieval]\ntop_k = "four"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match=r"retrieval.top_k: expected int, got str 'four'"):
            load_config(path, environ={})

    def test_setting_with_fixed_choices_is_checked_when_the_file_loads(self, tmp_path: Path):
        path = tmp_path / "c.toml"
        path.write_text('[retrieval]\nmode = "semantic"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match=r"retrieval.mode: 'semantic' is not one of 'hybrid', 'dense', 'bm25'"):
            load_config(path, environ={})

    def test_bad_environment_value_names_variable(self):
        with pytest.raises(ConfigError, match="SUPPORTBOT_RETRIEVAL_TOP_K: expected int"):
            load_config(None, environ={"SUPPORTBOT_RETRIEVAL_TOP_K": "many"})

    def test_unknown_environment_variable_is_an_error(self):
        with pytest.raises(ConfigError, match="SUPPORTBOT_RETRIEVAL_TOPK"):
            load_config(None, environ={"SUPPORTBOT_RETRIEVAL_TOPK": "3"})

    def test_missing_config_file_is_named(self, tmp_path: Path):
        with pytest.raises(ConfigError, match="does not exist"):
            load_config(tmp_path / "nope.toml", environ={})
