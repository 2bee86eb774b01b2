"""The insider's attacks on anonymity, replayed through HTTP and the command line.

Each test does what a curious consultant, leader or colleague could do with the product
and checks that no one's answers can be recovered: padding a withheld team with known
responses, differencing the results around one more invited response, reading a
statement only one person answered, and flooding a team link from one browser.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from helpers import ITEM_IDS, csv_text, results_json, sign_in
from survey_client import answer, form_path

#: The real respondent's answers: distinctive, so that any trace of them would show.
REAL = {item: str(1 + index % 5) for index, item in enumerate(ITEM_IDS)}
REAL_COMMENT = "My manager ignores every lead we pass on"
#: The padding an insider knows: every statement answered 3.
KNOWN = 3


@pytest.fixture
def slug(make_assessment, make_user) -> str:
    """An Acme assessment (minimum group 5) with its consultant and a leader."""
    made = make_assessment("Acme", "Spring review", min_group=5)
    make_user("casey@example.com", "consultant", "Acme")
    make_user("lee@example.com", "leader", "Acme")
    return made


def import_rows(runner, tmp_path: Path, slug: str, team: str, rows: list[dict[str, int | None]], name: str):  # noqa: ANN001, ANN201
    """Import ``rows`` for ``team`` with the command line, as a consultant can."""
    path = tmp_path / name
    path.write_bytes(
        csv_text(["team", *ITEM_IDS], [[team, *(row[item] for item in ITEM_IDS)] for row in rows])
    )
    result = runner.invoke(args=["responses", "import", slug, str(path)])
    assert result.exit_code == 0, result.output
    return result


def everything_shown(client, slug: str) -> str:  # noqa: ANN001
    """Every view of the results a consultant has: page, JSON, CSV export and PDF text."""
    page = client.get(f"/a/{slug}/results").get_data(as_text=True)
    data = client.get(f"/a/{slug}/results.json").get_data(as_text=True)
    export = client.get(f"/a/{slug}/responses.csv").get_data(as_text=True)
    export = "\n".join(sorted(export.splitlines()))  # rows come shuffled
    pdf = client.get(f"/a/{slug}/report.pdf")
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    return "\n".join([page, data, export, text])


def without_counts(view: str) -> str:
    """A view with its live response counts (which may change with every answer) taken out."""
    view = re.sub(r'(csrf[^>]*value=")[^"]+', r"\1", view)  # a fresh form token on each page
    view = re.sub(r"\"(pending|incomplete)\":\s*\d+", "", view)
    view = re.sub(r"\"pending_by_source\":\s*\{[^}]*\}", "", view)
    view = re.sub(r"[A-Z]\w*: \d+ responses?, [^\n]*", "", view)  # the PDF's counts sentences
    return re.sub(r"<ul class=\"counts\".*?</ul>", "", view, flags=re.DOTALL)


# --- 1. padding -----------------------------------------------------------------------


def test_known_imported_rows_never_carry_one_real_web_response_into_the_results(
    app, client, runner, tmp_path, slug: str
) -> None:
    assert answer(client, form_path(app, slug), REAL, comment=REAL_COMMENT).status_code == 302
    known = [dict.fromkeys(ITEM_IDS, KNOWN)] * 4
    import_rows(runner, tmp_path, slug, "sales", known, "padding.csv")

    sales = results_json(runner, slug)["teams"]["sales"]
    assert sales["withheld"] is True  # 1 web + 4 imported: neither source has 5
    assert (sales["responses"], sales["pending"]) == (0, 5)
    assert sales["pending_by_source"] == {"web": 1, "import": 4}

    # One more known row: the imported ones are shown, the real web response is held back.
    import_rows(runner, tmp_path, slug, "sales", [dict.fromkeys(ITEM_IDS, KNOWN)], "more.csv")
    sales = results_json(runner, slug)["teams"]["sales"]
    assert sales["withheld"] is False
    assert sales["responses"] == 5
    assert set(sales["items"].values()) == {KNOWN}  # 5 × mean − 4 × 3 gives 3, never the real answers
    assert sales["pending_by_source"] == {"web": 1, "import": 0}
    sign_in(client, "casey@example.com")
    shown = everything_shown(client, slug)
    assert REAL_COMMENT not in shown
    assert ",".join(REAL[item] for item in ITEM_IDS) not in shown  # not as an exported row
    leader = app.test_client()
    sign_in(leader, "lee@example.com")
    assert REAL_COMMENT not in leader.get(f"/a/{slug}/results").get_data(as_text=True)


# --- 2. differencing ------------------------------------------------------------------


def invitation_links(client, slug: str, people: list[str]) -> list[str]:  # noqa: ANN001
    """Create personal invitations for Sales and return their paths (``/i/<token>``)."""
    response = client.post(f"/a/{slug}/invitations", data={"team": "sales", "people": "\n".join(people)})
    assert response.status_code == 302
    client.get(response.headers["Location"])  # shows (and so clears) the flashed confirmation
    rows = csv.DictReader(io.StringIO(client.get(f"/a/{slug}/invitations.csv").data.decode("utf-8-sig")))
    return [re.sub(r"^https?://[^/]+", "", row["link"]) for row in rows]


def answer_invitation(app, path: str, answers: dict[str, str], comment: str = "") -> None:  # noqa: ANN001
    """Answer a personal invitation in a browser of its own."""
    browser = app.test_client()
    start = browser.post(path)
    assert start.status_code == 302
    sent = browser.post(
        start.headers["Location"],
        data={
            "action": "submit",
            "comment": comment,
            **{f"q_{item}": value for item, value in answers.items()},
        },
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith("/thanks")


def test_one_more_invited_response_changes_no_figure_and_shows_no_one_answered(
    app, client, runner, slug: str
) -> None:
    sign_in(client, "casey@example.com")
    people = [f"Person {n} <p{n}@example.com>" for n in range(1, 7)]
    links = invitation_links(client, slug, people)
    for number, path in enumerate(links[:5]):
        answer_invitation(app, path, {item: str(1 + (number + i) % 5) for i, item in enumerate(ITEM_IDS)})
    before_json = results_json(runner, slug)
    assert before_json["teams"]["sales"]["responses"] == 5
    before = without_counts(everything_shown(client, slug))
    distribute_before = client.get(f"/a/{slug}/distribute").get_data(as_text=True)

    answer_invitation(app, links[5], REAL, REAL_COMMENT)  # the sixth person: the one to single out

    after_json = results_json(runner, slug)
    assert after_json["teams"]["sales"]["pending"] == 1
    for key in ("score", "sd", "ci95", "items", "dimensions"):
        assert after_json["teams"]["sales"][key] == before_json["teams"]["sales"][key]  # unrounded, equal
    after = without_counts(everything_shown(client, slug))
    assert REAL_COMMENT not in after
    # Page, JSON, CSV and PDF text agree before and after, but for the live counts and dates.
    strip_pdf_dates = re.compile(r"\d{1,2} \w+ 20\d\d")
    assert strip_pdf_dates.sub("", after) == strip_pdf_dates.sub("", before)

    # The consultant sees how many answered, never who.
    distribute_after = client.get(f"/a/{slug}/distribute").get_data(as_text=True)
    assert "6 answered" in distribute_after
    for person in people:
        name = person.split(" <")[0]
        row_before = re.search(rf"<tr>\s*<td>{name}</td>.*?</tr>", distribute_before, flags=re.DOTALL)
        row_after = re.search(rf"<tr>\s*<td>{name}</td>.*?</tr>", distribute_after, flags=re.DOTALL)
        assert row_before
        assert row_after
        assert row_before.group(0) == row_after.group(0)
    assert "answered" not in client.get(f"/a/{slug}/invitations.csv").data.decode().splitlines()[0]


# --- 3. a thin statement --------------------------------------------------------------


def test_a_statement_one_person_answered_shows_no_mean(
    app, client, runner, tmp_path, slug: str, kotler
) -> None:
    rows = [{**dict.fromkeys(ITEM_IDS, 4), "k20": None} for _ in range(4)]
    rows.append({**dict.fromkeys(ITEM_IDS, 4), "k20": 1})
    import_rows(runner, tmp_path, slug, "sales", rows, "sales.csv")
    import_rows(runner, tmp_path, slug, "marketing", [dict.fromkeys(ITEM_IDS, 2)] * 5, "marketing.csv")

    data = results_json(runner, slug)
    assert data["teams"]["sales"]["items"]["k20"] is None
    assert data["teams"]["sales"]["withheld_items"] == ["k20"]
    assert data["gap"]["items"]["k20"] == {"gap": None, "p_adj": None}
    # process_metrics (k01, k12, k14, k15) holds no k20; its dimension is computed without it
    assert all(value == pytest.approx(4.0) for value in data["teams"]["sales"]["dimensions"].values())

    sign_in(client, "casey@example.com")
    page = client.get(f"/a/{slug}/results").get_data(as_text=True)
    assert "too few answers" in page
    pdf = client.get(f"/a/{slug}/report.pdf").data
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "too few answers" in text
    statement = kotler.items[19].text  # k20
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(statement)}.*?</tr>", page, flags=re.DOTALL)
    assert row
    assert "too few answers" in row.group(0)
    assert "1.00" not in row.group(0)  # the one person's answer, as a mean


# --- 4. link flooding -----------------------------------------------------------------


def test_one_browser_cannot_send_many_responses_through_a_team_link(app, client, runner, slug: str) -> None:
    path = form_path(app, slug)
    assert answer(client, path, REAL).status_code == 302
    for _ in range(19):
        refused = answer_again(client, path, dict.fromkeys(ITEM_IDS, "3"))
        assert refused.status_code == 200
        assert "already been sent from this device" in refused.get_data(as_text=True)
    assert results_json(runner, slug)["teams"]["sales"]["pending"] == 1


def answer_again(client, path: str, answers: dict[str, str]):  # noqa: ANN001, ANN201
    """Send a team link's form again from the same browser, with a made-up submission token."""
    import secrets

    return client.post(
        path,
        data={
            "action": "submit",
            "comment": "",
            "submission": secrets.token_urlsafe(16),
            **{f"q_{item}": value for item, value in answers.items()},
        },
    )


