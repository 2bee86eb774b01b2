"""The command line for consultants and scripts: ``flask --app survey_app COMMAND``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import db, demo, drafts_cleanup, migrate, worker_queue
from .accounts import create_user, find_organization
from .assessments import (
    AssessmentInput,
    create_new_assessment,
    get_assessment,
    get_or_create_organization,
    rerun_assessment,
    team_links,
)
from .batches import DuplicateImport, undo_batch
from .catalog import get_catalog, questionnaire_folders
from .cli_support import Command, Group, friendly_errors
from .domain.importing import ImportRejected
from .domain.questionnaire import Questionnaire, load_catalog
from .errors import InvalidInput, NotFound
from .models import Assessment, Role, utcnow
from .releases import services as releases
from .report import services as report_services
from .responses import MAX_IMPORT_BYTES, import_responses
from .results.aggregates import compute_results, results_json
from .results.terminal import format_results
from .trend.services import keep_snapshots, load_trend, trend_json
from .trend.terminal import format_trend


def _questionnaire_of(assessment: Assessment) -> Questionnaire:
    questionnaire = get_catalog().get(assessment.questionnaire_id)
    if questionnaire is None:
        raise NotFound(
            f"questionnaire {assessment.questionnaire_id!r} of assessment {assessment.slug!r}"
            " is not installed or did not load (run `flask --app survey_app questionnaires check`)"
        )
    return questionnaire


@click.command("init-db", cls=Command)
@with_appcontext
@friendly_errors
def init_db_command() -> None:
    """Create the database tables, or upgrade them to the newest schema."""
    before, after = migrate.upgrade(db.get_database().engine)
    if before == after:
        click.echo(f"Database is up to date (schema {after}).")
    else:
        click.echo(f"Database schema upgraded from {before or 'empty'} to {after}.")


@click.command("db-revision", cls=Command)
@click.argument("message")
@with_appcontext
@friendly_errors
def db_revision_command(message: str) -> None:
    """For developers: write a migration for the models' changes (upgrades the database first)."""
    engine = db.get_database().engine
    migrate.upgrade(engine)
    migrate.new_revision(engine, message)


@click.command("create-user", cls=Command)
@click.argument("email")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), required=True, help="What the user may do."
)
@click.option(
    "--org", "organization", metavar="NAME", help="Organization name or slug (required for leaders)."
)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password (at least 12 characters); prompted for when left out.",
)
@with_appcontext
@friendly_errors
def create_user_command(email: str, role: str, organization: str | None, password: str) -> None:
    """Create a user account that can sign in."""
    with db.write_session() as session:
        user = create_user(session, email, Role(role), password, organization)
        click.echo(f"Created {user.role.value} {user.email}.")


assessment_group = Group("assessment", help="Create assessments and list their survey links.")


@assessment_group.command("create")
@click.option(
    "--org",
    "organization",
    required=True,
    metavar="NAME",
    help="Client organization: name or slug (created if new).",
)
@click.option("--name", required=True, metavar="NAME", help="Name of the assessment.")
@click.option("--questionnaire", "questionnaire_id", default="kotler-2006", show_default=True)
@click.option("--min-group", type=int, default=None, help="Anonymity threshold (at least 3; default 5).")
@friendly_errors
def create_assessment_command(
    organization: str, name: str, questionnaire_id: str, min_group: int | None
) -> None:
    """Create an assessment with the teams sales and marketing; print its slug last.

    The rules are those of the workspace's new-assessment page (``create_new_assessment``).
    """
    questionnaire = get_catalog().get(questionnaire_id)
    if questionnaire is None:
        known = ", ".join(sorted(get_catalog().questionnaires)) or "none"
        raise NotFound(f"no questionnaire {questionnaire_id!r} (available: {known})")
    data = AssessmentInput(
        name=name,
        questionnaire=questionnaire,
        min_group=current_app.config["DEFAULT_MIN_GROUP"] if min_group is None else min_group,
    )
    with db.write_session() as session:
        org = get_or_create_organization(session, organization)
        assessment = create_new_assessment(session, org, data, current_app.config["SECRET_KEY"])
        click.echo(
            f"Created assessment {assessment.name!r} for {assessment.organization.name}"
            f" with teams {', '.join(t.key for t in assessment.teams)}."
        )
        click.echo(assessment.slug)


