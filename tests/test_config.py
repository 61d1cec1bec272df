"""Configuration: one file of defaults, typed overrides from files and the environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "supportbot", *args], check=False, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


class TestConfigRanges:
    @pytest.mark.parametrize(
        ("toml", "message"),
        [
            ("[retrieval]\ntop_k = -3", "retrieval.top_k: must be >= 1, got -3"),
            ("[retrieval]\ntop_k = 0", "retrieval.top_k: must be >= 1, got 0"),
            ("[retrieval]\nmin_score = 5", "retrieval.min_score: must be >= -1 and <= 1, got 5.0"),
            ("[retrieval]\nmin_score = nan", "retrieval.min_score: must be a finite number, got nan"),
            ("[model]\ntemperature = inf", "model.temperature: must be a finite number, got inf"),
            ("[model]\nrepetition_penalty = -3", "model.repetition_penalty: must be > 0, got -3.0"),
            ("top_k = 5", "'top_k' is outside any section: put it under [retrieval]"),
            ("nonsense = 5", "'nonsense' is outside any section: put it under one of [model], [retrieval]"),
            ("[web]\nport = 99999", "web.port: must be >= 0 and <= 65535, got 99999"),
            ("[retrieval]\nchunk_tokens = 0", "retrieval.chunk_tokens: must be >= 1, got 0"),
            ("[retrieval]\nchunk_tokens = 30\nchunk_overlap_tokens = 30", "retrieval.chunk_overlap_tokens: must be less than retrieval.chunk_tokens (30), got 30"),
            ("[retrieval]\nbatch_size = 0", "retrieval.batch_size: must be >= 1, got 0"),
            ("[retrieval]\ndense_weight = 1.5", "retrieval.dense_weight: must be >= 0 and <= 1, got 1.5"),
            ('[retrieval]\nbm25_stemmer = "klingon"', "retrieval.bm25_stemmer: 'klingon' is not one of '', 'arabic'"),
            ("[finetune]\neval_split = 1", "finetune.eval_split: must be >= 0 and < 1, got 1.0"),
            ("[finetune]\ndecline_share = -0.1", "finetune.decline_share: must be >= 0 and < 1, got -0.1"),
            ('[bot]\nlanguage = "xx"', "bot.language: 'xx' is not an ISO 639-1 language code"),
        ],
    )
    def test_out_of_range_value_is_refused_when_the_file_loads(self, tmp_path: Path, toml: str, message: str):
        path = tmp_path / "c.toml"
        path.write_text(toml + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_config(path, environ={})

    def test_the_setup_scripts_switch_in_the_environment_is_not_taken_for_a_setting(self, isolated_data_dir: Path):
        result = run_cli("config", "show", env={"SUPPORTBOT_SKIP_LLAMA": "1"})  # the README tells users to set it
        assert result.returncode == 0, result.stderr
        assert "top_k" in result.stdout

    def test_config_show_refuses_an_out_of_range_variable_in_one_line(self, isolated_data_dir: Path):
        result = run_cli("config", "show", env={"SUPPORTBOT_RETRIEVAL_TOP_K": "-3"})
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.strip() == "error: SUPPORTBOT_RETRIEVAL_TOP_K: retrieval.top_k: must be >= 1, got -3"


class TestConfigFileProblems:
    def test_config_that_is_a_folder_is_a_one_line_error(self, tmp_path: Path, isolated_data_dir: Path):
        for args, env in ((["--config", str(tmp_path)], {}), ([], {"SUPPORTBOT_CONFIG": str(tmp_path)})):
            result = run_cli(*args, "config", "show", env=env)
            assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
            assert f"config file {tmp_path} is a folder" in result.stderr and "Traceback" not in result.stderr

    def test_config_that_is_not_utf8_is_a_one_line_error(self, tmp_path: Path, isolated_data_dir: Path):
        path = tmp_path / "c.toml"
        path.write_bytes('[bot]\nfallback_message = "Désolé"\n'.encode("latin-1"))
        result = run_cli("--config", str(path), "config", "show")
        assert result.returncode == 2 and result.stderr.strip() == f"error: config file {path} is not UTF-8 text: re-save it as UTF-8"

    def test_list_variable_that_is_broken_json_names_the_variable(self, isolated_data_dir: Path):
        result = run_cli("config", "show", env={"SUPPORTBOT_BOT_LANGUAGES": "[en"})
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("error: SUPPORTBOT_BOT_LANGUAGES: '[en' is not a JSON list") and 'write ["en", "zh"] or en,zh' in result.stderr
