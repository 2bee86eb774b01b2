"""The PDF gap report: its figures, anonymity, escaping, path and recommendations; its pages and command."""

from __future__ import annotations

import io
import random
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from sqlalchemy import select

from survey_app import create_app, db
from survey_app.assessments import get_assessment
from survey_app.catalog import get_questionnaire
from survey_app.domain.recommendations import choose, load_library
from survey_app.errors import FieldInvalid
from survey_app.models import ActionItem, User
from survey_app.paths import data_folder
from survey_app.report import render, services
from survey_app.results.aggregates import compute_results

import factories
from helpers import (
    ITEM_IDS,
    TEST_SECRET,
    add_comments,
    csrf_token,
    page_texts,
    pdf_text,
    post_file,
    rename_team,
    results_json,
    sign_in,
    sign_in_with_csrf,
    uniform,
    varied,
)

SCRIPT = "<script>alert(1)</script>"
STAGE_LABELS = {
    "undefined": "Undefined",
    "defined": "Defined",
    "aligned": "Aligned",
    "integrated": "Integrated",
}


# --- helpers --------------------------------------------------------------------------------------


def download(client, slug: str, **query: str) -> bytes:
    response = client.get(f"/a/{slug}/report.pdf", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-report.pdf"'
    assert response.data.startswith(b"%PDF")
    return response.data


def answers(**values: int) -> dict[str, int | None]:
    """Every statement answered 3, except those given (``k02=1``)."""
    return {item: values.get(item, 3) for item in ITEM_IDS}


def statement_text(kotler, item_id: str) -> str:
    return next(item.text for item in kotler.items if item.id == item_id)


def png_bytes(size: tuple[int, int] = (120, 40), noise: bool = False) -> bytes:
    image = Image.new("RGB", size, "#0b4f8a")
    if noise:  # incompressible pixels, to make a large file
        image = Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- the report of ``both_shown``, made once ------------------------------------------------------


@dataclass(frozen=True)
class BothShownReport:
    """What the tests below read of ``both_shown``'s assessment: the CLI's results, and the report
    downloaded on A4 and on Letter paper."""

    results: dict
    a4: bytes
    letter: bytes


@pytest.fixture(scope="module")
def both_shown_report(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> BothShownReport:
    """``both_shown``'s results and report, made once per database for the tests that only read
    them (a render takes seconds), on an app of its own whose rows are deleted before they run."""
    app = factories.make_app(database_url, tmp_path_factory.mktemp("both-shown") / "instance")
    try:
        client = app.test_client()
        slug = factories.add_both_shown(app, client)
        return BothShownReport(
            results=results_json(app.test_cli_runner(), slug),
            a4=download(client, slug),
            letter=download(client, slug, paper="letter"),
        )
    finally:
        factories.empty_tables(app)


# --- what the report says -------------------------------------------------------------------------


def test_report_states_the_stages_scores_and_teams_the_cli_gives(both_shown_report) -> None:
    data = both_shown_report.results
    pdf = both_shown_report.a4
    text = pdf_text(pdf)
    assert data["organization"] in text
    for key, name in (("sales", "Sales"), ("marketing", "Marketing")):
        team = data["teams"][key]
        assert team["withheld"] is False
        row = re.search(rf"{name} {team['responses']} scored responses (\d+\.\d) ", text)
        assert row is not None, f"no summary row for {name}"
        assert row.group(1) == f"{team['score']:.1f}"
        low, high = team["ci95"]
        assert f"{low:.1f}–{high:.1f}" in text
        assert f"{name} {team['score']:.1f}" in text  # the ladder's label, as text in the chart
        assert STAGE_LABELS[team["stage"]] in text
        for dim_mean in team["dimensions"].values():
            assert f"{dim_mean:.2f}" in text
    overall = data["overall"]
    stage = STAGE_LABELS[overall["stage"]]
    assert (
        f"Overall, sales and marketing work together at the {stage} stage ({overall['score']:.1f} of 100)"
        in text
    )
    assert f"Overall {overall['score']:.1f}" in text
    gap = data["gap"]
    assert f"Sales rates the relationship {gap['score']:.1f} points higher than Marketing" in text
    # Structure: numbered sections in the contents with page numbers, every page numbered.
    pages = page_texts(pdf)
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages[1:], start=2))
    assert re.search(r"1 Executive summary ?\.+ ?3 ", pages[1])
    for title in ("Executive summary", "The four stages", "Six dimensions", "Statement by statement"):
        assert title in pages[1]
    assert "Path to the next stage" in pages[1]
    assert "Method" in pages[1]
    # No commentary and no actions: no such section, and no entry in the contents.
    assert "commentary and action plan" not in text.lower()
    # The running header names the organization and the assessment.
    assert all("Acme · Spring review" in page for page in pages[1:])
    assert "Acme · Spring review" not in pages[0]  # the cover has no running header


