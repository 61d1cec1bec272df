"""A PEFT LoRA adapter served by the llama_cpp backend after conversion to a GGUF LoRA."""

from __future__ import annotations

import json

import pytest

from supportbot.errors import ModelLoadError
from supportbot.generation.base import GenerationSettings
from supportbot.generation.gguf_header import gguf_metadata
from supportbot.generation.llama_cpp_backend import LlamaCppGenerator
from supportbot.generation.lora_gguf import convert_peft_lora
from supportbot.generation.transformers_backend import chat_prompt_ids
from supportbot.model_sources import bundled_path

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
SETTINGS = GenerationSettings(max_new_tokens=6, repetition_penalty=1.0)


@pytest.fixture(scope="module")
def peft_adapter(tmp_path_factory, chat_generator):
    """A random (non-zero) LoRA on every linear layer of a fresh copy of the bundled model, and that model."""
    import torch

    pytest.importorskip("peft")
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(chat_generator.model.name_or_path, dtype=torch.float32)
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    model = get_peft_model(base, LoraConfig(r=8, lora_alpha=16, target_modules=targets, init_lora_weights=False))
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.mul_(0.5)  # a clear change to the answer that keeps the model's logits well separated
    folder = tmp_path_factory.mktemp("adapter")
    model.save_pretrained(folder)
    info = {"base_model": "bundled:smollm2-135m-instruct", "chat_template": chat_generator.tokenizer.chat_template}
    (folder / "supportbot_adapter.json").write_text(json.dumps(info))  # what `supportbot finetune train` records
    return folder, model.eval()


def test_a_folder_that_is_not_an_adapter_is_refused(tmp_path):
    metadata = gguf_metadata(bundled_path("smollm2-135m-instruct"))
    with pytest.raises(ModelLoadError, match="not a PEFT LoRA adapter"):
        convert_peft_lora(tmp_path, metadata, tmp_path / "out.gguf")


@pytest.mark.slow
def test_converted_adapter_changes_llama_cpp_output_like_peft_does(peft_adapter, chat_generator, llama_cpp_generator, tmp_path):
    import torch

    pytest.importorskip("llama_cpp")
    folder, peft_model = peft_adapter
    ids = torch.tensor([chat_prompt_ids(chat_generator.tokenizer, MESSAGES)])
    with torch.no_grad():
        out = peft_model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=6, do_sample=False)
    expected = chat_generator.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)

    adapted = LlamaCppGenerator("bundled:smollm2-135m-instruct", context_window=512, threads=1, adapter=str(folder), cache_dir=tmp_path)
    answer = "".join(adapted.stream(MESSAGES, SETTINGS))
    plain = "".join(llama_cpp_generator.stream(MESSAGES, SETTINGS))
    assert answer != plain
    assert answer.split()[:2] == expected.split()[:2]
    assert len(list((tmp_path / "lora-gguf").glob("*.gguf"))) == 1  # converted once, cached


@pytest.mark.slow
def test_adapter_for_another_base_model_is_refused(peft_adapter, tmp_path):
    pytest.importorskip("llama_cpp")
    from supportbot.errors import FinetuneError

    folder, _ = peft_adapter
    other = tmp_path / "other.gguf"
    other.symlink_to(bundled_path("smollm2-135m-instruct"))
    with pytest.raises(FinetuneError, match="trained on base model 'bundled:smollm2-135m-instruct'"):
        LlamaCppGenerator(str(other), adapter=str(folder), cache_dir=tmp_path).warm_up()
