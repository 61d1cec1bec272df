"""The chunked assistant-only loss, and the CPU-safe parts of benchmarks/finetune_gpu.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from supportbot.finetune.batching import collate, collate_packed, pack_examples
from supportbot.finetune.loss import AssistantLossModel, chunked_loss, loss_totals, mean_per_token
from supportbot.finetune.tokenization import IGNORE_INDEX, TokenizedExample

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "finetune_gpu.py"


@pytest.fixture(scope="module")
def benchmark():
    spec = importlib.util.spec_from_file_location("finetune_gpu", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules["finetune_gpu"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules["finetune_gpu"]


@pytest.fixture(scope="module")
def tiny_llama(benchmark):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(benchmark.model_config("smollm2-135m", tiny=True), dtype=torch.float32)


def _labels_on_half(input_ids: torch.Tensor) -> torch.Tensor:
    labels = input_ids.clone()
    labels[:, : input_ids.shape[1] // 2] = IGNORE_INDEX  # like a user turn followed by a reply
    labels[1, -3:] = IGNORE_INDEX  # like padding
    return labels


def test_chunked_loss_and_gradients_equal_the_plain_loss_where_labels_are_set(tiny_llama):
    input_ids = torch.randint(0, tiny_llama.config.vocab_size, (2, 24), generator=torch.Generator().manual_seed(1))
    labels = _labels_on_half(input_ids)
    mask = torch.ones_like(input_ids)
    tiny_llama.zero_grad()
    plain = tiny_llama(input_ids=input_ids, attention_mask=mask, labels=labels).loss
    plain.backward()
    plain_grads = [p.grad.clone() for p in tiny_llama.parameters()]
    tiny_llama.zero_grad()
    ours = AssistantLossModel(tiny_llama, chunk_tokens=5)(input_ids=input_ids, attention_mask=mask, labels=labels)  # 5 does not divide the 19 labelled positions
    ours.backward()
    assert torch.allclose(ours, plain, atol=1e-5)
    for ours_grad, plain_grad in zip((p.grad for p in tiny_llama.parameters()), plain_grads):
        assert torch.allclose(ours_grad, plain_grad, atol=1e-5)


def test_batch_without_labels_gives_zero_loss_with_a_graph(tiny_llama):
    hidden = torch.randn(1, 4, tiny_llama.config.hidden_size, requires_grad=True)
    loss = chunked_loss(tiny_llama.lm_head, hidden, torch.full((1, 4), IGNORE_INDEX), chunk_tokens=2)
    loss.backward()
    assert float(loss) == 0.0 and hidden.grad is not None


def test_loss_totals_of_each_process_share_add_up_to_the_whole(tiny_llama):
    generator = torch.Generator().manual_seed(2)
    examples = []
    for length in (7, 12, 9, 15, 5):  # five examples in batches of two: three batches
        ids = torch.randint(0, tiny_llama.config.vocab_size, (length,), generator=generator).tolist()
        examples.append(TokenizedExample(ids, [IGNORE_INDEX] * 3 + ids[3:]))
    scorer = AssistantLossModel(tiny_llama).eval()
    whole = loss_totals(scorer, examples, 0, 2, "cpu")
    shares = [loss_totals(scorer, examples, 0, 2, "cpu", index, 4) for index in range(4)]  # one process gets none
    assert int(whole[1]) == sum(e.loss_tokens for e in examples)
    assert torch.allclose(sum(shares), whole)
    assert int(shares[3][1]) == 0 and mean_per_token(shares[3]) == 0.0


def test_benchmark_qlora_variants_run_on_cpu_and_start_from_the_same_loss(benchmark):
    benchmark.ARCHITECTURES["smollm2-135m"]["batch"] = 2
    results = benchmark.run_arch("smollm2-135m", "cpu", seq=16, steps=1, warmup=0, quantize=True, tiny=True, variants=["plain", "ours"])
    by_variant = {r.variant: r for r in results}
    assert set(by_variant) == {"plain", "ours"}
    # both on a 4-bit base; the plain recipe computes in bf16, supportbot in fp32 on a CPU
    assert by_variant["ours"].first_loss == pytest.approx(by_variant["plain"].first_loss, abs=1e-3)
    assert all(r.tokens_per_second > 0 for r in results)
    assert len(benchmark.summary(results)) == 1


def _example(length: int, seed: int) -> TokenizedExample:
    ids = torch.randint(3, 500, (length,), generator=torch.Generator().manual_seed(seed)).tolist()
    labels = [IGNORE_INDEX] * (length // 2) + ids[length // 2 :]  # a prompt, then a reply that carries loss
    return TokenizedExample(ids, labels)


def test_packing_fills_rows_up_to_capacity_and_keeps_every_example_once():
    lengths = [30, 70, 20, 50, 10, 60, 40, 90, 25]
    rows = pack_examples(lengths, 100)
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in row) <= 100 for row in rows)
    assert len(rows) == 4  # 395 tokens: four rows of 100 is the fewest possible
    with pytest.raises(ValueError, match="more than a row's 100"):
        pack_examples([101], 100)


def test_packed_rows_give_the_loss_and_gradients_of_the_examples_alone(tiny_llama):
    examples = [_example(n, seed) for seed, n in enumerate([17, 9, 23, 12, 6])]
    model = AssistantLossModel(tiny_llama, chunk_tokens=7)

    def loss_and_grads(batch):
        tiny_llama.zero_grad()
        loss = model(**batch)
        loss.backward()
        return loss.detach(), [p.grad.clone() for p in tiny_llama.parameters()]

    alone, alone_grads = loss_and_grads(collate(examples, pad_token_id=0))
    rows = [[examples[i] for i in row] for row in pack_examples([len(e) for e in examples], 40)]
    assert len(rows) == 2
    packed_batch = collate_packed(rows, pad_token_id=0)
    packed, packed_grads = loss_and_grads(packed_batch)
    assert packed == pytest.approx(float(alone), abs=1e-5)
    for ours, reference in zip(packed_grads, alone_grads):
        assert torch.allclose(ours, reference, atol=1e-5)
    # the same rows read as one sequence each (examples attending to the ones before them) give another loss
    crossed, _ = loss_and_grads({"input_ids": packed_batch["input_ids"], "labels": packed_batch["labels"]})
    assert abs(float(crossed) - float(alone)) > 1e-3


def test_benchmark_real_shapes_give_every_variant_the_same_real_tokens(benchmark):
    """--examples: each variant batches the same examples its own way; tokens/s counts their tokens, never padding."""
    shapes = [benchmark.Shape(n, [(n // 2, n)]) for n in (30, 9, 21, 14, 6, 17, 25, 11)]
    benchmark.ARCHITECTURES["smollm2-135m"]["batch"] = 2
    results = benchmark.run_arch("smollm2-135m", "cpu", seq=16, steps=3, warmup=1, quantize=True, tiny=True,
                                 variants=["plain", "ours", "ours-packed", "ours-packed-halfgc-fp32"], shapes=shapes)
    assert [r.variant for r in results] == ["plain", "ours", "ours-packed", "ours-packed-halfgc-fp32"]
    assert {r.tokens for r in results} == {sum(s.length for s in shapes[:6])}  # the 6 measured examples, once each
    packed, _ = benchmark.variant_batches("ours-packed", 2, 16, 512, 3, 1, shapes)
    ours, _ = benchmark.variant_batches("ours", 2, 16, 512, 3, 1, shapes)
    assert len(packed) < len(ours)  # several examples to a row: fewer steps for the same tokens
