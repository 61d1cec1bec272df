"""End-to-end answer evaluation: ask the bot each question in a fresh conversation and compare with the reference.

A dataset is a JSONL file of {"question", "answer", "doc_ids"?, "history"?, "answerable"?}
(doc_ids as the index names documents, e.g. "faq.jsonl#3" or "returns/return-policy.md";
history: earlier user messages asked first in the same conversation; answerable: false for a
question the documents don't answer, whose right reply is to decline: its "answer" may be left
out), or a BEIR folder, where each query's first relevant document is the reference answer and
the corpus is indexed into a temporary index.

Overlap with the reference (ROUGE-L, token F1) is scored on answerable questions only, with the
citation markers left out; faithfulness (evaluation/faithfulness.py) on every answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.grounding import strip_citations
from supportbot.bot.reply import AnswerKind
from supportbot.errors import DatasetError, DocumentError
from supportbot.evaluation.answer_metrics import rouge_l, token_f1
from supportbot.evaluation.faithfulness import measure_faithfulness
from supportbot.evaluation.metrics import percentile
from supportbot.retrieval.faq_jsonl import FaqLineProblem, read_faq_lines
from supportbot.retrieval.loaders import read_utf8


@dataclass(frozen=True)
class AnswerCase:
    question: str
    answer: str
    doc_ids: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    answerable: bool = True


@dataclass
class AnswerReport:
    """Sums over the cases; `to_dict()` is the JSON report."""

    cases: int = 0
    answerable: int = 0
    rouge_l: float = 0.0
    token_f1: float = 0.0
    with_doc_ids: int = 0
    cited_relevant: int = 0
    declined: int = 0
    declined_unanswerable: int = 0
    approved: int = 0
    approved_right: int = 0
    unsupported_number: int = 0
    sentences: int = 0
    supported_sentences: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    first_token_ms: list[float] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)
    tokens_per_s: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        answerable, unanswerable = self.answerable, self.cases - self.answerable

        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "cases": self.cases,
            "rouge_l": round(self.rouge_l / answerable, 4) if answerable else None,
            "token_f1": round(self.token_f1 / answerable, 4) if answerable else None,
            "unsupported_number_rate": share(self.unsupported_number, self.cases),
            "supported_sentence_rate": share(self.supported_sentences, self.sentences),
            "cited_relevant_rate": share(self.cited_relevant, self.with_doc_ids),
            "decline_rate": share(self.declined, answerable),
            "decline_rate_unanswerable": share(self.declined_unanswerable, unanswerable),
            "approved_rate": share(self.approved, self.cases),
            "approved_right_rate": share(self.approved_right, self.approved),
            "kinds": dict(sorted(self.kinds.items())),
            "ttft_p50_ms": round(percentile(self.first_token_ms, 50), 1),
            "ttft_p90_ms": round(percentile(self.first_token_ms, 90), 1),
            "answer_p50_ms": round(percentile(self.answer_ms, 50), 1),
            "answer_p90_ms": round(percentile(self.answer_ms, 90), 1),
            "tokens_per_s_p50": round(percentile(self.tokens_per_s, 50), 2),
        }


def _case(record: dict, question: str, answer: str, where: str) -> AnswerCase:
    """The case on one line, its optional "doc_ids", "history" and "answerable" checked."""
    doc_ids = record.get("doc_ids", [])
    if not isinstance(doc_ids, list) or not all(isinstance(doc_id, str) for doc_id in doc_ids):
        raise DatasetError(f'{where}: "doc_ids" must be a list of document ids (strings), like ["faq.jsonl#3"]')
    history = record.get("history", [])
    if not isinstance(history, list) or not all(isinstance(message, str) and message.strip() for message in history):
        raise DatasetError(f'{where}: "history" must be a list of the earlier user messages (non-empty strings)')
    answerable = record.get("answerable", True)
    if not isinstance(answerable, bool):
        raise DatasetError(f'{where}: "answerable" must be true or false')
    return AnswerCase(question, answer, tuple(doc_ids), tuple(history), answerable)


def _unanswerable_case(line: str, where: str) -> AnswerCase | None:
    """The case on a line that the FAQ reader refused only for its missing or empty "answer", when it is marked
    "answerable": false: such a question is scored on whether the bot declines, never against a reference, so it needs
    none. None for any other line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict) or record.get("answerable") is not False:
        return None
    question, answer = record.get("question"), record.get("answer")
    if not isinstance(question, str) or not question.strip():
        return None
    if answer is not None and not (isinstance(answer, str) and not answer.strip()):
        return None
    return _case(record, question.strip(), "", where)


