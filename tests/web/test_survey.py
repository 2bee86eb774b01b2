"""The respondents' survey, through HTTP: links, paged answers, save and resume, submitting once."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from flask_wtf.csrf import generate_csrf
from itsdangerous import SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from survey_app import create_app, db
from survey_app.assessments import get_assessment, team_links
from survey_app.models import Draft, Invitation, Response, ResponseAnswer, Team, User
from survey_app.survey.forms import ResumeForm, StartForm, answers_form
from survey_app.tokens import derive_token, new_salt, token_hash

from helpers import ITEM_IDS, TEST_SECRET, sign_in

PAGES = [ITEM_IDS[start : start + 5] for start in range(0, 20, 5)]
LAST_PAGE = "5"


# --- helpers --------------------------------------------------------------------------


def link_path(app, slug: str, team: str = "sales") -> str:
    """The path of a team's survey link (``/s/<token>``)."""
    with app.app_context():
        assessment = get_assessment(db.get_session(), slug)
        links = {link.team: link.url for link in team_links(assessment, TEST_SECRET, "http://localhost")}
    return links[team].removeprefix("http://localhost")


def start(client, path: str) -> str:
    """Press "Start" on a welcome page; returns the resume token of the new draft."""
    response = client.post(path)
    assert response.status_code == 302
    match = re.fullmatch(r"/q/([A-Za-z0-9_-]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def post_page(client, token: str, page: str, answers: dict[str, str], action: str = "next", **extra):
    """Post one questionnaire page (``answers``: item id -> "1".."5" or "dk")."""
    data = {"page": page, "action": action, **{f"q_{item}": value for item, value in answers.items()}}
    data.update(extra)
    return client.post(f"/q/{token}", data=data)


def answer_all(client, token: str, answers: dict[str, str]) -> None:
    """Go through the four statement pages with Next, answering from ``answers``."""
    for number, items in enumerate(PAGES, start=1):
        page_answers = {item: answers[item] for item in items if item in answers}
        response = post_page(client, token, str(number), page_answers)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/q/{token}?page={number + 1}"


def submit(client, token: str, comment: str = ""):
    """Press "Send my answers" on the comment page."""
    return post_page(client, token, LAST_PAGE, {}, action="submit", comment=comment)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(model).where(*where))


def drafts(app) -> list[Draft]:
    with app.app_context():
        return list(db.get_session().scalars(select(Draft)))


def responses(app) -> list[Response]:
    with app.app_context():
        found = list(db.get_session().scalars(select(Response).order_by(Response.id)))
        for response in found:
            _ = response.answers
        return found


def make_invitation(app, slug: str, team: str = "marketing", name: str = "Mia") -> tuple[int, str]:
    """An invitation for one person of ``team``; returns its id and the path of its link."""
    salt = new_salt()
    token = derive_token(TEST_SECRET, "invitation", salt)
    with app.app_context(), db.write_session() as session:
        team_id = session.scalar(select(Team.id).where(Team.key == team, Team.assessment.has(slug=slug)))
        invitation = Invitation(
            team_id=team_id,
            name=name,
            email=f"{name.lower()}@example.com",
            link_salt=salt,
            link_hash=token_hash(token),
        )
        session.add(invitation)
        session.flush()
        invitation_id = invitation.id
    return invitation_id, f"/i/{token}"


def change_assessment(app, slug: str, **values) -> None:
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, slug)
        for name, value in values.items():
            setattr(assessment, name, value)


def page_text(response) -> str:
    return response.get_data(as_text=True)


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
    assert "How do sales and marketing work together at Acme Tools?" in page
    assert "Cora Consult" in page
    assert "We want to plan next year&#39;s launches together." in page
    assert "About 5 minutes: 20 short statements" in page
    assert "at least 7 people" in page
    assert "No names are stored with your answers" in page
    assert "Sales team" in page
    assert 'name="csrf_token"' not in page  # CSRF off in this app; the CSRF tests check the token
    assert response.headers["Cache-Control"] == "no-store"


