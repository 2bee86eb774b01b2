"""The CSV parser on its own: edge cases of real-world files."""

import pytest

from survey_app.domain.importing import ImportRejected, parse_responses_csv
from survey_app.domain.questionnaire import load_questionnaire

from helpers import KOTLER_PATH

Q = load_questionnaire(KOTLER_PATH)
TEAMS = {"sales": "Sales", "marketing": "Marketing"}
HEADER = ",".join(["team", *Q.item_ids])


def parse(text: str):
    return parse_responses_csv(text.encode("utf-8"), Q, TEAMS)


def test_leading_blank_lines_are_skipped_and_lines_still_counted() -> None:
    rows = parse("\n\n" + HEADER + "\n" + "sales" + ",3" * 20 + "\n")
    assert [(row.line, row.team) for row in rows] == [(4, "sales")]
    assert rows[0].answers["k20"] == 3


@pytest.mark.parametrize("cell", ["+3", "٣", "3.0", " 3 x"])
def test_only_plain_ascii_whole_numbers_are_answers(cell: str) -> None:
    with pytest.raises(ImportRejected) as rejected:
        parse(HEADER + "\nsales," + cell + ",3" * 19 + "\n")
    assert [str(p) for p in rejected.value.problems] == [
        f"line 2, column k01: {cell.strip()!r} is not a whole number"
    ]


def test_negative_number_is_out_of_range() -> None:
    with pytest.raises(ImportRejected) as rejected:
        parse(HEADER + "\nsales,-1" + ",3" * 19 + "\n")
    assert str(rejected.value.problems[0]) == "line 2, column k01: -1 is out of range (1–5)"


def test_nul_character_in_comment_is_a_named_problem() -> None:
    with pytest.raises(ImportRejected) as rejected:
        parse(HEADER + ",comment\nsales" + ",3" * 20 + ",a\x00b\n")
    assert str(rejected.value.problems[0]) == "line 2, column comment: contains a NUL character"
