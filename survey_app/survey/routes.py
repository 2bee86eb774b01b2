"""Survey pages for respondents: team and personal links, the paged questionnaire, save and resume.

Nobody signs in here: a link's token is the only key. A wrong token is a plain
404, so the pages never reveal which assessments exist. Every POST validates one
of the survey forms, whose CSRF token does not expire while someone is answering
(see ``forms``); that is why the blueprint is exempt from the app-wide check.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from werkzeug.wrappers import Response

from .. import db
from ..catalog import get_questionnaire
from ..errors import InvalidInput, NotFound
from ..models import Assessment, Draft
from ..questionnaire import Questionnaire
from ..tokens import token_hash
from . import services
from .forms import ACTIONS, AnswersForm, ResumeForm, StartForm, SurveyForm, answers_form
from .services import Outcome, PageView

bp = Blueprint("survey", __name__)

#: Key in the respondent's own session cookie: the hash of the last draft they submitted,
#: so going back to its page shows the thank-you page instead of "not found".
SUBMITTED_KEY = "survey_submitted"
#: Key in the respondent's own session cookie: the personal link they started from, so a
#: window left open after the link was opened again (which replaced its resume token)
#: leads back to the saved answers instead of "not found" or a false "thank you".
INVITATION_KEY = "survey_invitation"

CSRF_REFUSED = (
    "This form could not be accepted because it did not come from this site's page."
    " Open the survey link again: answers you saved are kept."
)
NO_SUCH_CODE = "No saved answers match this code. Check that you copied all of it."
OPENED_ELSEWHERE = (
    "Your survey was opened again from your personal link, so the page you were on stopped working."
    " Your saved answers are kept: continue below."
)


@bp.after_request
def _no_store(response: Response) -> Response:
    """Pages with answers and resume links are never kept in a cache (shared computers, back button)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _now() -> datetime:
    return datetime.now(UTC)


def _validated(form: SurveyForm) -> bool:
    """Validate a posted form; a missing or wrong CSRF token is refused outright (400)."""
    valid = form.validate_on_submit()
    if not valid and "csrf_token" in form.errors:
        abort(400, description=CSRF_REFUSED)
    return valid


def _questionnaire_of(assessment: Assessment) -> Questionnaire:
    questionnaire = get_questionnaire(assessment.questionnaire_id)
    if questionnaire is None:
        current_app.logger.error(
            "assessment %s uses questionnaire %r, which is not loaded",
            assessment.slug,
            assessment.questionnaire_id,
        )
        abort(404)
    return questionnaire


def _closed_page(assessment: Assessment, *, not_sent: bool = False) -> str:
    return render_template(
        "survey/closed.html", closed=services.closed(assessment, _now()), not_sent=not_sent
    )


@bp.route("/s/<token>", methods=["GET", "POST"])
def team_link(token: str) -> str | Response:
    """A team's survey link: the welcome page, whose button starts a new draft."""
    try:
        team = services.find_team(db.get_session(), token)
    except NotFound:
        abort(404)
    assessment = team.assessment
    questionnaire = _questionnaire_of(assessment)
    if not assessment.is_accepting(_now()):
        return _closed_page(assessment)
    form = StartForm()
    if _validated(form):
        with db.write_session() as write:
            resume = services.start_draft(write, team.id)
        return redirect(url_for(".questionnaire", token=resume))
    welcome = services.welcome(assessment, team, questionnaire, personal=False)
    return render_template("survey/welcome.html", welcome=welcome, form=form)


@bp.route("/i/<token>", methods=["GET", "POST"])
def invitation_link(token: str) -> str | Response:
    """A personal invitation: the welcome page, whose button opens the person's draft."""
    session = db.get_session()
    try:
        invitation = services.find_invitation(session, token)
    except NotFound:
        abort(404)
    if invitation.has_answered:
        return render_template("survey/already_answered.html")
    team = invitation.team
    questionnaire = _questionnaire_of(team.assessment)
    if not team.assessment.is_accepting(_now()):
        return _closed_page(team.assessment)
    form = StartForm()
    if _validated(form):
        try:
            with db.write_session() as write:
                resume = services.resume_invitation(write, invitation.id)
        except InvalidInput:  # answered in another tab meanwhile
            return render_template("survey/already_answered.html")
        browser_session[INVITATION_KEY] = token
        return redirect(url_for(".questionnaire", token=resume))
    welcome = services.welcome(
        team.assessment,
        team,
        questionnaire,
        personal=True,
        has_draft=services.has_draft(session, invitation.id),
    )
    return render_template("survey/welcome.html", welcome=welcome, form=form)


def _show(token: str, view: PageView, form: AnswersForm, *, personal: bool) -> str:
    form.page.data = view.page
    return render_template("survey/questionnaire.html", token=token, view=view, form=form, personal=personal)


