"""Survey pages for respondents: team and personal links, the questionnaire, save and resume.

Nobody signs in here: a link's token is the only key. A wrong token is a plain
404, so the pages never reveal which assessments exist. Every POST validates one
of the survey forms, whose CSRF token does not expire while someone is answering
(see ``forms``). The blueprint is exempt from the app-wide check so that a refused
token never throws answers away: the questionnaire comes back with everything that
was sent and a fresh token, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import InternalServerError
from werkzeug.wrappers import Response

from .. import db, rate_limits
from ..assessments import TEAM_LINK
from ..catalog import get_questionnaire
from ..distribute.mail import MailError
from ..domain.questionnaire import Questionnaire
from ..errors import InvalidInput, NotFound
from ..models import Assessment, Draft, Team
from ..tokens import stored_link_token, token_hash
from . import devices, resume_mail, services
from .forms import ACTIONS, AnswersForm, EmailLinkForm, ResumeForm, StartForm, SurveyForm
from .link_cache import LinkCache
from .sealing import DraftUnreadable
from .services import FormView, Outcome, Submitted, TeamLinkTarget

bp = Blueprint("survey", __name__)


@bp.record_once
def _keep_links(state: BlueprintSetupState) -> None:
    """Each app keeps open surveys' team links for SURVEY_LINK_CACHE_SECONDS (see ``link_cache``)."""
    links = LinkCache(state.app.config["SURVEY_LINK_CACHE_SECONDS"])
    links.watch(state.app.extensions["survey_db"].write_sessions)
    state.app.extensions["survey_links"] = links


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
NO_SUBMISSION_TOKEN = "This form is incomplete. Open the survey link again to answer."
NO_SUCH_CODE = "No saved answers match this code. Check that you copied all of it."
TOO_MANY_SENDS = (
    "Very many answers have been sent through this survey link from your network in a short time,"
    " so no more are taken from it for now. Try again in {wait}."
)
TOO_MANY_DRAFTS = (
    "Too many unfinished answer sets have been saved through this survey link from your {where}."
    " Send your answers instead, or try again later."
)
#: Key in the respondent's own session cookie: how many drafts this browser saved per team link.
DRAFTS_KEY = "survey_drafts"
#: What "E-mail me this link" says (its limits are the settings RESUME_EMAILS_PER_ADDRESS and _PER_DRAFT).
EMAIL_SENT = "The link is on its way. Your e-mail address was used only to send it: it was not stored."
EMAIL_NOT_SENT = (
    "The e-mail could not be sent. Check the address, or copy the link instead: it is shown on this page."
)
TOO_MANY_EMAILS = "The link has been e-mailed too often for now. Copy it instead, or try again in {wait}."
OPENED_ELSEWHERE = (
    "Your survey was opened again from your personal link, so the page you were on stopped working."
    " Your saved answers are kept: continue below."
)
DRAFT_UNREADABLE = (
    "Your saved answers cannot be opened on this server, so nothing was shown or sent."
    " Tell the person who sent you the survey link."
)


