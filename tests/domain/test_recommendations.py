"""Unit tests of the recommendations library and the rules that choose from it."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from survey_app.domain.path import path_to_next
from survey_app.domain.questionnaire import Questionnaire
from survey_app.domain.recommendations import (
    SOURCES,
    Library,
    LibraryError,
    choose,
    coverage_problems,
    gap_direction,
    load_library,
    parse_library,
)
from survey_app.domain.scoring import (
    AssessmentResult,
    GapResult,
    ItemGap,
    OverallResult,
    TeamResult,
    assess,
    summarize,
)

from helpers import ITEM_IDS, ROOT, uniform

LIBRARY_PATH = ROOT / "reports" / "recommendations.yaml"
DIMENSIONS = ["communication", "planning", "process_metrics", "culture", "customer", "structure"]
TRANSITIONS = ["undefined->defined", "defined->aligned", "aligned->integrated"]
KOTLER = "Kotler, Rackham & Krishnaswamy (2006)"


def entry(entry_id: str, applies_to: dict[str, str], body: str = "One sentence. Two sentences.") -> dict:
    return {
        "id": entry_id,
        "applies_to": applies_to,
        "title": entry_id.title(),
        "body": body,
        "source": KOTLER,
    }


def small_library_data() -> dict[str, Any]:
    """A hand-made library whose ids say what each entry applies to."""
    entries = []
    for transition in TRANSITIONS:
        lower, upper = transition.split("->")
        entries += [entry(f"move-{lower}-{upper}-{n}", {"transition": transition}) for n in (1, 2)]
    entries.append(entry("hold-1", {"hold": "integrated"}))
    for dim in DIMENSIONS:
        entries += [entry(f"dim-{dim}-{n}", {"dimension": dim}) for n in (1, 2)]
    entries += [entry(f"gap-{item}", {"gap_item": item}) for item in ITEM_IDS]
    entries.append(entry("caution-1", {"caution": "integration-not-always-needed"}))
    return {"recommendations": entries}


@pytest.fixture(scope="module")
def library(q: Questionnaire) -> Library:
    return parse_library(small_library_data(), "small", q)


def ids(entries: Any) -> list[str]:
    return [e.id for e in entries]


def teams_result(
    q: Questionnaire,
    score: float,
    dimensions: dict[str, dict[str, float]] | None = None,
    gaps: dict[str, float | None] | None = None,
) -> AssessmentResult:
    """Sales and Marketing built directly: given dimension means (3.0 elsewhere) and item gaps.

    ``gaps=None`` means no gap result at all (as when Marketing is withheld).
    """
    dimensions = dimensions or {}
    stage = q.stage_for(score).id
    teams = {
        key: TeamResult(
            key,
            5,
            0,
            False,
            score=score,
            stage=stage,
            dimensions={dim: dimensions.get(key, {}).get(dim, 3.0) for dim in DIMENSIONS},
            items=dict.fromkeys(ITEM_IDS, 3.0),
        )
        for key in ("sales", "marketing")
    }
    gap = None
    if gaps is not None:
        items = {item: ItemGap(gaps.get(item, 0.0), None) for item in ITEM_IDS}
        gap = GapResult(("sales", "marketing"), 0.0, None, items)
    return AssessmentResult(teams, OverallResult(score, stage, ("sales", "marketing")), gap)


# --- the shipped library ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(q: Questionnaire) -> Library:
    return load_library(LIBRARY_PATH, q)


def test_shipped_library_loads_and_covers_everything(q: Questionnaire, shipped: Library) -> None:
    assert coverage_problems(shipped, q) == []
    for transition in TRANSITIONS:
        assert len(shipped.matching("transition", transition)) >= 1, transition
    assert len(shipped.matching("hold", "integrated")) >= 1
    assert len(shipped.matching("caution", "integration-not-always-needed")) == 1
    for dim in DIMENSIONS:
        assert len(shipped.matching("dimension", dim)) >= 2, dim
    for item in ITEM_IDS:
        assert len(shipped.matching("gap_item", item)) == 1, item


def test_shipped_library_entries_are_well_formed(shipped: Library) -> None:
    for rec in shipped.entries:
        sentences = re.findall(r"[.?!](?=\s|$)", rec.body)
        assert 2 <= len(sentences) <= 4, rec.id
        assert rec.source in SOURCES
        assert "  " not in rec.body  # folded YAML text is joined into single spaces
    assert shipped.matching("dimension", "process_metrics")[0].source == "Practitioner literature (themes)"
    assert any("service-level agreement" in r.title for r in shipped.matching("dimension", "process_metrics"))
    assert ids(shipped.matching("transition", "undefined->defined"))[0] == (
        "move-undefined-defined-rules-of-engagement"
    )


def test_coverage_problems_name_what_is_missing(q: Questionnaire) -> None:
    data = small_library_data()
    data["recommendations"] = [
        e for e in data["recommendations"] if e["id"] not in {"dim-culture-2", "gap-k07", "hold-1"}
    ]
    assert coverage_problems(parse_library(data, "small", q), q) == [
        "hold 'integrated': 0 entries, needs 1",
        "dimension 'culture': 1 entries, needs 2",
        "gap_item 'k07': 0 entries, needs 1",
    ]


# --- loader errors ------------------------------------------------------------------------


def library_error(q: Questionnaire, data: Any) -> str:
    with pytest.raises(LibraryError) as info:
        parse_library(data, "recs.yaml", q)
    return str(info.value)


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(small_library_data())
    change(data["recommendations"])
    return data


def test_duplicate_id_names_both_entries(q: Questionnaire) -> None:
    def duplicate(entries: list[dict]) -> None:
        entries[3]["id"] = "move-undefined-defined-1"

    message = library_error(q, broken(duplicate))
    assert message == (
        "recs.yaml: recommendations[3] (move-undefined-defined-1): id:"
        " 'move-undefined-defined-1' is already used by recommendations[0]"
    )


def test_unknown_dimension_names_entry_and_field(q: Questionnaire) -> None:
    def unknown(entries: list[dict]) -> None:
        entries[7]["applies_to"] = {"dimension": "sales_ops"}

    message = library_error(q, broken(unknown))
    assert (
        "recommendations[7] (dim-communication-1): applies_to.dimension: unknown dimension 'sales_ops'"
        in (message)
    )
    assert "known: communication, planning" in message


def test_empty_body_names_entry_and_field(q: Questionnaire) -> None:
    def empty(entries: list[dict]) -> None:
        entries[2]["body"] = "   "

    message = library_error(q, broken(empty))
    assert message == "recs.yaml: recommendations[2] (move-defined-aligned-1): body: must be non-empty text"


@pytest.mark.parametrize(
    ("applies_to", "expected"),
    [
        ({"gap_item": "k21"}, "applies_to.gap_item: unknown statement 'k21'"),
        (
            {"transition": "undefined->aligned"},
            "applies_to.transition: unknown transition 'undefined->aligned'",
        ),
        ({"hold": "aligned"}, "applies_to.hold: unknown hold 'aligned' (known: integrated)"),
        ({"caution": "be-careful"}, "applies_to.caution: unknown caution 'be-careful'"),
        ({"stage": "defined"}, "applies_to: unknown kind 'stage'"),
        ({"hold": "integrated", "dimension": "culture"}, "applies_to: must have exactly one of"),
        ("integrated", "applies_to: must have exactly one of"),
    ],
)
def test_bad_applies_to_is_refused(q: Questionnaire, applies_to: Any, expected: str) -> None:
    def change(entries: list[dict]) -> None:
        entries[0]["applies_to"] = applies_to

    message = library_error(q, broken(change))
    assert f"recommendations[0] (move-undefined-defined-1): {expected}" in message


def test_other_field_problems_are_all_reported(q: Questionnaire) -> None:
    def change(entries: list[dict]) -> None:
        entries[0]["source"] = "HBR"
        entries[1]["titel"] = "typo"
        entries[2]["id"] = "Bad Id"
        entries[3]["title"] = None
        entries[4] = "not a mapping"

    problems = library_error(q, broken(change)).splitlines()
    assert problems == [
        "recs.yaml: recommendations[0] (move-undefined-defined-1): source: must be one of"
        " 'Kotler, Rackham & Krishnaswamy (2006)', 'Practitioner literature (themes)', got 'HBR'",
        "recs.yaml: recommendations[1] (move-undefined-defined-2): unknown field 'titel'",
        "recs.yaml: recommendations[2] (Bad Id): id: must be lower-case letters, digits, '-' or '_',"
        " got 'Bad Id'",
        "recs.yaml: recommendations[3] (move-defined-aligned-2): title: must be non-empty text",
        "recs.yaml: recommendations[4]: must be a mapping of fields (id, applies_to, title, body, source)",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "(top level): must be a mapping with one field, recommendations"),
        ({"recommendations": []}, "recommendations: must be a non-empty list of entries"),
    ],
)
def test_bad_top_level_is_refused(q: Questionnaire, data: Any, expected: str) -> None:
    assert library_error(q, data) == f"recs.yaml: {expected}"


def test_load_library_reports_bad_yaml(q: Questionnaire, tmp_path: Path) -> None:
    path = tmp_path / "recs.yaml"
    path.write_text("recommendations: [\n", encoding="utf-8")
    with pytest.raises(LibraryError, match="is not valid YAML"):
        load_library(path, q)
    path.write_text(yaml.safe_dump(small_library_data()), encoding="utf-8")
    assert len(load_library(path, q).entries) == 3 * 2 + 1 + 6 * 2 + 20 + 1


# --- rule (a): the moves, and (d): the caution ----------------------------------------------


@pytest.mark.parametrize(
    ("answer", "stage", "moves", "cautions"),
    [
        (1, "undefined", ["move-undefined-defined-1", "move-undefined-defined-2"], []),  # total 20
        (2, "defined", ["move-defined-aligned-1", "move-defined-aligned-2"], []),  # total 40
        (3, "aligned", ["move-aligned-integrated-1", "move-aligned-integrated-2"], ["caution-1"]),  # 60
        (4, "integrated", ["hold-1"], ["caution-1"]),  # total 80
    ],
)
def test_moves_and_caution_follow_the_overall_stage(
    q: Questionnaire, library: Library, answer: int, stage: str, moves: list[str], cautions: list[str]
) -> None:
    samples = [summarize(q, key, [uniform(answer)] * 3) for key in ("sales", "marketing")]
    selection = choose(library, q, assess(q, samples, min_group=3))
    assert selection.stage == stage
    assert ids(selection.moves) == moves
    assert ids(selection.cautions) == cautions
    assert selection.holding is (stage == "integrated")
    assert selection.next_stage == {
        "undefined": "defined",
        "defined": "aligned",
        "aligned": "integrated",
    }.get(stage)


def test_overall_stage_not_a_team_stage_decides_the_moves(q: Questionnaire, library: Library) -> None:
    # Sales 100 (Integrated), Marketing 40 (Defined): overall (100 + 40) / 2 = 70, Aligned
    sales = summarize(q, "sales", [uniform(5)] * 3)
    marketing = summarize(q, "marketing", [uniform(2)] * 3)
    selection = choose(library, q, assess(q, [sales, marketing], min_group=3))
    assert selection.stage == "aligned"
    assert ids(selection.moves) == ["move-aligned-integrated-1", "move-aligned-integrated-2"]
    assert ids(selection.cautions) == ["caution-1"]


def test_a_given_path_is_used_and_must_match(q: Questionnaire, library: Library) -> None:
    result = teams_result(q, 55.0, gaps={})
    path = path_to_next(q, result)
    assert choose(library, q, result, path).path is path
    other = path_to_next(q, teams_result(q, 65.0, gaps={}))
    with pytest.raises(ValueError, match="'aligned' but the overall stage is 'defined'"):
        choose(library, q, result, other)


def test_no_team_shown_chooses_nothing(q: Questionnaire, library: Library) -> None:
    result = assess(q, [summarize(q, "sales", [uniform(3)] * 2)], min_group=3)
    selection = choose(library, q, result)
    assert selection.stage is None
    assert selection.path is None
    assert (selection.moves, selection.weak_dimensions, selection.gaps, selection.cautions) == (
        (),
        (),
        (),
        (),
    )
    assert not selection.holding


# --- rule (b): the two weakest dimensions ------------------------------------------------------


def test_two_weakest_dimensions_by_mean_of_team_means(q: Questionnaire, library: Library) -> None:
    # planning: sales 2.0, marketing 3.0 -> 2.5; customer: 3.5, 1.0 -> 2.25; culture: 2.8, 2.4 -> 2.6
    dims = {
        "sales": {"planning": 2.0, "customer": 3.5, "culture": 2.8},
        "marketing": {"planning": 3.0, "customer": 1.0, "culture": 2.4},
    }
    weak = choose(library, q, teams_result(q, 50.0, dims, gaps={})).weak_dimensions
    assert [w.dimension_id for w in weak] == ["customer", "planning"]
    assert [w.mean for w in weak] == pytest.approx([2.25, 2.5])
    assert weak[0].label == "Customer insight & joint account work"
    assert ids(weak[0].recommendations) == ["dim-customer-1", "dim-customer-2"]


def test_weakest_dimensions_weigh_teams_equally_and_break_ties_by_order(
    q: Questionnaire, library: Library
) -> None:
    # Sales (6 respondents): communication and structure answered 2, all else 3.
    # Marketing (3): communication 4, culture 1, structure 2, all else 3.
    # Equal weight: communication (2 + 4) / 2 = 3, culture (3 + 1) / 2 = 2, structure (2 + 2) / 2 = 2;
    # culture and structure tie at 2.0 and culture comes first in the questionnaire.
    # By headcount culture would be (6 × 3 + 3 × 1) / 9 = 2.33 and structure alone the weakest.
    sales_answers = {**uniform(3), **dict.fromkeys(["k05", "k06", "k07", "k17", "k18", "k19"], 2)}
    marketing_answers = {
        **uniform(3),
        **dict.fromkeys(["k05", "k06", "k07"], 4),
        **dict.fromkeys(["k02", "k10", "k16"], 1),
        **dict.fromkeys(["k17", "k18", "k19"], 2),
    }
    sales = summarize(q, "sales", [sales_answers] * 6)
    marketing = summarize(q, "marketing", [marketing_answers] * 3)
    result = assess(q, [sales, marketing], min_group=3)
    # totals: sales 6 × 2 + 14 × 3 = 54; marketing 3 × 4 + 3 × 1 + 3 × 2 + 11 × 3 = 54 -> Defined
    assert result.overall.score == pytest.approx(54.0)
    selection = choose(library, q, result)
    assert [(w.dimension_id, w.mean) for w in selection.weak_dimensions] == [
        ("culture", pytest.approx(2.0)),
        ("structure", pytest.approx(2.0)),
    ]
    # rule (c) on the same data: k02, k10, k16 gap 3 − 1 = +2; k05–k07 gap 2 − 4 = −2: six tie at 2.0,
    # so questionnaire order decides: k02, k05, k06
    gaps = selection.gaps
    assert [g.item_id for g in gaps] == ["k02", "k05", "k06"]
    assert [g.gap for g in gaps] == pytest.approx([2.0, -2.0, -2.0])
    assert gaps[0].direction == "Sales rates this 2.0 points higher than Marketing"
    assert gaps[1].direction == "Marketing rates this 2.0 points higher than Sales"
    assert ids(selection.moves) == ["move-defined-aligned-1", "move-defined-aligned-2"]
    assert selection.cautions == ()


def test_withheld_team_is_left_out_of_the_dimension_means(q: Questionnaire, library: Library) -> None:
    # Marketing (2 respondents) is withheld; only Sales' dimension means count: structure 1.0, then
    # culture 2.0 (counting Marketing's 5s would give (1 + 5) / 2 = 3.0 and (2 + 5) / 2 = 3.5)
    sales_answers = {
        **uniform(3),
        **dict.fromkeys(["k17", "k18", "k19"], 1),
        **dict.fromkeys(["k02", "k10", "k16"], 2),
    }
    sales = summarize(q, "sales", [sales_answers] * 3)
    marketing = summarize(q, "marketing", [uniform(5)] * 2)
    selection = choose(library, q, assess(q, [sales, marketing], min_group=3))
    assert [(w.dimension_id, w.mean) for w in selection.weak_dimensions] == [
        ("structure", pytest.approx(1.0)),
        ("culture", pytest.approx(2.0)),
    ]
    assert selection.gaps == ()  # no gap without both teams


# --- rule (c): the three largest perception gaps --------------------------------------------------


def test_three_largest_gaps_by_absolute_size(q: Questionnaire, library: Library) -> None:
    # |gaps|: k11 1.2 > k20 1.1 > k15 0.9 > k03 0.5; k01 0 is no gap at all
    gaps = {"k03": 0.5, "k11": -1.2, "k15": 0.9, "k20": 1.1, "k01": 0.0}
    workshops = choose(library, q, teams_result(q, 50.0, gaps=gaps)).gaps
    assert [w.item_id for w in workshops] == ["k11", "k20", "k15"]
    assert [w.size for w in workshops] == pytest.approx([1.2, 1.1, 0.9])
    assert [(w.higher, w.lower) for w in workshops] == [
        ("marketing", "sales"),
        ("sales", "marketing"),
        ("sales", "marketing"),
    ]
    assert [w.direction for w in workshops] == [
        "Marketing rates this 1.2 points higher than Sales",
        "Sales rates this 1.1 points higher than Marketing",
        "Sales rates this 0.9 points higher than Marketing",
    ]
    assert ids(workshops[0].recommendations) == ["gap-k11"]
    assert workshops[0].statement.startswith("The heads of sales and marketing plan together")


def test_fewer_than_three_gaps_when_only_two_differ(q: Questionnaire, library: Library) -> None:
    workshops = choose(library, q, teams_result(q, 50.0, gaps={"k07": 0.4, "k09": None, "k12": -0.3})).gaps
    assert [w.item_id for w in workshops] == ["k07", "k12"]


def test_no_gap_result_means_no_workshop_questions(q: Questionnaire, library: Library) -> None:
    assert choose(library, q, teams_result(q, 50.0, gaps=None)).gaps == ()


def test_team_names_are_used_in_the_direction(q: Questionnaire, library: Library) -> None:
    result = teams_result(q, 50.0, gaps={"k05": -0.75})
    names = {"sales": "Field Sales", "marketing": "Brand Marketing"}
    (workshop,) = choose(library, q, result, team_names=names).gaps
    assert workshop.direction == "Brand Marketing rates this 0.8 points higher than Field Sales"


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (1.2, "Sales rates this 1.2 points higher than Marketing"),
        (0.96, "Sales rates this 1.0 points higher than Marketing"),
        (0.04, "Sales rates this slightly higher than Marketing"),
    ],
)
def test_gap_direction_wording(size: float, text: str) -> None:
    assert gap_direction(size, "Sales", "Marketing") == text