@assessment_group.command("links")
@click.argument("slug")
@friendly_errors
def links_command(slug: str) -> None:
    """Print each team's id and the absolute URL of its survey link."""
    assessment = get_assessment(db.get_session(), slug)
    for link in team_links(assessment, current_app.config["SECRET_KEY"], current_app.config["PUBLIC_URL"]):
        click.echo(f"{link.team} {link.url}")


@assessment_group.command("rerun")
@click.argument("slug")
@click.option(
    "--name", default=None, metavar="NAME", help="Name of the new wave (default: the name with “— wave N”)."
)
@click.option(
    "--opens", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Opening date (default: open at once)."
)
@click.option(
    "--closes", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Closing date (default: none)."
)
@friendly_errors
def rerun_command(slug: str, name: str | None, opens: datetime | None, closes: datetime | None) -> None:
    """Run an assessment again: create its next wave with the same set-up, new survey links and
    its action plan carried over; print the new wave's slug last.

    The rules are those of the workspace's "Run again" page (``assessments.rerun_assessment``);
    the new wave is run by the same consultant.
    """
    with db.write_session() as session:
        source = get_assessment(session, slug)
        wave = rerun_assessment(
            session,
            source,
            name=name,
            opens_on=opens.date() if opens else None,
            closes_on=closes.date() if closes else None,
            created_by=source.created_by_id,
            questionnaire=_questionnaire_of(source),
            secret_key=current_app.config["SECRET_KEY"],
        )
        actions = len(source.actions)
        click.echo(
            f"Created {wave.name!r}, the next wave of {source.slug}, with teams"
            f" {', '.join(t.key for t in wave.teams)} and new survey links;"
            f" {actions} action{'s' * (actions != 1)} of the plan carried over."
        )
        click.echo(wave.slug)


responses_group = Group("responses", help="Load responses into an assessment.")


def _print_rejection(csv_file: Path, rejected: ImportRejected) -> None:
    """Say on stderr that nothing was imported, with the problems listed (and the rest counted)."""
    count = rejected.total
    click.echo(f"Error: {csv_file}: nothing imported; {count:,} problem{'s' * (count != 1)}:", err=True)
    for problem in rejected.problems:
        click.echo(f"  {problem}", err=True)
    if rejected.unlisted:
        listed = len(rejected.problems)
        click.echo(f"  … and {rejected.unlisted:,} more (the first {listed} are listed)", err=True)


@responses_group.command("import")
@click.argument("slug")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--allow-duplicate",
    is_flag=True,
    help="Import the file even though the same content was imported before, as a new batch.",
)
@friendly_errors
def import_command(slug: str, csv_file: Path, allow_duplicate: bool) -> None:
    """Import responses from a CSV file: all of them, or none when any row is wrong; print the
    import batch's number last.

    The rules are those of the workspace's import page (``responses.import_responses``).
    """
    try:
        with csv_file.open("rb") as stream:
            # One byte past the limit is enough to tell a file that is too large.
            data = stream.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"cannot read {csv_file}: {exc.strerror}") from None
    try:
        with db.write_session() as session:
            assessment = get_assessment(session, slug)
            counts = import_responses(
                session,
                assessment,
                _questionnaire_of(assessment),
                data,
                file_name=csv_file.name,
                allow_duplicate=allow_duplicate,
            )
    except ImportRejected as rejected:
        _print_rejection(csv_file, rejected)
        raise SystemExit(1) from None
    except DuplicateImport as duplicate:
        raise InvalidInput(
            f"{duplicate.reason} To import it again as a new batch, add --allow-duplicate."
        ) from None
    total = sum(counts.stored.values())
    click.echo(
        f"Imported {total} response{'s' * (total != 1)} into {assessment.slug} as batch {counts.batch}:"
    )
    for key, stored in counts.stored.items():
        click.echo(f"  {key}: {stored} imported, {counts.incomplete[key]} incomplete")
    click.echo(counts.batch)


