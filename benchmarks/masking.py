"""How long masking takes on long, hostile messages: every pattern of supportbot/privacy.py, and `redact` whole.

Masking runs on every log line and stored message, so no pattern may backtrack its way through a long message
that keeps nearly matching. Each seed below (runs that start like a card, a phone, an address, an ID number or a
named security code without finishing as one, and runs that finish as one thousands of times, such as 100 kB of
phone numbers a space apart, which `redact` then splits) is repeated into
100 kB; the figure is the slowest seed's time, the quickest of three runs. Reference in the same run: a linear scan
of the same text for digit runs (`\\d+`), what any pattern must at least do. Target: under 30 ms a pattern.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/masking.py
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot import privacy
from supportbot.privacy import redact

SIZE = 100_000
TARGET_MS = 30.0
SEEDS = [
    "a", "1", " ", "1 ", "12 ", "1234 ", "4111 ", "1-", "1.", "a.", "a@", "a-", "a at ", "a at a.", "a dot ",
    "a(at)", "(at) ", "at ", " at a", "jane at example.com ", "\njane at example.com", "email is ", "email jane ",
    "cvv ", "cvv 1", "security code ", "card security code cvv ", "cvv: 12", "CID 12345 ", "安全码", "code ",
    "123-45-", "123 45 ", "123-45-67890 ", "AB 12 34 56 ", "ab12", "AB123456", "11010519491231", "110105 ",
    "11010519491231002 ", "订单号", "order ", "+1 ", "(555) ", "00 ", "12/27 ", "4111 1111 1111 1111 ",
    "12345 4111 ", "12345 4111 1111 1111 ", "1 4111 1111 1111 111", "DE89 ", "de89 3704 ", " \t", "\t1",
    "jane(at)example(dot)com ", "jane dot doe at ", "Visa,4111111111111111,", "call me,+1 415 555 0100,",
    "1,", "12,", "1234,", ",1", "1,2", "12/27,", "4111111111111111,", "4111111111111111,12/27,", "cvv 123,",
    "09/27,123,", "13812345678,", "+14155550100,", "020 7946 0958,", "1,234,567,", "0,4111111111111111 ",
    "cvv-", "cvv-12", "CVV-2-", "4111 1111 1111 1111 09/27 ", "4111 1111 1111 1111 09/27 123 ", "09/27 123 ",
    "1,4111111111111111,", "9,4111 ", "ssn ", "ssn 12345678", "SSN is 12345678 ", "身份证号", "身份证号11010549123100",
    "ID card no. 110105 ", "555-123-4567 ", "+14155550100 ", "+1 415 555 0100 ", "020 7946 0958 ", "13812345678 ",
    "06 12 34 56 78 ", "+33 6 12 34 56 78 ", "555-123-4567 1",
]
PATTERNS = (
    "EMAIL", "SPELLED_EMAIL", "WORD_AT_EMAIL", "CARD", "SECURITY_CODE", "IBAN", "PHONE", "PHONE_ROW", "CN_MOBILE", "SSN", "NAMED_SSN",
    "NINO", "CN_ID", "OLD_CN_ID",
)


def quickest_of_three(run: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def slowest_seed(run_on: Callable[[str], object], texts: dict[str, str]) -> tuple[float, str]:
    return max((quickest_of_three(lambda text=text: run_on(text)), seed) for seed, text in texts.items())


def main() -> None:
    texts = {seed: (seed * (SIZE // len(seed) + 1))[:SIZE] for seed in SEEDS}
    digits = re.compile(r"\d+")
    rows = [("reference: \\d+ scan", *slowest_seed(lambda text: sum(1 for _ in digits.finditer(text)), texts))]
    for name in PATTERNS:
        pattern = getattr(privacy, name, None)
        if pattern is not None:
            rows.append((name, *slowest_seed(lambda text, p=pattern: sum(1 for _ in p.finditer(text)), texts)))
    rows.append(("redact (every pattern)", *slowest_seed(redact, texts)))
    print(f"100 kB of each of {len(SEEDS)} hostile seeds; the slowest seed, quickest of 3 runs; target {TARGET_MS:.0f} ms a pattern")
    print(f"{'pattern':<26}{'ms':>8}  slowest seed")
    for name, seconds, seed in rows:
        print(f"{name:<26}{seconds * 1000:>8.1f}  {seed!r}")


if __name__ == "__main__":
    main()