@bp.after_request
def _no_store(response: Response) -> Response:
    """Pages with answers and resume links are never kept in a cache (shared computers, back button)."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(DraftUnreadable)
def _draft_unreadable(error: DraftUnreadable) -> tuple[str, int]:
    """Saved answers that cannot be opened: the secret key changed since a personal draft was
    saved (it must not), or the stored draft was altered. Nothing is changed."""
    current_app.logger.error("a saved draft cannot be opened: %s", error)
    page = InternalServerError(description=DRAFT_UNREADABLE)
    return render_template("errors/error.html", error=page, code=500), 500


def _now() -> datetime:
    return datetime.now(UTC)


def _public_url(endpoint: str, **values: str) -> str:
    """An absolute link to hand out, on the configured PUBLIC_URL: never on the request's host,
    which anyone can set (a link to another site must not carry a resume code)."""
    path = url_for(endpoint, **values)
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root) :]
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def _secret() -> str:
    """The app's secret key, from which a personal invitation's draft key is derived."""
    return current_app.config["SECRET_KEY"]


def _validated(form: SurveyForm) -> bool:
    """Validate a posted form; a missing or wrong CSRF token is refused outright (400)."""
    valid = form.validate_on_submit()
    if not valid and "csrf_token" in form.errors:
        abort(400, description=CSRF_REFUSED)
    return valid


def _questionnaire_of(assessment: Assessment | TeamLinkTarget) -> Questionnaire:
    questionnaire = get_questionnaire(assessment.questionnaire_id)
    if questionnaire is None:
        current_app.logger.error(
            "assessment %s uses questionnaire %r, which is not loaded",
            assessment.slug,
            assessment.questionnaire_id,
        )
        abort(404)
    return questionnaire


def _closed_page(assessment: Assessment, *, not_sent: bool = False, resume_token: str = "") -> str:
    """The survey is closed (or not open yet); ``not_sent`` answers were kept, in ``resume_token``'s
    draft when the link was a team's."""
    resume_url = _public_url(".questionnaire", token=resume_token) if resume_token else ""
    return render_template(
        "survey/closed.html",
        closed=services.closed(assessment, _now()),
        not_sent=not_sent,
        resume_url=resume_url,
    )


def _team_of(token: str) -> Team:
    try:
        return services.find_team(db.get_session(), token)
    except NotFound:
        abort(404)


def _link_of(token: str) -> TeamLinkTarget:
    """What a team link leads to: kept by this process for a few seconds (see ``link_cache``)."""
    links: LinkCache = current_app.extensions["survey_links"]
    try:
        link = links.get(services.link_hash(token))
        if link is None:
            link = services.find_link(db.get_session(), token)
            links.put(link)
    except NotFound:
        abort(404)
    return link


@bp.get("/s/<token>")
def team_link(token: str) -> str:
    """A team's survey link: the welcome page, whose button opens the questionnaire."""
    team = _team_of(token)
    questionnaire = _questionnaire_of(team.assessment)
    if team.assessment.invitations_only:
        return _invitations_only()
    if not team.assessment.is_accepting(_now()):
        return _closed_page(team.assessment)
    if devices.has_sent(request, team.link_hash):
        return _sent_before(token)
    welcome = services.welcome(team.assessment, team, questionnaire, personal=False)
    return render_template(
        "survey/welcome.html", welcome=welcome, start_url=url_for(".team_answers", token=token)
    )


def _invitations_only() -> tuple[str, int]:
    """A team link of an assessment answered through personal invitations only."""
    return render_template("survey/invitations_only.html"), 403


def _sent_before(token: str, resume: str = "") -> str:
    """This browser sent answers through the team link already: someone else may answer, by
    choice. ``resume`` is the draft keeping the answers of a form sent meanwhile."""
    return render_template(
        "survey/sent_before.html", token=token, form=StartForm(), resume=resume, kept=bool(resume)
    )


def _secure_cookies() -> bool:
    return bool(current_app.config.get("SESSION_COOKIE_SECURE"))


@bp.post("/s/<token>/someone-else")
def someone_else(token: str) -> Response:
    """Someone else answers on a device that sent answers through this team link already."""
    link = _link_of(token)
    _validated(StartForm())
    resume = request.form.get("resume", "")
    if resume and services.is_submission_token(resume):  # a draft's resume token: same shape
        target = url_for(".questionnaire", token=resume)
    else:
        target = url_for(".team_answers", token=token)
    response = redirect(target)
    devices.forget_sent(request, response, link.link_hash, secure=_secure_cookies())
    return response


def _client() -> str:
    return request.remote_addr or ""


@dataclass(frozen=True)
class SendCount:
    """A send through a team link, counted per address: refused (why), or the one that makes
    a burst (the monitor counts a burst once, when its window passes the burst size)."""

    refusal: str = ""
    is_burst: bool = False