def test_the_pdf_is_tagged_with_a_title_and_language(both_shown_report) -> None:
    reader = pypdf.PdfReader(io.BytesIO(both_shown_report.a4))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert reader.metadata.title == "Sales and marketing alignment: Spring review (Acme)"
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_letter_paper_on_request(client, both_shown, both_shown_report) -> None:
    reader = pypdf.PdfReader(io.BytesIO(both_shown_report.letter))
    width, height = (float(v) for v in reader.pages[2].mediabox[2:])
    assert (round(width), round(height)) == (612, 792)
    assert client.get(f"/a/{both_shown}/report.pdf?paper=legal").status_code == 400


def test_withheld_team_has_no_numbers_or_comments_in_the_report(
    app, kotler, client, make_assessment, add_answers, make_user
) -> None:
    slug = make_assessment(organization="Acme", min_group=5)
    # The comment's response first: the five that follow complete its step (see publishing).
    add_comments(app, kotler, slug, "sales", ["Sales sees progress"], value=3)
    add_answers(slug, "sales", [uniform(3)] * 3 + [uniform(4)] * 2)
    # Marketing would score 46.7 with statement means 2.33: none of that may appear.
    add_answers(slug, "marketing", [uniform(2), uniform(2)])
    add_comments(app, kotler, slug, "marketing", ["Marketing secret remark"], value=3)
    make_user("c@acme.example", "consultant", organization="Acme")
    sign_in(client, "c@acme.example")
    text = pdf_text(download(client, slug))
    assert "46.7" not in text
    assert "2.33" not in text
    assert "Marketing secret remark" not in text
    assert "Marketing is not shown: fewer than 5 people answered." in text
    assert "fewer than 5" in text  # its response count is only given as a bound
    assert "Sales sees progress" in text
    assert "66.7" in text  # Sales: (4 × 60 + 2 × 80) / 6
    assert "3.33" in text


def test_user_text_with_markup_prints_literally(
    app, kotler, client, make_assessment, add_answers, make_user
) -> None:
    org = "<b>Acme & Co</b>"
    slug = make_assessment(organization=org, name="<i>Spring</i> review", min_group=5)
    add_answers(slug, "sales", varied([4, 5], [3, 4], 6))
    add_comments(app, kotler, slug, "marketing", ['<img src="file:///etc/passwd" alt="x"> & more'])
    add_answers(slug, "marketing", varied([2, 3], [3, 4], 6))  # the comment's step
    rename_team(app, slug, "sales", SCRIPT)
    make_user("consultant@example.com", "consultant", organization=org, name="<u>Dana</u> & Partners")
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, slug)
        consultant = session.scalar(select(User).where(User.email == "consultant@example.com"))
        assessment.created_by_id = consultant.id
        services.set_logo(session, consultant.id, png_bytes())
        services.save_commentary(
            session,
            assessment,
            "<h1>Big</h1> & <em>bold</em> claims",
            [
                services.ActionInput(
                    '<a href="http://example.com/">click</a>', "<b>Owner</b>", date(2027, 3, 31)
                )
            ],
        )
    sign_in(client, "consultant@example.com")
    pdf = download(client, slug)
    text = pdf_text(pdf)
    assert "<b>Acme & Co</b>" in text
    assert "<i>Spring</i> review" in text
    assert f"{SCRIPT} " in text  # in tables and, as text, in the charts
    assert re.search(re.escape(SCRIPT) + r" \d+\.\d", text)  # the ladder's label
    assert '<img src="file:///etc/passwd" alt="x"> & more' in text
    assert "<h1>Big</h1> & <em>bold</em> claims" in text
    assert '<a href="http://example.com/">click</a>' in text
    assert "<b>Owner</b>" in text
    assert "31 March 2027" in text
    assert "PREPARED BY <u>Dana</u> & Partners" in text  # the label is set in capitals
    # The commentary section and its entry in the contents are there.
    assert text.lower().count("commentary and action plan") >= 2
    assert "One action planned, the first due on 31 March 2027" in text
    # The logo is embedded on the cover, from the stored PNG.
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    (logo,) = reader.pages[0].images
    assert logo.image.size == (120, 40)


def test_the_action_plan_prints_each_actions_status_in_words(client, both_shown) -> None:
    saved = client.post(
        f"/a/{both_shown}/commentary",
        data={
            "actions-0-action": "Run the workshop",
            "actions-0-owner": "Dana",
            "actions-0-due_on": "2027-01-15",
            "actions-0-status": "done",
            "actions-1-action": "Agree a lead definition",
            "actions-1-status": "in_progress",
            "actions-2-action": "Repeat the survey",
        },
    )
    assert saved.status_code == 302
    text = pdf_text(download(client, both_shown))
    assert "Action plan No. Action Owner Due Status" in text
    # Each status in words after a marker that fills as the action progresses (not colour).
    assert "1 Run the workshop Dana 15 January 2027 ● Done" in text
    assert "2 Agree a lead definition – – ◐ In progress" in text
    assert "3 Repeat the survey – – ○ Planned" in text


