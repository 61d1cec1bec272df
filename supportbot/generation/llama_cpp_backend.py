"""Generation with llama.cpp (llama-cpp-python): a GGUF model in this process, decoding ~5x faster than
transformers on a CPU for the bundled model.

Prompts are rendered with the GGUF's own chat template and measured with llama.cpp's tokenizer, so
the dialogue manager's token budget is exact. A follow-up turn repeats the previous prompt plus the
answer, so llama.cpp keeps the KV cache of the longest shared prefix and only evaluates the new
tail; states of other recent conversations are kept in `prompt_cache_mb` of memory, so interleaved
conversations (several Slack users) keep that benefit too.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from supportbot.cpu import available_cores
from supportbot.errors import BackendError, ConfigError, ModelLoadError
from supportbot.generation.base import ChatMessage, GenerationSettings, Generator
from supportbot.generation.gguf_header import gguf_metadata
from supportbot.generation.prompt_cache import MIN_RESTORE_GAIN, PromptStateCache, shared_prefix_length
from supportbot.generation.transformers_backend import FALLBACK_CHAT_TEMPLATE
from supportbot.model_sources import gguf_cache_key, resolve_reference
from supportbot.staging import staged_file

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'supportbot[llama]' (compiles llama.cpp, ~9 min once), or set model.backend = \"transformers\""
DEFAULT_MAX_CONTEXT = 8192  # the KV cache is allocated up front: don't take a 128k training window by default
REQUANTIZE_TYPES = ("auto", "", "q8_0", "q4_0")  # "" keeps the file as it is
# "auto" rewrites small 2-6-bit GGUFs as q8_0: their first-turn latency is prompt processing, which q8_0's
# AVX2 kernels do ~1.7x faster, near losslessly (perplexity on the sample docs: Q4_1 12.72, q8_0 12.79,
# q4_0 14.98). Large models stay as they are: the copy would double their size and slow their decoding.
AUTO_REQUANTIZE_MAX_BYTES = 1 << 30
_LOW_BIT_FILE_TYPES = {2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}  # llama_ftype: Q4_0, Q4_1, Q5_0, Q5_1, Q2_K .. Q6_K


def llama_cpp_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


class LlamaCppGenerator:
    """Runs a GGUF with llama.cpp in this process; the model loads on `warm_up()` or first use.

    With `fallback` set, a GGUF that llama.cpp cannot load (an architecture it does not know) is
    handed, with a warning, to the generator `fallback()` returns instead of failing.
    """

    def __init__(
        self,
        model_reference: str,
        context_window: int = 0,
        threads: int = 0,
        prompt_cache_mb: int = 256,
        adapter: str = "",
        cache_dir: Path | None = None,
        fallback: Callable[[], Generator] | None = None,
        requantize: str = "",
    ) -> None:
        if requantize not in REQUANTIZE_TYPES:
            raise ConfigError(f"model.llama_cpp_requantize: '{requantize}' is not one of {', '.join(map(repr, REQUANTIZE_TYPES))}")
        self.requantize = requantize
        self.model_reference = model_reference
        self.requested_context_window = context_window
        self.threads = threads
        self.adapter = adapter
        self.cache_dir = cache_dir or Path("~/.cache/supportbot").expanduser()
        self.fallback = fallback
        self._cache = PromptStateCache(prompt_cache_mb * 2**20) if prompt_cache_mb > 0 else None
        self._llama = None
        self._delegate: Generator | None = None
        self._formatter = None
        self._n_ctx = 0
        self._adapter_template = ""
        self._lock = threading.RLock()

    # -- loading ---------------------------------------------------------------------------------

    def _gguf_path(self) -> Path:
        resolved = Path(resolve_reference(self.model_reference))
        if not resolved.is_file():
            raise ModelLoadError(
                f"model.backend = \"llama_cpp\" needs a .gguf file, and '{self.model_reference}' is not one: "
                "set model.name to a .gguf file or bundled:smollm2-135m-instruct, or use backend \"transformers\""
            )
        return resolved

    def warm_up(self) -> None:
        with self._lock:
            if self._llama is not None or self._delegate is not None:
                return
            path = self._gguf_path()
            metadata = gguf_metadata(path)
            try:
                from llama_cpp import Llama
            except ImportError:
                raise BackendError(f"model.backend = \"llama_cpp\" needs llama-cpp-python, which is not installed: {INSTALL_HINT}") from None
            lora_path = self._lora_path(metadata)
            path = self._requantized(path, self._requantize_type(path, metadata))
            n_ctx = self.requested_context_window or min(int(metadata["context_length"] or 2048), DEFAULT_MAX_CONTEXT)
            threads = self.threads or available_cores()
            try:
                llama = Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    flash_attn=True,
                    lora_path=lora_path,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as error:
                if lora_path and "LoRA" in str(error):
                    raise ModelLoadError(
                        f"llama.cpp cannot apply the adapter {self.adapter} to {path.name} ({error}): was it trained on "
                        "this base model? Or serve it with model.backend = \"transformers\""
                    ) from error
                message = (
                    f"llama.cpp cannot load {path.name} (architecture '{metadata['architecture']}': {error}): "
                    "set model.llama_cpp_fallback = \"transformers\" or model.backend = \"transformers\""
                )
                if self.fallback is None:
                    raise ModelLoadError(message) from error
                log.warning("llama.cpp cannot load %s (architecture '%s'); falling back to transformers", path.name, metadata["architecture"])
                self._delegate = self.fallback()
                self._delegate.warm_up()
                return
            self._formatter = self._chat_formatter(llama)
            self._n_ctx = min(n_ctx, llama.n_ctx())  # llama.cpp may pad its context; Python-side buffers are n_ctx long
            self._llama = llama

    def _requantize_type(self, path: Path, metadata: dict) -> str:
        if self.requantize != "auto":
            return self.requantize
        small = path.stat().st_size <= AUTO_REQUANTIZE_MAX_BYTES
        return "q8_0" if small and metadata.get("general.file_type") in _LOW_BIT_FILE_TYPES else ""

    def _requantized(self, path: Path, requantize: str) -> Path:
        """The GGUF rewritten as `requantize` (once, cached): q4_0 and q8_0 have llama.cpp's fastest CPU kernels."""
        if not requantize:
            return path
        import llama_cpp

        target = self.cache_dir / "gguf-requantized" / f"{gguf_cache_key(path, self.cache_dir)}.{requantize}.gguf"
        if target.is_file():
            return target
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = {"q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0, "q4_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0}[requantize]
        params.allow_requantize = True
        log.info("rewriting %s as %s in %s (once)", path.name, requantize, target.parent)
        from llama_cpp._utils import suppress_stdout_stderr  # llama.cpp logs every tensor to stderr

        with staged_file(target) as staging, suppress_stdout_stderr(disable=False):
            status = llama_cpp.llama_model_quantize(str(path).encode(), str(staging).encode(), ctypes.byref(params))
            if status != 0:
                raise ModelLoadError(f"llama.cpp could not rewrite {path.name} as {requantize}: set model.llama_cpp_requantize = \"\"")
        return target

    def _lora_path(self, metadata: dict) -> str | None:
        """A GGUF LoRA as given, or a PEFT adapter folder converted to one (once, cached)."""
        if not self.adapter:
            return None
        adapter = Path(self.adapter).expanduser()
        if adapter.suffix == ".gguf" and adapter.is_file():
            return str(adapter)
        if not adapter.is_dir():
            raise ModelLoadError(f"model.adapter: {self.adapter} does not exist: point it at a LoRA adapter folder or a GGUF LoRA")
        from supportbot.adapters import check_base_model
        from supportbot.generation.lora_gguf import gguf_lora_for

        # the adapter was trained with this template, which may differ from the one in the base GGUF
        self._adapter_template = check_base_model(adapter, self.model_reference).chat_template

        return str(gguf_lora_for(adapter, metadata, self.cache_dir))

    def _chat_formatter(self, llama):
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._adapter_template or llama.metadata.get("tokenizer.chat_template")
        if not template:
            log.warning("%s has no chat template; using the ChatML fallback template", self.model_reference)
            template = FALLBACK_CHAT_TEMPLATE

        def token_text(token: int) -> str:
            return llama._model.token_get_text(token) if token != -1 else ""

        return Jinja2ChatFormatter(template, eos_token=token_text(llama.token_eos()), bos_token=token_text(llama.token_bos()))

    @property
    def llama(self):
        self.warm_up()
        return self._llama

    # -- token budget ----------------------------------------------------------------------------

    @property
    def context_window(self) -> int:
        self.warm_up()
        if self._delegate is not None:
            return self._delegate.context_window
        return self._n_ctx

    def prompt_tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        """The chat-templated prompt as llama.cpp tokens (the template adds any BOS itself)."""
        prompt = self._formatter(messages=[{"role": m["role"], "content": m["content"]} for m in messages]).prompt
        return self._llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        self.warm_up()
        if self._delegate is not None:
            return self._delegate.count_tokens(messages)
        return len(self.prompt_tokens(messages))

    def truncate(self, text: str, max_tokens: int) -> str:
        self.warm_up()
        if self._delegate is not None:
            return self._delegate.truncate(text, max_tokens)
        tokens = self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        if len(tokens) <= max_tokens:
            return text
        return self._llama.detokenize(tokens[:max_tokens]).decode("utf-8", errors="ignore")

    # -- prompt-state cache ----------------------------------------------------------------------

    def _restore_longest_prefix(self, tokens: list[int]) -> None:
        """Load a saved state when it shares more of `tokens` than what the context holds now."""
        if self._cache is None:
            return
        llama = self._llama
        current = shared_prefix_length(llama.input_ids[: llama.n_tokens], tokens)
        key, shared = self._cache.longest_prefix(tokens)
        if shared < current + MIN_RESTORE_GAIN:
            return
        import llama_cpp

        state = self._cache.get(key)
        buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if not llama_cpp.llama_state_seq_set_data(llama.ctx, buffer, len(state), 0):
            log.warning("could not restore a saved prompt state; evaluating the prompt in full")
            llama.reset()
            return
        llama.input_ids[: len(key)] = key
        llama.n_tokens = len(key)
        llama._requires_eval = True  # the restored KV has no logits: generate() must decode at least one token

    def _save_state(self) -> None:
        if self._cache is None or self._llama.n_tokens == 0:
            return
        import llama_cpp

        llama = self._llama
        size = llama_cpp.llama_state_seq_get_size(llama.ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(llama.ctx, buffer, size, 0)
        self._cache.put(tuple(int(t) for t in llama.input_ids[: llama.n_tokens]), bytes(buffer[:written]))

    # -- generation ------------------------------------------------------------------------------

    def stream(
        self,
        messages: Sequence[ChatMessage],
        settings: GenerationSettings,
        stop: threading.Event | None = None,
    ) -> Iterator[str]:
        """Yield text pieces as llama.cpp decodes them. One answer at a time per model: others wait."""
        self.warm_up()
        if self._delegate is not None:
            yield from self._delegate.stream(messages, settings, stop)
            return
        stop = stop or threading.Event()
        tokens = self.prompt_tokens(messages)
        room = self._n_ctx - len(tokens)
        if room < 1:
            raise BackendError(
                f"the prompt has {len(tokens)} tokens and the context window {self._n_ctx}: "
                "raise model.context_window, or let the dialogue manager trim it"
            )
        with self._lock:
            yield from self._generate(tokens, settings, min(settings.max_new_tokens, room), stop)

    def _generate(self, tokens: list[int], settings: GenerationSettings, max_new: int, stop: threading.Event) -> Iterator[str]:
        import llama_cpp

        llama = self._llama
        self._restore_longest_prefix(tokens)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        vocab = llama._model.vocab
        produced = 0
        try:
            for token in llama.generate(
                tokens,
                temp=settings.temperature,
                top_p=settings.top_p,
                repeat_penalty=settings.repetition_penalty,
            ):
                if llama_cpp.llama_vocab_is_eog(vocab, token) or stop.is_set():
                    break
                piece = decoder.decode(llama.detokenize([token]))
                if piece:
                    yield piece
                produced += 1
                if produced >= max_new:
                    break
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
        finally:
            self._save_state()
