"""End-to-end answer evaluation: ask the bot each question in a fresh conversation and compare with the reference.

A dataset is a JSONL file of {"question", "answer", "doc_ids"?} (doc_ids as the index names
documents, e.g. "faq.jsonl#3" or "returns/return-policy.md"), or a BEIR folder, where each query's
first relevant document is the reference answer and the corpus is indexed into a temporary index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.reply import AnswerKind
from supportbot.errors import DatasetError, DocumentError
from supportbot.evaluation.answer_metrics import rouge_l, token_f1
from supportbot.evaluation.metrics import percentile
from supportbot.retrieval.faq_jsonl import FaqLineProblem, read_faq_lines
from supportbot.retrieval.loaders import read_utf8


@dataclass(frozen=True)
class AnswerCase:
    question: str
    answer: str
    doc_ids: tuple[str, ...] = ()


@dataclass
class AnswerReport:
    """Sums over the cases; `to_dict()` is the JSON report."""

    cases: int = 0
    rouge_l: float = 0.0
    token_f1: float = 0.0
    with_doc_ids: int = 0
    cited_relevant: int = 0
    declined: int = 0
    approved: int = 0
    approved_right: int = 0
    first_token_ms: list[float] = field(default_factory=list)
    tokens_per_s: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        n = self.cases or 1
        return {
            "cases": self.cases,
            "rouge_l": round(self.rouge_l / n, 4),
            "token_f1": round(self.token_f1 / n, 4),
            "cited_relevant_rate": round(self.cited_relevant / self.with_doc_ids, 4) if self.with_doc_ids else None,
            "decline_rate": round(self.declined / n, 4),
            "approved_rate": round(self.approved / n, 4),
            "approved_right_rate": round(self.approved_right / self.approved, 4) if self.approved else None,
            "ttft_p50_ms": round(percentile(self.first_token_ms, 50), 1),
            "tokens_per_s_p50": round(percentile(self.tokens_per_s, 50), 2),
        }


def load_answer_cases(path: Path) -> list[AnswerCase]:
    """Cases from a JSONL file of FAQ lines with optional "doc_ids"; a bad line is an error naming file and line."""
    if not path.is_file():
        raise DatasetError(f"{path} does not exist: give a JSONL file of {{\"question\", \"answer\"}} or a BEIR folder")
    try:
        text = read_utf8(path)
    except DocumentError as error:
        raise DatasetError(str(error)) from None
    cases = []
    for item in read_faq_lines(text, path):
        if isinstance(item, FaqLineProblem):
            raise DatasetError(f"{item.location}: {item.description}")
        doc_ids = item.record.get("doc_ids", [])
        if not isinstance(doc_ids, list) or not all(isinstance(doc_id, str) for doc_id in doc_ids):
            raise DatasetError(f'{path}:{item.line_number}: "doc_ids" must be a list of document ids (strings), like ["faq.jsonl#3"]')
        cases.append(AnswerCase(item.question, item.answer, tuple(doc_ids)))
    if not cases:
        raise DatasetError(f"{path}: no cases")
    return cases


def evaluate_answers(manager: DialogueManager, cases: list[AnswerCase], show_progress: bool = True) -> AnswerReport:
    report = AnswerReport()
    for number, case in enumerate(tqdm(cases, desc="answers", unit="question", disable=not show_progress)):
        reply = manager.reply("eval", f"eval-{number}-{time.time_ns()}", case.question)
        pieces = list(reply)
        answer = "".join(pieces)
        report.cases += 1
        report.rouge_l += rouge_l(answer, case.answer)
        report.token_f1 += token_f1(answer, case.answer)
        cited = {source.doc_id for source in reply.sources}
        relevant = bool(cited & set(case.doc_ids))
        if case.doc_ids:
            report.with_doc_ids += 1
            report.cited_relevant += relevant
        report.declined += reply.kind == AnswerKind.FALLBACK
        if reply.kind == AnswerKind.APPROVED:
            report.approved += 1
            report.approved_right += relevant
        if reply.first_token_at is not None:
            report.first_token_ms.append((reply.first_token_at - reply.started_at) * 1000)
            generating = time.perf_counter() - reply.first_token_at
            if generating > 0 and len(pieces) > 1:
                report.tokens_per_s.append((len(pieces) - 1) / generating)
    return report
