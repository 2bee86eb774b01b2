"""The respondents' survey, through HTTP: links, the questionnaire, save and resume, submitting once."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from flask_wtf.csrf import generate_csrf
from itsdangerous import SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import event, func, select, update

from survey_app import create_app, db
from survey_app.assessments import get_assessment
from survey_app.models import Assessment, Draft, Invitation, Response, ResponseAnswer, User
from survey_app.survey import routes as survey_routes
from survey_app.survey import services
from survey_app.survey.forms import AnswersForm, ResumeForm, StartForm
from survey_app.survey.link_cache import LinkCache
from survey_app.tokens import derive_token

from helpers import ITEM_IDS, TEST_SECRET, sign_in
from survey_client import (
    PUBLIC,
    answer,
    form_path,
    link_path,
    make_invitation,
    open_form,
    page_text,
    save_for_later,
    send,
    start,
    submission_in,
)

# --- helpers --------------------------------------------------------------------------


def at_once(action: Callable[[], int], times: int = 4) -> list[int]:
    """Run ``action`` in ``times`` threads released together (double clicks, several windows)."""
    ready = threading.Barrier(times)
    results: list[int] = []

    def run() -> None:
        ready.wait()
        results.append(action())

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def count(app, model, *where) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(model).where(*where))


def drafts(app) -> list[Draft]:
    with app.app_context():
        return list(db.get_session().scalars(select(Draft)))


def saved_answers(app, token: str) -> tuple[dict[str, int | str], str]:
    """The answers and comment sealed in the draft whose resume token is ``token``."""

    with app.app_context():
        session = db.get_session()
        return services.read_draft(session, services.find_draft(session, token), token, TEST_SECRET)


def responses(app) -> list[Response]:
    with app.app_context():
        found = list(db.get_session().scalars(select(Response).order_by(Response.id)))
        for response in found:
            _ = response.answers
        return found


def change_assessment(app, slug: str, **values) -> None:
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, slug)
        for name, value in values.items():
            setattr(assessment, name, value)


ALL_FOURS = dict.fromkeys(ITEM_IDS, "4")


# --- welcome page and links -----------------------------------------------------------


def test_welcome_page_says_who_why_how_long_and_how_answers_stay_confidential(
    app, client, make_assessment, make_user
) -> None:
    slug = make_assessment(organization="Acme Tools", min_group=7)
    make_user("cora@example.com", "consultant", name="Cora Consult")
    with app.app_context(), db.write_session() as session:
        user_id = session.scalar(select(User.id).where(User.email == "cora@example.com"))
    change_assessment(
        app, slug, created_by_id=user_id, purpose="We want to plan next year's launches together."
    )

    response = client.get(link_path(app, slug))

    assert response.status_code == 200
    page = page_text(response)
    assert "How do Sales and Marketing work together at Acme Tools?" in page
    assert "Cora Consult" in page
    assert "We want to plan next year&#39;s launches together." in page
    assert "About 5 minutes: 20 short statements" in page
    assert "at least 7 people" in page
    assert "No names are stored with your answers" in page
    assert "Sales team" in page
    assert 'name="csrf_token"' not in page  # CSRF off in this app; the CSRF tests check the token
    assert f'<a class="button" href="{link_path(app, slug)}/answers">Start the survey</a>' in page
    assert 'href="/resume">Continue with your resume code</a>' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_welcome_page_defaults_when_purpose_and_consultant_are_not_set(
    app, client, make_assessment, make_user
) -> None:
    slug = make_assessment()
    make_user("nameless@example.com", "consultant")
    with app.app_context(), db.write_session() as session:
        user_id = session.scalar(select(User.id).where(User.email == "nameless@example.com"))
    page = page_text(client.get(link_path(app, slug, "marketing")))
    assert "how well its Marketing and Sales teams work together today" in page
    assert "An independent consultant runs this survey for Acme." in page
    assert "Marketing team" in page

    change_assessment(app, slug, created_by_id=user_id)
    assert "nameless@example.com, a consultant working with Acme" in page_text(
        client.get(link_path(app, slug))
    )


def test_respondent_pages_do_not_show_the_signed_in_navigation(
    app, client, make_assessment, make_user
) -> None:
    slug = make_assessment()
    make_user("c@example.com", "consultant")
    sign_in(client, "c@example.com")
    assert "Sign out" in page_text(client.get("/workspace"))  # the check below can fail

    page = page_text(client.get(link_path(app, slug)))
    assert "Sign out" not in page
    assert "Workspace" not in page
    assert 'class="page "' in page  # one column: the default page width, not .page--wide


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/s/not-a-real-token"),
        ("get", "/s/not-a-real-token/answers"),
        ("post", "/s/not-a-real-token/answers"),
        ("get", "/i/not-a-real-token"),
        ("post", "/i/not-a-real-token"),
        ("get", "/q/not-a-real-token"),
        ("post", "/q/not-a-real-token"),
        ("get", "/q/not-a-real-token/saved"),
        ("get", "/s/" + "x" * 500),
    ],
)
def test_unknown_tokens_get_a_friendly_404_that_names_nothing(
    app, client, make_assessment, method, path
) -> None:
    make_assessment(organization="Acme", name="Spring review")
    response = getattr(client, method)(path, data={"action": "save", "submission": "s" * 22})
    assert response.status_code == 404
    page = page_text(response)
    assert "We could not find this page" in page
    assert "Spring review" not in page
    assert "Acme" not in page


def test_team_token_is_not_a_resume_token_or_an_invitation(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = link_path(app, slug).removeprefix("/s/")
    assert client.get(f"/q/{token}").status_code == 404
    assert client.get(f"/i/{token}").status_code == 404
    assert client.get(f"/q/{token}/saved").status_code == 404


# --- answering and submitting ---------------------------------------------------------


def test_the_questionnaire_shows_every_statement_and_stores_nothing_until_sent(
    app, client, make_assessment
) -> None:
    slug = make_assessment()
    path = form_path(app, slug)

    first = client.get(path)

    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    page = page_text(first)
    assert "0 of 20 answered" in page
    assert page.count("<fieldset") == 20
    assert page.count("<legend>") == 20
    assert page.count('type="radio"') == 20 * 6
    assert 'for="q_k01-dk"' in page
    assert "Don&#39;t know" in page
    assert '7<span class="statement__of"> of 20</span>.' in page  # where one is, without JavaScript
    assert 'maxlength="2000"' in page
    assert f'action="{path}"' in page
    assert 'value="submit"' in page
    assert 'value="save"' in page
    assert count(app, Draft) == 0
    assert count(app, Response) == 0
    # Each opening of the form gets its own unguessable submission token.
    assert len(submission_in(page)) >= 22
    assert submission_in(page_text(client.get(path))) != submission_in(page)


def test_each_blank_questionnaire_has_its_own_tokens_and_address(app, client, make_assessment) -> None:
    slug = make_assessment()
    pages = {
        team: page_text(app.test_client().get(form_path(app, slug, team))) for team in ("sales", "marketing")
    }
    again = page_text(client.get(form_path(app, slug, "sales")))

    for team, page in pages.items():
        assert f'<form method="post" action="{form_path(app, slug, team)}"' in page
        assert "SURVEYSLOT" not in page
    assert len({submission_in(page) for page in (*pages.values(), again)}) == 3
    tokens = {
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        for page in pages.values()
    }
    assert len(tokens) == 2


def test_a_message_waiting_in_the_session_is_shown_on_the_blank_questionnaire(
    app, client, make_assessment
) -> None:
    path = form_path(app, make_assessment())
    open_form(client, path)
    with client.session_transaction() as session:
        session["_flashes"] = [("warning", "A message for the respondent.")]

    assert "A message for the respondent." in page_text(client.get(path))
    assert "A message for the respondent." not in page_text(client.get(path))


def test_answer_every_statement_and_send_records_one_response(app, client, make_assessment) -> None:
    slug = make_assessment()
    answers = {item: str(1 + index % 5) for index, item in enumerate(ITEM_IDS)}  # 1,2,3,4,5,1,…: sum 60

    done = answer(client, form_path(app, slug), answers, comment="  Meet every week.\r\n  ")

    assert done.status_code == 302
    assert done.headers["Location"] == "/thanks"
    assert drafts(app) == []
    [stored] = responses(app)
    assert (stored.answered, stored.answer_sum, stored.total) == (20, 60, 60.0)
    assert stored.comment == "Meet every week."
    assert stored.source.value == "web"
    assert {answer.item_id: answer.value for answer in stored.answers} == {
        item: int(value) for item, value in answers.items()
    }
    thanks = page_text(client.get("/thanks"))
    assert "Thank you" in thanks
    assert "leadership" in thanks
    assert "report" in thanks


def test_dont_know_answers_are_stored_as_dont_know_and_not_counted(app, client, make_assessment) -> None:
    slug = make_assessment()
    answers = {item: ("dk" if item in ("k02", "k09", "k17") else "4") for item in ITEM_IDS}
    assert answer(client, form_path(app, slug), answers).status_code == 302

    [stored] = responses(app)
    assert stored.answered == 17
    assert stored.answer_sum == 68
    assert stored.total == pytest.approx(80.0)
    assert stored.comment is None
    values = {answer.item_id: answer.value for answer in stored.answers}
    assert len(values) == 20
    assert {item for item, value in values.items() if value is None} == {"k02", "k09", "k17"}


def test_results_count_web_responses(app, client, runner, make_assessment) -> None:
    slug = make_assessment(min_group=3)
    for value in ("2", "3", "4"):
        assert (
            answer(app.test_client(), form_path(app, slug), dict.fromkeys(ITEM_IDS, value)).status_code == 302
        )
    result = runner.invoke(args=["results", slug, "--json"])
    assert result.exit_code == 0, result.output
    sales = json.loads(result.output)["teams"]["sales"]
    assert sales["responses"] == 3
    assert sales["withheld"] is False
    assert sales["score"] == pytest.approx(60.0)


def test_a_resent_form_records_nothing_more(app, client, make_assessment) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    submission = open_form(client, path)
    assert send(client, path, ALL_FOURS, submission=submission).headers["Location"] == "/thanks"

    again = send(client, path, ALL_FOURS, submission=submission)  # double click, back button, replayed POST
    assert again.status_code == 302
    assert again.headers["Location"] == "/thanks"
    assert count(app, Response) == 1
    assert count(app, ResponseAnswer) == 20

    # Opened again, the link asks first; someone else at the same computer then answers anew.
    asked = client.get(path)
    assert "Answers have already been sent from this device" in page_text(asked)
    assert 'name="submission"' not in page_text(asked)
    chosen = client.post(path.removesuffix("/answers") + "/someone-else")
    assert chosen.headers["Location"] == path
    assert answer(client, path, dict.fromkeys(ITEM_IDS, "2")).headers["Location"] == "/thanks"
    assert count(app, Response) == 2


@pytest.mark.parametrize("submission", ["", "short", "x" * 201])
def test_a_form_without_a_valid_submission_token_is_refused(app, client, make_assessment, submission) -> None:
    slug = make_assessment()
    refused = send(client, form_path(app, slug), ALL_FOURS, submission=submission)
    assert refused.status_code == 400
    assert "Open the survey link again" in page_text(refused)
    assert count(app, Response) == 0


def test_simultaneous_sends_of_one_form_record_one_response(app, make_assessment) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    submission = open_form(app.test_client(), path)

    statuses = at_once(lambda: send(app.test_client(), path, ALL_FOURS, submission=submission).status_code)

    assert statuses == [302] * 4
    assert count(app, Response) == 1


def test_simultaneous_sends_of_one_draft_record_one_response(app, make_assessment) -> None:
    slug = make_assessment()
    token = save_for_later(app.test_client(), form_path(app, slug), ALL_FOURS)

    statuses = at_once(lambda: send(app.test_client(), f"/q/{token}", ALL_FOURS).status_code)

    assert statuses == [302] * 4
    assert count(app, Response) == 1
    assert count(app, Draft) == 0


def test_a_second_submit_of_the_same_draft_records_nothing(app, make_assessment, kotler) -> None:
    """The service records nothing when the draft is already gone (another request won the race)."""
    slug = make_assessment()
    answers = dict.fromkeys(ITEM_IDS, 3)
    with app.app_context(), db.write_session() as session:
        team = get_assessment(session, slug).teams[0]
        token = services.new_draft(session, team.id, {}, "")
    now = datetime.now(UTC)
    with app.app_context(), db.write_session() as session:
        first = services.submit(session, token, kotler, answers, "", now, TEST_SECRET)
    with app.app_context(), db.write_session() as session:
        second = services.submit(session, token, kotler, answers, "", now, TEST_SECRET)
    assert first.outcome is services.Outcome.RECORDED
    assert second.outcome is services.Outcome.ALREADY_RECORDED
    assert count(app, Response) == 1


def test_too_few_answers_show_every_unanswered_statement_and_keep_the_answers(
    app, client, make_assessment
) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    submission = open_form(client, path)

    response = send(
        client, path, dict.fromkeys(ITEM_IDS[:13], "4"), comment="Shared targets.", submission=submission
    )

    assert response.status_code == 200
    page = page_text(response)
    assert "Answer at least 3 more statements" in page
    assert 'id="error-summary"' in page
    assert "13 of 20 answered" in page
    for item in ITEM_IDS[13:]:
        assert f'href="#statement-{item}"' in page
        assert re.search(rf'<fieldset class="statement statement--missing" id="statement-{item}"', page)
    for item in ITEM_IDS[:13]:
        assert f'href="#statement-{item}"' not in page
        assert re.search(rf'id="q_{item}-4"[^>]*checked', page)
    assert page.count("Not answered yet") == 7
    assert "Shared targets." in page
    assert submission_in(page) == submission  # the same form, sent again once completed
    assert count(app, Response) == 0
    assert count(app, Draft) == 0

    completed = dict.fromkeys(ITEM_IDS[:13], "4") | dict.fromkeys(ITEM_IDS[13:16], "2")
    done = send(client, path, completed, comment="Shared targets.", submission=submission)
    assert done.headers["Location"] == "/thanks"
    [stored] = responses(app)
    assert (stored.answered, stored.answer_sum) == (16, 13 * 4 + 3 * 2)
    assert stored.comment == "Shared targets."


def test_dont_know_does_not_count_towards_the_answers_needed(app, client, make_assessment) -> None:
    slug = make_assessment()
    answers = {item: ("4" if index < 15 else "dk") for index, item in enumerate(ITEM_IDS)}

    page = page_text(answer(client, form_path(app, slug), answers))

    assert "Answer at least 1 more statement<" in page
    # No statement is blank, so the "don't know" ones are the ones to look at.
    for item in ITEM_IDS[15:]:
        assert f'href="#statement-{item}"' in page
    assert "does not count as an answer" in page
    assert count(app, Response) == 0


def test_a_too_long_comment_is_refused_and_shown_again(app, client, make_assessment) -> None:
    slug = make_assessment()
    comment = "word " * 401  # 2,005 characters, 2,004 after trimming

    response = answer(client, form_path(app, slug), ALL_FOURS, comment=comment)

    assert response.status_code == 200
    page = page_text(response)
    assert "Your comment has 2,005 characters" not in page
    assert "Your comment has 2,004 characters; shorten it to 2,000 characters or fewer." in page
    assert comment.strip() in page
    assert all(re.search(rf'id="q_{item}-4"[^>]*checked', page) for item in ITEM_IDS)
    assert count(app, Response) == 0
    assert count(app, Draft) == 0


def test_answers_sent_to_a_closed_survey_are_kept_for_when_it_opens_again(
    app, client, make_assessment
) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    submission = open_form(client, path)
    change_assessment(app, slug, status="closed")

    response = send(client, path, ALL_FOURS, comment="Late.", submission=submission)

    assert response.status_code == 200
    page = page_text(response)
    assert "This survey is closed" in page
    assert "Your answers were not sent" in page
    assert count(app, Response) == 0
    [draft] = drafts(app)
    resume = re.search(r'href="http://127.0.0.1:5000/q/([A-Za-z0-9_-]+)"', page)  # on PUBLIC_URL
    assert resume
    assert services.draft_hash(resume.group(1)) == draft.resume_hash
    assert saved_answers(app, resume.group(1)) == (dict.fromkeys(ITEM_IDS, 4), "Late.")

    for closed in (link_path(app, slug), path, f"/q/{resume.group(1)}"):
        visit = client.get(closed)
        assert visit.status_code == 200
        assert "This survey is closed" in page_text(visit)

    change_assessment(app, slug, status="open")
    kept = page_text(client.get(f"/q/{resume.group(1)}"))
    assert all(re.search(rf'id="q_{item}-4"[^>]*checked', kept) for item in ITEM_IDS)
    assert send(client, f"/q/{resume.group(1)}", ALL_FOURS).headers["Location"] == "/thanks"
    assert count(app, Response) == 1
    assert count(app, Draft) == 0


def test_a_draft_sent_to_a_closed_survey_keeps_what_was_sent(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = save_for_later(client, form_path(app, slug), {"k01": "2"})
    change_assessment(app, slug, status="closed")

    response = send(client, f"/q/{token}", ALL_FOURS, comment="Late.")

    assert "Your answers were not sent" in page_text(response)
    assert count(app, Response) == 0
    assert saved_answers(app, token) == (dict.fromkeys(ITEM_IDS, 4), "Late.")


def test_dates_open_and_close_the_survey(app, client, make_assessment) -> None:
    slug = make_assessment()
    now = datetime.now(UTC)
    change_assessment(app, slug, opens_at=now + timedelta(days=3))
    for path in (link_path(app, slug), form_path(app, slug)):
        page = page_text(client.get(path))
        assert "This survey is not open yet" in page
        assert f"opens on {(now + timedelta(days=3)).day} " in page

    change_assessment(app, slug, opens_at=None, closes_at=now - timedelta(minutes=1))
    assert "This survey is closed" in page_text(client.get(link_path(app, slug)))


# --- team links kept for a few seconds (survey.link_cache) -----------------------------


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app) -> Clock:
    """The app's team links kept for 5 s of a clock the test moves."""
    clock = Clock()
    links = LinkCache(5, clock=clock)
    links.watch(app.extensions["survey_db"].write_sessions)
    app.extensions["survey_links"] = links
    return clock


