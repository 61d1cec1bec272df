"""Base model vs adapted model on held-out conversations: perplexity on the replies, and answer-level scores.

Answer scores compare a greedy answer, decoded as the bot decodes in generative mode (its
repetition penalty), to the last assistant reply of each conversation: ROUGE-L and token F1 from
`supportbot.evaluation.answer_metrics`, the same ones `supportbot eval answers` reports. Where the
conversations carry the sources their last reply was to be made from (`prepare --context` writes
them), the answers are also checked against those sources with `eval answers`' faithfulness
measures (`supportbot.evaluation.faithfulness`): the share of answers stating a number no source
states (`unsupported_number_rate`) and the share of answer sentences the grounding checker accepts
(`supported_sentence_rate`). One model is loaded; the base model's numbers come from the same
weights with the adapter disabled. The table goes to the adapter folder as `eval_report.json`
(with every answer) and `eval_report.md`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from supportbot.bot.grounding import GroundingChecker
from supportbot.bot.prompt import Source
from supportbot.bot.reply import AnswerKind, Reply
from supportbot.evaluation.answer_metrics import rouge_l, token_f1
from supportbot.evaluation.faithfulness import measure_faithfulness
from supportbot.finetune.data import Conversation
from supportbot.finetune.loss import AssistantLossModel, loss_totals, mean_per_token, perplexity
from supportbot.finetune.tokenization import TokenizedExample, render_ids
from supportbot.generation.base import ChatMessage
from supportbot.staging import staged_file

REPORT_JSON = "eval_report.json"
REPORT_MARKDOWN = "eval_report.md"
METRICS = (("loss", "loss", "{:.4f}"), ("perplexity", "perplexity", "{:.2f}"), ("rouge_l", "ROUGE-L", "{:.4f}"),
           ("token_f1", "token F1", "{:.4f}"), ("unsupported_number_rate", "unsupported numbers", "{:.4f}"),
           ("supported_sentence_rate", "supported sentences", "{:.4f}"))


@dataclass(frozen=True)
class AnswerTask:
    """The conversation up to a reply, the reply as written, and the sources it was to be made from (if known)."""

    messages: list[ChatMessage]
    reference: str
    sources: list[dict]

    def customer_messages(self) -> list[str]:
        return [m["content"] for m in self.messages if m["role"] == "user"]

    def reply_made_from_sources(self) -> Reply:
        """A generated reply over this task's sources, numbered as in its prompt: what faithfulness is measured against."""
        sources = [Source(n, s["id"], "", "", "", 0.0, text=s["text"]) for n, s in enumerate(self.sources, start=1)]
        return Reply("finetune-eval", AnswerKind.GENERATED, sources)


@dataclass
class Scores:
    """One model's numbers on the eval data; the faithfulness rates are None when no task carries sources."""

    loss: float
    perplexity: float
    rouge_l: float
    token_f1: float
    answers: list[str]
    unsupported_number_rate: float | None = None
    supported_sentence_rate: float | None = None


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


def answer_tasks(conversations: Sequence[Conversation], limit: int) -> list[AnswerTask]:
    """A task for the last assistant reply of each conversation."""
    tasks = []
    for conversation in conversations:
        last = max(i for i, m in enumerate(conversation.messages) if m["role"] == "assistant")
        tasks.append(AnswerTask(conversation.messages[:last], conversation.messages[last]["content"], conversation.sources))
    return tasks[:limit] if limit > 0 else tasks


def faithfulness_rates(answers: Sequence[str], tasks: Sequence[AnswerTask], checker: GroundingChecker) -> tuple[float | None, float | None]:
    """(unsupported_number_rate, supported_sentence_rate) over the tasks that carry sources, as `eval answers` counts them."""
    with_numbers = answered = sentences = supported = 0
    for answer, task in zip(answers, tasks):
        if not task.sources:
            continue
        measured = measure_faithfulness(answer, task.reply_made_from_sources(), task.customer_messages(), checker)
        answered += 1
        with_numbers += bool(measured.unsupported_numbers)
        sentences += measured.sentences
        supported += measured.supported_sentences
    return (with_numbers / answered if answered else None), (supported / sentences if sentences else None)


def score_model(model, tokenizer, examples, tasks: Sequence[AnswerTask], max_new_tokens: int, batch_size: int, device,
                repetition_penalty: float = 1.0, checker: GroundingChecker | None = None) -> Scores:
    model.eval()
    loss = mean_loss(model, examples, tokenizer.pad_token_id, batch_size, device)
    answers = [greedy_answer(model, tokenizer, task.messages, max_new_tokens, device, repetition_penalty) for task in tasks]
    n = max(len(tasks), 1)
    unsupported, supported = faithfulness_rates(answers, tasks, checker) if checker is not None else (None, None)
    return Scores(
        loss=loss,
        perplexity=perplexity(loss),
        rouge_l=sum(rouge_l(a, t.reference) for a, t in zip(answers, tasks)) / n,
        token_f1=sum(token_f1(a, t.reference) for a, t in zip(answers, tasks)) / n,
        answers=answers,
        unsupported_number_rate=unsupported,
        supported_sentence_rate=supported,
    )


def compare(peft_model, tokenizer, examples, tasks: Sequence[AnswerTask], max_new_tokens: int, batch_size: int, device,
            repetition_penalty: float = 1.0, checker: GroundingChecker | None = None) -> dict[str, Scores]:
    """Scores with the adapter disabled ('base') and enabled ('adapted'), from one loaded model."""
    scoring = (tokenizer, examples, tasks, max_new_tokens, batch_size, device, repetition_penalty, checker)
    with peft_model.disable_adapter():
        base = score_model(peft_model, *scoring)
    return {"base": base, "adapted": score_model(peft_model, *scoring)}


def _rows(results: dict[str, Scores]) -> list[tuple[str, ...]]:
    rows = [("metric", *results)]
    for name, label, fmt in METRICS:
        values = [getattr(scores, name) for scores in results.values()]
        if any(value is not None for value in values):
            rows.append((label, *(fmt.format(value) if value is not None else "n/a" for value in values)))
    return rows


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
        {"prompt": task.messages, "reference": task.reference, "sources": task.sources,
         **{name: scores.answers[i] for name, scores in results.items()}}
        for i, task in enumerate(tasks)
    ]
    scores = {name: {k: v for k, v in vars(s).items() if k != "answers"} for name, s in results.items()}
    paths = Path(folder) / REPORT_JSON, Path(folder) / REPORT_MARKDOWN
    with staged_file(paths[0]) as staging:
        staging.write_text(json.dumps({**about, "scores": scores, "answers": answers}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = ", ".join(f"{key}: {value}" for key, value in about.items())
    with staged_file(paths[1]) as staging:
        staging.write_text(f"# Base vs adapted\n\n{summary}\n\n{markdown_table(results)}\n", encoding="utf-8")
    return paths
