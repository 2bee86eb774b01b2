"""The results from the database's aggregate queries equal the direct computation on the raw answers.

Random responses (blanks, "don't know" and incomplete ones included) are stored through
the app's insert path; ``load_samples`` (both its plain sums and its distribution of
totals) and ``compute_results`` must give exactly what ``summarize`` and ``assess`` give
when fed the same answers one response at a time. Likewise the comments listed from the
index of their ranks are those ``comments.choose`` picks from all of them. Runs on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import random

import pytest

from survey_app import db
from survey_app.assessments import get_assessment
from survey_app.domain.comments import choose
from survey_app.domain.questionnaire import Questionnaire
from survey_app.domain.scoring import assess, summarize
from survey_app.models import ResponseSource
from survey_app.responses import NewResponse, add_responses
from survey_app.results.aggregates import compute_results, load_comments, load_samples
from survey_app.results.view_model import TeamComments

TEAMS = ("sales", "marketing")


def random_responses(q: Questionnaire, rng: random.Random, count: int) -> list[NewResponse]:
    """``count`` responses per team: values leaning by team, blanks, "don't know", some incomplete."""
    made = []
    for team in TEAMS:
        lean = 1 if team == "sales" else -1
        for _ in range(count):
            blank_share = 0.5 if rng.random() < 0.1 else 0.05  # about one in ten is incomplete
            answers: dict[str, int | None] = {}
            dont_know = set()
            for item_id in q.item_ids:
                draw = rng.random()
                if draw < blank_share:
                    continue
                if draw < blank_share + 0.04:
                    dont_know.add(item_id)
                    continue
                answers[item_id] = min(5, max(1, round(rng.gauss(3 + 0.6 * lean, 1.1))))
            made.append(NewResponse(team, answers, dont_know=frozenset(dont_know)))
    return made


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aggregate_queries_equal_the_direct_computation(app, kotler, make_assessment, seed: int) -> None:
    slug = make_assessment(min_group=3)
    responses = random_responses(kotler, random.Random(seed), count=40 + 7 * seed)
    with app.app_context(), db.write_session() as session:
        add_responses(session, get_assessment(session, slug), kotler, responses, ResponseSource.IMPORT)
    direct = {
        team: summarize(kotler, team, [r.answers for r in responses if r.team == team]) for team in TEAMS
    }
    assert 0 < direct["sales"].incomplete < direct["sales"].scored  # the data has both kinds

    with app.app_context():
        session = db.get_session()
        assessment = get_assessment(session, slug)
        plain = {sample.key: sample for sample in load_samples(session, assessment, kotler)}
        full = {sample.key: sample for sample in load_samples(session, assessment, kotler, distribution=True)}
        result = compute_results(session, assessment, kotler)

    for team in TEAMS:
        expected = direct[team]
        for sample in (plain[team], full[team]):
            assert (sample.scored, sample.incomplete) == (expected.scored, expected.incomplete)
            assert sample.total_sum == expected.total_sum  # exact fractions, not approximately
            assert sample.total_sumsq == expected.total_sumsq
            assert {k: list(v) for k, v in sample.item_counts.items()} == {
                k: list(v) for k, v in expected.item_counts.items()
            }
        assert full[team].total_counts == expected.total_counts
        assert plain[team].total_counts == {}  # the results need only the sums
    assert result == assess(kotler, [direct[team] for team in TEAMS], 3)


def random_comments(rng: random.Random, count: int) -> list[str | None]:
    """Comments as people write them: none, blank, short, long, copies in other case or spacing."""
    words = ("leads", "pipeline", "Campaign", "forecast", "handover", "meetings", "blame", "targets")
    made: list[str | None] = []
    for _ in range(count):
        draw = rng.random()
        if draw < 0.2:
            made.append(None)
        elif draw < 0.25:
            made.append("  \n ")
        elif draw < 0.45 and any(made):
            copy = rng.choice([c for c in made if c and c.strip()])
            made.append(f"  {copy.upper()}  " if rng.random() < 0.5 else copy.replace(" ", "   "))
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
            made.append(text if rng.random() < 0.9 else text.replace(" ", "\n", 1))
    return made


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


@pytest.mark.parametrize("seed", [1, 2])
def test_the_comments_listed_equal_the_choice_made_from_all_of_them(
    app, kotler, make_assessment, seed
) -> None:
    """The index path (first ranks, first copy of each) lists what ``comments.choose`` picks."""
    rng = random.Random(seed)
    slug = make_assessment(min_group=3)
    comments = {team: random_comments(rng, 150) for team in TEAMS}
    responses = [
        NewResponse(team, {item: 3 for item in kotler.item_ids}, comment=comment)
        for team in TEAMS
        for comment in comments[team]
    ]
    with app.app_context(), db.write_session() as session:
        add_responses(session, get_assessment(session, slug), kotler, responses, ResponseSource.IMPORT)

    with app.app_context():
        session = db.get_session()
        assessment = get_assessment(session, slug)
        for limit in (1, 8, 25, 100_000):
            listed = load_comments(session, assessment, TEAMS, limit)
            for team in TEAMS:
                written = [c for c in comments[team] if c and c.strip()]
                # Which copy of one comment (the same words, cased or spaced differently) is
                # listed depends on the random response ids, not on the order of arrival.
                expected = sorted(_words(text) for text in choose(written, limit))
                assert sorted(_words(text) for text in listed[team].listed) == expected, (team, limit)
                assert listed[team].total == len(written)
        every = load_comments(session, assessment, ["sales"])
    written = [c.strip() for c in comments["sales"] if c and c.strip()]
    assert every == {
        "sales": TeamComments(tuple(sorted(written, key=lambda t: (t.casefold(), t))), len(written))
    }
