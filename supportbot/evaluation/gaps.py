"""The gaps report: questions the bot fell short on, grouped by meaning, biggest group first.

One line per group is what a support lead needs to decide which help-center page to write next:
how often it was asked, an example in a customer's words, why it fell short, and the page the bot
used if it used one. Questions are grouped by cosine similarity of their embeddings (the bot's
embedding model): each joins the group whose centre it is closest to, if at least `similarity`,
else starts a new one. benchmarks/gaps_grouping.py measures the threshold on paraphrase sets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from supportbot.store.gaps import Gap

DEFAULT_SIMILARITY = 0.65  # F1 is best at 0.6-0.65 on BANKING77 and StackFAQ; 0.65 mixes topics less (benchmarks/README.md)


@dataclass
class GapGroup:
    """Questions that ask the same thing."""

    gaps: list[Gap] = field(default_factory=list)
    example: str = ""  # the question closest to the group's centre

    @property
    def count(self) -> int:
        return len(self.gaps)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(reason for gap in self.gaps for reason in gap.reasons)

    @property
    def source(self) -> str:
        """The source the bot used most for these questions; "" when it used none."""
        used = Counter(gap.source for gap in self.gaps if gap.source)
        return used.most_common(1)[0][0] if used else ""

    @property
    def last_asked(self) -> float:
        return max(gap.asked_at for gap in self.gaps)

    def to_dict(self) -> dict:
        return {
            "count": self.count,
            "example": self.example,
            "reasons": dict(self.reasons),
            "source": self.source,
            "last_asked": self.last_asked,
            "questions": [gap.question for gap in self.gaps],
        }


def group_by_similarity(vectors: np.ndarray, similarity: float) -> list[list[int]]:
    """Row indexes grouped greedily: each row joins the most similar group centre (cosine >= `similarity`)."""
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    for row, vector in enumerate(vectors):
        if sums:
            centres = np.stack(sums)
            centres /= np.linalg.norm(centres, axis=1, keepdims=True)
            scores = centres @ vector
            best = int(np.argmax(scores))
            if scores[best] >= similarity:
                groups[best].append(row)
                sums[best] = sums[best] + vector
                continue
        groups.append([row])
        sums.append(vector.astype(np.float32).copy())
    return groups


def group_gaps(gaps: Sequence[Gap], embed: Callable[[list[str]], np.ndarray], similarity: float = DEFAULT_SIMILARITY) -> list[GapGroup]:
    """Groups of similar questions, the most asked first (then the most recently asked)."""
    if not gaps:
        return []
    vectors = np.asarray(embed([gap.question for gap in gaps]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    groups = []
    for rows in group_by_similarity(vectors, similarity):
        centre = vectors[rows].mean(axis=0)
        example = rows[int(np.argmax(vectors[rows] @ centre))]
        groups.append(GapGroup([gaps[row] for row in rows], gaps[example].question))
    return sorted(groups, key=lambda group: (-group.count, -group.last_asked))
