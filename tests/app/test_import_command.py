"""`flask responses import`: good files are stored whole; bad files store nothing and name every problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app import db
from survey_app.models import Response
from survey_app.responses import MAX_IMPORT_BYTES

from helpers import ITEM_IDS, csv_text, results_json

# Every statement plus the optional columns, deliberately not in questionnaire order.
SHUFFLED = [
    "k11", "k03", "comment", "k20", "k01", "k15", "team", "k08", "k19", "k06", "k12", "unit",
    "k02", "k17", "k09", "k14", "k05", "k18", "k10", "k04", "k16", "k13", "k07",
]  # fmt: skip
HEADER = ["team", *ITEM_IDS]


def answers(first: int, count: int = 20, rest: int | None = None) -> dict[str, int | None]:
    """``first`` for the first ``count`` statements (k01…), then ``rest`` (None = blank)."""
    return {item: (first if n < count else rest) for n, item in enumerate(ITEM_IDS)}


def row(team: str, values: dict[str, int | None], **extra: str) -> dict[str, object]:
    return {"team": team, **values, **extra}


def render(columns: list[str], rows: list[dict[str, object]], delimiter: str = ",") -> bytes:
    """A CSV file with ``columns`` in that order; cells missing from a row are blank."""
    return csv_text(columns, [[r.get(c) for c in columns] for r in rows], delimiter)


def good_line(team: str = "sales", value: int = 3) -> str:
    return ",".join([team] + [str(value)] * 20)


def lines_file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def do_import(runner, tmp_path: Path, slug: str, data: bytes, name: str = "responses.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["responses", "import", slug, str(path)])


def stored_responses(app) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(Response))


def problem_lines(result) -> list[str]:
    """The lines of stderr that name a problem (``line N…: reason``)."""
    return [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("line ")]


def assert_problem(result, line: int, column: str | None, reason: str) -> None:
    """stderr has one problem line naming this line, column and reason."""
    for text in problem_lines(result):
        where = text.split(":", 1)[0]
        right_place = where.split(",")[0] == f"line {line}" and (
            column is None or f"column {column}" in where
        )
        if right_place and reason in text:
            return
    pytest.fail(f"no problem 'line {line}, column {column}: …{reason}…' in stderr:\n{result.stderr}")


def assert_clean_failure(result) -> None:
    """A refused command: non-zero exit, a message on stderr, no output, no traceback."""
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stdout == ""
    assert result.stderr.strip()
    assert "Traceback" not in result.output


# --- good files --------------------------------------------------------------------------

SALES_ROWS = [
    row("sales", answers(4)),  # total 80
    row("sales", answers(3, 10, rest=4)),  # mean 3.5 → 70
    row("sales", answers(5, 16), unit="North"),  # 16 answered, mean 5 → pro-rated 100
    row("sales", answers(1, 15)),  # 15 answered: incomplete, never scored
]
MARKETING_ROWS = [
    row("Marketing", answers(2), unit="EMEA", comment="Fine"),  # 40
    row("Marketing", answers(4)),  # 80
    row("Marketing", answers(2, 18)),  # 18 answered, mean 2 → 40
    row("Marketing", answers(1)),  # 20
]


def test_good_file_prints_counts_per_team(runner, tmp_path, make_assessment):
    slug = make_assessment(min_group=3)
    result = do_import(runner, tmp_path, slug, render(SHUFFLED, SALES_ROWS + MARKETING_ROWS))
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "Imported 8 responses" in lines[0]
    assert "sales: 4 imported, 1 incomplete" in lines
    assert "marketing: 4 imported, 0 incomplete" in lines
    assert result.stderr == ""


def test_results_reflect_exactly_the_imported_responses(app, runner, tmp_path, make_assessment):
    slug = make_assessment(min_group=3)
    assert do_import(runner, tmp_path, slug, render(SHUFFLED, SALES_ROWS + MARKETING_ROWS)).exit_code == 0
    assert stored_responses(app) == 8
    data = results_json(runner, slug)
    sales, marketing = data["teams"]["sales"], data["teams"]["marketing"]

    # Sales: totals 80, 70, 100 scored; the 15-answer row only counts as incomplete.
    assert (sales["responses"], sales["incomplete"], sales["withheld"]) == (3, 1, False)
    assert sales["score"] == pytest.approx(250 / 3)
    assert sales["sd"] == pytest.approx(15.2752523)
    assert sales["ci95"] == pytest.approx([83.333333 - 37.946, 83.333333 + 37.946], abs=1e-3)
    assert sales["stage"] == "integrated"
    assert sales["items"]["k01"] == pytest.approx(4.0)  # 4, 3, 5 (the incomplete row's 1 is left out)
    assert sales["items"]["k11"] == pytest.approx(13 / 3)  # 4, 4, 5
    # 4, 4 (blank in the 16-answer row): two answers, fewer than the minimum group of 3
    assert sales["items"]["k17"] is None
    assert "k17" in sales["withheld_items"]
    assert sales["dimensions"]["culture"] == pytest.approx(37 / 9)  # k02, k10, k16: 4+4+4, 3+3+4, 5+5+5

    # Marketing ("Marketing" in the file): totals 40, 80, 40, 20.
    assert (marketing["responses"], marketing["incomplete"], marketing["withheld"]) == (4, 0, False)
    assert marketing["score"] == pytest.approx(45.0)
    assert marketing["sd"] == pytest.approx(25.1661148)
    assert marketing["stage"] == "defined"
    assert marketing["items"]["k01"] == pytest.approx(2.25)
    assert marketing["items"]["k20"] == pytest.approx(7 / 3)  # 2, 4, 1 (blank in the 18-answer row)

    assert data["overall"]["score"] == pytest.approx((250 / 3 + 45) / 2)
    assert data["overall"]["stage"] == "aligned"
    assert data["gap"]["score"] == pytest.approx(250 / 3 - 45)


def test_unit_and_comment_are_stored(app, runner, tmp_path, make_assessment):
    slug = make_assessment(min_group=3)
    assert do_import(runner, tmp_path, slug, render(SHUFFLED, SALES_ROWS + MARKETING_ROWS)).exit_code == 0
    with app.app_context():
        rows = db.get_session().execute(select(Response.unit, Response.comment)).all()
    assert sorted((r.unit or "", r.comment or "") for r in rows) == sorted(
        [("", "")] * 6 + [("North", ""), ("EMEA", "Fine")]
    )


def test_columns_need_no_optional_ones_and_header_case_is_ignored(runner, tmp_path, make_assessment):
    slug = make_assessment(min_group=3)
    header = ["TEAM", *(item.upper() for item in ITEM_IDS)]
    result = do_import(runner, tmp_path, slug, csv_text(header, [["SALES"] + [3] * 20] * 3))
    assert result.exit_code == 0, result.output
    assert results_json(runner, slug)["teams"]["sales"]["score"] == pytest.approx(60.0)


def test_semicolon_file_with_bom_as_excel_saves_it(app, runner, tmp_path, make_assessment):
    slug = make_assessment(min_group=3)
    lines = [
        ";".join(["Team", *reversed(ITEM_IDS), "Comment"]),
        ";".join(["Sales"] + ["4"] * 20 + ["Très bien, merci"]),
        ";".join(["Sales"] + ["4"] * 10 + ["2"] * 10 + [""]),
        ";".join(["Sales"] + ["3"] * 20 + [""]),
        ";".join(["marketing"] + [""] * 5 + ["5"] * 15 + [""]),
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    result = do_import(runner, tmp_path, slug, data)
    assert result.exit_code == 0, result.output
    assert "sales: 3 imported, 0 incomplete" in result.stdout
    assert "marketing: 1 imported, 1 incomplete" in result.stdout
    sales = results_json(runner, slug)["teams"]["sales"]
    assert sales["score"] == pytest.approx((80 + 60 + 60) / 3)
    # Reversed header: k20…k11 got 4, k10…k01 got 2 in the second row.
    assert sales["items"]["k20"] == pytest.approx((4 + 4 + 3) / 3)
    assert sales["items"]["k01"] == pytest.approx((4 + 2 + 3) / 3)
    with app.app_context():
        comments = (
            db.get_session().scalars(select(Response.comment).where(Response.comment.is_not(None))).all()
        )
    assert comments == ["Très bien, merci"]


def test_quoted_comment_with_delimiter_and_newline(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(
        ",".join([*HEADER, "comment"]),
        good_line() + ',"Good, but\nslow"',
        good_line("marketing") + ',"She said ""fine"""',
    )
    result = do_import(runner, tmp_path, slug, data)
    assert result.exit_code == 0, result.output
    with app.app_context():
        comments = db.get_session().scalars(select(Response.comment)).all()
    assert sorted(comments) == ["Good, but\nslow", 'She said "fine"']  # ids are random: no order


