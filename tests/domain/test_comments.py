"""Which comments are shown when there are too many: their rank, and the choice made from it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from survey_app.domain.comments import SHORT_COMMENT_WORDS, choose, comment_rank, display_text


def test_copies_of_a_comment_share_its_rank_whatever_their_case_and_spacing() -> None:
    rank = comment_rank("Leads from marketing are rarely followed up")
    assert comment_rank("  leads from MARKETING are\nrarely   followed up ") == rank
    assert comment_rank("Leads from marketing are often followed up") != rank


def test_blank_text_has_no_rank() -> None:
    assert comment_rank(None) is None
    assert comment_rank("") is None
    assert comment_rank(" \n\t ") is None


@given(st.text(min_size=1))
def test_a_rank_fits_a_signed_64_bit_column(text: str) -> None:
    rank = comment_rank(text)
    assert rank is None or -(2**63) <= rank < 2**63


@given(
    st.lists(st.text(alphabet="abc ", min_size=1), min_size=1), st.lists(st.text(alphabet="abc ", min_size=1))
)
def test_short_comments_rank_after_every_longer_one(longer: list[str], short: list[str]) -> None:
    long_ranks = [comment_rank(" ".join(["word"] * SHORT_COMMENT_WORDS + [text])) for text in longer]
    short_ranks = [comment_rank(" ".join(text.split()[: SHORT_COMMENT_WORDS - 1]) or "x") for text in short]
    assert all(s > r for s in short_ranks for r in long_ranks)


def test_the_choice_depends_on_the_texts_not_on_their_order() -> None:
    comments = [f"Remark number {n} about our leads" for n in range(40)]
    chosen = choose(comments, 10)
    assert len(chosen) == 10
    assert sorted(choose(list(reversed(comments)), 10)) == sorted(chosen)
    assert chosen != comments[:10]  # not simply the first to arrive
    assert choose(comments, None) == [
        comments[i] for i in sorted(range(40), key=lambda i: comment_rank(comments[i]))
    ]


def test_copies_are_chosen_once_as_the_first_to_arrive_shows_them() -> None:
    comments = ["Better   LEAD scoring please", "better lead scoring please", "Ok"]
    assert choose(comments, None) == ["Better LEAD scoring please", "Ok"]  # the short one last


def test_display_text_joins_spaces_on_one_line_and_keeps_line_breaks() -> None:
    assert display_text("  too   many  spaces ") == "too many spaces"
    assert display_text("  first line\n  second line  ") == "first line\n  second line"