def test_the_html_behind_the_pdf_escapes_user_text_and_loads_nothing_foreign(
    app, kotler, make_assessment, add_answers
) -> None:
    slug = make_assessment(organization="<b>Acme & Co</b>", min_group=5)
    add_answers(slug, "sales", varied([4, 5], [3, 4], 6))
    add_answers(slug, "marketing", varied([2, 3], [3, 4], 6))
    add_comments(app, kotler, slug, "sales", ['<img src="http://127.0.0.1:9/x.png">'])
    rename_team(app, slug, "marketing", SCRIPT)
    with app.app_context():
        session = db.get_session()
        assessment = get_assessment(session, slug)
        rendered = services.report_pdf(session, assessment, get_questionnaire("kotler-2006"))
    assert rendered.refused == ()
    assert "<b>Acme" not in rendered.html
    assert "&lt;b&gt;Acme &amp; Co&lt;/b&gt;" in rendered.html
    assert "<script" not in rendered.html
    assert '<img src="http://' not in rendered.html
    assert rendered.timings.data > 0
    assert rendered.timings.charts > 0
    assert rendered.timings.layout > 0


def test_path_to_the_next_stage_matches_the_hand_computed_answer(
    client, kotler, make_assessment, add_answers, make_user
) -> None:
    # Sales: statement 1 → 2, statement 2 → 1, statement 3 → 2, the rest 3: total 56.
    # Marketing: 1 → 2, 2 → 3, 3 → 2, 4 and 5 → 4, the rest 3: total 60. Overall 58.0, Defined.
    # Aligned starts at 60: 2.0 points. Statements 1, 2 and 3 share the lowest mean (2.00);
    # statement 2 has the larger gap (1 − 3), then 1 comes before 3: statements 2 and 1, +1 each.
    slug = make_assessment(organization="Acme", min_group=5)
    add_answers(slug, "sales", [answers(k01=2, k02=1, k03=2)] * 5)
    add_answers(slug, "marketing", [answers(k01=2, k02=3, k03=2, k04=4, k05=4)] * 5)
    make_user("c@acme.example", "consultant", organization="Acme")
    sign_in(client, "c@acme.example")
    pages = page_texts(download(client, slug))
    text = " ".join(pages)
    # Phrased as where to focus first, never as raising the score by so many points.
    assert "Two statements would move you to Aligned: focus first on statements 2 and 1" in text
    assert "The smallest set of statements that would move you to Aligned: statements 2 and 1." in text
    assert "by one point" not in text
    assert "more points" not in text
    caption = "The statements to focus on first, lowest-rated first"
    (path_page,) = [page for page in pages if caption in page]
    table = path_page[path_page.index(caption) :]
    first, second, third = (statement_text(kotler, item) for item in ("k02", "k01", "k03"))
    assert f"2 {first}" in table
    assert f"1 {second}" in table
    assert table.index(first) < table.index(second)
    assert third not in table
    assert "2.00 −2.00" in table  # statement 2: its mean now, and the gap
    # The executive summary's next step says the same.
    assert (
        "Focus first on the smallest set of statements that would move you to Aligned: statements 2 and 1"
        in text
    )


def _stage_data(stage: str) -> tuple[list[dict], list[dict]]:
    """Sales and Marketing answers that put the overall score in ``stage`` with the teams apart."""
    return {
        "undefined": ([uniform(2)] * 5, [uniform(1)] * 5),  # 40 and 20: 30
        "defined": ([answers(k01=2, k02=1, k03=2)] * 5, [answers(k01=2, k02=3, k03=2, k04=4, k05=4)] * 5),
        "aligned": (varied([4, 5], [4, 4], 5), [uniform(3)] * 5),  # about 85 and 60
        "integrated": ([uniform(5)] * 5, [uniform(4)] * 5),  # 100 and 80: 90
    }[stage]


@pytest.mark.parametrize("stage", ["undefined", "defined", "aligned", "integrated"])
def test_every_chosen_recommendation_is_printed_with_its_source(
    app, client, kotler, make_assessment, add_answers, make_user, stage: str
) -> None:
    slug = make_assessment(organization="Acme", min_group=5)
    sales, marketing = _stage_data(stage)
    add_answers(slug, "sales", sales)
    add_answers(slug, "marketing", marketing)
    with app.app_context():
        session = db.get_session()
        assessment = get_assessment(session, slug)
        result = compute_results(session, assessment, kotler)
        library = load_library(data_folder("reports") / "recommendations.yaml", kotler)
        selection = choose(library, kotler, result, team_names={"sales": "Sales", "marketing": "Marketing"})
    assert selection.stage == stage
    make_user("c@acme.example", "consultant", organization="Acme")
    sign_in(client, "c@acme.example")
    text = pdf_text(download(client, slug))
    # (a) the moves to the next stage, or how to hold the top one
    assert selection.moves
    if stage == "integrated":
        assert "Holding Integrated" in text
        assert "At Integrated, the top stage, the task is to hold it" in text
        watch = text[text.index("where a slide would show first") :]
        assert statement_text(kotler, "k01") in watch  # every mean is 4.50: the first three are listed
        assert "Every statement has the same overall mean (4.50), so none stands out." in text
    else:
        assert f"Moves from {STAGE_LABELS[stage]} to {STAGE_LABELS[selection.next_stage]}" in text
    entries = list(selection.moves)
    # (b) two weakest dimensions, (c) three largest gaps, (d) the caution where it applies
    assert len(selection.weak_dimensions) == 2
    assert "The two weakest dimensions" in text
    for dim in selection.weak_dimensions:
        assert f"{dim.label}: mean {dim.mean:.2f} of 5" in text
        entries += dim.recommendations
    assert len(selection.gaps) == 3
    assert "Questions for a joint workshop" in text
    for gap in selection.gaps:
        assert f"“{gap.statement}”" in text
        assert gap.direction in text
        entries += gap.recommendations
    if stage in ("aligned", "integrated"):
        assert selection.cautions
        assert "A word of caution" in text
        entries += selection.cautions
    else:
        assert not selection.cautions
        assert "A word of caution" not in text
    for entry in entries:
        assert f"{entry.title} {entry.body} Source: {entry.source}" in text, entry.id