def _count_send(link_hash: str) -> SendCount:
    """Count this send from the client's address through the team link (one storage call)."""
    config = current_app.config
    sent, wait = rate_limits.count(
        config["TEAM_LINK_SENDS_PER_ADDRESS"], f"team-link-send:{link_hash}", _client()
    )
    if wait is not None:
        return SendCount(refusal=TOO_MANY_SENDS.format(wait=rate_limits.wait_words(wait)))
    return SendCount(is_burst=sent == config["TEAM_LINK_BURST_SENDS"] + 1)


def _draft_refusal(link_hash: str) -> str:
    """Why this browser or address may not save another draft through the team link, or ""."""
    saved = browser_session.get(DRAFTS_KEY, {})
    if saved.get(link_hash[: devices.PREFIX], 0) >= current_app.config["TEAM_LINK_DRAFTS_PER_BROWSER"]:
        return TOO_MANY_DRAFTS.format(where="browser")
    rules = current_app.config["TEAM_LINK_DRAFTS_PER_ADDRESS"]
    if rate_limits.refusal(rules, f"team-link-draft:{link_hash}", _client()):
        return TOO_MANY_DRAFTS.format(where="network")
    return ""


def _refused(
    questionnaire: Questionnaire, answers: services.DraftAnswers, comment: str, form: AnswersForm, why: str
) -> tuple[str, int]:
    """A team-link form refused by a per-address or per-browser limit: shown again as it was
    sent, with ``why`` (429); nothing is stored."""
    return _show(services.build_form(questionnaire, answers, comment), form, personal=False, refusal=why), 429


def _count_draft(link_hash: str) -> None:
    saved = dict(browser_session.get(DRAFTS_KEY, {}))
    key = link_hash[: devices.PREFIX]
    saved[key] = saved.get(key, 0) + 1
    browser_session[DRAFTS_KEY] = saved


def _sent(link_hash: str, team_id: int, send: SendCount) -> Response:
    """The thank-you page after answers went through a team link: this browser remembers it,
    and the send that makes a burst from one address is counted for the monitor."""
    response = redirect(url_for(".thanks"))
    devices.remember_sent(request, response, link_hash, secure=_secure_cookies())
    if send.is_burst:
        with db.write_session() as write:
            services.record_burst(write, team_id)
    return response


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
                resume = services.resume_invitation(write, invitation.id, _secret())
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


def _show(view: FormView, form: AnswersForm, *, personal: bool, refusal: str = "") -> str:
    """The questionnaire page of ``form``; shown again for a sent form, it says so when the
    CSRF token was refused, or why the answers were not taken (``refusal``)."""
    return _page(
        view,
        personal=personal,
        submission=form.submission.data or "",
        form=form,
        session_lost="csrf_token" in form.errors,
        refusal=refusal,
    )


def _page(
    view: FormView,
    *,
    personal: bool,
    submission: str,
    form: AnswersForm | None = None,
    fields_html: Markup | None = None,
    session_lost: bool = False,
    csrf: str | None = None,
    action_url: str | None = None,
    refusal: str = "",
) -> str:
    """The questionnaire page; its form posts back to the URL it was shown at.

    Its fields are ``fields_html`` when given (the blank form's), else rendered from
    ``view`` and ``form``. Its CSRF token is the request's (``generate_csrf`` gives a form
    the same one) and its address the request's, unless ``csrf`` and ``action_url`` are
    given (the blank page's stand-ins). After a POST it tells survey.js that the answers
    on it are not stored (``unsent``).
    """
    return render_template(
        "survey/questionnaire.html",
        view=view,
        form=form,
        csrf=generate_csrf() if csrf is None else csrf,
        submission=submission,
        fields_html=fields_html,
        action_url=request.path if action_url is None else action_url,
        personal=personal,
        session_lost=session_lost,
        refusal=refusal,
        unsent=request.method == "POST",
    )


#: Stand-ins for what differs between two blank questionnaires of one survey (letters only,
#: so escaping leaves them alone).
_SLOTS = ("SURVEYSLOTCSRF", "SURVEYSLOTSUBMISSION", "SURVEYSLOTACTION")