def test_someone_else_may_answer_after_saying_so_and_the_sent_answers_are_kept(
    app, client, slug: str
) -> None:
    path = form_path(app, slug)
    assert answer(client, path, REAL).status_code == 302
    refused = answer_again(client, path, dict.fromkeys(ITEM_IDS, "2"))
    page = refused.get_data(as_text=True)
    assert "Someone else is answering on this device" in page
    resume = re.search(r'name="resume" value="([^"]+)"', page).group(1)
    chosen = client.post(path.removesuffix("/answers") + "/someone-else", data={"resume": resume})
    assert chosen.headers["Location"] == f"/q/{resume}"
    kept = client.get(chosen.headers["Location"]).get_data(as_text=True)
    assert kept.count('value="2" checked') == 20  # the answers sent meanwhile were not lost
    sent = client.post(
        f"/q/{resume}", data={"action": "submit", "comment": "", **{f"q_{i}": "2" for i in ITEM_IDS}}
    )
    assert sent.headers["Location"] == "/thanks"


def test_sends_through_a_team_link_are_limited_per_address(app, runner, slug: str) -> None:
    app.config["TEAM_LINK_SENDS_PER_ADDRESS"] = "3 per hour"
    path = form_path(app, slug)
    for _ in range(3):  # three people in one office, each on their own computer
        assert answer(app.test_client(), path, dict.fromkeys(ITEM_IDS, "3")).status_code == 302
    refused = answer(app.test_client(), path, REAL, comment=REAL_COMMENT)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Your answers have not been sent yet." in page
    assert REAL_COMMENT in page  # kept on the page, not stored
    assert results_json(runner, slug)["teams"]["sales"]["pending"] == 3


