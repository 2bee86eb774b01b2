"""Pages for handing out an assessment: team links, QR codes, personal invitations, e-mail.

Every route loads the assessment with ``assessment_for(..., manage=True)``: a leader of
the organization gets 403, anyone who may not see it 404. ``login_required`` stands in
for ``staff_required`` on purpose: with it a leader of another organization gets
404 like any outsider, instead of a 403 that would confirm the assessment exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.utils import secure_filename

from .. import db
from ..access import assessment_for, principal
from ..assessments import team_links
from ..catalog import get_questionnaire
from ..errors import InvalidInput, NotFound
from ..models import Assessment
from . import mail, services
from .forms import MAX_CSV_BYTES, InvitationsForm, SendForm, TeamLinksForm

bp = Blueprint("distribute", __name__)

#: Links and their QR codes are secrets: no shared cache may keep them.
NO_STORE = {"Cache-Control": "private, no-store"}


def _managed(slug: str) -> Assessment:
    return assessment_for(db.get_session(), slug, manage=True)


def _invitations_form(assessment: Assessment) -> InvitationsForm:
    form = InvitationsForm()
    form.team.choices = [(team.key, team.name) for team in assessment.teams]
    return form


def _team_cards(assessment: Assessment) -> tuple[list[dict[str, str]], str]:
    """Each team's name, link and QR download; or an error saying why the links cannot be shown."""
    try:
        links = team_links(assessment, current_app.config["SECRET_KEY"], current_app.config["PUBLIC_URL"])
    except InvalidInput as exc:
        return [], str(exc)
    names = {team.key: team.name for team in assessment.teams}
    return [
        {
            "key": link.team,
            "name": names[link.team],
            "url": link.url,
            "qr": url_for(".qr", slug=assessment.slug, team_key=link.team),
        }
        for link in links
    ], ""


def _render(assessment: Assessment, form: InvitationsForm, send_form: SendForm | None = None) -> Response:
    session = db.get_session()
    cards, link_error = _team_cards(assessment)
    teams = services.invitations_by_team(session, assessment)
    response = current_app.make_response(
        render_template(
            "distribute/page.html",
            assessment=assessment,
            assessment_url=f"{request.script_root}/a/{assessment.slug}",
            is_accepting=assessment.is_accepting(datetime.now(UTC)),
            cards=cards,
            link_error=link_error,
            teams=teams,
            invitation_count=sum(len(team.rows) for team in teams),
            pending=services.count_pending(session, assessment.id),
            mail_configured=mail.is_configured(current_app.config),
            form=form,
            send_form=send_form or SendForm(),
            links_form=TeamLinksForm(data={"invitations_only": assessment.invitations_only}),
            small_teams=services.small_teams(assessment),
            small_team_limit=services.SMALL_TEAM_FACTOR * assessment.min_group_size,
        )
    )
    response.headers.update(NO_STORE)
    return response


def _attachment(filename: str) -> str:
    return f'attachment; filename="{secure_filename(filename)}"'


def _back(slug: str, anchor: str = "invitations") -> Response:
    return redirect(url_for(".page", slug=slug, _anchor=anchor))


@bp.get("/a/<slug>/distribute")
@login_required
def page(slug: str) -> Response:
    """The team links with QR codes, and the personal invitations."""
    assessment = _managed(slug)
    return _render(assessment, _invitations_form(assessment))


@bp.post("/a/<slug>/team-links")
@login_required
def set_team_links(slug: str) -> Response:
    """Switch the team links off (personal invitations only) or on again."""
    assessment = _managed(slug)
    form = TeamLinksForm()
    if not form.validate_on_submit():
        abort(400)
    with db.write_session() as session:
        managed = assessment_for(session, slug, manage=True)
        managed.invitations_only = bool(form.invitations_only.data)
    if form.invitations_only.data:
        flash("Team links are off: only personal invitations take answers now.", "success")
    else:
        flash(f"Team links of “{assessment.name}” take answers again.", "success")
    return _back(slug, "links")