def _blank_page(questionnaire: Questionnaire) -> str:
    """A team link's questionnaire with nothing answered: only its tokens and address are new.

    Every team-link respondent starts from the same page, so it is rendered once per app
    and questionnaire with stand-ins, which each request replaces with its CSRF token, a
    fresh submission token and its own address. A flashed message waiting to be shown
    gets the page rendered in full (showing it takes it out of the session).
    """
    cache = current_app.extensions.setdefault("survey_blank_pages", {})
    if questionnaire.id in cache:
        view, fields, page = cache[questionnaire.id]
    else:
        view = services.build_form(questionnaire, {}, "")
        blank = AnswersForm(formdata=None, meta={"csrf": False})
        fields, page = Markup(render_template("survey/_fields.html", view=view, form=blank)), ""
    submission = services.new_submission_token()
    if "_flashes" in browser_session:
        return _page(view, personal=False, submission=submission, fields_html=fields)
    if not page:  # rendered with no message waiting, so it shows none
        csrf_slot, submission_slot, action_slot = _SLOTS
        page = _page(
            view,
            personal=False,
            submission=submission_slot,
            fields_html=fields,
            csrf=csrf_slot,
            action_url=action_slot,
        )
        cache[questionnaire.id] = (view, fields, page)
    for slot, value in zip(_SLOTS, (generate_csrf(), submission, request.path), strict=True):
        page = page.replace(slot, str(escape(value)), 1)
    return page


def _posted(questionnaire: Questionnaire, form: AnswersForm) -> tuple[services.DraftAnswers, str]:
    """The answers and the comment the questionnaire was sent with."""
    posted = {item_id: request.form.get(services.field_name(item_id)) for item_id in questionnaire.item_ids}
    return services.read_answers(questionnaire, posted), services.clean_comment(form.comment.data or "")


def _action(form: AnswersForm) -> str:
    return form.action.data if form.action.data in ACTIONS else "submit"


def _submitted_hash(token: str) -> str:
    """What the browser's session keeps of the draft it sent last (however the code was typed)."""
    return token_hash(services.canonical_code(token))


@bp.route("/s/<token>/answers", methods=["GET", "POST"])
def team_answers(token: str) -> str | Response:
    """A team link's questionnaire: sent in one go, or saved as a draft to finish later.

    Nothing is written until the form is sent. Its submission token makes a double
    click or a replayed POST record one response.
    """
    link = _link_of(token)
    questionnaire = _questionnaire_of(link)
    if link.invitations_only:
        return _invitations_only()
    if request.method == "GET":
        if not link.is_accepting(_now()):
            return _closed_page(_team_of(token).assessment)
        if devices.has_sent(request, link.link_hash):
            return _sent_before(token)
        return _blank_page(questionnaire)

    form = AnswersForm()
    valid = form.validate_on_submit()
    submission = form.submission.data or ""
    if not services.is_submission_token(submission):
        abort(400, description=NO_SUBMISSION_TOKEN)
    answers, comment = _posted(questionnaire, form)
    if not valid:  # a refused comment or CSRF token: show the page again as it was sent
        return _show(services.build_form(questionnaire, answers, comment), form, personal=False)
    if _action(form) == "save":
        refusal = _draft_refusal(link.link_hash)
        if refusal:
            return _refused(questionnaire, answers, comment, form, refusal)
        with db.write_session() as write:
            resume = services.new_draft(write, link.team_id, answers, comment)
        _count_draft(link.link_hash)
        return redirect(url_for(".saved", token=resume))
    if devices.has_sent(request, link.link_hash):  # a double click, a second tab, or a script
        if services.was_submitted(db.get_session(), submission):
            return redirect(url_for(".thanks"))  # this very form, sent twice: recorded once
        with db.write_session() as write:
            resume = services.new_draft(write, link.team_id, answers, comment)
        return _sent_before(token, resume)
    send = _count_send(link.link_hash)
    if send.refusal:
        return _refused(questionnaire, answers, comment, form, send.refusal)
    anyway = _action(form) == "anyway"
    result = _submit_once(token, questionnaire, answers, comment, submission, anyway=anyway)
    if result.outcome is Outcome.CLOSED:
        return _closed_page(_team_of(token).assessment, not_sent=True, resume_token=result.resume_token)
    if result.outcome is Outcome.INCOMPLETE:
        view = services.build_form(questionnaire, answers, comment, review=True)
        return _show(view, form, personal=False)
    return _sent(link.link_hash, link.team_id, send)


