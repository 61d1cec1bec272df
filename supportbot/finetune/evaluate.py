"""Base model vs adapted model on held-out conversations: perplexity on the replies, and answer-level scores.

Answer scores compare a greedy answer, decoded as the bot decodes in generative mode (its
repetition penalty), to the last assistant reply of each conversation: ROUGE-L and token F1 from
`supportbot.evaluation.answer_metrics`, the same ones `supportbot eval answers` reports. One model
is loaded; the base model's numbers come from the same weights with the adapter disabled. The
table goes to the adapter folder as `eval_report.json` (with every answer) and `eval_report.md`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from supportbot.evaluation.answer_metrics import rouge_l, token_f1
from supportbot.finetune.data import Conversation
from supportbot.finetune.loss import AssistantLossModel, loss_totals, mean_per_token, perplexity
from supportbot.finetune.tokenization import TokenizedExample, render_ids
from supportbot.staging import staged_file

REPORT_JSON = "eval_report.json"
REPORT_MARKDOWN = "eval_report.md"
METRICS = (("loss", "loss", "{:.4f}"), ("perplexity", "perplexity", "{:.2f}"), ("rouge_l", "ROUGE-L", "{:.4f}"),
           ("token_f1", "token F1", "{:.4f}"))


@dataclass
class Scores:
    """One model's numbers on the eval data."""

    loss: float
    perplexity: float
    rouge_l: float
    token_f1: float
    answers: list[str]


def mean_loss(model, examples: Sequence[TokenizedExample], pad_id: int, batch_size: int, device) -> float:
    """Mean loss per assistant token over `examples`."""
    return mean_per_token(loss_totals(AssistantLossModel(model), examples, pad_id, batch_size, device))


@torch.no_grad()
def greedy_answer(model, tokenizer, messages, max_new_tokens: int, device, repetition_penalty: float = 1.0) -> str:
    prompt = torch.tensor([render_ids(tokenizer, messages, add_generation_prompt=True)], device=device)
    output = model.generate(
        input_ids=prompt,
        attention_mask=torch.ones_like(prompt),
        max_new_tokens=max_new_tokens,
        do_sample=False,
        repetition_penalty=repetition_penalty,
        pad_token_id=tokenizer.pad_token_id,
    )
    return tokenizer.decode(output[0, prompt.shape[1] :], skip_special_tokens=True).strip()


def answer_tasks(conversations: Sequence[Conversation], limit: int) -> list[tuple[list, str]]:
    """(prompt messages, reference reply) for the last assistant reply of each conversation."""
    tasks = []
    for conversation in conversations:
        last = max(i for i, m in enumerate(conversation.messages) if m["role"] == "assistant")
        tasks.append((conversation.messages[:last], conversation.messages[last]["content"]))
    return tasks[:limit] if limit > 0 else tasks


def score_model(model, tokenizer, examples, tasks, max_new_tokens: int, batch_size: int, device, repetition_penalty: float = 1.0) -> Scores:
    model.eval()
    loss = mean_loss(model, examples, tokenizer.pad_token_id, batch_size, device)
    answers = [greedy_answer(model, tokenizer, prompt, max_new_tokens, device, repetition_penalty) for prompt, _ in tasks]
    references = [reference for _, reference in tasks]
    n = max(len(tasks), 1)
    return Scores(
        loss=loss,
        perplexity=perplexity(loss),
        rouge_l=sum(rouge_l(a, r) for a, r in zip(answers, references)) / n,
        token_f1=sum(token_f1(a, r) for a, r in zip(answers, references)) / n,
        answers=answers,
    )


def compare(peft_model, tokenizer, examples, tasks, max_new_tokens: int, batch_size: int, device,
            repetition_penalty: float = 1.0) -> dict[str, Scores]:
    """Scores with the adapter disabled ('base') and enabled ('adapted'), from one loaded model."""
    with peft_model.disable_adapter():
        base = score_model(peft_model, tokenizer, examples, tasks, max_new_tokens, batch_size, device, repetition_penalty)
    adapted = score_model(peft_model, tokenizer, examples, tasks, max_new_tokens, batch_size, device, repetition_penalty)
    return {"base": base, "adapted": adapted}


def _rows(results: dict[str, Scores]) -> list[tuple[str, ...]]:
    return [("metric", *results)] + [
        (label, *(fmt.format(getattr(s, name)) for s in results.values())) for name, label, fmt in METRICS
    ]


def format_table(results: dict[str, Scores]) -> str:
    rows = _rows(results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def markdown_table(results: dict[str, Scores]) -> str:
    header, *rows = _rows(results)
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def write_eval_report(results: dict[str, Scores], tasks, folder: Path, about: dict) -> tuple[Path, Path]:
    """`eval_report.json` (settings, scores and every answer next to its reference) and `eval_report.md` in `folder`."""
    answers = [
        {"prompt": prompt, "reference": reference, **{name: scores.answers[i] for name, scores in results.items()}}
        for i, (prompt, reference) in enumerate(tasks)
    ]
    scores = {name: {k: v for k, v in vars(s).items() if k != "answers"} for name, s in results.items()}
    paths = Path(folder) / REPORT_JSON, Path(folder) / REPORT_MARKDOWN
    with staged_file(paths[0]) as staging:
        staging.write_text(json.dumps({**about, "scores": scores, "answers": answers}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = ", ".join(f"{key}: {value}" for key, value in about.items())
    with staged_file(paths[1]) as staging:
        staging.write_text(f"# Base vs adapted\n\n{summary}\n\n{markdown_table(results)}\n", encoding="utf-8")
    return paths
