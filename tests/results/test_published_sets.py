"""Property-based tests of the published sets (hypothesis), through the scoring API on the database.

For random sequences of web responses, imports and views of the results, on each
backend: the figures of any team in any two views are either identical or computed from
sets that differ by at least the minimum group size; what the results count agrees with
a model of the rule (each source steps on its own); and a statement too few people
answered has no mean, while every dimension mean is what its other statements give.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app import db
from survey_app.assessments import create_assessment, get_assessment
from survey_app.domain.questionnaire import Questionnaire
from survey_app.domain.scoring import valid_answers
from survey_app.models import ResponseSource
from survey_app.responses import NewResponse, add_responses
from survey_app.results.aggregates import compute_results, results_json

from helpers import ITEM_IDS, TEST_SECRET

TEAMS = ("sales", "marketing")
_names = itertools.count()

#: One answer: a scale value, or None ("don't know") about one time in ten, so that most
#: responses are complete (16 answers needed) and some statements are thinly answered.
answer_values = st.sampled_from([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, None])
responses = st.fixed_dictionaries({item: answer_values for item in ITEM_IDS})
#: (what, team, responses): "web" sends and "import" files store; "view" reads the results.
steps = st.one_of(
    st.tuples(st.just("web"), st.sampled_from(TEAMS), st.lists(responses, min_size=1, max_size=3)),
    st.tuples(st.just("import"), st.sampled_from(TEAMS), st.lists(responses, min_size=1, max_size=9)),
    st.tuples(st.just("view"), st.none(), st.just([])),
)


@dataclass
class TeamModel:
    """What the rule says of one team: its published answer sets, and the waiting ones per pool."""

    published: list[Mapping[str, int | None]] = field(default_factory=list)
    waiting: dict[str, list[Mapping[str, int | None]]] = field(
        default_factory=lambda: {"web": [], "import": []}
    )

    def add(self, q: Questionnaire, pool: str, new: list[Mapping[str, int | None]], min_group: int) -> None:
        self.waiting[pool] += [
            answers for answers in new if len(valid_answers(q, answers)) >= q.answers_needed
        ]
        if len(self.waiting[pool]) >= min_group:
            self.published += self.waiting[pool]
            self.waiting[pool] = []


def expected_means(q: Questionnaire, published: list[Mapping[str, int | None]], min_group: int):  # noqa: ANN201
    """Each statement's mean (None when fewer than ``min_group`` answered it) and each
    dimension's pooled mean over its statements that are shown."""
    answered = {item: [a[item] for a in published if a[item] is not None] for item in q.item_ids}
    thin = {item for item, values in answered.items() if len(values) < min_group}
    items = {
        item: None if item in thin or not values else sum(values) / len(values)
        for item, values in answered.items()
    }
    dimensions = {}
    for dim, item_ids in q.items_by_dimension.items():
        pooled = [value for item in item_ids if item not in thin for value in answered[item]]
        dimensions[dim] = sum(pooled) / len(pooled) if pooled else None
    return items, dimensions


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(min_group=st.integers(3, 6), sequence=st.lists(steps, min_size=1, max_size=16))
def test_views_differ_only_by_whole_steps_and_thin_statements_stay_hidden(
    app, kotler: Questionnaire, min_group: int, sequence: list
) -> None:
    with app.app_context(), db.write_session() as session:
        slug = create_assessment(
            session,
            organization=f"Property {next(_names)}",
            name="Waves",
            questionnaire=kotler,
            secret_key=TEST_SECRET,
            min_group=min_group,
        ).slug
    model = {team: TeamModel() for team in TEAMS}
    views: list[dict] = []
    for what, team, new in [*sequence, ("view", None, [])]:
        if what == "view":
            with app.app_context():
                session = db.get_session()
                assessment = get_assessment(session, slug)
                data = results_json(assessment, compute_results(session, assessment, kotler))
            views.append(json.loads(json.dumps(data)))  # as any reader of the JSON gets it
            check_view(kotler, data, model, min_group)
            continue
        source = ResponseSource.WEB if what == "web" else ResponseSource.IMPORT
        with app.app_context(), db.write_session() as session:
            add_responses(
                session, get_assessment(session, slug), kotler, [NewResponse(team, a) for a in new], source
            )
        model[team].add(kotler, source.pool, new, min_group)

    for first, second in itertools.combinations(views, 2):
        for team in TEAMS:
            a, b = first["teams"][team], second["teams"][team]
            difference = abs(a["responses"] - b["responses"])
            assert difference == 0 or difference >= min_group
            if difference == 0:  # the same published set: the very same figures
                assert {k: v for k, v in a.items() if "pending" not in k and k != "incomplete"} == {
                    k: v for k, v in b.items() if "pending" not in k and k != "incomplete"
                }


def check_view(q: Questionnaire, data: dict, model: dict[str, TeamModel], min_group: int) -> None:
    for team, expected in model.items():
        shown = data["teams"][team]
        assert shown["responses"] == len(expected.published)
        assert shown["pending_by_source"] == {
            pool: len(waiting) for pool, waiting in expected.waiting.items()
        }
        assert shown["withheld"] is (not expected.published)
        if shown["withheld"]:
            assert set(shown) == {"responses", "pending", "pending_by_source", "incomplete", "withheld"}
            continue
        items, dimensions = expected_means(q, expected.published, min_group)
        assert all(close(shown["items"][item], items[item]) for item in q.item_ids), (shown["items"], items)
        assert all(close(shown["dimensions"][dim], dimensions[dim]) for dim in dimensions)
        assert set(shown["withheld_items"]) == {
            item
            for item in q.item_ids
            if 0 < sum(a[item] is not None for a in expected.published) < min_group
        }
    gap = data["gap"]
    if gap is not None:
        for item in q.item_ids:
            if any(data["teams"][team]["items"][item] is None for team in TEAMS):
                assert gap["items"][item] == {"gap": None, "p_adj": None}
