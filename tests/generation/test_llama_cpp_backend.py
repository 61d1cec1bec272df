"""The `llama_cpp` backend on the bundled GGUF: template, tokenizer, streaming, prompt-prefix reuse, bad input."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest

from supportbot.errors import BackendError, ConfigError, ModelLoadError
from supportbot.generation.base import GenerationSettings
from supportbot.generation.gguf_header import gguf_metadata
from supportbot.generation.llama_cpp_backend import LlamaCppGenerator

QUESTION = [
    {"role": "system", "content": "You are a support assistant for Larkspur Goods. Refunds take 5 business days."},
    {"role": "user", "content": "How long do refunds take?"},
]
GREEDY = GenerationSettings(max_new_tokens=16)


def write_gguf(path: Path, architecture: str) -> Path:
    """A tiny, well-formed GGUF of an architecture llama.cpp does not know."""
    import numpy as np
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), architecture)
    writer.add_context_length(128)
    writer.add_tensor("token_embd.weight", np.zeros((8, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def first_eval_sizes(generator: LlamaCppGenerator, messages, settings=GREEDY) -> tuple[list[int], str]:
    """Stream an answer while recording how many tokens each llama.cpp `eval` call processed."""
    llama = generator.llama
    sizes: list[int] = []
    original = llama.eval

    def spy(tokens):
        sizes.append(len(tokens))
        return original(tokens)

    llama.eval = spy
    try:
        text = "".join(generator.stream(messages, settings))
    finally:
        del llama.eval
    return sizes, text


class TestLlamaCppBadInput:
    def test_missing_gguf_names_the_path(self, tmp_path):
        with pytest.raises(ModelLoadError, match="does not exist"):
            LlamaCppGenerator(str(tmp_path / "nope.gguf")).warm_up()

    def test_file_that_is_not_gguf_is_refused(self, tmp_path):
        fake = tmp_path / "model.gguf"
        fake.write_bytes(b"PK\x03\x04 definitely a zip")
        with pytest.raises(ModelLoadError, match="not a GGUF file"):
            LlamaCppGenerator(str(fake)).warm_up()

    def test_model_folder_is_refused_with_the_fix(self, tmp_path):
        with pytest.raises(ModelLoadError, match=r"needs a \.gguf file.*backend \"transformers\""):
            LlamaCppGenerator(str(tmp_path)).warm_up()

    def test_unknown_requantize_type_is_a_config_error(self):
        with pytest.raises(ConfigError, match="llama_cpp_requantize: 'q2_k'"):
            LlamaCppGenerator("bundled:smollm2-135m-instruct", requantize="q2_k")

    def test_missing_llama_cpp_package_names_the_install_command(self, monkeypatch):
        monkeypatch.setitem(sys.modules, "llama_cpp", None)  # what `import llama_cpp` sees when it is not installed
        with pytest.raises(BackendError, match=r"pip install 'supportbot\[llama\]'"):
            LlamaCppGenerator("bundled:smollm2-135m-instruct").warm_up()

    def test_unknown_architecture_fails_clearly_by_default(self, tmp_path):
        pytest.importorskip("llama_cpp")
        gguf = write_gguf(tmp_path / "odd.gguf", "notarealarch")
        with pytest.raises(ModelLoadError, match=r"architecture 'notarealarch'.*llama_cpp_fallback = \"transformers\""):
            LlamaCppGenerator(str(gguf)).warm_up()

    @pytest.mark.slow
    def test_unknown_architecture_falls_back_with_a_warning_when_configured(self, tmp_path, caplog, chat_generator):
        pytest.importorskip("llama_cpp")
        gguf = write_gguf(tmp_path / "odd.gguf", "notarealarch")
        generator = LlamaCppGenerator(str(gguf), fallback=lambda: chat_generator)
        with caplog.at_level(logging.WARNING):
            text = "".join(generator.stream(QUESTION, GenerationSettings(max_new_tokens=4)))
        assert "falling back to transformers" in caplog.text
        assert generator.count_tokens(QUESTION) == chat_generator.count_tokens(QUESTION)
        assert text.strip()


@pytest.mark.slow
class TestLlamaCppGenerator:
    def test_counts_tokens_like_the_transformers_chat_template(self, llama_cpp_generator, chat_generator):
        assert llama_cpp_generator.count_tokens(QUESTION) == chat_generator.count_tokens(QUESTION)

    def test_truncate_keeps_the_first_tokens(self, llama_cpp_generator):
        text = "Orders ship from our warehouse within two business days of payment."
        cut = llama_cpp_generator.truncate(text, 4)
        assert text.startswith(cut) and 0 < len(cut) < len(text)
        assert llama_cpp_generator.truncate(text, 500) == text

    def test_streams_the_same_answer_as_llama_cpp_chat_completion(self, llama_cpp_generator):
        pieces = list(llama_cpp_generator.stream(QUESTION, GREEDY))
        reference = llama_cpp_generator.llama.create_chat_completion(
            QUESTION, max_tokens=16, temperature=0.0, repeat_penalty=GREEDY.repetition_penalty
        )
        assert len(pieces) > 1
        assert "".join(pieces) == reference["choices"][0]["message"]["content"]

    def test_stop_event_ends_the_answer(self, llama_cpp_generator):
        stop = threading.Event()
        received = []
        for piece in llama_cpp_generator.stream(QUESTION, GenerationSettings(max_new_tokens=64), stop):
            received.append(piece)
            stop.set()
        assert len(received) == 1

    def test_follow_up_evaluates_only_the_new_tail_of_the_prompt(self, llama_cpp_generator):
        _, answer = first_eval_sizes(llama_cpp_generator, QUESTION)
        follow_up = [*QUESTION, {"role": "assistant", "content": answer}, {"role": "user", "content": "And for gift cards?"}]
        sizes, _ = first_eval_sizes(llama_cpp_generator, follow_up)
        assert sizes[0] < 20 < llama_cpp_generator.count_tokens(follow_up)

    def test_interleaved_conversations_resume_from_the_prompt_cache(self, llama_cpp_generator):
        other = [{"role": "system", "content": "You sell garden tools."}, {"role": "user", "content": "Do you ship to Canada?"}]
        _, answer = first_eval_sizes(llama_cpp_generator, QUESTION)
        first_eval_sizes(llama_cpp_generator, other)  # another conversation overwrites the live KV cache
        follow_up = [*QUESTION, {"role": "assistant", "content": answer}, {"role": "user", "content": "And for gift cards?"}]
        sizes, _ = first_eval_sizes(llama_cpp_generator, follow_up)
        assert sizes[0] < 20

    def test_without_prompt_cache_an_interleaved_follow_up_is_evaluated_again(self):
        generator = LlamaCppGenerator("bundled:smollm2-135m-instruct", context_window=1024, threads=1, prompt_cache_mb=0)
        other = [{"role": "system", "content": "You sell garden tools."}, {"role": "user", "content": "Do you ship to Canada?"}]
        _, answer = first_eval_sizes(generator, QUESTION)
        first_eval_sizes(generator, other)
        follow_up = [*QUESTION, {"role": "assistant", "content": answer}, {"role": "user", "content": "And for gift cards?"}]
        sizes, _ = first_eval_sizes(generator, follow_up)
        assert sizes[0] > 20

    def test_prompt_longer_than_the_window_is_an_error_not_a_crash(self):
        generator = LlamaCppGenerator("bundled:smollm2-135m-instruct", context_window=64, threads=1)
        long = [{"role": "user", "content": "refund " * 200}]
        with pytest.raises(BackendError, match="context window 64"):
            list(generator.stream(long, GREEDY))

    def test_requantized_copy_is_written_once_and_answers(self, tmp_path):
        pytest.importorskip("llama_cpp")
        generator = LlamaCppGenerator("bundled:smollm2-135m-instruct", context_window=512, threads=1, cache_dir=tmp_path, requantize="q8_0")
        assert "".join(generator.stream(QUESTION, GREEDY)).strip()
        (copy,) = (tmp_path / "gguf-requantized").glob("*.q8_0.gguf")
        assert gguf_metadata(copy)["general.file_type"] == 7  # LLAMA_FTYPE_MOSTLY_Q8_0

    def test_auto_requantizes_the_small_4_bit_default_and_keeps_an_8_bit_file(self, tmp_path):
        pytest.importorskip("llama_cpp")
        generator = LlamaCppGenerator("bundled:smollm2-135m-instruct", context_window=512, threads=1, cache_dir=tmp_path, requantize="auto")
        generator.warm_up()
        served = Path(generator.llama.model_path)
        assert served.parent == tmp_path / "gguf-requantized" and gguf_metadata(served)["general.file_type"] == 7

        again = LlamaCppGenerator(str(served), context_window=512, threads=1, cache_dir=tmp_path / "other", requantize="auto")
        again.warm_up()
        assert Path(again.llama.model_path) == served and not (tmp_path / "other").exists()