def test_drafts_saved_through_a_team_link_are_capped_per_browser(app, client, slug: str) -> None:
    path = form_path(app, slug)
    for _ in range(app.config["TEAM_LINK_DRAFTS_PER_BROWSER"]):
        assert save_draft(client, path).status_code == 302
    refused = save_draft(client, path)
    assert refused.status_code == 429
    assert "Too many unfinished answer sets" in refused.get_data(as_text=True)


def save_draft(client, path: str):  # noqa: ANN001, ANN201
    page = client.get(path).get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([^"]*)"', page).group(1)
    return client.post(path, data={"action": "save", "comment": "", "submission": submission, "q_k01": "2"})


def test_an_assessment_can_take_answers_through_invitations_only(app, client, slug: str) -> None:
    from survey_app import db
    from survey_app.assessments import get_assessment

    path = form_path(app, slug)
    with app.app_context(), db.write_session() as session:
        get_assessment(session, slug).invitations_only = True
    for page in (client.get(path.removesuffix("/answers")), client.get(path)):
        assert page.status_code == 403
        assert "personal link" in page.get_data(as_text=True)
    assert answer_again(client, path, REAL).status_code == 403


def set_headcount(app, slug: str, team: str, headcount: int) -> None:  # noqa: ANN001
    from survey_app import db
    from survey_app.assessments import get_assessment

    with app.app_context(), db.write_session() as session:
        next(t for t in get_assessment(session, slug).teams if t.key == team).headcount = headcount


def test_the_monitor_shows_warning_signs_as_counts_only(app, client, runner, tmp_path, slug: str) -> None:
    app.config["TEAM_LINK_BURST_SENDS"] = 2
    set_headcount(app, slug, "sales", 4)
    path = form_path(app, slug)
    for value in ("1", "2", "4", "5"):  # four sends from one address: one burst, noted once
        assert answer(app.test_client(), path, dict.fromkeys(ITEM_IDS, value)).status_code == 302
    import_rows(runner, tmp_path, slug, "sales", [dict.fromkeys(ITEM_IDS, KNOWN)] * 3, "copies.csv")

    sign_in(client, "casey@example.com")
    page = client.get(f"/a/{slug}").get_data(as_text=True)
    signs = re.search(r'<div class="notice notice--warning" id="warning-signs">.*?</div>', page, re.DOTALL)
    assert signs
    text = re.sub(r"<[^>]+>", "", signs.group(0))
    assert "More responses (7) than people in the team (4)." in text
    assert "1 time, more answers than usual came from one network address within an hour" in text
    assert "2 responses give exactly the same answers as another response." in text


def test_a_consultant_can_switch_team_links_off_and_small_teams_are_told_to(app, client, slug: str) -> None:
    sign_in(client, "casey@example.com")
    set_headcount(app, slug, "marketing", 12)  # under 3 × 5
    page = client.get(f"/a/{slug}/distribute").get_data(as_text=True)
    assert "Consider personal invitations only." in page
    assert "Marketing has fewer than 15 people." in re.sub(r"\s+", " ", page)

    switched = client.post(f"/a/{slug}/team-links", data={"invitations_only": "y"})
    assert switched.status_code == 302
    assert app.test_client().get(form_path(app, slug)).status_code == 403
    page = client.get(switched.headers["Location"]).get_data(as_text=True)
    assert "Team links are off." in page
    assert "Consider personal invitations only." not in page

    client.post(f"/a/{slug}/team-links", data={})
    assert app.test_client().get(form_path(app, slug)).status_code == 200


def test_the_welcome_page_states_the_protections_in_plain_words(app, client, slug: str) -> None:
    page = re.sub(
        r"\s+", " ", client.get(form_path(app, slug).removesuffix("/answers")).get_data(as_text=True)
    )
    assert "The results change only in steps" in page
    assert "at least 5 people who answered since the last step" in page
    assert "shows no average" in page
    assert "this device will ask before anyone answers on it again" in page