def test_nothing_shown_yet_gives_a_short_report(client, make_assessment, add_answers, make_user) -> None:
    slug = make_assessment(organization="Acme", min_group=5)
    add_answers(slug, "sales", [uniform(3)] * 2)
    make_user("c@acme.example", "consultant", organization="Acme")
    sign_in(client, "c@acme.example")
    pages = page_texts(download(client, slug))
    text = " ".join(pages)
    assert "No team has enough responses yet for results to be reported" in text
    assert "Recommendations" not in text
    assert "The 20 statements" in text
    assert len(pages) <= 6


# --- who may download it --------------------------------------------------------------------------


def test_anonymous_download_is_sent_to_sign_in(client, two_orgs) -> None:
    response = client.get(f"/a/{two_orgs['acme']}/report.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("c@acme.example", 200),
        ("admin@example.com", 200),
        ("lead@acme.example", 404),  # leaders read released reports only
        ("lead@globex.example", 404),
        ("c@globex.example", 404),
    ],
)
def test_who_may_download_acmes_report(client, two_orgs, email: str, status: int) -> None:
    sign_in(client, email)
    response = client.get(f"/a/{two_orgs['acme']}/report.pdf")
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Acme" in pdf_text(response.data)
    else:
        assert not response.data.startswith(b"%PDF")


# --- the cache, the cap on renders, the limit per user ---------------------------------------------


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Count the report's renders; each makes a small stand-in PDF, numbered (layout is tested above)."""
    made: list[str] = []

    def stand_in(session, assessment, questionnaire, *, paper="a4", progress=None):  # noqa: ANN001, ANN202
        made.append(paper)
        return render.RenderedReport(f"%PDF-1.7 stand-in {len(made)}".encode(), "", render.Timings(), 1)

    monkeypatch.setattr(render, "build_report", stand_in)
    return made


def cache_rows(app) -> list[tuple[int, str]]:
    from survey_app.models import ReportCache

    with app.app_context():
        return [
            tuple(row)
            for row in db.get_session().execute(select(ReportCache.assessment_id, ReportCache.paper))
        ]


def test_unchanged_results_are_served_from_the_cache_and_changes_render_again(
    app, client, both_shown, add_answers, renders
) -> None:
    first = download(client, both_shown)
    assert download(client, both_shown) == first
    assert len(renders) == 1
    # One response waiting for its step changes no published figure: the same PDF, no new one
    # that could reveal it.
    add_answers(both_shown, "sales", [uniform(5)])
    assert download(client, both_shown) == first
    assert len(renders) == 1
    # Four more complete the step: the results change, and so does the report.
    add_answers(both_shown, "sales", [uniform(5)] * 4)
    second = download(client, both_shown)
    assert second != first
    assert len(renders) == 2
    # A change of the commentary is a new report too; the same commentary again is not.
    assert client.post(f"/a/{both_shown}/commentary", data={"commentary": "A new view"}).status_code == 302
    third = download(client, both_shown)
    assert third not in (first, second)
    assert client.post(f"/a/{both_shown}/commentary", data={"commentary": "A new view"}).status_code == 302
    assert download(client, both_shown) == third
    assert len(renders) == 3
    # Letter paper is a report of its own; A4 stays cached beside it. One entry per paper size.
    letter = download(client, both_shown, paper="letter")
    assert download(client, both_shown) == third
    assert download(client, both_shown, paper="letter") == letter
    assert renders == ["a4", "a4", "a4", "letter"]
    assert sorted(paper for _, paper in cache_rows(app)) == ["a4", "letter"]


def test_a_new_logo_or_action_plan_renders_the_report_again(app, client, both_shown, renders) -> None:
    first = download(client, both_shown)
    with app.app_context(), db.write_session() as session:
        assessment = get_assessment(session, both_shown)
        consultant = session.scalar(select(User).where(User.email == "consultant@example.com"))
        assessment.created_by_id = consultant.id
    second = download(client, both_shown)  # "prepared by" on the cover
    assert upload(client, png_bytes(), "logo.png").status_code == 302
    third = download(client, both_shown)
    saved = client.post(f"/a/{both_shown}/commentary", data={"actions-0-action": "Run the workshop"})
    assert saved.status_code == 302
    fourth = download(client, both_shown)
    # The same action, now done: the report shows the new status.
    saved = client.post(
        f"/a/{both_shown}/commentary",
        data={"actions-0-action": "Run the workshop", "actions-0-status": "done"},
    )
    assert saved.status_code == 302
    fifth = download(client, both_shown)
    assert len({first, second, third, fourth, fifth}) == 5
    assert len(renders) == 5


