"""Customer questions the sample help center answers, shared by the channel benchmarks (slack.py, web.py)."""

QUESTIONS = [
    "How long do refunds take?",
    "Do you ship internationally?",
    "How do I start a return?",
    "Can I change my order after placing it?",
    "How do I reset my password?",
    "What does the warranty cover?",
    "Can I exchange an item for a different size?",
    "Which payment methods do you accept?",
    "My item arrived damaged, what should I do?",
    "How do I track my package?",
]