def _submit_once(
    token: str,
    questionnaire: Questionnaire,
    answers: services.DraftAnswers,
    comment: str,
    submission: str,
    *,
    anyway: bool,
) -> Submitted:
    """Record a team-link form once: a form sent again hits the unique submission hash.
    ``anyway``: recorded even with too few answers, as an incomplete response."""
    try:
        with db.write_session() as write:
            return services.submit_new(
                write, token, questionnaire, answers, comment, submission, _now(), anyway=anyway
            )
    except NotFound:  # the link is gone since the form was shown
        abort(404)
    except IntegrityError:
        # A fresh transaction: the request's read session may predate the first send.
        with db.write_session() as write:
            if services.was_submitted(write, submission):
                return Submitted(Outcome.ALREADY_RECORDED)
        raise


def _draft_gone(token: str) -> Response:
    """A resume token without a draft: replaced, submitted already (thank you), or never valid (404)."""
    if request.method == "POST":
        _validated(StartForm())
    invitation = browser_session.get(INVITATION_KEY)
    if invitation and services.is_waiting(db.get_session(), invitation):
        flash(OPENED_ELSEWHERE, "warning")
        return redirect(url_for(".invitation_link", token=invitation))
    if request.method == "POST":
        if request.form.get("action", "submit") in ("submit", "anyway"):
            return redirect(url_for(".thanks"))
    elif browser_session.get(SUBMITTED_KEY) == _submitted_hash(token):
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
    """The questionnaire of a saved draft (a personal link's, or one saved to finish later)."""
    found = _draft_of(token)
    if isinstance(found, Response):
        return found
    draft, questionnaire = found
    if not draft.team.assessment.is_accepting(_now()):
        return _closed_page(draft.team.assessment)
    try:
        answers, comment = services.read_draft(db.get_session(), draft, token, _secret())
    except NotFound:  # its invitation was deleted meanwhile, and the draft with it
        return _draft_gone(token)
    view = services.build_form(questionnaire, answers, comment)
    form = AnswersForm(formdata=None, comment=comment)
    return _show(view, form, personal=draft.invitation_id is not None)


@bp.post("/q/<token>")
def save_answers(token: str) -> str | Response:
    """Keep the answers in the draft ("Save and finish later"), or record them once ("Send")."""
    found = _draft_of(token)
    if isinstance(found, Response):
        return found
    draft, questionnaire = found
    personal = draft.invitation_id is not None
    form = AnswersForm()
    valid = form.validate_on_submit()
    answers, comment = _posted(questionnaire, form)
    if not valid:  # a refused comment or CSRF token: show the page again as it was sent
        return _show(services.build_form(questionnaire, answers, comment), form, personal=personal)

    if _action(form) == "save":
        try:
            with db.write_session() as write:
                services.save_draft(write, token, answers, comment, _secret())
        except NotFound:  # submitted, or reopened from the personal link, in another window meanwhile
            return _draft_gone(token)
        return redirect(url_for(".saved", token=services.display_code(token)))

    team = draft.team
    if not personal:
        if devices.has_sent(request, team.link_hash):  # keep the answers in the draft, ask first
            with db.write_session() as write:
                services.save_draft(write, token, answers, comment, _secret())
            return _sent_before(_team_link_token(team), token)
        send = _count_send(team.link_hash)
        if send.refusal:
            return _refused(questionnaire, answers, comment, form, send.refusal)
    with db.write_session() as write:
        result = services.submit(
            write, token, questionnaire, answers, comment, _now(), _secret(), anyway=_action(form) == "anyway"
        )
    if result.outcome is Outcome.CLOSED:
        return _closed_page(team.assessment, not_sent=True)
    if result.outcome is Outcome.INCOMPLETE:
        view = services.build_form(questionnaire, answers, comment, review=True)
        return _show(view, form, personal=personal)
    browser_session[SUBMITTED_KEY] = _submitted_hash(token)
    browser_session.pop(INVITATION_KEY, None)
    if not personal:
        return _sent(team.link_hash, team.id, send)
    return redirect(url_for(".thanks"))