def test_a_report_whose_results_changed_while_it_was_made_is_not_kept(
    app, client, both_shown, monkeypatch
) -> None:
    made: list[int] = []

    def changing(session, assessment, questionnaire, *, paper="a4", progress=None):  # noqa: ANN001, ANN202
        made.append(1)
        if len(made) == 1:  # the commentary changes while the first report is being made
            with db.write_session() as write:
                get_assessment(write, both_shown).commentary = "Changed meanwhile"
        return render.RenderedReport(f"%PDF-1.7 render {len(made)}".encode(), "", render.Timings(), 1)

    monkeypatch.setattr(render, "build_report", changing)
    assert download(client, both_shown) == b"%PDF-1.7 render 1"
    # That report may show the new commentary, so it was not kept for the old one: when the
    # commentary is put back, the next download makes the report again (and keeps it).
    assert client.post(f"/a/{both_shown}/commentary", data={"commentary": ""}).status_code == 302
    assert download(client, both_shown) == b"%PDF-1.7 render 2"
    assert download(client, both_shown) == b"%PDF-1.7 render 2"
    assert len(made) == 2


def test_the_cached_report_is_only_for_those_who_may_see_the_assessment(client, two_orgs, renders) -> None:
    slug = two_orgs["acme"]
    sign_in(client, "admin@example.com")
    pdf = download(client, slug)
    for email in ("lead@acme.example", "lead@globex.example", "c@globex.example"):
        client.post("/sign-out")
        sign_in(client, email)
        refused = client.get(f"/a/{slug}/report.pdf")
        assert refused.status_code == 404
        assert pdf not in refused.data
    client.post("/sign-out")
    sign_in(client, "c@acme.example")
    assert download(client, slug) == pdf
    assert len(renders) == 1


def test_a_render_beyond_the_cap_waits_briefly_then_gets_a_busy_page(
    app, client, both_shown, during_a_render
) -> None:
    app.config.update(REPORT_RENDERS_PER_PROCESS=1, REPORT_RENDER_WAIT_SECONDS=0.3)
    first_client = app.test_client()
    sign_in(first_client, "consultant@example.com")
    first, busy = during_a_render(
        lambda: first_client.get(f"/a/{both_shown}/report.pdf"),
        lambda: client.get(f"/a/{both_shown}/report.pdf"),
    )
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "60"
    page = busy.get_data(as_text=True)
    assert "The report is busy" in page
    assert "try again in a minute" in page
    assert first.status_code == 200
    assert first.data == b"%PDF-1.7 slow"
    # Its turn over, the next download gets the report (from the cache, as nothing changed).
    assert download(client, both_shown) == b"%PDF-1.7 slow"


def test_pdf_downloads_are_limited_per_user(app, client, both_shown, make_user, renders) -> None:
    app.config["REPORT_DOWNLOADS_PER_USER"] = "2 per hour"
    download(client, both_shown)
    download(client, both_shown, paper="letter")
    refused = client.get(f"/a/{both_shown}/report.pdf")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    page = refused.get_data(as_text=True)
    assert "Too many downloads" in page
    assert re.search(
        r"You have reached the limit for PDF report downloads \(2 per hour\)\. Try again in \d+ minutes?\.",
        page,
    )
    # Another person is counted on their own.
    make_user("c2@acme.example", "consultant", organization="Acme")
    other = app.test_client()
    sign_in(other, "c2@acme.example")
    download(other, both_shown)


def test_results_page_links_the_pdf_and_the_commentary_for_staff(client, two_orgs) -> None:
    slug = two_orgs["acme"]
    sign_in(client, "lead@acme.example")
    page = client.get(f"/a/{slug}/results", follow_redirects=True).get_data(as_text=True)
    assert "not released yet" in page  # a leader is sent to the releases
    assert f"/a/{slug}/report.pdf" not in page
    assert f"/a/{slug}/commentary" not in page
    client.post("/sign-out")
    sign_in(client, "c@acme.example")
    page = client.get(f"/a/{slug}/results").get_data(as_text=True)
    assert f'href="/a/{slug}/report.pdf"' in page
    assert f'href="/a/{slug}/commentary"' in page


# --- the commentary and action plan ---------------------------------------------------------------


def stored_actions(app, slug: str) -> list[tuple[str, str, date | None]]:
    with app.app_context():
        session = db.get_session()
        assessment = get_assessment(session, slug)
        rows = session.scalars(
            select(ActionItem).where(ActionItem.assessment_id == assessment.id).order_by(ActionItem.position)
        )
        return [(row.action, row.owner, row.due_on) for row in rows]