def _draft_gone(token: str) -> Response:
    """A resume token without a draft: replaced, submitted already (thank you), or never valid (404)."""
    if request.method == "POST":
        _validated(StartForm())
    invitation = browser_session.get(INVITATION_KEY)
    if invitation and services.is_waiting(db.get_session(), invitation):
        flash(OPENED_ELSEWHERE, "warning")
        return redirect(url_for(".invitation_link", token=invitation))
    if request.method == "POST":
        if request.form.get("action") == "submit":
            return redirect(url_for(".thanks"))
    elif browser_session.get(SUBMITTED_KEY) == token_hash(token):
        return redirect(url_for(".thanks"))
    abort(404)


def _draft_of(token: str) -> tuple[Draft, Questionnaire] | Response:
    """The draft of a resume token and its questionnaire, or the response for a missing draft."""
    try:
        draft = services.find_draft(db.get_session(), token)
    except NotFound:
        return _draft_gone(token)
    return draft, _questionnaire_of(draft.team.assessment)


@bp.get("/q/<token>")
def questionnaire(token: str) -> str | Response:
    """The questionnaire, a page at a time (``?page=N``; without it, the first page still open)."""
    found = _draft_of(token)
    if isinstance(found, Response):
        return found
    draft, questionnaire = found
    if not draft.team.assessment.is_accepting(_now()):
        return _closed_page(draft.team.assessment)
    number = services.choose_page(questionnaire, draft.answers, request.args.get("page", type=int))
    view = services.build_page(questionnaire, draft.answers, draft.comment, number)
    form = answers_form(questionnaire)(formdata=None, comment=draft.comment)
    return _show(token, view, form, personal=draft.invitation_id is not None)


@bp.post("/q/<token>")
def save_answers(token: str) -> str | Response:
    """Store a page in the draft on Next, Back or Save; on Send, record the response once."""
    found = _draft_of(token)
    if isinstance(found, Response):
        return found
    draft, questionnaire = found
    personal = draft.invitation_id is not None
    form = answers_form(questionnaire)()
    valid = _validated(form)
    page = form.page.data or ""
    try:
        item_ids, has_comment = services.page_items(questionnaire, page)
    except InvalidInput:
        abort(400)
    posted = {item_id: form[services.field_name(item_id)].data for item_id in item_ids}
    comment = (form.comment.data or "") if has_comment else None

    if not valid:  # only the comment can be refused: show the page again as it was sent
        answers = services.merge_answers(questionnaire, draft.answers, item_ids, posted)
        if page == services.ALL_PAGES:
            view = services.build_review(questionnaire, answers, comment or "")
        else:
            view = services.build_page(questionnaire, answers, comment or "", int(page))
        return _show(token, view, form, personal=personal)

    action = form.action.data if form.action.data in ACTIONS else "next"
    if action == "submit" and has_comment:
        with db.write_session() as write:
            result = services.submit(write, token, questionnaire, item_ids, posted, comment, _now())
        if result.outcome is Outcome.CLOSED:
            return _closed_page(draft.team.assessment, not_sent=True)
        if result.outcome is Outcome.INCOMPLETE:
            view = services.build_review(questionnaire, result.answers, result.comment)
            return _show(token, view, form, personal=personal)
        browser_session[SUBMITTED_KEY] = token_hash(token)
        browser_session.pop(INVITATION_KEY, None)
        return redirect(url_for(".thanks"))

    try:
        with db.write_session() as write:
            services.save_page(write, token, questionnaire, item_ids, posted, comment)
    except NotFound:  # submitted, or reopened from the personal link, in another window meanwhile
        return _draft_gone(token)
    if action == "save":
        return redirect(url_for(".saved", token=token))
    pages = services.page_count(questionnaire)
    number = int(page) if page.isdigit() else pages
    number = max(1, number - 1) if action == "back" else min(pages, number + 1)
    return redirect(url_for(".questionnaire", token=token, page=number))


@bp.get("/q/<token>/saved")
def saved(token: str) -> str:
    """After "Save and finish later": the resume link and code (personal links resume by themselves)."""
    try:
        draft = services.find_draft(db.get_session(), token)
    except NotFound:
        abort(404)
    return render_template(
        "survey/saved.html",
        personal=draft.invitation_id is not None,
        continue_url=url_for(".questionnaire", token=token),
        resume_url=url_for(".questionnaire", token=token, _external=True),
        resume_page=url_for(".resume", _external=True),
        code=token,
    )


@bp.route("/resume", methods=["GET", "POST"])
def resume() -> str | Response:
    """Type a resume code (or paste the resume link) to go back to saved answers."""
    form = ResumeForm()
    if _validated(form):
        code = services.resume_code(form.code.data or "")
        try:
            services.find_draft(db.get_session(), code)
        except NotFound:
            form.code.errors.append(NO_SUCH_CODE)
        else:
            return redirect(url_for(".questionnaire", token=code))
    return render_template("survey/resume.html", form=form)


@bp.get("/thanks")
def thanks() -> str:
    """What happens after the answers are in."""
    return render_template("survey/thanks.html")
