"""Which passwords are too weak to set, and why (pure: no Flask, no database).

Length alone does not make a password hard to guess: "password1234" has twelve
characters. The strength is estimated by zxcvbn (Dropbox's estimator, MIT licence, in its
Python port on PyPI), which knows the 30,000 most common passwords of leaked lists, common
words and names, keyboard rows, sequences, repeats, dates and l33t spellings. A password
that it scores below ``MIN_SCORE`` (fewer than about 10^8 guesses) is refused. So is one
holding the person's e-mail name, or the product's own words, which an attacker tries first.
"""

from __future__ import annotations

import re
import threading

MIN_LENGTH = 12
#: zxcvbn's score from 0 to 4; 3 means "safely unguessable: moderate protection from an
#: offline attack on a slow hash" (10^8 guesses or more).
MIN_SCORE = 3
#: zxcvbn refuses longer input (its matching grows fast); the start of a long password is
#: judged, which can only err towards refusing it.
ESTIMATED_LENGTH = 72
#: The product's words: the first ones tried against a password of this site.
PRODUCT_WORDS = ("sales", "marketing", "alignment", "survey")
#: Pieces of an e-mail's name shorter than this are too common to refuse ("ann" in "planning").
MIN_NAME_PIECE = 4

#: zxcvbn keeps the user's words in a module-level dictionary during a call, so calls from
#: two threads must not overlap.
_estimating = threading.Lock()


def _letters(text: str) -> str:
    """``text`` lower-cased, letters and digits only: "Ann.Smith" -> "annsmith"."""
    return re.sub(r"[\W_]+", "", text.lower())


def email_name_pieces(email: str) -> list[str]:
    """The parts of the e-mail's name worth refusing: the whole name and its longer pieces."""
    name = email.partition("@")[0].lower()
    pieces = [_letters(name)] + [_letters(piece) for piece in re.split(r"[\W_]+", name)]
    return sorted({piece for piece in pieces if len(piece) >= MIN_NAME_PIECE}, key=len, reverse=True)


def _estimate(password: str, hints: list[str]) -> tuple[int, str]:
    """zxcvbn's score of ``password`` and its warning ("" when it has none)."""
    # Imported when first needed: its word lists cost a tenth of a second and some megabytes,
    # which server processes that never set a password (respondents' pages) do not pay.
    from zxcvbn import zxcvbn

    with _estimating:
        result = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=hints)
    return result["score"], result["feedback"]["warning"]


def weakness(password: str, email: str = "") -> str | None:
    """Why ``password`` may not be set for the account ``email``, completing "The password …";
    None when it may."""
    if len(password) < MIN_LENGTH:
        return f"must have at least {MIN_LENGTH} characters"
    letters = _letters(password)
    if any(piece in letters for piece in email_name_pieces(email)):
        return "must not contain your e-mail address or your name"
    if any(word in letters for word in PRODUCT_WORDS):
        return f"must not contain the name of this product ({', '.join(PRODUCT_WORDS)})"
    score, warning = _estimate(password, [*email_name_pieces(email), *PRODUCT_WORDS])
    if score < MIN_SCORE:
        why = warning.rstrip(".").lower() if warning else "it is close to passwords that attackers try first"
        return (
            f"is too easy to guess ({why}). Try three or four unrelated words, or let a password"
            " manager make one"
        )
    return None