@responses_group.command("undo")
@click.argument("slug")
@click.argument("number", metavar="BATCH", type=click.IntRange(min=1))
@friendly_errors
def undo_command(slug: str, number: int) -> None:
    """Undo import batch BATCH: delete its responses (and only those), unless it is in a release.

    The rules are those of the workspace's import page (``batches.undo_batch``).
    """
    with db.write_session() as session:
        plan = undo_batch(session, get_assessment(session, slug), number, None)
    total = plan.deleted
    click.echo(f"Undid batch {number} of {slug}: {total} response{'s' * (total != 1)} deleted.")
    for team in plan.teams:
        line = f"  {team.key}: {team.deleted} deleted"
        if team.returned:
            line += f"; {team.returned} other imported responses wait again for the next step"
        click.echo(line)


@assessment_group.command("release")
@click.argument("slug")
@click.option("--note", default="", metavar="TEXT", help="A note for the leaders, shown with the release.")
@friendly_errors
def release_command(slug: str, note: str) -> None:
    """Release the results to the organization's leaders now; print the release's number last."""
    with db.write_session() as session:
        assessment = get_assessment(session, slug)
        found = releases.release(
            session,
            assessment,
            _questionnaire_of(assessment),
            released_by_id=None,
            note=note,
            progress=lambda step: click.echo(step, err=True),
        )
        number, interim = found.number, found.interim
    kind = "an interim release: the survey is still open" if interim else "the survey is closed"
    click.echo(f"Released the results of {slug} to its leaders ({kind}).")
    click.echo(number)


@click.command("results", cls=Command)
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (numbers unrounded).")
@click.option(
    "--release",
    "release_number",
    metavar="N|latest",
    help="Print release N (or the latest) as it was stored, instead of the live results.",
)
@with_appcontext
@friendly_errors
def results_command(slug: str, as_json: bool, release_number: str | None) -> None:
    """Print an assessment's scored results (live, or as released with ``--release``)."""
    session = db.get_session()
    assessment = get_assessment(session, slug)
    if release_number is not None:
        if not as_json:
            raise InvalidInput("--release prints the stored results as JSON: add --json")
        found = releases.find_release(session, assessment, releases.parse_number(release_number))
        click.echo(json.dumps(releases.stored_results(found), indent=2, ensure_ascii=False, allow_nan=False))
        return
    questionnaire = _questionnaire_of(assessment)
    result = compute_results(session, assessment, questionnaire)
    if as_json:
        click.echo(
            json.dumps(results_json(assessment, result), indent=2, ensure_ascii=False, allow_nan=False)
        )
    else:
        click.echo(format_results(assessment, questionnaire, result), nl=False)


