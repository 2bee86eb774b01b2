"""The PDF report's download, the consultant's commentary and action plan, and their logo.

Every page loads what it shows through ``access``: 404 for an assessment the user
may not see, 403 when a leader tries to change something; the work is in ``services``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import db
from ..access import assessment_for, principal, staff_required
from ..assessments import get_assessment
from ..catalog import get_questionnaire
from ..errors import InvalidInput, NotFound
from . import services
from .context import PAPER_SIZES
from .forms import BLANK_ROWS, CommentaryForm, LogoForm, RemoveLogoForm

bp = Blueprint("report", __name__)


def _show_error(form: Any, exc: InvalidInput) -> None:
    """Put a service's complaint next to its field, or above the form when no field is named."""
    target = None
    if isinstance(exc, services.FieldInvalid):
        if exc.field.startswith("actions-"):
            _, index, sub = exc.field.split("-", 2)
            entries = form.actions.entries
            target = entries[int(index)].form[sub] if int(index) < len(entries) else None
        else:
            target = form._fields.get(exc.field)
    if target is not None:
        target.errors = [*target.errors, exc.reason]
    else:
        form.form_errors.append(str(exc))


@bp.get("/a/<slug>/report.pdf")
@login_required
def download(slug: str) -> Response:
    """The assessment's PDF report (?paper=letter for US Letter; A4 by default)."""
    session = db.get_session()
    assessment = assessment_for(session, slug)
    paper = request.args.get("paper", "a4").lower()
    if paper not in PAPER_SIZES:
        abort(400, description="The paper size must be a4 or letter.")
    try:
        rendered = services.report_pdf(
            session, assessment, get_questionnaire(assessment.questionnaire_id), paper
        )
    except NotFound as exc:
        abort(503, description=str(exc))
    return Response(
        rendered.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{services.report_filename(assessment)}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/a/<slug>/commentary", methods=["GET", "POST"])
@login_required
def commentary(slug: str) -> str | Response:
    """The consultant's commentary and action plan for the report (staff who manage it)."""
    session = db.get_session()
    found = assessment_for(session, slug, manage=True)
    if request.method == "POST":
        form = CommentaryForm()
    else:
        rows = [
            {"action": row.action, "owner": row.owner, "due_on": row.due_on}
            for row in services.action_rows(session, found)
        ]
        rows += [{"action": "", "owner": "", "due_on": None}] * BLANK_ROWS
        form = CommentaryForm(data={"commentary": found.commentary, "actions": rows})
    if form.validate_on_submit():
        actions = [
            services.ActionInput(
                entry.form.action.data or "", entry.form.owner.data or "", entry.form.due_on.data
            )
            for entry in form.actions.entries
            if not entry.form.remove.data
        ]
        try:
            with db.write_session() as write:
                count = services.save_commentary(
                    write, get_assessment(write, slug), form.commentary.data or "", actions
                )
        except InvalidInput as exc:
            _show_error(form, _renumbered(exc, form))
        else:
            flash(
                f"Commentary and action plan saved ({count} action{'s' * (count != 1)})."
                " They appear in the PDF report.",
                "success",
            )
            return redirect(url_for("report.commentary", slug=slug))
    return render_template(
        "report/commentary.html",
        form=form,
        assessment=found,
        results_url=url_for("compare.results", slug=found.slug),
        pdf_url=url_for("report.download", slug=found.slug),
    )


def _renumbered(exc: InvalidInput, form: CommentaryForm) -> InvalidInput:
    """A row error from the service counts kept rows only: map it back to the form's row."""
    if not isinstance(exc, services.FieldInvalid) or not exc.field.startswith("actions-"):
        return exc
    _, index, sub = exc.field.split("-", 2)
    passed = [i for i, entry in enumerate(form.actions.entries) if not entry.form.remove.data]
    position = int(index)
    return (
        services.FieldInvalid(f"actions-{passed[position]}-{sub}", exc.reason)
        if position < len(passed)
        else exc
    )


@bp.route("/profile/logo", methods=["GET", "POST"])
@staff_required
def logo() -> str | Response:
    """A consultant uploads or removes the logo printed on their reports' covers."""
    user = principal()
    upload, removal = LogoForm(), RemoveLogoForm()
    if request.method == "POST" and "remove" in request.form:
        if not removal.validate_on_submit():
            abort(400)
        with db.write_session() as write:
            had_logo = services.remove_logo(write, user.id)
        flash("Logo removed." if had_logo else "There was no logo to remove.", "success")
        return redirect(url_for("report.logo"))
    if upload.validate_on_submit():
        data = upload.logo.data.stream.read(services.MAX_LOGO_BYTES + 1)
        try:
            with db.write_session() as write:
                services.set_logo(write, user.id, data)
        except InvalidInput as exc:
            _show_error(upload, exc)
        else:
            flash("Logo saved. It appears on the cover of your reports.", "success")
            return redirect(url_for("report.logo"))
    return render_template(
        "report/logo.html",
        form=upload,
        remove_form=removal,
        logo=services.logo_info(db.get_session(), user.id),
        max_megabytes=services.MAX_LOGO_BYTES // (1024 * 1024),
    )