def test_welcome_page_defaults_when_purpose_and_consultant_are_not_set(
    app, client, make_assessment, make_user
) -> None:
    slug = make_assessment()
    make_user("nameless@example.com", "consultant")
    with app.app_context(), db.write_session() as session:
        user_id = session.scalar(select(User.id).where(User.email == "nameless@example.com"))
    page = page_text(client.get(link_path(app, slug, "marketing")))
    assert "how well its sales and marketing teams work together today" in page
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
        ("post", "/s/not-a-real-token"),
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
    response = getattr(client, method)(path, data={"page": "1", "action": "next"})
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


# --- answering and submitting ---------------------------------------------------------


def test_start_answer_every_page_and_submit_records_one_response(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    [draft] = drafts(app)
    assert draft.resume_hash == token_hash(token)
    assert draft.invitation_id is None
    assert len(token) >= 32

    first = client.get(f"/q/{token}")
    page = page_text(first)
    assert first.status_code == 200
    assert "Page 1 of 5" in page
    assert "0 of 20 answered" in page
    assert "<fieldset" in page
    assert "<legend>" in page
    assert page.count('type="radio"') == 5 * 6
    assert 'for="q_k01-dk"' in page
    assert "Don&#39;t know" in page
    assert 'name="page" type="hidden" value="1"' in page

    answers = {item: str(1 + index % 5) for index, item in enumerate(ITEM_IDS)}  # 1,2,3,4,5,1,…: sum 60
    answer_all(client, token, answers)
    last = page_text(client.get(f"/q/{token}?page=5"))
    assert "Page 5 of 5" in last
    assert "20 of 20 answered" in last
    assert "One last question" in last
    assert 'maxlength="2000"' in last

    done = submit(client, token, comment="  Meet every week.\r\n  ")
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


def test_progress_and_next_back_keep_every_answer(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    post_page(client, token, "1", {"k01": "5", "k02": "dk", "k03": "2"})
    page2 = page_text(client.get(f"/q/{token}?page=2"))
    assert "Page 2 of 5" in page2
    assert "2 of 20 answered" in page2  # "don't know" is not an answer
    assert 'data-answered-elsewhere="2"' in page2

    back = post_page(client, token, "2", {"k06": "3"}, action="back")
    assert back.headers["Location"] == f"/q/{token}?page=1"
    page1 = page_text(client.get(back.headers["Location"]))
    assert re.search(r'id="q_k01-5"[^>]*checked', page1)
    assert re.search(r'id="q_k02-dk"[^>]*checked', page1)
    assert not re.search(r'id="q_k04-\w+"[^>]*checked', page1)
    assert drafts(app)[0].answers == {"k01": 5, "k02": "dk", "k03": 2, "k06": 3}

    # Changing a page replaces its answers; a page left blank clears nothing elsewhere.
    post_page(client, token, "1", {"k01": "1"})
    assert drafts(app)[0].answers == {"k01": 1, "k06": 3}
    # Resuming without a page number opens the first page with an open statement.
    answer_all(client, token, dict.fromkeys(ITEM_IDS[:10], "3"))
    assert "Page 3 of 5" in page_text(client.get(f"/q/{token}"))


def test_dont_know_answers_are_stored_as_dont_know_and_not_counted(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    answers = {item: ("dk" if item in ("k02", "k09", "k17") else "4") for item in ITEM_IDS}
    answer_all(client, token, answers)
    assert submit(client, token).status_code == 302

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
        other = app.test_client()
        token = start(other, link_path(app, slug))
        answer_all(other, token, dict.fromkeys(ITEM_IDS, value))
        assert submit(other, token).status_code == 302
    result = runner.invoke(args=["results", slug, "--json"])
    assert result.exit_code == 0, result.output
    sales = json.loads(result.output)["teams"]["sales"]
    assert sales["responses"] == 3
    assert sales["withheld"] is False
    assert sales["score"] == pytest.approx(60.0)


def test_a_replayed_submit_records_nothing_more(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    answer_all(client, token, ALL_FOURS)
    assert submit(client, token).headers["Location"] == "/thanks"

    again = submit(client, token)  # double click, back button, replayed POST
    assert again.status_code == 302
    assert again.headers["Location"] == "/thanks"
    assert count(app, Response) == 1
    assert count(app, ResponseAnswer) == 20

    # The respondent's own browser goes back to the thank-you page; anyone else gets "not found".
    assert client.get(f"/q/{token}").headers["Location"] == "/thanks"
    assert app.test_client().get(f"/q/{token}").status_code == 404
    # Any other button of the old form finds nothing to save.
    assert post_page(client, token, "1", {"k01": "2"}).status_code == 404
    assert count(app, Draft) == 0


def test_simultaneous_submits_of_one_draft_record_one_response(app, make_assessment) -> None:
    slug = make_assessment()
    client = app.test_client()
    token = start(client, link_path(app, slug))
    answer_all(client, token, ALL_FOURS)
    ready = threading.Barrier(4)
    statuses: list[int] = []

    def press_send() -> None:
        browser = app.test_client()
        ready.wait()
        statuses.append(submit(browser, token).status_code)

    threads = [threading.Thread(target=press_send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 4
    assert count(app, Response) == 1
    assert count(app, Draft) == 0


def test_a_second_submit_of_the_same_draft_records_nothing(app, make_assessment, kotler) -> None:
    """The service records nothing when the draft is already gone (another request won the race)."""
    from survey_app.survey import services

    slug = make_assessment()
    with app.app_context(), db.write_session() as session:
        team = get_assessment(session, slug).teams[0]
        token = services.start_draft(session, team.id)
        draft = services.find_draft(session, token)
        draft.answers = dict.fromkeys(ITEM_IDS, 3)
    now = datetime.now(UTC)
    with app.app_context(), db.write_session() as session:
        first = services.submit(session, token, kotler, (), {}, None, now)
    with app.app_context(), db.write_session() as session:
        second = services.submit(session, token, kotler, (), {}, None, now)
    assert first.outcome is services.Outcome.RECORDED
    assert second.outcome is services.Outcome.ALREADY_RECORDED
    assert count(app, Response) == 1


def test_too_few_answers_show_every_unanswered_statement_and_keep_the_answers(
    app, client, make_assessment
) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    answer_all(client, token, dict.fromkeys(ITEM_IDS[:13], "4"))

    response = submit(client, token, comment="Shared targets.")

    assert response.status_code == 200
    page = page_text(response)
    assert "Answer at least 3 more statements" in page
    assert 'id="error-summary"' in page
    for item in ITEM_IDS[13:]:
        assert f'href="#statement-{item}"' in page
        assert re.search(rf'<fieldset class="statement statement--missing" id="statement-{item}"', page)
    for item in ITEM_IDS[:13]:
        assert f'href="#statement-{item}"' not in page
        assert re.search(rf'id="q_{item}-4"[^>]*checked', page)
    assert page.count("Not answered yet") == 7
    assert "Shared targets." in page
    assert 'name="page" type="hidden" value="all"' in page
    assert count(app, Response) == 0
    [draft] = drafts(app)
    assert draft.answers == dict.fromkeys(ITEM_IDS[:13], 4)
    assert draft.comment == "Shared targets."

    # Shown again later, the answers are still checked.
    page1 = page_text(client.get(f"/q/{token}?page=1"))
    assert all(re.search(rf'id="q_{item}-4"[^>]*checked', page1) for item in PAGES[0])
    last = page_text(client.get(f"/q/{token}?page=5"))
    assert "answer 3 more before sending" in last
    assert "Shared targets." in last

    # Answering on the review page and sending from there records the response.
    review = {f"q_{item}": "4" for item in ITEM_IDS[:13]} | {f"q_{item}": "2" for item in ITEM_IDS[13:16]}
    done = client.post(
        f"/q/{token}", data={"page": "all", "action": "submit", "comment": "Shared targets."} | review
    )
    assert done.headers["Location"] == "/thanks"
    [stored] = responses(app)
    assert (stored.answered, stored.answer_sum) == (16, 13 * 4 + 3 * 2)


def test_dont_know_does_not_count_towards_the_answers_needed(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    answer_all(client, token, {item: ("4" if index < 15 else "dk") for index, item in enumerate(ITEM_IDS)})

    page = page_text(submit(client, token))

    assert "Answer at least 1 more statement<" in page
    # No statement is blank, so the "don't know" ones are the ones to look at.
    for item in ITEM_IDS[15:]:
        assert f'href="#statement-{item}"' in page
    assert "does not count as an answer" in page
    assert count(app, Response) == 0


def test_a_too_long_comment_is_refused_and_shown_again(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    answer_all(client, token, ALL_FOURS)
    comment = "word " * 401  # 2,005 characters, 2,004 after trimming

    response = submit(client, token, comment=comment)

    assert response.status_code == 200
    page = page_text(response)
    assert "Your comment has 2,005 characters" not in page
    assert "Your comment has 2,004 characters; shorten it to 2,000 characters or fewer." in page
    assert comment.strip() in page
    assert count(app, Response) == 0
    assert count(app, Draft) == 1


def test_a_closed_assessment_shows_a_closed_page_and_records_nothing(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    answer_all(client, token, ALL_FOURS)
    change_assessment(app, slug, status="closed")

    response = submit(client, token, comment="Late.")

    assert response.status_code == 200
    page = page_text(response)
    assert "This survey is closed" in page
    assert "Your answers were not sent" in page
    assert count(app, Response) == 0
    [draft] = drafts(app)
    assert len(draft.answers) == 20
    assert draft.comment == "Late."

    for path in (link_path(app, slug), f"/q/{token}"):
        visit = client.get(path)
        assert visit.status_code == 200
        assert "This survey is closed" in page_text(visit)
    assert client.post(link_path(app, slug)).status_code == 200
    assert count(app, Draft) == 1  # starting a closed survey creates nothing


def test_dates_open_and_close_the_survey(app, client, make_assessment) -> None:
    slug = make_assessment()
    now = datetime.now(UTC)
    change_assessment(app, slug, opens_at=now + timedelta(days=3))
    page = page_text(client.get(link_path(app, slug)))
    assert "This survey is not open yet" in page
    assert f"opens on {(now + timedelta(days=3)).day} " in page

    change_assessment(app, slug, opens_at=None, closes_at=now - timedelta(minutes=1))
    assert "This survey is closed" in page_text(client.get(link_path(app, slug)))


# --- save and resume ------------------------------------------------------------------


def test_save_and_finish_later_then_resume_by_code(app, client, make_assessment) -> None:
    slug = make_assessment()
    token = start(client, link_path(app, slug))
    saved = post_page(client, token, "1", {"k01": "2", "k02": "3"}, action="save")
    assert saved.headers["Location"] == f"/q/{token}/saved"

    page = page_text(client.get(saved.headers["Location"]))
    assert "Your answers are saved" in page
    assert f"http://localhost/q/{token}" in page
    assert f'<p class="resume-code" id="resume-code">{token}</p>' in page
    assert "http://localhost/resume" in page

    other = app.test_client()  # another browser, days later
    form = page_text(other.get("/resume"))
    assert '<label class="field__label" for="code">Resume code</label>' in form
    resumed = other.post("/resume", data={"code": f"  {token}  "})
    assert resumed.headers["Location"] == f"/q/{token}"
    assert re.search(r'id="q_k01-2"[^>]*checked', page_text(other.get(resumed.headers["Location"])))
    pasted = other.post("/resume", data={"code": f"http://localhost/q/{token}?page=2"})
    assert pasted.headers["Location"] == f"/q/{token}"

    wrong = other.post("/resume", data={"code": "not-the-code"})
    assert wrong.status_code == 200
    assert "No saved answers match this code" in page_text(wrong)
    assert 'value="not-the-code"' in page_text(wrong)
    empty = other.post("/resume", data={"code": ""})
    assert "Enter the resume code you were given." in page_text(empty)


# --- personal invitations -------------------------------------------------------------


def test_personal_invitation_returns_to_its_draft_and_answers_once(app, client, make_assessment) -> None:
    slug = make_assessment()
    invitation_id, path = make_invitation(app, slug, "marketing")

    welcome = page_text(client.get(path))
    assert "personal link" in welcome
    assert "never records which answers are yours" in welcome
    assert "Marketing team" in welcome
    assert "Start the survey" in welcome
    assert count(app, Draft) == 0  # opening the link (a mail scanner, a preview) stores nothing

    first = start(client, path)
    post_page(client, first, "1", {"k01": "5"})
    [draft] = drafts(app)
    assert draft.invitation_id == invitation_id

    assert "Continue where you left off" in page_text(client.get(path))
    second = start(client, path)  # the link again: same draft, a new resume token
    assert second != first
    assert app.test_client().get(f"/q/{first}").status_code == 404
    # A window still open on the replaced link leads back to the saved answers, never to a false "thank you".
    stale = submit(client, first)
    assert stale.headers["Location"] == path
    assert count(app, Response) == 0
    assert "opened again from your personal link" in page_text(client.get(path))
    assert post_page(client, first, "2", {"k06": "1"}).headers["Location"] == path
    [draft] = drafts(app)
    assert draft.resume_hash == token_hash(second)
    assert draft.answers == {"k01": 5}
    saved = page_text(client.get(f"/q/{second}/saved"))
    assert "open the personal link from your invitation again" in saved
    assert 'class="resume-code"' not in saved

    answer_all(client, second, dict.fromkeys(ITEM_IDS[1:], "3") | {"k01": "5"})
    assert submit(client, second).headers["Location"] == "/thanks"

    assert count(app, Draft) == 0
    assert count(app, Invitation, Invitation.id == invitation_id, Invitation.has_answered.is_(True)) == 1
    [stored] = responses(app)
    assert (stored.answered, stored.answer_sum) == (20, 5 + 19 * 3)

    again = client.get(path)
    assert again.status_code == 200
    assert "You have already answered, thank you" in page_text(again)
    assert "You have already answered" in page_text(client.post(path))
    assert count(app, Draft) == 0


def test_opening_a_personal_link_in_several_windows_at_once_makes_one_draft(app, make_assessment) -> None:
    slug = make_assessment()
    invitation_id, path = make_invitation(app, slug)
    ready = threading.Barrier(4)
    statuses: list[int] = []

    def press_start() -> None:
        browser = app.test_client()
        ready.wait()
        statuses.append(browser.post(path).status_code)

    threads = [threading.Thread(target=press_start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

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
    path = link_path(app, slug)
    client = csrf_app.test_client()

    welcome = page_text(client.get(path))
    assert client.post(path).status_code == 400
    assert count(app, Draft) == 0
    response = client.post(path, data={"csrf_token": csrf_token_in(welcome)})
    assert response.status_code == 302
    token = response.headers["Location"].removeprefix("/q/")

    page = page_text(client.get(f"/q/{token}?page=5"))
    csrf = csrf_token_in(page)
    with app.app_context(), db.write_session() as session:
        draft = session.scalar(select(Draft))
        draft.answers = dict.fromkeys(ITEM_IDS, 4)
    form = {"page": LAST_PAGE, "action": "submit", "comment": ""}

    refused = client.post(f"/q/{token}", data=form)
    assert refused.status_code == 400
    assert client.post(f"/q/{token}", data=form | {"csrf_token": "forged"}).status_code == 400
    assert count(app, Response) == 0
    assert client.post("/resume", data={"code": token}).status_code == 400

    accepted = client.post(f"/q/{token}", data=form | {"csrf_token": csrf})
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == "/thanks"
    assert count(app, Response) == 1


def test_the_survey_csrf_token_does_not_expire_while_answering(
    app, csrf_app, make_assessment, monkeypatch
) -> None:
    slug = make_assessment()
    client = csrf_app.test_client()
    path = link_path(app, slug)
    welcome = page_text(client.get(path))
    token = (
        client.post(path, data={"csrf_token": csrf_token_in(welcome)}).headers["Location"].removeprefix("/q/")
    )
    csrf = csrf_token_in(page_text(client.get(f"/q/{token}?page=1")))

    # Three hours later (Flask-WTF's default limit is one hour) …
    later = itsdangerous.timed.time.time() + 3 * 3600
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    signed = URLSafeTimedSerializer(TEST_SECRET, salt="wtf-csrf-token")
    with pytest.raises(SignatureExpired):
        signed.loads(csrf, max_age=3600)  # … a token under the default limit is refused …

    response = post_page(client, token, "1", {"k01": "3"}, csrf_token=csrf)  # … ours is not.
    assert response.status_code == 302
    assert drafts(app)[0].answers == {"k01": 3}


def test_survey_forms_have_no_csrf_time_limit(app, kotler) -> None:
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    with app.test_request_context():
        for form in (StartForm(), ResumeForm(), answers_form(kotler)()):
            assert form.meta.csrf_time_limit is None
        assert generate_csrf()  # a session token exists for the forms to share