@click.command("trend", cls=Command)
@click.argument("organization", metavar="ORG")
@click.option("--json", "as_json", is_flag=True, help="Print the trend as JSON (numbers unrounded).")
@click.option(
    "--released",
    is_flag=True,
    help="Use each wave's latest release (as leaders see it); waves without one are left out.",
)
@with_appcontext
@friendly_errors
def trend_command(organization: str, as_json: bool, released: bool) -> None:
    """Print the trend of an organization's waves (ORG: its slug or exact name)."""
    session = db.get_session()
    data = load_trend(
        session,
        find_organization(session, organization),
        get_catalog().get,
        released=released,
        now=datetime.now(UTC),
    )
    if data.fresh:
        with db.write_session() as writing:
            keep_snapshots(writing, data)
    if as_json:
        click.echo(json.dumps(trend_json(data), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(format_trend(data), nl=False)


questionnaires_group = Group("questionnaires", help="Inspect the questionnaire definitions.")


@questionnaires_group.command("check")
def check_questionnaires_command() -> None:
    """Validate every questionnaire file; exit non-zero when any is broken."""
    catalog = load_catalog(questionnaire_folders(current_app))
    for questionnaire in catalog.questionnaires.values():
        click.echo(
            f"ok  {questionnaire.id} v{questionnaire.version}: {len(questionnaire.items)} statements,"
            f" {len(questionnaire.dimensions)} dimensions, {len(questionnaire.stages)} stages"
        )
    for error in catalog.errors:
        for line in str(error).splitlines():
            click.echo(f"BAD {line}", err=True)
    if catalog.errors:
        raise SystemExit(1)


@click.command("demo", cls=Command)
@with_appcontext
@friendly_errors
def demo_command() -> None:
    """Create the demo assessment (once) and print fresh sign-in details for its accounts."""
    questionnaire = get_catalog().get(demo.QUESTIONNAIRE)
    if questionnaire is None:
        raise NotFound(f"the demo needs questionnaire {demo.QUESTIONNAIRE!r}, which did not load")
    with db.write_session() as session:
        accounts = demo.load_demo(session, questionnaire, current_app.config["SECRET_KEY"])
        assessment = get_assessment(session, accounts.slug)
        links = team_links(assessment, current_app.config["SECRET_KEY"], current_app.config["PUBLIC_URL"])
    state = "Created" if accounts.created else "Found"
    click.echo(f"{state} the demo assessment {assessment.name!r} for {assessment.organization.name}.")
    click.echo(f"  Results:  flask --app survey_app results {accounts.slug}")
    click.echo(
        f"  It is the second wave of the organization's programme, after {demo.BASELINE!r} a year ago:"
        f" flask --app survey_app trend {assessment.organization.slug}"
    )
    for link in links:
        click.echo(f"  Survey link for {link.team}: {link.url}")
    click.echo(
        f"  Answers join the results in steps of {assessment.min_group_size} per team: after one answer"
        " the count goes up, the figures change once there are enough new ones (docs/anonymity.md)."
    )
    click.echo(
        "  The consultant has released the results so far to the leaders (release 1): the leader lands"
        " on them; the consultant sees the live results and can release again."
    )
    click.echo("Sign in with (new passwords each time this runs):")
    for email, password in accounts.passwords.items():
        click.echo(f"  {email}  {password}")


@click.command("report", cls=Command)
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE.pdf",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF.",
)
@click.option(
    "--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4", show_default=True
)
@click.option(
    "--release",
    "release_number",
    metavar="N|latest",
    help="Write the PDF stored with release N (or the latest) instead of a new one.",
)
@with_appcontext
@friendly_errors
def report_command(slug: str, output: Path, paper: str, release_number: str | None) -> None:
    """Write an assessment's PDF gap report."""
    session = db.get_session()
    assessment = get_assessment(session, slug)
    if release_number is not None:
        found = releases.find_release(session, assessment, releases.parse_number(release_number))
        report_services.check_output(output)
        report_services.write_pdf(output, found.pdf)
        click.echo(f"Wrote release {found.number} of {assessment.slug} to {output}.")
        return
    questionnaire = _questionnaire_of(assessment)
    report_services.check_output(output)
    rendered = report_services.report_pdf(
        session, assessment, questionnaire, paper.lower(), progress=lambda step: click.echo(step, err=True)
    )
    report_services.write_pdf(output, rendered.pdf)
    click.echo(f"Wrote the report of {assessment.slug} to {output} ({rendered.pages} pages).")


drafts_group = Group("drafts", help="Answers saved to finish later.")


@drafts_group.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Also delete drafts untouched for this many days (default: DRAFT_MAX_AGE_DAYS, 90).",
)
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@click.option(
    "--queue", "on_worker", is_flag=True, help="Leave it to the background worker (needs REDIS_URL)."
)
@with_appcontext
@friendly_errors
def purge_drafts_command(days: int | None, dry_run: bool, on_worker: bool) -> None:
    """Delete abandoned drafts: those of closed surveys, and those untouched for 90 days."""
    config = current_app.config
    if on_worker:
        if not config["REDIS_URL"]:
            raise InvalidInput("--queue needs REDIS_URL (the worker's Redis); without it, run the purge here")
        worker_queue.enqueue(config["REDIS_URL"], config["WORKER_QUEUE"], drafts_cleanup.purge_job)
        click.echo(f"Queued the purge of abandoned drafts on the worker's queue {config['WORKER_QUEUE']!r}.")
        return
    max_age = days or config["DRAFT_MAX_AGE_DAYS"]
    with db.write_session() as session:
        purged = drafts_cleanup.purge(session, utcnow(), max_age, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"{verb} {purged.total} abandoned draft{'s' * (purged.total != 1)}: {purged.of_closed_surveys} of"
        f" closed surveys, {purged.too_old} untouched for more than {max_age} days."
    )


def register(app: Flask) -> None:
    """Add the commands to ``app.cli``."""
    for command in (
        init_db_command,
        db_revision_command,
        create_user_command,
        assessment_group,
        responses_group,
        results_command,
        trend_command,
        questionnaires_group,
        demo_command,
        report_command,
        drafts_group,
    ):
        app.cli.add_command(command)
