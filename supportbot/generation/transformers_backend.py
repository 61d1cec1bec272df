"""Generation with Hugging Face transformers: any causal LM with a chat template, on CPU or GPU."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from supportbot.adapters import attach_adapter, check_base_model
from supportbot.errors import ModelLoadError
from supportbot.generation.base import CHATML_TEMPLATE, ChatMessage, GenerationSettings
from supportbot.generation.quantization import load_nf4_model, use_4bit
from supportbot.model_sources import transformers_model_dir

log = logging.getLogger(__name__)

FALLBACK_CHAT_TEMPLATE = CHATML_TEMPLATE  # used, with a warning, for models that ship no chat template
DEFAULT_CONTEXT_WINDOW = 2048


def chat_prompt_ids(tokenizer, messages: Sequence[ChatMessage]) -> list[int]:
    """The chat-templated prompt, ready for generation, as a Hugging Face tokenizer's ids."""
    encoded = tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True, return_dict=True)
    return list(encoded["input_ids"])


def truncate_tokens(tokenizer, text: str, max_tokens: int) -> str:
    """`text` cut to its first `max_tokens` tokens of a Hugging Face tokenizer (unchanged when it fits)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return text if len(ids) <= max_tokens else tokenizer.decode(ids[:max_tokens])


def pick_device(requested: str) -> str:
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


def load_chat_model(model_reference: str, cache_dir: Path, device: str = "auto", adapter: str | Path = "", quantize: str = "off"):
    """(tokenizer, model in eval mode, device) for serving or evaluation: bf16 on CUDA, fp32 on CPU.

    `quantize` is model.quantize: "on" loads every linear layer in 4-bit NF4 through bitsandbytes,
    "off" never, "auto" when `adapter` was trained on a 4-bit base (QLoRA). With `adapter`, its base model is checked
    before anything loads, its LoRA weights go on top (a peft model), and the tokenizer renders with
    the chat template the adapter was trained with. Without one, a model that ships no chat
    template gets the ChatML fallback.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    trained_on_4bit = False
    if adapter:
        info = check_base_model(Path(adapter), model_reference)  # a mismatch fails fast
        adapter_template, trained_on_4bit = info.chat_template, bool(info.base_quantization)
    location = transformers_model_dir(model_reference, cache_dir)
    resolved_device = pick_device(device)
    device_type = "cuda" if resolved_device.startswith("cuda") else "cpu"
    dtype = torch.bfloat16 if device_type == "cuda" else torch.float32
    if quantize == "auto" and not trained_on_4bit:
        quantize = "off"  # "auto" serves the way the adapter was trained: in 4-bit under a QLoRA adapter only
    four_bit = use_4bit(quantize, "model.quantize", device_type)
    try:
        tokenizer = AutoTokenizer.from_pretrained(location)
        if four_bit:
            model = load_nf4_model(location, cache_dir, resolved_device)
        else:
            model = AutoModelForCausalLM.from_pretrained(location, dtype=dtype).to(resolved_device)
    except (OSError, ValueError) as error:
        raise ModelLoadError(
            f"cannot load chat model '{model_reference}' ({error.__class__.__name__}: {str(error).splitlines()[0]}): "
            "set model.name to a local model folder, a .gguf file, or bundled:smollm2-135m-instruct"
        ) from error
    if adapter:
        model, tokenizer.chat_template = attach_adapter(model, Path(adapter)), adapter_template
    elif not tokenizer.chat_template:
        log.warning("%s has no chat template; using the ChatML fallback template", model_reference)
        tokenizer.chat_template = FALLBACK_CHAT_TEMPLATE
    return tokenizer, model.eval(), resolved_device


class TransformersGenerator:
    """Runs a transformers causal LM in this process; the model loads on `warm_up()` or first use."""

    def __init__(
        self,
        model_reference: str,
        cache_dir: Path,
        device: str = "auto",
        context_window: int = 0,
        threads: int = 0,
        adapter: str = "",
        quantize: str = "off",
    ) -> None:
        self.model_reference = model_reference
        self.cache_dir = cache_dir
        self.requested_device = device
        self.requested_context_window = context_window
        self.threads = threads
        self.adapter = adapter
        self.quantize = quantize
        self._model = None
        self._tokenizer = None
        self._device = "cpu"

    def warm_up(self) -> None:
        if self._model is not None:
            return
        import torch

        if self.threads > 0:
            torch.set_num_threads(self.threads)
        self._tokenizer, self._model, self._device = load_chat_model(
            self.model_reference, self.cache_dir, self.requested_device, self.adapter, self.quantize
        )

    @property
    def tokenizer(self):
        self.warm_up()
        return self._tokenizer

    @property
    def model(self):
        self.warm_up()
        return self._model

    @property
    def context_window(self) -> int:
        if self.requested_context_window > 0:
            return self.requested_context_window
        return int(getattr(self.model.config, "max_position_embeddings", None) or DEFAULT_CONTEXT_WINDOW)

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return len(chat_prompt_ids(self.tokenizer, messages))

    def truncate(self, text: str, max_tokens: int) -> str:
        return truncate_tokens(self.tokenizer, text, max_tokens)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        settings: GenerationSettings,
        stop: threading.Event | None = None,
    ) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        stop = stop or threading.Event()

        class _StopWhenSet(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs) -> bool:
                return stop.is_set()

        input_ids = torch.tensor([chat_prompt_ids(self.tokenizer, messages)], device=self._device)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        sampling = {"do_sample": False}
        if settings.temperature > 0:
            sampling = {"do_sample": True, "temperature": settings.temperature, "top_p": settings.top_p}
        failure: list[BaseException] = []

        def generate() -> None:
            try:
                with torch.inference_mode():
                    self.model.generate(
                        input_ids=input_ids,
                        attention_mask=torch.ones_like(input_ids),
                        max_new_tokens=settings.max_new_tokens,
                        repetition_penalty=settings.repetition_penalty,
                        pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                        streamer=streamer,
                        stopping_criteria=StoppingCriteriaList([_StopWhenSet()]),
                        **sampling,
                    )
            except BaseException as error:  # re-raised in the caller's thread below
                failure.append(error)
                streamer.end()

        worker = threading.Thread(target=generate, name="supportbot-generate", daemon=True)
        worker.start()
        try:
            for text in streamer:
                if text:
                    yield text
        finally:
            stop.set()
            worker.join()
        if failure:
            raise failure[0]