def stored_statuses(app, slug: str) -> list[tuple[str, str]]:
    """Each stored action with its status's value, in order."""
    with app.app_context():
        session = db.get_session()
        assessment = get_assessment(session, slug)
        rows = session.scalars(
            select(ActionItem).where(ActionItem.assessment_id == assessment.id).order_by(ActionItem.position)
        )
        return [(row.action, row.status.value) for row in rows]


def stored_commentary(app, slug: str) -> str:
    with app.app_context():
        return get_assessment(db.get_session(), slug).commentary


def test_anonymous_commentary_is_sent_to_sign_in(client, two_orgs) -> None:
    for method in (client.get, client.post):
        response = method(f"/a/{two_orgs['acme']}/commentary")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("c@acme.example", 200),
        ("admin@example.com", 200),
        ("lead@acme.example", 404),
        ("lead@globex.example", 404),
        ("c@globex.example", 404),
    ],
)
def test_who_may_open_the_commentary_page(app, client, two_orgs, email: str, status: int) -> None:
    sign_in(client, email)
    slug = two_orgs["acme"]
    assert client.get(f"/a/{slug}/commentary").status_code == status
    posted = client.post(f"/a/{slug}/commentary", data={"commentary": "Changed"})
    assert posted.status_code == (302 if status == 200 else status)
    assert stored_commentary(app, slug) == ("Changed" if status == 200 else "")


def test_commentary_and_actions_are_added_edited_and_removed(app, client, two_orgs) -> None:
    slug = two_orgs["acme"]
    sign_in(client, "c@acme.example")
    page = client.get(f"/a/{slug}/commentary").get_data(as_text=True)
    assert "<h1>Your commentary and action plan for the report</h1>" in page
    assert 'name="actions-2-action"' in page  # three empty rows to fill
    assert 'name="actions-3-action"' not in page
    assert '<label class="field__label" for="commentary">Commentary</label>' in page
    saved = client.post(
        f"/a/{slug}/commentary",
        data={
            "commentary": "  First paragraph.\n\nSecond.  ",
            "actions-0-action": "Run the workshop",
            "actions-0-owner": "Heads of sales and marketing",
            "actions-0-due_on": "2027-01-15",
            "actions-1-action": "",
            "actions-2-action": "Agree a lead definition",
        },
    )
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/a/{slug}/commentary"
    assert stored_commentary(app, slug) == "First paragraph.\n\nSecond."
    assert stored_actions(app, slug) == [
        ("Run the workshop", "Heads of sales and marketing", date(2027, 1, 15)),
        ("Agree a lead definition", "", None),
    ]
    page = client.get(f"/a/{slug}/commentary").get_data(as_text=True)
    assert "Commentary and action plan saved (2 actions)." in page
    assert 'value="Run the workshop"' in page
    assert 'name="actions-4-action"' in page  # two stored rows and three empty ones
    # Edit the first, remove the second by its box, add one.
    client.post(
        f"/a/{slug}/commentary",
        data={
            "commentary": "",
            "actions-0-action": "Run the joint workshop",
            "actions-0-owner": "Dana",
            "actions-0-due_on": "2027-02-01",
            "actions-1-action": "Agree a lead definition",
            "actions-1-remove": "y",
            "actions-2-action": "Repeat the survey",
        },
    )
    assert stored_commentary(app, slug) == ""
    assert stored_actions(app, slug) == [
        ("Run the joint workshop", "Dana", date(2027, 2, 1)),
        ("Repeat the survey", "", None),
    ]


