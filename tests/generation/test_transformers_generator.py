"""The transformers backend on the bundled SmolLM2, and how it reports models it cannot load."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from supportbot.errors import ModelLoadError
from supportbot.generation.base import GenerationSettings
from supportbot.generation.transformers_backend import TransformersGenerator
from supportbot.model_sources import gguf_cache_key, resolve_reference, transformers_model_dir

QUESTION = [{"role": "system", "content": "You are a support assistant."}, {"role": "user", "content": "How do I reset my password?"}]


@pytest.mark.slow
class TestTransformersGenerator:
    def test_streams_an_answer_in_several_pieces(self, chat_generator):
        pieces = list(chat_generator.stream(QUESTION, GenerationSettings(max_new_tokens=12)))
        assert len(pieces) > 1 and "".join(pieces).strip()

    def test_greedy_decoding_is_reproducible(self, chat_generator):
        settings = GenerationSettings(max_new_tokens=8)
        assert "".join(chat_generator.stream(QUESTION, settings)) == "".join(chat_generator.stream(QUESTION, settings))

    def test_stop_event_ends_generation_early(self, chat_generator):
        stop = threading.Event()
        pieces = []
        for piece in chat_generator.stream(QUESTION, GenerationSettings(max_new_tokens=200), stop):
            pieces.append(piece)
            if len(pieces) == 3:
                stop.set()
        assert 3 <= len(pieces) <= 5

    def test_token_count_uses_the_chat_template(self, chat_generator):
        bare = len(chat_generator.tokenizer("How do I reset my password?", add_special_tokens=False)["input_ids"])
        assert chat_generator.count_tokens(QUESTION[1:]) > bare  # role markers and the generation prompt count too
        assert chat_generator.context_window == 8192

    def test_truncate_cuts_by_tokens(self, chat_generator):
        text = "refund " * 400
        cut = chat_generator.truncate(text, 50)
        assert len(chat_generator.tokenizer(cut, add_special_tokens=False)["input_ids"]) == 50
        assert chat_generator.truncate("short question", 50) == "short question"

    def test_loads_a_local_model_folder(self, chat_generator):
        folder = transformers_model_dir("bundled:smollm2-135m-instruct", chat_generator.cache_dir)
        local = TransformersGenerator(folder, cache_dir=chat_generator.cache_dir)
        settings = GenerationSettings(max_new_tokens=6)
        assert "".join(local.stream(QUESTION, settings)) == "".join(chat_generator.stream(QUESTION, settings))


class TestModelErrors:
    def test_missing_local_path_names_the_setting(self, tmp_path: Path):
        generator = TransformersGenerator(str(tmp_path / "no-model"), cache_dir=tmp_path)
        with pytest.raises(ModelLoadError, match="does not exist: fix the model setting"):
            generator.warm_up()

    def test_hub_id_not_available_offline_is_a_clear_error(self, tmp_path: Path):
        generator = TransformersGenerator("nobody/no-such-model-anywhere", cache_dir=tmp_path)
        with pytest.raises(ModelLoadError, match="cannot load chat model 'nobody/no-such-model-anywhere'"):
            generator.warm_up()

    def test_file_that_is_not_gguf_is_refused(self, tmp_path: Path):
        fake = tmp_path / "model.gguf"
        fake.write_bytes(b"PK\x03\x04 not a gguf")
        with pytest.raises(ModelLoadError, match="is not a GGUF file"):
            TransformersGenerator(str(fake), cache_dir=tmp_path).warm_up()


class TestConversionCache:
    """A GGUF is converted once per content: a reinstall (new path, new time) must not add another ~0.5 GB copy."""

    def test_a_copy_of_the_model_elsewhere_reuses_the_conversion(self, chat_generator, tmp_path: Path):
        installed = Path(resolve_reference("bundled:smollm2-135m-instruct"))
        converted = transformers_model_dir(str(installed), chat_generator.cache_dir)
        reinstalled = tmp_path / "venv2" / installed.name
        reinstalled.parent.mkdir()
        shutil.copyfile(installed, reinstalled)  # a new path and a new modification time
        before = sorted((chat_generator.cache_dir / "gguf").iterdir())
        assert transformers_model_dir(str(reinstalled), chat_generator.cache_dir) == converted
        assert sorted((chat_generator.cache_dir / "gguf").iterdir()) == before

    def test_a_file_changed_in_place_gets_its_own_conversion(self, tmp_path: Path):
        model = tmp_path / "model.gguf"
        model.write_bytes(b"GGUF" + b"a" * 1000)
        first = gguf_cache_key(model, tmp_path)
        assert gguf_cache_key(model, tmp_path) == first
        model.write_bytes(b"GGUF" + b"b" * 1000)
        os.utime(model, ns=(model.stat().st_atime_ns, model.stat().st_mtime_ns + 10**9))
        assert gguf_cache_key(model, tmp_path) != first
        assert gguf_cache_key(model, tmp_path).startswith("model-")