def change_elsewhere(app, slug: str, **values) -> None:
    """Change an assessment as another server process would: not through this app's sessions."""
    with app.extensions["survey_db"].engine.begin() as connection:
        connection.execute(update(Assessment).where(Assessment.slug == slug).values(**values))


def queries_of(app, action: Callable[[], object]) -> list[str]:
    """The SELECT statements ``action`` sends to the database."""
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    engine = app.extensions["survey_db"].engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return sent


def test_an_open_surveys_questionnaire_is_shown_without_asking_the_database(
    app, client, make_assessment, clock
) -> None:
    path = form_path(app, make_assessment())
    open_form(client, path)

    assert queries_of(app, lambda: open_form(client, path)) == []
    clock.now += 6
    assert len(queries_of(app, lambda: open_form(client, path))) == 1


def test_sending_answers_and_saving_drafts_keep_the_links(app, client, make_assessment, clock) -> None:
    path = form_path(app, make_assessment())
    answer(app.test_client(), path, ALL_FOURS)
    save_for_later(app.test_client(), path, {"k01": "2"})

    assert queries_of(app, lambda: open_form(client, path)) == []


def test_a_change_that_is_rolled_back_keeps_the_links(app, client, make_assessment, clock) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    open_form(client, path)

    def close_then_fail() -> None:
        with app.app_context(), db.write_session() as session:
            get_assessment(session, slug).status = "closed"
            session.flush()
            raise RuntimeError("the transaction fails after the flush")

    with pytest.raises(RuntimeError):
        close_then_fail()

    assert queries_of(app, lambda: open_form(client, path)) == []