@bp.get("/a/<slug>/teams/<team_key>/qr.svg")
@login_required
def qr(slug: str, team_key: str) -> Response:
    """A team's survey link as a QR code (SVG download)."""
    assessment = _managed(slug)
    team = next((t for t in assessment.teams if t.key == team_key), None)
    if team is None:
        abort(404)
    try:
        links = team_links(assessment, current_app.config["SECRET_KEY"], current_app.config["PUBLIC_URL"])
    except InvalidInput as exc:
        flash(f"The QR code cannot be made: {exc}.", "error")
        return _back(slug, "links")
    url = next(link.url for link in links if link.team == team_key)
    svg = services.qr_svg(url, f"Survey link for {team.name} ({assessment.name})")
    return Response(
        svg,
        mimetype="image/svg+xml",
        headers={"Content-Disposition": _attachment(f"{slug}-{team_key}-qr.svg"), **NO_STORE},
    )


@bp.post("/a/<slug>/invitations")
@login_required
def create_invitations(slug: str) -> Response:
    """Add personal invitations for one team from a pasted list or a CSV file: all or none."""
    assessment = _managed(slug)
    form = _invitations_form(assessment)
    if form.validate_on_submit():
        from_file = form.csv_file.data is not None
        source = form.csv_file if from_file else form.people
        try:
            people = (
                services.read_csv(form.csv_file.data.read(MAX_CSV_BYTES + 1))
                if from_file
                else services.read_pasted(form.people.data or "")
            )
            with db.write_session() as session:
                created = services.create_invitations(
                    session, assessment.id, form.team.data, people, current_app.config["SECRET_KEY"]
                )
        except services.InvitationsRejected as rejected:
            source.errors.extend(rejected.problems)
        except NotFound:
            form.team.errors.append("Choose one of the assessment's teams.")
        else:
            team = dict(form.team.choices)[form.team.data]
            flash(
                f"{created} personal invitation{'s' * (created != 1)} created for {team}.",
                "success",
            )
            return _back(slug)
    response = _render(assessment, form)
    response.status_code = 422
    return response


@bp.get("/a/<slug>/invitations.csv")
@login_required
def invitations_csv(slug: str) -> Response:
    """The personal links as a CSV file, for a mail merge."""
    assessment = _managed(slug)
    try:
        links = services.invitation_links(
            db.get_session(),
            assessment.id,
            current_app.config["SECRET_KEY"],
            current_app.config["PUBLIC_URL"],
        )
    except InvalidInput as exc:
        flash(f"The personal links cannot be listed: {exc}.", "error")
        return _back(slug)
    return Response(
        services.invitations_csv(links),
        mimetype="text/csv",
        headers={"Content-Disposition": _attachment(f"{slug}-invitations.csv"), **NO_STORE},
    )


def _record_sent(invitation_id: int) -> None:
    """Commit one sent e-mail at once, so a failure later on never sends it again."""
    with db.write_session() as session:
        services.mark_sent(session, invitation_id, datetime.now(UTC))


def _flash_report(report: services.DeliveryReport) -> None:
    if report.sent:
        flash(f"{report.sent} invitation{'s' * (report.sent != 1)} sent by e-mail.", "success")
    if report.failed:
        names = "; ".join(f"{address} ({reason})" for address, reason in report.failed)
        flash(f"Not sent to: {names}. Check these addresses, then send again.", "error")
    if report.stopped:
        flash(
            f"Sending stopped: {report.stopped}. {report.not_tried} more invitation"
            f"{'s were' if report.not_tried != 1 else ' was'} not sent; send again to send the rest.",
            "error",
        )


def _mail_settings() -> mail.MailSettings | None:
    """The mail server's settings, or None after flashing why nothing can be sent."""
    try:
        settings = mail.settings_from(current_app.config)
    except mail.MailError as exc:
        flash(f"E-mail cannot be sent: {exc}.", "error")
        return None
    if settings is None:
        flash(
            "E-mail is not configured on this server (MAIL_SERVER is empty): nothing was sent."
            " Download the personal links as CSV for a mail merge instead.",
            "error",
        )
    return settings


