"""The ONNX export run by OpenVINO in bfloat16, where the CPU multiplies bfloat16 itself.

onnxruntime multiplies the documents' vectors in float32, or in int8 with the 8-bit weights
(`retrieval.document_weights`), whose activations are rounded to 8 bits too. On a CPU with
AVX512-BF16 or AMX, OpenVINO runs the same export with its matrices multiplied in bfloat16 (float32's
range, 8 bits of mantissa): 1.3-1.4x the 8-bit export under onnxruntime on one core, and closer to the
model (lowest cosine with float32 0.9999 on the float32 export, 0.9992 on the 8-bit one, against 0.998 for
onnxruntime's int8; benchmarks/README.md). Without such a CPU it would multiply in float32, slower than
onnxruntime's int8, so `retrieval.document_runtime = "auto"` takes it only where the CPU says it computes
bfloat16 natively.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np


def openvino_installed() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def computes_bfloat16() -> bool:
    """Whether OpenVINO is installed and this CPU multiplies bfloat16 natively (its "BF16" capability)."""
    if not openvino_installed():
        return False
    try:
        import openvino

        return "BF16" in openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except Exception:  # noqa: BLE001 - a CPU plugin that cannot start: onnxruntime still works
        return False


@dataclass(frozen=True)
class _Input:
    name: str


class OpenVinoSession:
    """An export compiled for the CPU, answering the two calls `onnx_encoder` makes of an onnxruntime session."""

    def __init__(self, path: Path, threads: int) -> None:
        import openvino

        core = openvino.Core()
        settings = {
            "INFERENCE_NUM_THREADS": threads,
            "INFERENCE_PRECISION_HINT": "bf16",
            "PERFORMANCE_HINT": "LATENCY",
            "NUM_STREAMS": 1,
            # Pinned, each of `index build`'s worker processes put its thread on the same first core: 1,100 chunks
            # took 14.7 s in two workers against 9.3 s unpinned.
            "ENABLE_CPU_PINNING": False,
        }
        self._compiled = core.compile_model(core.read_model(str(path)), "CPU", settings)
        self._request = self._compiled.create_infer_request()
        self._inputs = [_Input(port.get_any_name()) for port in self._compiled.inputs]

    def get_inputs(self) -> list[_Input]:
        return self._inputs

    def run(self, _outputs: None, feeds: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """The first output (the token vectors) for `feeds`, as onnxruntime's `run(None, feeds)[0]` gives it."""
        return [np.array(self._request.infer(dict(feeds))[self._compiled.outputs[0]], dtype=np.float32)]