def test_commentary_errors_are_named_next_to_the_field_and_keep_the_input(app, client, two_orgs) -> None:
    slug = two_orgs["acme"]
    sign_in(client, "c@acme.example")
    response = client.post(
        f"/a/{slug}/commentary",
        data={
            "commentary": "Kept text",
            "actions-0-action": "A fine action",
            "actions-1-action": "",
            "actions-1-owner": "Somebody",
            "actions-2-action": "Another",
            "actions-2-due_on": "31/03/2027",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'id="actions-2-due_on-error">.*Enter a date such as 2027-03-31\.', page, re.S)
    assert "Kept text" in page
    assert 'value="A fine action"' in page
    assert stored_actions(app, slug) == []
    # An owner without an action is blamed on that row's action field.
    response = client.post(
        f"/a/{slug}/commentary",
        data={"commentary": "Kept text", "actions-0-action": "A fine action", "actions-1-owner": "Somebody"},
    )
    page = response.get_data(as_text=True)
    assert re.search(
        r'id="actions-1-action-error">.*Enter the action, or clear the owner and the date\.', page, re.S
    )
    assert 'value="Somebody"' in page
    assert stored_actions(app, slug) == []
    assert stored_commentary(app, slug) == ""


def test_each_action_has_a_status_saved_shown_and_kept(app, client, two_orgs) -> None:
    slug = two_orgs["acme"]
    sign_in(client, "c@acme.example")
    page = client.get(f"/a/{slug}/commentary").get_data(as_text=True)
    # Every row, empty ones too, has its own labelled select, Planned chosen.
    assert '<label class="field__label" for="actions-2-status">Status</label>' in page
    assert re.search(
        r'<select[^>]*id="actions-0-status"[^>]*name="actions-0-status"[^>]*>\s*'
        r'<option selected value="planned">Planned</option>\s*'
        r'<option value="in_progress">In progress</option>\s*'
        r'<option value="done">Done</option>\s*</select>',
        page,
    )
    saved = client.post(
        f"/a/{slug}/commentary",
        data={
            "actions-0-action": "Run the workshop",
            "actions-0-status": "done",
            "actions-1-action": "Agree a lead definition",
            "actions-1-status": "in_progress",
            "actions-2-action": "Repeat the survey",  # no status posted: planned
        },
    )
    assert saved.status_code == 302
    assert stored_statuses(app, slug) == [
        ("Run the workshop", "done"),
        ("Agree a lead definition", "in_progress"),
        ("Repeat the survey", "planned"),
    ]
    page = client.get(f"/a/{slug}/commentary").get_data(as_text=True)
    shown = re.findall(r'id="actions-(\d)-status".*?<option selected value="(\w+)"', page, re.S)
    assert shown == [
        ("0", "done"),
        ("1", "in_progress"),
        ("2", "planned"),
        ("3", "planned"),
        ("4", "planned"),
        ("5", "planned"),
    ]
    # Saved again as the page shows it, with the first row removed and another edited: each
    # remaining action keeps its own status.
    client.post(
        f"/a/{slug}/commentary",
        data={
            "actions-0-action": "Run the workshop",
            "actions-0-status": "done",
            "actions-0-remove": "y",
            "actions-1-action": "Agree a lead definition",
            "actions-1-owner": "Dana",
            "actions-1-status": "in_progress",
            "actions-2-action": "Repeat the survey",
            "actions-2-status": "planned",
        },
    )
    assert stored_statuses(app, slug) == [
        ("Agree a lead definition", "in_progress"),
        ("Repeat the survey", "planned"),
    ]


def test_an_unknown_status_is_refused_on_its_row_and_nothing_is_saved(app, client, two_orgs) -> None:
    slug = two_orgs["acme"]
    sign_in(client, "c@acme.example")
    response = client.post(
        f"/a/{slug}/commentary",
        data={
            "commentary": "Kept text",
            "actions-0-action": "A fine action",
            "actions-0-status": "done",
            "actions-1-action": "Another",
            "actions-1-status": "finished",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(
        r'id="actions-1-status-error">.*Choose a status for this action: Planned, In progress or Done\.',
        page,
        re.S,
    )
    assert "actions-0-status-error" not in page
    assert re.search(r'<select aria-describedby="actions-1-status-error" aria-invalid="true"', page)
    assert 'value="Another"' in page
    assert stored_statuses(app, slug) == []
    assert stored_commentary(app, slug) == ""
    # The service refuses it too, whoever calls it, blamed on the row it counts.
    with pytest.raises(FieldInvalid) as refused, app.app_context(), db.write_session() as session:
        services.save_commentary(
            session,
            get_assessment(session, slug),
            "",
            [services.ActionInput("A fine action"), services.ActionInput("Another", status="finished")],
        )
    assert refused.value.field == "actions-1-status"
    assert stored_statuses(app, slug) == []


# --- the consultant's logo ------------------------------------------------------------------------


def stored_logo(app, email: str) -> tuple[bytes | None, str | None]:
    with app.app_context():
        row = db.get_session().execute(select(User.logo, User.logo_type).where(User.email == email)).one()
        return row.logo, row.logo_type


def upload(client, data: bytes, filename: str, content_type: str = "image/png"):
    """Post ``data`` as the logo form's file (and press Upload)."""
    return post_file(client, "/profile/logo", "logo", filename, data, content_type, fields={"upload": "1"})


def test_logo_page_authorization(client, two_orgs) -> None:
    response = client.get("/profile/logo")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    sign_in(client, "lead@acme.example")
    assert client.get("/profile/logo").status_code == 403
    assert upload(client, png_bytes(), "logo.png").status_code == 403
    client.post("/sign-out")
    sign_in(client, "c@acme.example")
    page = client.get("/profile/logo")
    assert page.status_code == 200
    assert "Add your logo to the cover of your reports" in page.get_data(as_text=True)


def test_a_png_logo_is_stored_shown_and_removed(app, client, two_orgs) -> None:
    sign_in(client, "c@acme.example")
    data = png_bytes()
    response = upload(client, data, "logo.png")
    assert response.status_code == 302
    assert stored_logo(app, "c@acme.example") == (data, "image/png")
    page = client.get("/profile/logo").get_data(as_text=True)
    assert "Logo saved. It appears on the cover of your reports." in page
    assert "image/png, 120 × 40 pixels" in page
    assert 'src="data:image/png;base64,' in page
    removed = client.post("/profile/logo", data={"remove": "1"})
    assert removed.status_code == 302
    assert stored_logo(app, "c@acme.example") == (None, None)


def test_a_jpeg_logo_is_accepted(app, client, two_orgs) -> None:
    sign_in(client, "c@acme.example")
    out = io.BytesIO()
    Image.new("RGB", (80, 30), "white").save(out, "JPEG")
    assert upload(client, out.getvalue(), "logo.jpg").status_code == 302
    assert stored_logo(app, "c@acme.example")[1] == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"just some text, not an image\n" * 10, "logo.png", "The file is not a PNG or JPEG image."),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>',
            "logo.svg",
            "SVG images are not accepted: upload the logo as PNG or JPEG.",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png", "SVG images are not accepted"),
        (png_bytes()[:60], "logo.png", "The file is not a PNG or JPEG image."),  # truncated
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "logo.gif", "The file is not a PNG or JPEG image."),
    ],
)
def test_anything_but_a_real_png_or_jpeg_is_refused(app, client, two_orgs, data, filename, message) -> None:
    sign_in(client, "c@acme.example")
    response = upload(client, data, filename)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'id="logo-error">.*' + re.escape(message), page, re.S)
    assert stored_logo(app, "c@acme.example") == (None, None)


