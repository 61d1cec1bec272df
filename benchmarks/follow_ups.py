"""Follow-ups and changes of subject: each question asked alone, after an unrelated question, and as a follow-up.

The bot reads a question together with the previous one only when it follows up on it
(bot/dialogue.py, `DialogueManager._read`). The reference, measured in the same run, is what it did
before: every question after the first read with the previous one. Sets, extractive mode (no model
call: the ranking that grounded answers fall back to and quote from):

- sample: the sample docs' answer set (supportbot/sample_data/eval/answers.jsonl), its 55 questions
  that are not follow-ups asked alone, then each after another of its answerable questions that shares
  none of its documents (a customer changing the subject; 15 of them the docs don't answer);
- follow-ups: that set's 6 follow-ups and the 14 of benchmarks/data/follow_ups.jsonl;
- zh: the same three for the Chinese sample docs (supportbot/sample_data/eval/answers-zh.jsonl, 3 follow-ups);
- stackfaq: 60 StackFAQ queries (every fifth of the first 300) alone and after another entry's query.

Per set: ROUGE-L against the references, how often a cited source is relevant, declines of answerable
and of unanswerable questions.

    flock /tmp/supportbot-cpu.lock env PYTHONPATH=$PWD .venv/bin/python benchmarks/follow_ups.py
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.app import build_index, create_embedder, dialogue_manager_for_index
from supportbot.bot.dialogue import DialogueManager, Reading, merge_hits
from supportbot.config import Config
from supportbot.evaluation.answers import AnswerCase, evaluate_answers, load_answer_cases
from supportbot.evaluation.beir import load_beir
from supportbot.evaluation.retrieval_eval import build_eval_index
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO / "supportbot" / "sample_data" / "eval"
STACKFAQ = REPO.parent / "shared" / "data" / "stackfaq"


class NoModel:
    """Extractive answers call no model: this one says so if they ever did."""

    def stream(self, *args, **kwargs):
        raise RuntimeError("extractive mode called the model")


def always_with_previous(manager: DialogueManager) -> DialogueManager:
    """The reference: every question after the first read with the previous one, as the bot did before."""

    def read(question, history, language=""):
        previous = next((m["content"] for m in reversed(history) if m["role"] == "user"), None)
        hits = manager.retriever.retrieve(question)
        if not previous:
            return Reading(question, hits[: manager.top_k])
        text = f"{previous}\n{question}"
        return Reading(text, merge_hits(hits, manager.retriever.retrieve(text))[: manager.top_k])

    manager._read = read
    return manager


def after_another(cases: list[AnswerCase]) -> list[AnswerCase]:
    """Each case asked after an answerable question of the set that shares none of its documents (fixed choice)."""
    pool = [case for case in cases if case.answerable and not case.history]
    changed = []
    for number, case in enumerate(cases):
        for step in range(len(pool)):
            other = pool[(number * 7 + 3 + step) % len(pool)]
            if other.question != case.question and not set(other.doc_ids) & set(case.doc_ids):
                changed.append(replace(case, history=(other.question,)))
                break
    return changed


def figures(manager: DialogueManager, cases: list[AnswerCase]) -> str:
    report = evaluate_answers(manager, cases, show_progress=False).to_dict()
    cells = [report["rouge_l"], report["cited_relevant_rate"], report["decline_rate"], report["decline_rate_unanswerable"]]
    return " / ".join("-" if value is None else f"{value:.3f}" for value in cells)


def main() -> int:
    config = Config()
    config.bot.answer_mode = "extractive"
    embedder = create_embedder(config)
    embedder.warm_up()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        sample, zh = load_answer_cases(EVAL / "answers.jsonl"), load_answer_cases(EVAL / "answers-zh.jsonl")
        beir = load_beir(STACKFAQ)
        queries = list(beir.queries.items())[:300:5]
        stackfaq = [AnswerCase(text, beir.corpus[next(iter(beir.qrels[q]))].text, tuple(beir.qrels[q])) for q, text in queries]
        indexes = {name: folder / name for name in ("sample", "zh", "stackfaq")}
        build_index(config, ["bundled:sample-docs"], indexes["sample"], show_progress=False, embedder=embedder)
        build_index(config, [str(REPO / "supportbot" / "sample_data" / "docs-zh")], indexes["zh"], show_progress=False, embedder=embedder)
        build_eval_index(config, beir, indexes["stackfaq"], embedder, False)
        follow_ups = [case for case in sample if case.history] + load_answer_cases(REPO / "benchmarks" / "data" / "follow_ups.jsonl")
        sets = [
            ("sample", [case for case in sample if not case.history], follow_ups),
            ("zh", [case for case in zh if not case.history], [case for case in zh if case.history]),
            ("stackfaq", stackfaq, []),
        ]
        print("each cell: ROUGE-L / cited source relevant / declined, answerable / declined, not answerable\n")
        print("| set | cases | asked alone | after another question: reference | after another question: default "
              "| follow-ups | follow-ups: reference | follow-ups: default |")
        print("| --- " * 8 + "|")
        for name, alone, follow in sets:
            index = load_index(indexes[name])

            def manager(reference: bool, index=index) -> DialogueManager:
                store = ConversationStore(Path(tempfile.mkstemp(suffix=".sqlite3", dir=folder)[1]))
                built = dialogue_manager_for_index(config, index, embedder, NoModel(), store)
                return always_with_previous(built) if reference else built

            changed = after_another(alone)
            row = [name, str(len(alone)), figures(manager(False), alone), figures(manager(True), changed), figures(manager(False), changed)]
            row += [str(len(follow)), figures(manager(True), follow), figures(manager(False), follow)] if follow else ["0", "-", "-"]
            print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
