"""The report's composer works from values alone: no app, no database (``report.context``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest

from survey_app.domain.questionnaire import Questionnaire
from survey_app.domain.scoring import assess, summarize
from survey_app.models import ActionStatus
from survey_app.report.context import PlannedAction, ReportData, compose_report
from survey_app.report.wording import ACTION_STATUS_TEXT
from survey_app.results.view_model import AssessmentFacts, TeamComments, TeamFacts

from helpers import uniform


def data(q: Questionnaire, marketing_answers: int = 6, **extra: object) -> ReportData:
    """Sales: six at 60 or 80; Marketing: ``marketing_answers`` responses of 40."""
    samples = (
        summarize(q, "sales", [uniform(3)] * 4 + [uniform(4)] * 2),
        summarize(q, "marketing", [uniform(2)] * marketing_answers),
    )
    facts = AssessmentFacts(
        organization="Acme",
        organization_slug="acme",
        name="Spring review",
        slug="acme-spring-review",
        min_group=5,
        accepting=False,
        teams=(TeamFacts("sales", "Sales", headcount=12), TeamFacts("marketing", "Marketing")),
    )
    comments = {
        "sales": TeamComments(("Leads arrive late",), 1),
        "marketing": TeamComments(("Marketing private remark",), 1),
    }
    return ReportData(facts, samples, assess(q, samples, 5), comments, **extra)


def test_a_report_is_composed_from_values(q: Questionnaire) -> None:
    report = compose_report(
        q,
        data(
            q,
            commentary="First paragraph.\n\nSecond paragraph.",
            actions=(PlannedAction("Agree on a lead definition", "Both heads", date(2027, 1, 15)),),
            prepared_by="Dana Consultant",
        ),
        today=date(2026, 12, 6),
    )
    assert report.title == "Sales and marketing alignment: Spring review"
    assert report.has_results
    assert report.date_text == "6\u00a0December\u00a02026"  # kept on one line
    assert report.prepared_by == "Dana Consultant"
    assert report.commentary == ("First paragraph.", "Second paragraph.")
    assert [(a.number, a.action, a.owner, a.due_text) for a in report.actions] == [
        (1, "Agree on a lead definition", "Both heads", "15\u00a0January\u00a02027")
    ]
    assert [s.id for s in report.sections][:2] == ["summary", "commentary"]
    # Sales 66.7 (four at 60, two at 80), Marketing 40: overall the mean of the two.
    assert report.view.overall.score_text == "53.3"
    assert report.method.counts[0].asked_text == "12"


def test_each_action_carries_its_status_and_its_status_in_words(q: Questionnaire) -> None:
    planned = (
        PlannedAction("Run the workshop", status="done"),
        PlannedAction("Agree a lead definition", status="in_progress"),
        PlannedAction("Repeat the survey"),  # planned unless told otherwise
    )
    report = compose_report(q, data(q, actions=planned), today=date(2026, 12, 6))
    assert [(a.number, a.status, a.status_text) for a in report.actions] == [
        (1, "done", "Done"),
        (2, "in_progress", "In progress"),
        (3, "planned", "Planned"),
    ]


def test_every_stored_status_has_its_words() -> None:
    assert ACTION_STATUS_TEXT.keys() == {status.value for status in ActionStatus}


def test_a_withheld_team_leaves_no_trace_in_the_composed_report(q: Questionnaire) -> None:
    report = compose_report(q, data(q, marketing_answers=4), today=date(2026, 12, 6))
    text = repr(asdict(report))
    assert "Marketing private remark" not in text
    marketing = next(figure for figure in report.key_figures if figure.name == "Marketing")
    assert marketing.withheld
    assert (marketing.score_text, marketing.stage_id) == ("", "")
    assert "(40 of 100)" not in text
    assert report.view.overall.score_text == "66.7"  # Sales alone
    assert [group.team for group in report.comments] == ["Sales"]


@pytest.mark.parametrize(
    ("statuses", "finding"),
    [
        (("planned", "planned"), "Two actions planned, the first due on 1\u00a0March\u00a02027"),
        (
            ("done", "in_progress", "planned"),
            "Three actions: one done, one in progress and one planned;"
            " the next due on 1\u00a0April\u00a02027",
        ),
        (("done", "done"), "Two actions: two done"),
    ],
)
def test_the_commentary_heading_says_where_the_plan_stands(q: Questionnaire, statuses, finding) -> None:
    dues = (date(2027, 3, 1), date(2027, 4, 1), date(2027, 5, 1))
    actions = tuple(PlannedAction(f"Action {n}", "", dues[n], status) for n, status in enumerate(statuses))
    report = compose_report(q, data(q, actions=actions), today=date(2026, 12, 6))
    commentary = next(section for section in report.sections if section.id == "commentary")
    assert commentary.finding == finding
