"""Which respondents' comments are shown when there are too many to list them all.

A comment's *rank* depends only on its text: a hash of the text with case and spacing
ignored, with comments of fewer than ``SHORT_COMMENT_WORDS`` words ranked after all
longer ones. The same comments always give the same choice, whatever their order of
arrival, and copies of one comment (however capitalized or spaced) share one rank.
The rank is stored with each response (``response.comment_rank``), so the database
picks the first ones from an index instead of reading every comment; ``choose`` is the
same choice made from the comments themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

#: Comments with fewer words are shown only when there are not enough longer ones.
SHORT_COMMENT_WORDS = 4

_HASH_BITS = 62
_SHORT = 1 << _HASH_BITS
#: Ranks are shifted into the signed 64-bit range of a BIGINT column.
_OFFSET = 1 << 63


def comment_rank(text: str | None) -> int | None:
    """The rank of a comment (a signed 64-bit integer), or None for no comment or blank text."""
    words = (text or "").casefold().split()
    if not words:
        return None
    digest = hashlib.sha256(" ".join(words).encode("utf-8")).digest()
    rank = int.from_bytes(digest[:8], "big") >> (64 - _HASH_BITS)
    if len(words) < SHORT_COMMENT_WORDS:
        rank += _SHORT
    return rank - _OFFSET


def display_text(comment: str) -> str:
    """A comment as shown: outer blanks removed, and runs of spaces made one on a single line."""
    return comment.strip() if "\n" in comment else " ".join(comment.split())


def choose(comments: Iterable[str], limit: int | None) -> list[str]:
    """Up to ``limit`` different comments (all when None), lowest ranks first, as shown.

    ``comments`` come in their order of arrival: of the copies of one comment (the same
    words, capitalized or spaced differently), the first to arrive is shown.
    """
    first_copies: dict[int, str] = {}
    for comment in comments:
        rank = comment_rank(comment)
        if rank is not None:
            first_copies.setdefault(rank, comment)
    ranks = sorted(first_copies)
    return [display_text(first_copies[rank]) for rank in (ranks if limit is None else ranks[:limit])]
