import pytest

from supportbot.errors import DatasetError
from supportbot.evaluation.answer_metrics import rouge_l, token_f1
from supportbot.evaluation.answers import load_answer_cases


def test_token_f1_hand_computed():
    # prediction words: refunds take five days; reference: refunds take five to seven days
    # common 4, precision 4/4, recall 4/6 -> F1 = 2 * 1 * 2/3 / (1 + 2/3) = 0.8
    assert token_f1("Refunds take five days.", "Refunds take five to seven days") == pytest.approx(0.8)


def test_rouge_l_uses_longest_common_subsequence():
    # LCS of "w x y z" and "w y x z" is 3 words of 4 -> P = R = F = 0.75
    assert rouge_l("w x y z", "w y x z") == pytest.approx(0.75)
    assert rouge_l("", "something") == 0.0


def test_answer_cases_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text('{"question": "q", "answer": "a"}\n{"question": "only"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"qa\.jsonl:2"):
        load_answer_cases(path)


def test_answer_cases_read_doc_ids_and_reject_a_bare_string(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text('{"question": " Refunds? ", "answer": "Five days.", "doc_ids": ["faq.jsonl#3"]}\n', encoding="utf-8")
    [case] = load_answer_cases(path)
    assert (case.question, case.answer, case.doc_ids) == ("Refunds?", "Five days.", ("faq.jsonl#3",))
    path.write_text('{"question": "Refunds?", "answer": "Five days.", "doc_ids": "faq.jsonl#3"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r'qa\.jsonl:1: "doc_ids" must be a list'):
        load_answer_cases(path)


def test_answer_cases_not_utf8_is_one_line_error(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_bytes('{"question": "Größe?", "answer": "M"}\n'.encode("latin-1"))
    with pytest.raises(DatasetError, match=r"qa\.jsonl: not UTF-8 text .* re-save it as UTF-8"):
        load_answer_cases(path)


def test_chinese_answers_are_scored_character_by_character():
    # prediction 退款需五天 (5 characters), reference 退款需要五到七天 (8): common 退 款 需 五 天 = 5
    # F1: P = 5/5, R = 5/8 -> 2 * 5/8 / (1 + 5/8) = 10/13. ROUGE-L: the LCS is the same 5 characters, in order.
    assert token_f1("退款需五天。", "退款需要五到七天") == pytest.approx(10 / 13)
    assert rouge_l("退款需五天。", "退款需要五到七天") == pytest.approx(10 / 13)
    # One word per character whatever the spacing, and Traditional characters count as their Simplified forms.
    assert rouge_l("退款 需 五天", "退款需五天") == 1.0
    assert token_f1("退貨需五天", "退货需五天") == 1.0


def test_mixed_chinese_and_english_counts_english_words_and_chinese_characters():
    # Klarna 分 期 / Klarna 分 期 付 款 -> common 3, P = 1, R = 3/5 -> F1 = 0.75
    assert token_f1("Klarna分期", "Klarna 分期付款") == pytest.approx(0.75)


def test_answer_cases_read_history_and_answerable(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text(
        '{"question": "And for gift cards?", "answer": "Same.", "history": ["Refunds?"]}\n'
        '{"question": "Store in Chicago?", "answer": "No idea.", "answerable": false}\n',
        encoding="utf-8",
    )
    follow_up, unanswerable = load_answer_cases(path)
    assert follow_up.history == ("Refunds?",) and follow_up.answerable
    assert unanswerable.history == () and not unanswerable.answerable
    path.write_text('{"question": "q", "answer": "a", "answerable": "no"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r'qa\.jsonl:1: "answerable" must be true or false'):
        load_answer_cases(path)