def test_a_survey_closed_by_another_server_takes_no_more_answers(app, client, make_assessment, clock) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    open_form(client, path)
    change_elsewhere(app, slug, status="closed")

    # For up to 5 s this server still shows the blank questionnaire, as if it had been opened
    # a moment earlier; sending it reads the survey again, and the answers are kept.
    submission = open_form(client, path)
    response = send(client, path, ALL_FOURS, submission=submission)
    assert "Your answers were not sent" in page_text(response)
    assert count(app, Response) == 0
    assert count(app, Draft) == 1

    clock.now += 6
    assert "This survey is closed" in page_text(client.get(path))


def test_closing_a_survey_on_this_server_shows_at_once(app, client, make_assessment, clock) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    open_form(client, path)

    change_assessment(app, slug, status="closed")

    assert "This survey is closed" in page_text(client.get(path))


def test_a_reopened_survey_shows_its_questionnaire_at_once(app, client, make_assessment, clock) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    change_elsewhere(app, slug, status="closed")
    assert "This survey is closed" in page_text(client.get(path))

    change_elsewhere(app, slug, status="open")

    assert answer(client, path, ALL_FOURS).headers["Location"] == "/thanks"
    assert count(app, Response) == 1


def test_a_kept_survey_closes_at_its_closing_moment(app, client, make_assessment, clock, monkeypatch) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    closes = datetime.now(UTC) + timedelta(minutes=1)
    change_elsewhere(app, slug, closes_at=closes)
    open_form(client, path)  # kept, with its closing moment

    monkeypatch.setattr(survey_routes, "_now", lambda: closes)

    assert "This survey is closed" in page_text(client.get(path))