def test_a_logo_over_one_megabyte_is_refused(app, client, two_orgs) -> None:
    big = png_bytes((700, 700), noise=True)
    assert len(big) > 1024 * 1024
    sign_in(client, "c@acme.example")
    response = upload(client, big, "big.png")
    assert response.status_code == 200
    assert "The file is larger than 1 MB. Choose a smaller image." in response.get_data(as_text=True)
    assert stored_logo(app, "c@acme.example") == (None, None)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` grey pixels (its image data is one empty row)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [30_000, 10_000, 6_000])
def test_a_logo_claiming_too_many_pixels_is_refused_with_the_fields_message(
    app, client, two_orgs, side
) -> None:
    data = png_claiming(side, side)
    assert len(data) < 1024
    sign_in(client, "c@acme.example")
    response = upload(client, data, "bomb.png")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(
        r'id="logo-error">.*The image has too many pixels\. Scale it down and try again\.', page, re.S
    )
    assert stored_logo(app, "c@acme.example") == (None, None)


def test_no_file_chosen_is_named(client, two_orgs) -> None:
    sign_in(client, "c@acme.example")
    response = client.post("/profile/logo", data={"upload": "1"}, content_type="multipart/form-data")
    assert "Choose a PNG or JPEG file to upload." in response.get_data(as_text=True)


# --- CSRF -----------------------------------------------------------------------------------------


def test_report_forms_refuse_a_post_without_the_csrf_token(
    app, database_url: str, tmp_path: Path, two_orgs
) -> None:
    guarded = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET},
        instance_path=str(tmp_path / "csrf"),
    )
    try:
        assert guarded.config["WTF_CSRF_ENABLED"] is not False
        client = guarded.test_client()
        assert sign_in_with_csrf(client, "c@acme.example").status_code == 302
        slug = two_orgs["acme"]
        assert client.post(f"/a/{slug}/commentary", data={"commentary": "Sneaky"}).status_code == 400
        assert stored_commentary(app, slug) == ""
        assert upload(client, png_bytes(), "logo.png").status_code == 400
        assert client.post("/profile/logo", data={"remove": "1"}).status_code == 400
        assert stored_logo(app, "c@acme.example") == (None, None)
        page = client.get(f"/a/{slug}/commentary").get_data(as_text=True)
        done = client.post(
            f"/a/{slug}/commentary", data={"commentary": "Signed", "csrf_token": csrf_token(page)}
        )
        assert done.status_code == 302
        assert stored_commentary(app, slug) == "Signed"
    finally:
        guarded.extensions["survey_db"].engine.dispose()


# --- the command line -----------------------------------------------------------------------------


def test_report_command_writes_the_pdf_and_reports_progress(runner, both_shown, tmp_path: Path) -> None:
    target = tmp_path / "acme.pdf"
    result = runner.invoke(args=["report", both_shown, "-o", str(target), "--paper", "letter"])
    assert result.exit_code == 0, result.output
    assert f"Wrote the report of {both_shown} to {target}" in result.stdout
    for step in ("Computing results…", "Drawing charts…", "Laying out pages…"):
        assert step in result.stderr
    reader = pypdf.PdfReader(target)
    assert f"({len(reader.pages)} pages)" in result.stdout
    assert round(float(reader.pages[1].mediabox[2])) == 612  # Letter
    assert "Acme" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "no-such-slug", "-o", "{tmp}/x.pdf"], "Error: no assessment with slug 'no-such-slug'"),
        (["report", "{slug}", "-o", "{tmp}/missing/x.pdf"], "Error: cannot write {tmp}/missing/x.pdf"),
        (["report", "{slug}", "-o", "{tmp}"], "Error: "),
        (["report", "{slug}"], "Error: Missing option '-o' / '--output'"),
        (["report", "{slug}", "-o", "{tmp}/x.pdf", "--paper", "legal"], "Error: Invalid value for '--paper'"),
    ],
)
def test_report_command_errors_are_one_line(runner, make_assessment, tmp_path: Path, args, message) -> None:
    slug = make_assessment()
    args = [arg.format(tmp=tmp_path, slug=slug) for arg in args]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message.format(tmp=tmp_path)), result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "x.pdf").exists()