def _team_link_token(team: Team) -> str:
    """The token of a team's survey link (derived from its salt with the secret key)."""
    token = stored_link_token(_secret(), TEAM_LINK, team.link_salt, team.link_hash)
    if token is None:  # made under another secret key: the link itself no longer works
        abort(404)
    return token


@bp.get("/q/<token>/saved")
def saved(token: str) -> str:
    """After "Save and finish later": the resume link and code (personal links resume by themselves)."""
    try:
        draft = services.find_draft(db.get_session(), token)
    except NotFound:
        abort(404)
    return _saved_page(token, personal=draft.invitation_id is not None)


def _saved_page(token: str, *, personal: bool, email_form: EmailLinkForm | None = None) -> str:
    """The saved page of the draft of ``token``; ``email_form`` as sent, when it was refused."""
    link = _resume_link(token)
    can_email = not personal and resume_mail.is_configured(current_app.config)
    if can_email and email_form is None:
        email_form = EmailLinkForm(formdata=None)
    return render_template(
        "survey/saved.html",
        personal=personal,
        continue_url=url_for(".questionnaire", token=link.code),
        resume_url=link.url,
        resume_page=link.page,
        code=link.code,
        email_form=email_form if can_email else None,
        email_url=url_for(".email_link", token=link.code),
    )


def _resume_link(token: str) -> resume_mail.ResumeLink:
    """The links back to the draft of ``token``, on PUBLIC_URL, and its code as shown."""
    code = services.display_code(token)
    return resume_mail.ResumeLink(
        url=_public_url(".questionnaire", token=code), page=_public_url(".resume"), code=code
    )


def _email_refusal(token: str) -> str:
    """Why no more resume links may be e-mailed now (per address, then per draft), or ""."""
    config = current_app.config
    limits = (
        (config["RESUME_EMAILS_PER_ADDRESS"], "resume-email", _client()),
        (config["RESUME_EMAILS_PER_DRAFT"], "resume-email-draft", token),
    )
    for rules, scope, who in limits:
        wait = rate_limits.refusal(rules, scope, who)
        if wait is not None:
            return TOO_MANY_EMAILS.format(wait=rate_limits.wait_words(wait))
    return ""


@bp.post("/q/<token>/email")
def email_link(token: str) -> tuple[str, int] | str | Response:
    """ "E-mail me this link": the resume link goes to the address typed, which is kept nowhere."""
    try:
        draft = services.find_draft(db.get_session(), token)
    except NotFound:
        abort(404)
    if draft.invitation_id is not None or not resume_mail.is_configured(current_app.config):
        abort(404)  # a personal link resumes by itself; without a mail server there is no button
    form = EmailLinkForm()
    if not _validated(form):
        return _saved_page(token, personal=False, email_form=form)
    refusal = _email_refusal(draft.resume_hash)
    if refusal:
        form.email.errors.append(refusal)
        return _saved_page(token, personal=False, email_form=form), 429
    try:
        resume_mail.send(current_app.config, _resume_link(token), form.email.data or "")
    except MailError as error:  # its text may quote the address: only its kind is logged
        current_app.logger.warning("a resume link could not be e-mailed (%s)", type(error).__name__)
        form.email.errors.append(EMAIL_NOT_SENT)
        return _saved_page(token, personal=False, email_form=form)
    flash(EMAIL_SENT, "success")
    return redirect(url_for(".saved", token=services.display_code(token)))


@bp.route("/resume", methods=["GET", "POST"])
def resume() -> str | Response:
    """Type a resume code (or paste the resume link) to go back to saved answers."""
    form = ResumeForm()
    if _validated(form):
        code = services.resume_code(form.code.data or "")  # any case, with or without hyphens
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