# --- save and resume ------------------------------------------------------------------


def test_save_and_finish_later_then_resume_by_code(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = save_for_later(client, form_path(app, slug), {"k01": "2", "k02": "3"}, comment="Later.")
    [draft] = drafts(app)
    assert draft.resume_hash == services.draft_hash(token)
    assert draft.invitation_id is None
    assert saved_answers(app, token) == ({"k01": 2, "k02": 3}, "Later.")
    assert len(token.replace("-", "")) == 24  # short enough to type (see test_survey_resume)

    page = page_text(client.get(f"/q/{token}/saved"))
    assert "Your answers are saved" in page
    assert f"{PUBLIC}/q/{token}" in page
    assert f'<p class="resume-code" id="resume-code">{token}</p>' in page
    assert f"{PUBLIC}/resume" in page

    other = app.test_client()  # another browser, days later
    form = page_text(other.get("/resume"))
    assert '<label class="field__label" for="code">Resume code</label>' in form
    resumed = other.post("/resume", data={"code": f"  {token}  "})
    assert resumed.headers["Location"] == f"/q/{token}"
    kept = page_text(other.get(resumed.headers["Location"]))
    assert re.search(r'id="q_k01-2"[^>]*checked', kept)
    assert "2 of 20 answered" in kept
    assert "Later." in kept
    assert f'action="/q/{token}"' in kept
    pasted = other.post("/resume", data={"code": f"http://localhost/q/{token}?from=mail"})
    assert pasted.headers["Location"] == f"/q/{token}"

    wrong = other.post("/resume", data={"code": "not-the-code"})
    assert wrong.status_code == 200
    assert "No saved answers match this code" in page_text(wrong)
    assert 'value="not-the-code"' in page_text(wrong)
    empty = other.post("/resume", data={"code": ""})
    assert "Enter the resume code you were given." in page_text(empty)

    # Saving again replaces the answers (a statement cleared is cleared); sending records them once.
    assert send(other, f"/q/{token}", {"k01": "5"}, action="save").headers["Location"] == f"/q/{token}/saved"
    assert saved_answers(app, token) == ({"k01": 5}, "")
    assert send(other, f"/q/{token}", ALL_FOURS).headers["Location"] == "/thanks"
    assert count(app, Response) == 1
    assert count(app, Draft) == 0


def test_a_replayed_send_of_a_draft_records_nothing_more(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = save_for_later(client, form_path(app, slug), {})
    assert send(client, f"/q/{token}", ALL_FOURS).headers["Location"] == "/thanks"

    again = send(client, f"/q/{token}", ALL_FOURS)  # double click, back button, replayed POST
    assert again.headers["Location"] == "/thanks"
    assert count(app, Response) == 1
    assert count(app, ResponseAnswer) == 20

    # The respondent's own browser goes back to the thank-you page; anyone else gets "not found".
    assert client.get(f"/q/{token}").headers["Location"] == "/thanks"
    assert app.test_client().get(f"/q/{token}").status_code == 404
    # "Save and finish later" on the old form finds nothing to save.
    assert send(client, f"/q/{token}", {"k01": "2"}, action="save").status_code == 404
    assert count(app, Draft) == 0


# --- personal invitations -------------------------------------------------------------


def test_personal_invitation_returns_to_its_draft_and_answers_once(app, client, make_assessment) -> None:
    slug = make_assessment()
    invitation_id, path = make_invitation(app, slug, "marketing")

    welcome = page_text(client.get(path))
    assert "personal link" in welcome
    assert "never records which answers are yours" in welcome
    assert "Marketing team" in welcome
    assert "Start the survey" in welcome
    assert "Continue with your resume code" not in welcome  # the personal link resumes by itself
    assert count(app, Draft) == 0  # opening the link (a mail scanner, a preview) stores nothing

    first = start(client, path)
    form = page_text(client.get(f"/q/{first}"))
    assert form.count("<fieldset") == 20
    assert "your personal link brings you back" in form
    assert send(client, f"/q/{first}", {"k01": "5"}, action="save").headers["Location"] == f"/q/{first}/saved"
    [draft] = drafts(app)
    assert draft.invitation_id == invitation_id

    assert "Continue where you left off" in page_text(client.get(path))
    second = start(client, path)  # the link again: same draft, a new resume token
    assert second != first
    assert app.test_client().get(f"/q/{first}").status_code == 404
    # A window still open on the replaced link leads back to the saved answers, never to a false "thank you".
    stale = send(client, f"/q/{first}", ALL_FOURS)
    assert stale.headers["Location"] == path
    assert count(app, Response) == 0
    assert "opened again from your personal link" in page_text(client.get(path))
    assert send(client, f"/q/{first}", {"k06": "1"}, action="save").headers["Location"] == path
    [draft] = drafts(app)
    assert draft.resume_hash == services.draft_hash(second)
    assert saved_answers(app, second) == ({"k01": 5}, "")
    assert re.search(r'id="q_k01-5"[^>]*checked', page_text(client.get(f"/q/{second}")))
    saved = page_text(client.get(f"/q/{second}/saved"))
    assert "open the personal link from your invitation again" in saved
    assert 'class="resume-code"' not in saved

    assert (
        send(client, f"/q/{second}", dict.fromkeys(ITEM_IDS[1:], "3") | {"k01": "5"}).headers["Location"]
        == "/thanks"
    )

    assert count(app, Draft) == 0
    assert count(app, Invitation, Invitation.id == invitation_id, Invitation.has_answered.is_(True)) == 1
    [stored] = responses(app)
    assert (stored.answered, stored.answer_sum) == (20, 5 + 19 * 3)
    assert stored.submission_hash is None  # nothing of the invitation's session is kept with it

    again = client.get(path)
    assert again.status_code == 200
    assert "You have already answered, thank you" in page_text(again)
    assert "You have already answered" in page_text(client.post(path))
    assert count(app, Draft) == 0


def test_opening_a_personal_link_in_several_windows_at_once_makes_one_draft(app, make_assessment) -> None:
    slug = make_assessment()
    invitation_id, path = make_invitation(app, slug)

    statuses = at_once(lambda: app.test_client().post(path).status_code)

    assert statuses == [302] * 4
    [draft] = drafts(app)
    assert draft.invitation_id == invitation_id


def test_an_invitation_of_a_closed_assessment_shows_the_closed_page(app, client, make_assessment) -> None:
    slug = make_assessment()
    _, path = make_invitation(app, slug)
    change_assessment(app, slug, status="closed")
    assert "This survey is closed" in page_text(client.get(path))
    assert "This survey is closed" in page_text(client.post(path))
    assert count(app, Draft) == 0


# --- CSRF -----------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app, tmp_path):
    """An app on the same database with CSRF protection on, as in production."""
    protected = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": TEST_SECRET,
        },
        instance_path=str(tmp_path / "csrf-instance"),
    )
    yield protected
    protected.extensions["survey_db"].engine.dispose()


