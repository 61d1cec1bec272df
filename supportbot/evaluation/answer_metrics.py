"""Answer-overlap metrics as used for SQuAD-style and summarisation evaluation.

Token F1 compares bags of normalised words (lowercased, punctuation and articles removed);
ROUGE-L is the F-measure of the longest common subsequence of words. In Chinese and Japanese each
character counts as a word (character-level ROUGE-L and F1), see `metric_words`.
"""

from __future__ import annotations

from collections import Counter

from supportbot.text.analyzers import metric_words


def token_f1(prediction: str, reference: str) -> float:
    predicted, expected = metric_words(prediction), metric_words(reference)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if not predicted or not expected or not common:
        return float(predicted == expected)
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for word in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if word == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    predicted, expected = metric_words(prediction), metric_words(reference)
    if not predicted or not expected:
        return float(predicted == expected)
    lcs = _lcs_length(predicted, expected)
    if not lcs:
        return 0.0
    precision, recall = lcs / len(predicted), lcs / len(expected)
    return 2 * precision * recall / (precision + recall)