def load_answer_cases(path: Path) -> list[AnswerCase]:
    """Cases from a JSONL file of FAQ lines with optional "doc_ids", "history", "answerable"; a bad line names file and line.

    A line marked "answerable": false may leave "answer" out (or empty): the reply is scored on declining, not on overlap.
    """
    if not path.is_file():
        raise DatasetError(f"{path} does not exist: give a JSONL file of {{\"question\", \"answer\"}} or a BEIR folder")
    try:
        text = read_utf8(path)
    except DocumentError as error:
        raise DatasetError(str(error)) from None
    lines = text.split("\n")  # as read_faq_lines numbers them
    cases = []
    for item in read_faq_lines(text, path):
        if isinstance(item, FaqLineProblem):
            case = _unanswerable_case(lines[item.line_number - 1], item.location)
            if case is None:
                about_answer = item.description.startswith(('no "answer"', '"answer" is empty'))
                hint = '; a question the documents don\'t answer needs none: mark it "answerable": false' if about_answer else ""
                raise DatasetError(f"{item.location}: {item.description}{hint}")
            cases.append(case)
            continue
        cases.append(_case(item.record, item.question, item.answer, f"{path}:{item.line_number}"))
    if not cases:
        raise DatasetError(f"{path}: no cases")
    return cases


def _details_line(case: AnswerCase, answer: str, reply, faithfulness) -> dict:
    return {
        "question": case.question,
        "history": list(case.history),
        "answer": answer,
        "kind": str(reply.kind),
        "reference": case.answer,
        "answerable": case.answerable,
        "sources": [{"id": source.doc_id, "number": source.number, "text": source.text} for source in reply.sources],
        "cited": [source.doc_id for source in reply.cited_sources()],
        "dropped_sentences": reply.dropped_sentences,
        "unsupported_numbers": faithfulness.unsupported_numbers,
        "unsupported_sentences": faithfulness.unsupported,
    }


def ask(manager: DialogueManager, case: AnswerCase, conversation_id: str):
    """Ask the case's earlier messages, then its question, in one conversation; the reply to the question."""
    for message in case.history:
        manager.reply("eval", conversation_id, message).text()
    return manager.reply("eval", conversation_id, case.question)


def evaluate_answers(
    manager: DialogueManager, cases: list[AnswerCase], show_progress: bool = True, details: TextIO | None = None
) -> AnswerReport:
    report = AnswerReport()
    for number, case in enumerate(tqdm(cases, desc="answers", unit="question", disable=not show_progress)):
        reply = ask(manager, case, f"eval-{number}-{time.time_ns()}")
        pieces = list(reply)
        finished = time.perf_counter()
        answer = "".join(pieces)
        faithfulness = measure_faithfulness(answer, reply, [*case.history, case.question], manager.checker)
        _add(report, case, reply, answer, faithfulness)
        if reply.first_token_at is not None and reply.kind != AnswerKind.FALLBACK:  # a decline takes no time to say
            report.first_token_ms.append((reply.first_token_at - reply.started_at) * 1000)
            report.answer_ms.append((finished - reply.started_at) * 1000)
            if finished > reply.first_token_at and len(pieces) > 1 and reply.kind == AnswerKind.GENERATED:
                report.tokens_per_s.append((len(pieces) - 1) / (finished - reply.first_token_at))
        if details is not None:
            details.write(json.dumps(_details_line(case, answer, reply, faithfulness), ensure_ascii=False) + "\n")
    return report


def _add(report: AnswerReport, case: AnswerCase, reply, answer: str, faithfulness) -> None:
    report.cases += 1
    report.kinds[str(reply.kind)] = report.kinds.get(str(reply.kind), 0) + 1
    declined = reply.kind == AnswerKind.FALLBACK
    if case.answerable:
        report.answerable += 1
        report.rouge_l += rouge_l(strip_citations(answer), case.answer)
        report.token_f1 += token_f1(strip_citations(answer), case.answer)
        report.declined += declined
    else:
        report.declined_unanswerable += declined
    cited = {source.doc_id for source in reply.cited_sources()}
    relevant = bool(cited & set(case.doc_ids))
    if case.doc_ids:
        report.with_doc_ids += 1
        report.cited_relevant += relevant
    if reply.kind == AnswerKind.APPROVED:
        report.approved += 1
        report.approved_right += relevant
    report.unsupported_number += bool(faithfulness.unsupported_numbers)
    if reply.kind not in (AnswerKind.FALLBACK, AnswerKind.ERROR):  # the bot's own messages are not answers
        report.sentences += faithfulness.sentences
        report.supported_sentences += faithfulness.supported_sentences


def answer_modes(manager: DialogueManager, modes: list[str]) -> Iterator[str]:
    """Switch the manager to each answer mode in turn (for `eval answers --compare`)."""
    original = manager.bot.answer_mode
    try:
        for mode in modes:
            manager.bot.answer_mode = mode
            yield mode
    finally:
        manager.bot.answer_mode = original