def csrf_token_in(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def test_survey_posts_need_the_forms_csrf_token(app, csrf_app, make_assessment) -> None:
    slug = make_assessment()
    path = form_path(app, slug)
    client = csrf_app.test_client()
    page = page_text(client.get(path))
    csrf, submission = csrf_token_in(page), submission_in(page)

    for action in ("submit", "save"):
        for token in ({}, {"csrf_token": "forged"}):
            refused = send(client, path, ALL_FOURS, action=action, submission=submission, **token)
            assert refused.status_code == 200
            assert "Your answers have not been sent yet" in page_text(refused)
    assert count(app, Response) == 0
    assert count(app, Draft) == 0

    saved = send(client, path, {"k01": "3"}, action="save", submission=submission, csrf_token=csrf)
    assert saved.status_code == 302
    token = saved.headers["Location"].removeprefix("/q/").removesuffix("/saved")
    assert client.post("/resume", data={"code": token}).status_code == 400
    assert "Your answers have not been sent yet" in page_text(send(client, f"/q/{token}", ALL_FOURS))
    _, invitation = make_invitation(app, slug)
    assert client.post(invitation).status_code == 400
    assert count(app, Response) == 0
    assert saved_answers(app, token) == ({"k01": 3}, "")

    accepted = send(client, path, ALL_FOURS, submission=submission, csrf_token=csrf)
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == "/thanks"
    assert count(app, Response) == 1


def test_a_browser_that_lost_its_session_gets_its_answers_back_to_send_again(
    app, csrf_app, make_assessment
) -> None:
    """Restarted with the page restored, a browser sends the form without its session cookie."""
    slug = make_assessment()
    path = form_path(app, slug)
    page = page_text(csrf_app.test_client().get(path))
    restarted = csrf_app.test_client()  # no cookies
    answers = dict.fromkeys(ITEM_IDS, "2") | {"k05": "dk"}

    back = send(
        restarted,
        path,
        answers,
        submission=submission_in(page),
        csrf_token=csrf_token_in(page),
        comment="Share the pipeline.",
    )

    assert back.status_code == 200
    again = page_text(back)
    assert "Your answers have not been sent yet" in again
    assert "cookie" in again
    assert all(re.search(rf'id="q_{item}-{value}"[^>]*checked', again) for item, value in answers.items())
    assert "Share the pipeline." in again
    assert submission_in(again) == submission_in(page)
    assert count(app, Response) == 0
    assert count(app, Draft) == 0

    done = send(restarted, path, answers, submission=submission_in(again), csrf_token=csrf_token_in(again))
    assert done.headers["Location"] == "/thanks"
    assert count(app, Response) == 1


def test_the_survey_csrf_token_does_not_expire_while_answering(
    app, csrf_app, make_assessment, monkeypatch
) -> None:
    slug = make_assessment()
    client = csrf_app.test_client()
    path = form_path(app, slug)
    page = page_text(client.get(path))
    csrf, submission = csrf_token_in(page), submission_in(page)

    # Three hours later (Flask-WTF's default limit is one hour) …
    later = itsdangerous.timed.time.time() + 3 * 3600
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    signed = URLSafeTimedSerializer(TEST_SECRET, salt="wtf-csrf-token")
    with pytest.raises(SignatureExpired):
        signed.loads(csrf, max_age=3600)  # … a token under the default limit is refused …

    response = send(client, path, ALL_FOURS, submission=submission, csrf_token=csrf)  # … ours is not.
    assert response.status_code == 302
    assert count(app, Response) == 1


@pytest.mark.sqlite_only
def test_survey_forms_have_no_csrf_time_limit(app, kotler) -> None:
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    with app.test_request_context():
        for form in (StartForm(), ResumeForm(), AnswersForm()):
            assert form.meta.csrf_time_limit is None
        assert generate_csrf()  # a session token exists for the forms to share


# --- saved answers sealed (survey.sealing) --------------------------------------------

PRIVATE_COMMENT = "Our marketing lead never reads the pipeline report."


def stored_draft(app) -> dict:
    """The one draft row, every column as the database holds it (no ORM object)."""
    with app.app_context():
        return dict(db.get_session().execute(select(Draft.__table__)).mappings().one())


def assert_nothing_in_clear(row: dict, answers: dict[str, int]) -> None:
    """Neither the comment nor any answer can be read in ``row``: only its sealed blob holds them."""
    from survey_app.survey import sealing

    assert "answers" not in row
    assert "comment" not in row
    sealed = bytes(row["sealed"])
    assert sealed[0] == sealing.VERSION
    for text in (
        PRIVATE_COMMENT,
        "pipeline",
        json.dumps(answers),
        json.dumps(answers, separators=(",", ":")),
    ):
        assert text.encode() not in sealed
        assert all(text not in str(value) for value in row.values())
    assert b'"k01"' not in sealed


def test_a_personal_draft_is_sealed_under_the_invitations_token(app, client, make_assessment) -> None:
    """The database alone cannot read a personal draft: its key is the invitation's token, which
    only the secret key derives; the person's own link shows the answers again."""
    from survey_app.survey import sealing

    slug = make_assessment()
    invitation_id, path = make_invitation(app, slug)
    first = start(client, path)
    answers = {"k01": 5, "k02": 1, "k03": "dk"}
    saved = send(
        client, f"/q/{first}", {k: str(v) for k, v in answers.items()}, action="save", comment=PRIVATE_COMMENT
    )
    assert saved.headers["Location"] == f"/q/{first}/saved"

    row = stored_draft(app)
    assert row["invitation_id"] == invitation_id
    assert_nothing_in_clear(row, answers)
    with app.app_context():
        salt = db.get_session().scalar(select(Invitation.link_salt).where(Invitation.id == invitation_id))
    under_another_secret = derive_token("another-secret-key", "invitation", salt)
    for wrong in (first, row["resume_hash"], salt, under_another_secret):
        with pytest.raises(sealing.DraftUnreadable):
            sealing.unseal(wrong, row["sealed"])
    token = path.removeprefix("/i/")
    assert sealing.unseal(token, row["sealed"]) == (answers, PRIVATE_COMMENT)

    again = start(app.test_client(), path)  # the person's link, from another browser
    page = page_text(app.test_client().get(f"/q/{again}"))
    assert re.search(r'id="q_k01-5"[^>]*checked', page)
    assert re.search(r'id="q_k03-dk"[^>]*checked', page)
    assert PRIVATE_COMMENT in page
    assert bytes(stored_draft(app)["sealed"]) == bytes(row["sealed"])  # reopening re-seals nothing


def test_a_team_link_draft_is_sealed_under_its_resume_token(app, client, make_assessment) -> None:
    """A team-link draft's key is its resume token, of which the database holds only the hash."""
    from survey_app.survey import sealing

    slug = make_assessment()
    answers = {"k01": 2, "k02": 3}
    token = save_for_later(
        client, form_path(app, slug), {k: str(v) for k, v in answers.items()}, comment=PRIVATE_COMMENT
    )

    row = stored_draft(app)
    assert row["invitation_id"] is None
    assert_nothing_in_clear(row, answers)
    key = services.canonical_code(token)  # the code in capitals, without its hyphens
    for wrong in (row["resume_hash"], token, key[:-1], key + "X"):
        with pytest.raises(sealing.DraftUnreadable):
            sealing.unseal(wrong, row["sealed"])

    other = app.test_client()
    resumed = other.post("/resume", data={"code": token})
    assert resumed.headers["Location"] == f"/q/{token}"
    page = page_text(other.get(f"/q/{token}"))
    assert re.search(r'id="q_k01-2"[^>]*checked', page)
    assert re.search(r'id="q_k02-3"[^>]*checked', page)
    assert PRIVATE_COMMENT in page

    assert send(other, f"/q/{token}", {"k01": "4"}, action="save").status_code == 302
    resealed = bytes(stored_draft(app)["sealed"])
    assert resealed != bytes(row["sealed"])
    assert sealing.unseal(key, resealed) == ({"k01": 4}, "")


def test_a_draft_that_cannot_be_opened_says_so_and_is_left_alone(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = save_for_later(client, form_path(app, slug), {"k01": "2"})
    with app.app_context(), db.write_session() as session:
        sealed = bytearray(session.scalar(select(Draft.sealed)))
        sealed[-1] ^= 1  # one bit of the stored blob altered
        session.execute(update(Draft).values(sealed=bytes(sealed)))

    response = client.get(f"/q/{token}")

    assert response.status_code == 500
    assert "Your saved answers cannot be opened" in page_text(response)
    assert bytes(stored_draft(app)["sealed"]) == bytes(sealed)


# --- sending with too few answers (issue 14) ---------------------------------------------


def sales_results(runner, slug: str) -> dict:
    """The sales team's entry in ``flask results SLUG --json``."""
    result = runner.invoke(args=["results", slug, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["teams"]["sales"]


def test_send_anyway_records_an_incomplete_response_kept_out_of_the_scores(
    app, client, runner, make_assessment, make_user
) -> None:
    slug = make_assessment(min_group=3)
    make_user("c@example.com", "consultant", organization="Acme")
    consultant = app.test_client()
    sign_in(consultant, "c@example.com")
    path = form_path(app, slug)
    submission = open_form(client, path)
    few = dict.fromkeys(ITEM_IDS[:10], "4") | dict.fromkeys(ITEM_IDS[10:14], "dk")
    remark = "Plan the launches together."

    review = page_text(send(client, path, few, comment=remark, submission=submission))
    assert "counted as an incomplete response" in review
    assert "not be part of the scores" in review
    assert '<button type="submit" name="action" value="anyway"' in review
    assert count(app, Response) == 0

    sent = send(client, path, few, action="anyway", comment=remark, submission=submission)

    assert sent.headers["Location"] == "/thanks"
    [stored] = responses(app)
    assert (stored.answered, stored.total, stored.comment) == (10, None, remark)
    sales = sales_results(runner, slug)
    assert (sales["responses"], sales["pending"], sales["incomplete"], sales["withheld"]) == (0, 0, 1, True)
    assert remark not in page_text(consultant.get(f"/a/{slug}/results"))

    # Its comment joins the results with the next step of web responses, never on its own.
    for value in ("2", "3"):
        answer(app.test_client(), path, dict.fromkeys(ITEM_IDS, value), comment=f"Complete {value}.")
    assert sales_results(runner, slug)["pending"] == 2
    assert remark not in page_text(consultant.get(f"/a/{slug}/results"))
    answer(app.test_client(), path, ALL_FOURS, comment="Complete 4.")

    sales = sales_results(runner, slug)
    assert (sales["responses"], sales["pending"], sales["incomplete"]) == (3, 0, 1)
    assert sales["score"] == pytest.approx(60.0)  # 40, 60 and 80: the incomplete answers are not scored
    assert sales["items"]["k01"] == pytest.approx(3.0)
    page = page_text(consultant.get(f"/a/{slug}/results"))
    assert remark in page
    assert "Complete 2." in page
    rows = consultant.get(f"/a/{slug}/responses.csv").get_data(as_text=True).strip().splitlines()
    assert len(rows) == 1 + 3  # the export holds the scored responses only
    from survey_app.workspace.services import monitor

    with app.app_context():
        session = db.get_session()
        progress = monitor(session, get_assessment(session, slug), datetime.now(UTC)).teams[0]
    assert (progress.key, progress.responses, progress.in_results, progress.incomplete) == ("sales", 4, 3, 1)


def test_a_saved_draft_can_be_sent_anyway(app, client, runner, make_assessment) -> None:
    slug = make_assessment()
    token = save_for_later(client, form_path(app, slug), {"k01": "2"})

    review = send(client, f"/q/{token}", {"k01": "2", "k02": "dk"}, comment="Too busy.")
    assert "Send anyway" in page_text(review)
    sent = send(client, f"/q/{token}", {"k01": "2", "k02": "dk"}, action="anyway", comment="Too busy.")

    assert sent.headers["Location"] == "/thanks"
    assert count(app, Draft) == 0
    [stored] = responses(app)
    assert (stored.answered, stored.total, stored.comment) == (1, None, "Too busy.")
    assert sales_results(runner, slug)["incomplete"] == 1


def test_the_count_shows_dont_know_answers_too(app, client, make_assessment) -> None:
    slug = make_assessment()
    assert "0 of 20 answered<" in page_text(client.get(form_path(app, slug)))
    token = save_for_later(client, form_path(app, slug), {"k01": "2", "k02": "dk", "k03": "5"})

    page = page_text(client.get(f"/q/{token}"))

    assert "2 of 20 answered (1 don&#39;t know)" in page
    assert 'data-dont-know="don&#39;t know"' in page  # survey.js words it the same way


#: Arabic-Indic 3, full-width 3, superscript 3, Devanagari 3: digits to Python, never sent by our form.
@pytest.mark.parametrize("digit", ["\u0663", "\uff13", "\u00b3", "\u0969"])
def test_digits_other_than_ascii_count_as_no_answer(app, client, make_assessment, digit: str) -> None:
    slug = make_assessment()
    path = form_path(app, slug)

    page = page_text(answer(client, path, dict.fromkeys(ITEM_IDS, digit)))

    assert "Answer at least 16 more statements" in page
    assert "0 of 20 answered" in page
    assert count(app, Response) == 0
    token = save_for_later(client, path, {"k01": digit, "k02": "3"})
    assert saved_answers(app, token) == ({"k02": 3}, "")


# --- links built from PUBLIC_URL ----------------------------------------------------------


def test_links_handed_to_respondents_use_the_public_url_not_the_requests_host(
    app, client, make_assessment
) -> None:
    app.config["PUBLIC_URL"] = "https://survey.example.org/"
    slug = make_assessment()
    path = form_path(app, slug)
    evil = {"base_url": "http://evil.example"}
    submission = submission_in(page_text(client.get(path, **evil)))
    saved = client.post(path, data={"action": "save", "submission": submission}, **evil)
    token = saved.headers["Location"].rsplit("/", 2)[-2]

    page = page_text(client.get(f"/q/{token}/saved", **evil))

    assert f"https://survey.example.org/q/{token}" in page
    assert "https://survey.example.org/resume" in page
    assert "evil.example" not in page

    submission = open_form(client, path)
    change_assessment(app, slug, status="closed")
    data = {"action": "submit", "submission": submission} | {f"q_{item}": "4" for item in ITEM_IDS}
    closed = page_text(client.post(path, data=data, **evil))
    assert "Your answers were not sent" in closed
    assert re.search(r'href="https://survey\.example\.org/q/[A-Za-z0-9-]+"', closed)
    assert "evil.example" not in closed


# --- the welcome page ---------------------------------------------------------------------


def test_the_welcome_title_names_the_respondents_team_and_the_others(app, client, make_assessment) -> None:
    from survey_app.assessments import create_assessment

    slug = make_assessment(organization="Acme Tools")
    assert "How do Marketing and Sales work together at Acme Tools?" in page_text(
        client.get(link_path(app, slug, "marketing"))
    )
    with app.app_context(), db.write_session() as session:
        three = create_assessment(
            session,
            organization="Acme Tools",
            name="Autumn",
            questionnaire=get_questionnaire_for(app),
            secret_key=TEST_SECRET,
            teams=(("success", "Customer Success"), ("sales", "Sales"), ("marketing", "Marketing")),
        ).slug

    page = page_text(client.get(link_path(app, three, "success")))

    assert "How do Customer Success, Sales and Marketing work together at Acme Tools?" in page
    assert "sales and marketing" not in page  # the default purpose names the teams too


def get_questionnaire_for(app):  # noqa: ANN001, ANN201 - test helper
    from survey_app.catalog import get_questionnaire

    with app.app_context():
        return get_questionnaire("kotler-2006")