def _links(assessment: Assessment, *, pending_only: bool) -> list[services.InvitationLink] | None:
    """The assessment's personal links, or None after flashing why they cannot be made."""
    config = current_app.config
    try:
        return services.invitation_links(
            db.get_session(),
            assessment.id,
            config["SECRET_KEY"],
            config["PUBLIC_URL"],
            pending_only=pending_only,
        )
    except InvalidInput as exc:
        flash(f"Nothing was sent: {exc}.", "error")
        return None


def _deliver(
    assessment: Assessment,
    settings: mail.MailSettings,
    links: list[services.InvitationLink],
    record_sent: Callable[[int], None],
    *,
    reminder: bool = False,
) -> services.DeliveryReport | None:
    """E-mail each link's person the survey's letter; None after flashing a lost mail server."""
    user = principal()
    facts = services.survey_letter(
        assessment,
        get_questionnaire(assessment.questionnaire_id),
        consultant=(assessment.created_by.name or assessment.created_by.email)
        if assessment.created_by
        else user.display_name,
        reply_to=assessment.created_by.email if assessment.created_by else user.email,
    )

    def compose(link: services.InvitationLink) -> EmailMessage:
        recipient = mail.Recipient(name=link.name, email=link.email, team=link.team_name, link=link.url)
        return mail.compose_invitation(facts, recipient, settings.sender, reminder=reminder)

    try:
        with mail.connect(settings) as mailer:
            return services.deliver(links, compose, mailer.send, record_sent)
    except mail.MailServerError as exc:
        flash(f"Nothing was sent: {exc}.", "error")
        return None


@bp.post("/a/<slug>/invitations/send")
@login_required
def send_invitations(slug: str) -> Response:
    """E-mail each invitation not yet sent (nor answered); mark each as sent as soon as it is."""
    assessment = _managed(slug)
    if not SendForm().validate_on_submit():
        abort(400)
    settings = _mail_settings()
    links = _links(assessment, pending_only=True) if settings else None
    if settings is None or links is None:
        return _back(slug)
    # Someone who answered already gets no e-mail, but is marked sent like the others, so that
    # the page never singles out who answered before their e-mail went out.
    for link in links:
        if link.answered:
            _record_sent(link.invitation_id)
    links = [link for link in links if not link.answered]
    if not links:
        flash("Every invitation has been sent or answered already: nothing to send.", "info")
        return _back(slug)
    report = _deliver(assessment, settings, links, _record_sent)
    if report is not None:
        _flash_report(report)
    return _back(slug)


@bp.post("/a/<slug>/invitations/remind")
@login_required
def remind(slug: str) -> Response:
    """E-mail a reminder to everyone invited by e-mail who has not answered yet.

    Who that is is never shown: the page says how many were reminded, and an address the
    mail server refuses is counted, not named (naming it would tell that its person has
    not answered).
    """
    assessment = _managed(slug)
    if not SendForm().validate_on_submit():
        abort(400)
    settings = _mail_settings()
    links = _links(assessment, pending_only=False) if settings else None
    if settings is None or links is None:
        return _back(slug)
    links = [link for link in links if services.is_to_remind(link)]
    if not links:
        flash("Nobody to remind: everyone e-mailed has answered, or no invitation was e-mailed yet.", "info")
        return _back(slug)
    report = _deliver(assessment, settings, links, lambda _invitation_id: None, reminder=True)
    if report is not None:
        if report.sent:
            flash(
                f"Reminder sent to {report.sent} {'person' if report.sent == 1 else 'people'}"
                " who had not answered yet.",
                "success",
            )
        missed = len(report.failed) + report.not_tried
        if missed:
            flash(
                f"{missed} reminder{'s' if missed != 1 else ''} could not be sent"
                f"{': ' + report.stopped if report.stopped else ''}. Send the reminders again later.",
                "error",
            )
    return _back(slug)