def test_problem_after_a_multi_line_comment_names_the_physical_line(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(
        ",".join([*HEADER, "comment"]),
        good_line() + ',"first line\nsecond line"',  # lines 2–3
        good_line("Finance") + ",",  # line 4
    )
    result = do_import(runner, tmp_path, slug, data)
    assert_clean_failure(result)
    assert len(problem_lines(result)) == 1
    assert_problem(result, 4, "team", "unknown team")
    assert stored_responses(app) == 0


# --- bad files: each is refused whole, with its line and column --------------------------

BAD_FILES = {
    "unknown team": (
        lines_file(",".join(HEADER), good_line(), good_line("Finance")),
        (3, "team", "unknown team"),
    ),
    "blank team": (
        lines_file(",".join(HEADER), good_line(), good_line("")),
        (3, "team", "missing"),
    ),
    "value 6": (
        lines_file(",".join(HEADER), "sales,6" + ",3" * 19, good_line()),
        (2, "k01", "out of range"),
    ),
    "value 0": (
        lines_file(",".join(HEADER), good_line(), "marketing" + ",3" * 19 + ",0"),
        (3, "k20", "out of range"),
    ),
    "negative value": (
        lines_file(",".join(HEADER), good_line(), "sales,3,-1" + ",3" * 18),
        (3, "k02", "out of range"),
    ),
    "decimal": (
        lines_file(",".join(HEADER), "sales,3,3,3.5" + ",3" * 17, good_line()),
        (2, "k03", "whole number"),
    ),
    "letter": (
        lines_file(",".join(HEADER), good_line(), good_line(), "sales" + ",3" * 9 + ",x" + ",3" * 10),
        (4, "k10", "whole number"),
    ),
    "unknown column": (
        lines_file(",".join([*HEADER, "region"]), good_line() + ",North"),
        (1, "region", "unknown column"),
    ),
    "duplicate column": (
        lines_file(",".join([*HEADER, "k07"]), good_line() + ",3"),
        (1, "k07", "duplicate column"),
    ),
    "duplicate column differing in case": (
        lines_file(",".join([*HEADER, "Team"]), good_line() + ",sales"),
        (1, "team", "duplicate column"),
    ),
    "missing item column": (
        lines_file(",".join(HEADER[:-1]), ",".join(["sales"] + ["3"] * 19)),
        (1, "k20", "missing column"),
    ),
    "missing team column": (
        lines_file(",".join(ITEM_IDS), ",".join(["3"] * 20)),
        (1, "team", "missing column"),
    ),
    "too few fields": (
        lines_file(",".join(HEADER), good_line(), ",".join(["sales"] + ["3"] * 19)),
        (3, None, "fields"),
    ),
    "too many fields": (
        lines_file(",".join(HEADER), good_line() + ",3", good_line()),
        (2, None, "fields"),
    ),
    "empty file": (b"", (1, None, "empty")),
    "only a byte-order mark": (b"\xef\xbb\xbf", (1, None, "empty")),
    "header only": (lines_file(",".join(HEADER)), (1, None, "no responses")),
    "unit longer than 100 characters": (
        lines_file(",".join([*HEADER, "unit"]), good_line() + "," + "u" * 101),
        (2, "unit", "100"),
    ),
    "latin-1 text": (
        lines_file(",".join([*HEADER, "comment"]), good_line() + ",ok")
        + (good_line() + ",café\n").encode("latin-1"),
        (3, None, "UTF-8"),
    ),
}


@pytest.mark.parametrize(("data", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused_whole_with_line_and_column(
    app, runner, tmp_path, make_assessment, data, expected
):
    slug = make_assessment()
    assert (
        do_import(runner, tmp_path, slug, lines_file(",".join(HEADER), good_line()), "first.csv").exit_code
        == 0
    )
    assert stored_responses(app) == 1
    before = results_json(runner, slug)

    result = do_import(runner, tmp_path, slug, data)

    assert_clean_failure(result)
    assert "nothing imported" in result.stderr
    line, column, reason = expected
    assert_problem(result, line, column, reason)
    assert stored_responses(app) == 1
    assert results_json(runner, slug) == before


def test_every_problem_in_a_file_is_listed(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(
        ",".join(HEADER),
        good_line("Finance"),  # line 2: unknown team
        good_line(),  # line 3: fine
        "marketing" + ",3" * 4 + ",7" + ",3" * 15,  # line 4: k05 out of range
        "sales" + ",3" * 11 + ",2.0" + ",3" * 8,  # line 5: k12 not a whole number
    )
    result = do_import(runner, tmp_path, slug, data)
    assert_clean_failure(result)
    assert len(problem_lines(result)) == 3
    assert_problem(result, 2, "team", "unknown team")
    assert_problem(result, 4, "k05", "out of range")
    assert_problem(result, 5, "k12", "whole number")
    assert stored_responses(app) == 0


def test_several_problems_in_one_row_are_all_listed(runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(",".join(HEADER), "HR,6,0,3.5,x" + ",3" * 16)
    result = do_import(runner, tmp_path, slug, data)
    assert_clean_failure(result)
    assert len(problem_lines(result)) == 5
    assert_problem(result, 2, "team", "unknown team")
    assert_problem(result, 2, "k01", "out of range")
    assert_problem(result, 2, "k02", "out of range")
    assert_problem(result, 2, "k03", "whole number")
    assert_problem(result, 2, "k04", "whole number")


def test_several_header_problems_are_all_listed(runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(",".join(["team", *ITEM_IDS[:-1], "k01", "region"]), good_line("sales") + ",3")
    result = do_import(runner, tmp_path, slug, data)
    assert_clean_failure(result)
    assert len(problem_lines(result)) == 3
    assert_problem(result, 1, "k01", "duplicate column")
    assert_problem(result, 1, "region", "unknown column")
    assert_problem(result, 1, "k20", "missing column")


def test_blank_lines_are_skipped_but_counted(runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(",".join(HEADER), good_line(), "", "," * 20, good_line("Finance"))
    result = do_import(runner, tmp_path, slug, data)
    assert_clean_failure(result)
    assert len(problem_lines(result)) == 1
    assert_problem(result, 5, "team", "unknown team")


# --- the limits of the workspace's import page ------------------------------------------


def padded_to(size: int) -> bytes:
    """A good one-response file, made ``size`` bytes long with blank lines (which are skipped)."""
    data = lines_file(",".join(HEADER), good_line())
    return data + b"\n" * (size - len(data))


def test_a_file_over_5_mb_is_refused_in_the_words_of_the_import_page(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    result = do_import(runner, tmp_path, slug, padded_to(MAX_IMPORT_BYTES + 1))
    assert_clean_failure(result)
    assert result.stderr.strip() == (
        "Error: The file is larger than 5 MB. Split it into smaller files and import each."
    )
    assert stored_responses(app) == 0


def test_a_file_of_exactly_5_mb_is_imported(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    result = do_import(runner, tmp_path, slug, padded_to(MAX_IMPORT_BYTES))
    assert result.exit_code == 0, result.output
    assert stored_responses(app) == 1


# --- wrong arguments ---------------------------------------------------------------------


def test_unknown_slug_is_one_line_on_stderr(app, runner, tmp_path):
    result = do_import(runner, tmp_path, "no-such-assessment", lines_file(",".join(HEADER), good_line()))
    assert_clean_failure(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error:")
    assert "no-such-assessment" in lines[0]
    assert stored_responses(app) == 0


def test_missing_file_is_one_line_on_stderr(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    result = runner.invoke(args=["responses", "import", slug, str(tmp_path / "absent.csv")])
    assert_clean_failure(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error:")
    assert "absent.csv" in lines[0]


def test_missing_file_argument_is_one_line_on_stderr(runner, make_assessment):
    slug = make_assessment()
    result = runner.invoke(args=["responses", "import", slug])
    assert_clean_failure(result)
    assert len(result.stderr.strip().splitlines()) == 1


def test_nul_byte_in_a_comment_never_crashes(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(",".join([*HEADER, "comment"]), good_line() + ",a\x00b")
    result = do_import(runner, tmp_path, slug, data)
    if result.exit_code == 0:
        assert stored_responses(app) == 1
    else:  # refusing the byte is as good, as long as it is a named problem
        assert_clean_failure(result)
        assert_problem(result, 2, "comment", "")
        assert stored_responses(app) == 0


# --- hostile files --------------------------------------------------------------------------------


def test_an_answer_of_five_thousand_digits_is_a_problem_not_a_traceback(
    app, runner, tmp_path, make_assessment
):
    slug = make_assessment()
    huge = "9" * 5000
    result = do_import(
        runner, tmp_path, slug, lines_file(",".join(HEADER), good_line(), f"sales,{huge}" + ",3" * 19)
    )
    assert_clean_failure(result)
    assert_problem(result, 3, "k01", "is out of range (1–5)")
    assert huge not in result.stderr  # the cell is named, not copied whole
    assert stored_responses(app) == 0


def test_an_unterminated_quote_names_the_line_it_opens_on(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    header = ",".join([*HEADER, "comment"])
    lines = [good_line() + ",fine" for _ in range(11)]
    lines[1] = good_line() + ',"this comment never closes'
    result = do_import(runner, tmp_path, slug, lines_file(header, *lines))
    assert_clean_failure(result)
    assert_problem(result, 3, None, "closing quote")
    assert stored_responses(app) == 0


def test_a_quoted_comment_over_several_lines_still_imports(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(",".join([*HEADER, "comment"]), good_line() + ',"two\nlines"', good_line() + ",x")
    result = do_import(runner, tmp_path, slug, data)
    assert result.exit_code == 0, result.output
    assert stored_responses(app) == 2


def test_the_problems_listed_stop_at_200_with_the_count_of_all(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    bad_rows = [",".join(["finance"] + ["7"] * 20)] * 100  # 21 problems a row: 2,100 in all
    result = do_import(runner, tmp_path, slug, lines_file(",".join(HEADER), *bad_rows))
    assert_clean_failure(result)
    assert len(problem_lines(result)) == 200
    assert "2,100 problems" in result.stderr
    assert "1,900 more" in result.stderr
    assert stored_responses(app) == 0


def test_a_nul_in_a_cell_is_a_problem_naming_its_column(app, runner, tmp_path, make_assessment):
    slug = make_assessment()
    data = lines_file(
        ",".join([*HEADER, "comment"]), good_line() + ",ok\x00", good_line().replace(",3", ",\x00", 1) + ","
    )
    result = do_import(runner, tmp_path, slug, data)
    assert_clean_failure(result)
    assert_problem(result, 2, "comment", "NUL")
    assert_problem(result, 3, "k01", "not a whole number")
    assert stored_responses(app) == 0
