"""Handing out an assessment: team links, QR codes, personal invitations, their CSV and e-mails."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import segno
from flask import Flask
from PIL import Image
from sqlalchemy import select, update

from survey_app import create_app, db
from survey_app.distribute import mail, services
from survey_app.models import Invitation, Team
from survey_app.tokens import derive_token, new_salt

from helpers import TEST_SECRET, invitations, paste, sign_in
from smtp_support import free_port
from survey_client import PUBLIC

PERSONAL_LINK = re.compile(re.escape(PUBLIC) + r"/i/([A-Za-z0-9_-]+)")


# Fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def slug(make_assessment, make_user) -> str:
    """An Acme assessment (teams sales, marketing) and its assigned consultant, Casey."""
    made = make_assessment("Acme", "Spring review")
    make_user("casey@example.com", "consultant", "Acme", name="Casey Consultant")
    return made


@pytest.fixture
def consultant(client, slug: str):  # noqa: ANN201 - the signed-in client
    """The client, signed in as the assessment's consultant."""
    sign_in(client, "casey@example.com")
    return client


def team_of(app: Flask, invitation: Invitation) -> str:
    with app.app_context():
        return db.get_session().get(Team, invitation.team_id).key


def upload(client, slug: str, data: bytes, team: str = "marketing", filename: str = "people.csv"):  # noqa: ANN001, ANN201
    return client.post(
        f"/a/{slug}/invitations",
        data={"team": team, "people": "", "csv_file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def csv_rows(client, slug: str) -> list[dict[str, str]]:  # noqa: ANN001
    response = client.get(f"/a/{slug}/invitations.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# The page and the team links -----------------------------------------------------------------


def test_page_shows_the_same_team_links_as_the_command_line(consultant, runner, slug: str) -> None:
    printed = runner.invoke(args=["assessment", "links", slug])
    assert printed.exit_code == 0, printed.output
    links = dict(line.split(" ", 1) for line in printed.output.strip().splitlines())
    assert set(links) == {"sales", "marketing"}

    response = consultant.get(f"/a/{slug}/distribute")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    page = response.get_data(as_text=True)
    assert "<h1>Hand out the survey “Spring review”</h1>" in page
    for key, name in (("sales", "Sales"), ("marketing", "Marketing")):
        assert f'<label class="field__label" for="link-{key}">Survey link for {name}</label>' in page
        assert re.search(
            rf'<input type="text" id="link-{key}"[^>]*value="{re.escape(links[key])}" readonly', page
        )
        assert f'data-copy="link-{key}"' in page
        assert f'href="/a/{slug}/teams/{key}/qr.svg">SVG image' in page
    assert f'href="/a/{slug}"' in page  # back to the assessment page
    assert "distribute.js" in page


def test_qr_code_is_an_svg_download_of_the_team_link(consultant, runner, slug: str) -> None:
    url = dict(
        line.split(" ", 1)
        for line in runner.invoke(args=["assessment", "links", slug]).output.split("\n")[:2]
    )["sales"]
    response = consultant.get(f"/a/{slug}/teams/sales/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-sales-qr.svg"'
    body = response.get_data(as_text=True)
    assert body.startswith("<?xml")
    assert "<svg" in body
    assert "<title>Survey link for Sales (Spring review)</title>" in body
    expected = io.BytesIO()
    segno.make(url, error="m").save(expected, kind="svg", scale=8, border=4)
    path = re.compile(r' d="([^"]+)"')
    assert path.search(body).group(1) == path.search(expected.getvalue().decode()).group(1)


def test_qr_code_is_also_a_png_download_of_the_team_link(consultant, runner, slug: str) -> None:
    url = dict(
        line.split(" ", 1)
        for line in runner.invoke(args=["assessment", "links", slug]).output.split("\n")[:2]
    )["marketing"]
    page = consultant.get(f"/a/{slug}/distribute").get_data(as_text=True)
    assert f'href="/a/{slug}/teams/marketing/qr.png">PNG image' in page
    response = consultant.get(f"/a/{slug}/teams/marketing/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-marketing-qr.png"'
    assert response.headers["Cache-Control"] == "private, no-store"
    expected = io.BytesIO()
    segno.make(url, error="m").save(expected, kind="png", scale=8, border=4)
    assert response.data == expected.getvalue()
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "PNG"
        assert image.width == image.height >= 25 * 8  # big enough to print or put on a slide


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_qr_code_of_an_unknown_team_is_not_found(consultant, slug: str, kind: str) -> None:
    assert consultant.get(f"/a/{slug}/teams/finance/qr.{kind}").status_code == 404


def test_without_mail_settings_the_page_points_to_the_csv(app, consultant, slug: str) -> None:
    paste(consultant, slug, "ann@example.com")
    page = consultant.get(f"/a/{slug}/distribute").get_data(as_text=True)
    assert "E-mail is not configured on this server" in page
    assert "mail merge" in page
    assert "Send by e-mail" not in page
    assert f'href="/a/{slug}/invitations.csv"' in page


# Creating invitations ------------------------------------------------------------------------


def test_pasted_list_creates_invitations_and_stores_no_token(app, consultant, slug: str) -> None:
    text = (
        'Ann Archer <ann@example.com>\n\n"Bob Baker", bob@example.com\n'
        "Cara Cole; cara@example.com\ndan@example.com\n"
    )
    response = paste(consultant, slug, text)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/a/{slug}/distribute#invitations"

    rows = invitations(app)
    assert [(r.name, r.email) for r in rows] == [
        ("Ann Archer", "ann@example.com"),
        ("Bob Baker", "bob@example.com"),
        ("Cara Cole", "cara@example.com"),
        ("", "dan@example.com"),
    ]
    assert {team_of(app, r) for r in rows} == {"sales"}
    assert all(r.sent_at is None and not r.has_answered for r in rows)

    page = consultant.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 personal invitations created for Sales." in page
    assert "<caption>Sales: 4 invited, 0 answered</caption>" in page
    assert "<td>Bob Baker</td>" in page
    assert "Not yet" in page

    by_email = {row["email"]: row for row in csv_rows(consultant, slug)}
    for row in rows:
        token = PERSONAL_LINK.fullmatch(by_email[row.email]["link"]).group(1)
        assert row.link_hash == sha256(token)
        assert token == derive_token(TEST_SECRET, "invitation", row.link_salt)  # the survey's contract
        stored = [str(getattr(row, column.key)) for column in Invitation.__table__.columns]
        assert not any(token in value for value in stored)


def test_bad_lines_are_all_named_and_nothing_is_created(app, consultant, slug: str) -> None:
    paste(consultant, slug, "Eve <eve@example.com>", team="marketing")
    text = (
        "Ann <ann@example.com>\n\nbob@\nCarl, carl@example\nann@example.com\n"
        "Eve Again, EVE@example.com\nNo Address,\n"
    )
    response = paste(consultant, slug, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was added." in page
    assert "line 3: &#39;bob@&#39; is not an e-mail address" in page
    assert "line 4: &#39;carl@example&#39; is not an e-mail address" in page
    assert "line 5: ann@example.com is already on line 1" in page
    assert "line 6: EVE@example.com already has an invitation (team Marketing)" in page
    assert "line 7: the e-mail address is missing" in page
    assert "line 1:" not in page
    assert "Ann &lt;ann@example.com&gt;\n\nbob@\nCarl, carl@example" in page  # the text is kept
    assert 'aria-describedby="people-hint people-error"' in page
    assert [r.email for r in invitations(app)] == ["eve@example.com"]


def test_an_empty_list_is_refused(app, consultant, slug: str) -> None:
    response = paste(consultant, slug, "  \n")
    assert response.status_code == 422
    assert "Paste at least one person, or choose a CSV file." in response.get_data(as_text=True)
    assert invitations(app) == []


def test_csv_upload_with_bom_and_semicolons(app, consultant, slug: str) -> None:
    data = (
        "\ufeffName;E-mail address;email\nDora Day;ignored;dora@example.com\n\n;x;eli@example.com\n".encode()
    )
    response = upload(consultant, slug, data)
    assert response.status_code == 302
    rows = invitations(app)
    assert [(r.name, r.email, team_of(app, r)) for r in rows] == [
        ("Dora Day", "dora@example.com", "marketing"),
        ("", "eli@example.com", "marketing"),
    ]


def test_csv_upload_names_the_lines_of_its_problems(app, consultant, slug: str) -> None:
    data = b"name,email\nDora,dora@example.com\nFay,fay-at-example.com\nDora again,dora@example.com\n"
    response = upload(consultant, slug, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "line 3: &#39;fay-at-example.com&#39; is not an e-mail address" in page
    assert "line 4: dora@example.com is already on line 2" in page
    assert 'aria-describedby="csv_file-hint csv_file-error"' in page
    assert invitations(app) == []


def test_csv_without_header_is_refused(app, consultant, slug: str) -> None:
    response = upload(consultant, slug, b"Dora,dora@example.com\n")
    assert response.status_code == 422
    assert "line 1: the first line must be a header naming the columns name and email" in response.get_data(
        as_text=True
    )
    assert invitations(app) == []


def test_csv_that_is_not_utf8_is_refused(app, consultant, slug: str) -> None:
    response = upload(consultant, slug, "name,email\nJürgen,j@example.com\n".encode("latin-1"))
    assert response.status_code == 422
    assert "the file is not UTF-8 text" in response.get_data(as_text=True)
    assert invitations(app) == []


def test_pasted_list_and_file_together_are_refused(app, consultant, slug: str) -> None:
    response = consultant.post(
        f"/a/{slug}/invitations",
        data={
            "team": "sales",
            "people": "ann@example.com",
            "csv_file": (io.BytesIO(b"name,email\n"), "p.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use either the pasted list or a file, not both" in page
    assert 'spellcheck="false">\r\nann@example.com</textarea>' in page
    assert invitations(app) == []


def test_unknown_team_is_refused(app, consultant, slug: str) -> None:
    response = paste(consultant, slug, "ann@example.com", team="finance")
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert invitations(app) == []


# The CSV of personal links -------------------------------------------------------------------


def test_invitations_csv_has_the_columns_and_working_links(app, consultant, slug: str) -> None:
    paste(consultant, slug, "Ann Archer <ann@example.com>\n=Evil Formula, evil@example.com")
    paste(consultant, slug, "Mo <mo@example.com>", team="marketing")
    with app.app_context(), db.write_session() as session:
        session.execute(
            update(Invitation).where(Invitation.email == "mo@example.com").values(has_answered=True)
        )

    response = consultant.get(f"/a/{slug}/invitations.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-invitations.csv"'
    # No "answered" column: nobody may see who answered (Mo did).
    assert response.data.startswith(b"\xef\xbb\xbfteam,name,email,link\r\n")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [(r["team"], r["name"], r["email"]) for r in rows] == [
        ("sales", "Ann Archer", "ann@example.com"),
        ("sales", "'=Evil Formula", "evil@example.com"),  # never a spreadsheet formula
        ("marketing", "Mo", "mo@example.com"),
    ]
    hashes = {r.email: r.link_hash for r in invitations(app)}
    for row in rows:
        match = PERSONAL_LINK.fullmatch(row["link"])
        assert match, row["link"]
        assert sha256(match.group(1)) == hashes[row["email"]]
    assert len({row["link"] for row in rows}) == 3


def test_invitations_csv_refuses_links_made_with_another_secret(app, consultant, slug: str) -> None:
    paste(consultant, slug, "ann@example.com")
    with app.app_context(), db.write_session() as session:
        session.execute(update(Invitation).values(link_salt=new_salt()))
    response = consultant.get(f"/a/{slug}/invitations.csv")
    assert response.status_code == 302
    page = consultant.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "The personal links cannot be listed: the personal link of ann@example.com was made with another"
        in page
    )


# E-mail --------------------------------------------------------------------------------------


def test_invitations_are_e_mailed_with_a_working_personal_link(app, mail_app, consultant, slug: str) -> None:
    paste(consultant, slug, "Ann Archer <ann@example.com>\nbob@example.com")
    paste(consultant, slug, "Mo <mo@example.com>", team="marketing")
    with app.app_context(), db.write_session() as session:  # someone who already answered gets nothing
        session.execute(
            update(Invitation).where(Invitation.email == "mo@example.com").values(has_answered=True)
        )
    page = consultant.get(f"/a/{slug}/distribute").get_data(as_text=True)
    assert "Send by e-mail</button>" in page
    # Mo answered already, but the page counts him as waiting like the others: it never tells.
    assert "3 invitations have not been e-mailed yet." in page

    response = consultant.post(f"/a/{slug}/invitations/send")
    assert response.status_code == 302
    # Mo counts as done like the others: the count never tells that someone answered already.
    assert "3 invitations done: everyone among them who had not answered yet was e-mailed" in consultant.get(
        response.headers["Location"]
    ).get_data(as_text=True)

    assert [recipients for recipients, _ in mail_app.messages] == [["ann@example.com"], ["bob@example.com"]]
    hashes = {r.email: r.link_hash for r in invitations(app)}
    for recipients, message in mail_app.messages:
        assert message["Subject"] == "Acme asks for your view: Spring review (about 5 minutes)"
        assert message["To"].addresses[0].addr_spec == recipients[0]
        assert message["From"] == "Alignment survey <survey@example.com>"
        assert message["Reply-To"].addresses[0].addr_spec == "casey@example.com"
        text = message.get_body(("plain",)).get_content()
        token = PERSONAL_LINK.search(text).group(1)
        assert sha256(token) == hashes[recipients[0]]
        assert "Casey Consultant is running a short survey for Acme" in text
        assert "about 5 minutes" in text
        assert "20 short statements" in text
        assert "groups of at least 5 people" in text
        assert "never which answers are yours" in text
        assert f'href="{PUBLIC}/i/{token}"' in message.get_body(("html",)).get_content()
    assert mail_app.messages[0][1]["To"].addresses[0].display_name == "Ann Archer"
    assert "Hello Ann Archer," in mail_app.messages[0][1].get_body(("plain",)).get_content()

    sent = {r.email: r.sent_at for r in invitations(app)}
    assert sent["ann@example.com"] is not None
    assert sent["bob@example.com"] is not None
    # Mo got no e-mail but is marked like the others, so the page does not single him out.
    assert sent["mo@example.com"] is not None
    page = consultant.get(f"/a/{slug}/distribute").get_data(as_text=True)
    assert "Not yet" not in page


def test_sending_twice_sends_nothing_new(app, mail_app, consultant, slug: str) -> None:
    paste(consultant, slug, "ann@example.com")
    consultant.post(f"/a/{slug}/invitations/send")
    first = invitations(app)[0].sent_at
    assert len(mail_app.messages) == 1

    response = consultant.post(f"/a/{slug}/invitations/send", follow_redirects=True)
    assert (
        "Every invitation has been e-mailed already, or is being e-mailed now: nothing to send."
        in response.get_data(as_text=True)
    )
    assert len(mail_app.messages) == 1
    assert invitations(app)[0].sent_at == first

    paste(consultant, slug, "new@example.com")
    consultant.post(f"/a/{slug}/invitations/send")
    assert [r for r, _ in mail_app.messages] == [["ann@example.com"], ["new@example.com"]]


def test_sending_to_someone_who_answered_already_reads_like_any_other_send(
    app, mail_app, consultant, slug: str
) -> None:
    paste(consultant, slug, "Ann <ann@example.com>")
    consultant.post(f"/a/{slug}/invitations/send")  # Ann gets her e-mail
    paste(consultant, slug, "Mo <mo@example.com>")
    with app.app_context(), db.write_session() as session:  # Mo answered through a link handed out by hand
        session.execute(
            update(Invitation).where(Invitation.email == "mo@example.com").values(has_answered=True)
        )
    said = []
    for next_person in ("Ed <ed@example.com>", None):  # Mo alone is waiting; then Ed, who has not answered
        page = consultant.post(f"/a/{slug}/invitations/send", follow_redirects=True).get_data(as_text=True)
        said.append(re.search(r"1 invitation done[^<]*", page).group(0))
        if next_person:
            paste(consultant, slug, next_person)
    assert said[0] == said[1]
    assert [r for r, _ in mail_app.messages] == [["ann@example.com"], ["ed@example.com"]]


def test_a_refused_address_is_named_and_the_others_are_sent(app, mail_app, consultant, slug: str) -> None:
    paste(consultant, slug, "ann@example.com\nbounce@example.com\nbob@example.com")
    response = consultant.post(f"/a/{slug}/invitations/send", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 invitations done" in page
    assert (
        "Not sent to: bounce@example.com (the mail server refused the address (550 5.1.1 No such mailbox"
        in page
    )
    assert [r for r, _ in mail_app.messages] == [["ann@example.com"], ["bob@example.com"]]
    assert {r.email: r.sent_at is not None for r in invitations(app)} == {
        "ann@example.com": True,
        "bounce@example.com": False,
        "bob@example.com": True,
    }


def test_sending_is_refused_when_mail_is_not_configured(app, consultant, slug: str) -> None:
    paste(consultant, slug, "ann@example.com")
    response = consultant.post(f"/a/{slug}/invitations/send", follow_redirects=True)
    assert (
        "E-mail is not configured on this server (MAIL_SERVER is empty): nothing was sent."
        in response.get_data(as_text=True)
    )
    assert invitations(app)[0].sent_at is None


def test_an_unreachable_mail_server_sends_nothing(app, consultant, slug: str) -> None:
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_SECURITY="none", MAIL_SENDER="s@example.com"
    )
    paste(consultant, slug, "ann@example.com")
    response = consultant.post(f"/a/{slug}/invitations/send", follow_redirects=True)
    assert "Nothing was sent: cannot reach the mail server 127.0.0.1:" in response.get_data(as_text=True)
    assert invitations(app)[0].sent_at is None


def test_delivery_stops_when_the_server_goes_away_and_keeps_what_was_sent() -> None:
    links = [
        services.InvitationLink(n, "sales", "Sales", "", f"p{n}@example.com", f"{PUBLIC}/i/t{n}", False)
        for n in range(1, 5)
    ]
    sent: list[str] = []
    recorded: list[int] = []

    def send(message) -> None:  # noqa: ANN001
        if message["To"] == "p2@example.com":
            raise mail.MailError("the mail server refused the address (550)")
        if message["To"] == "p3@example.com":
            raise mail.MailServerError("the mail server went away")
        sent.append(message["To"])

    facts = mail.SurveyFacts("Acme", "Spring review", "Topic", "Casey", "", "", 20, 5, "", 5)
    report = services.deliver(
        links,
        lambda link: mail.compose_invitation(
            facts, mail.Recipient("", link.email, "Sales", link.url), "s@example.com"
        ),
        send,
        recorded.append,
    )
    assert sent == ["p1@example.com"]
    assert recorded == [1]
    assert report == services.DeliveryReport(
        sent=1,
        failed=(
            ("p2@example.com", "the mail server refused the address (550)"),
            ("p3@example.com", "the mail server went away"),
        ),
        stopped="the mail server went away",
        not_tried=1,
    )


def test_the_e_mail_says_who_asks_why_and_by_when() -> None:
    facts = mail.SurveyFacts(
        organization="Acme",
        assessment="Spring review",
        topic="How sales and marketing work together",
        consultant="Casey Consultant",
        reply_to="casey@example.com",
        purpose="We plan next year's campaigns together.",
        statements=20,
        minutes=5,
        answer_by="30 June 2025",
        min_group_size=7,
    )
    message = mail.compose_invitation(
        facts, mail.Recipient("Ann", "ann@example.com", "Marketing", f"{PUBLIC}/i/abc"), "s@example.com"
    )
    text = message.get_body(("plain",)).get_content()
    assert "Why: We plan next year's campaigns together." in text
    assert "as a member of the Marketing team" in text
    assert f"\n\n{PUBLIC}/i/abc\n\n" in text
    assert "Please answer by 30 June 2025." in text
    assert "groups of at least 7 people" in text
    assert message["Reply-To"] == "Casey Consultant <casey@example.com>"


# Authorization and CSRF ----------------------------------------------------------------------


ROUTES = [
    ("get", "/a/{slug}/distribute", None),
    ("get", "/a/{slug}/teams/sales/qr.svg", None),
    ("get", "/a/{slug}/teams/sales/qr.png", None),
    ("get", "/a/{slug}/invitations.csv", None),
    ("post", "/a/{slug}/invitations", {"team": "sales", "people": "zed@example.com"}),
    ("post", "/a/{slug}/invitations/send", {}),
]


@pytest.fixture
def people(make_assessment, make_user, slug: str) -> None:
    """A leader of Acme, a leader of another organization, an unassigned consultant, an admin."""
    make_assessment("Other Co", "Autumn review")
    make_user("leader@example.com", "leader", "Acme")
    make_user("other-leader@example.com", "leader", "Other Co")
    make_user("loose@example.com", "consultant")
    make_user("admin@example.com", "admin")


def _call(client, method: str, path: str, data):  # noqa: ANN001, ANN202
    return getattr(client, method)(path, data=data) if method == "post" else client.get(path)


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
def test_anonymous_users_are_sent_to_sign_in(client, slug: str, method: str, path: str, data) -> None:  # noqa: ANN001
    response = _call(client, method, path.format(slug=slug), data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("leader@example.com", 403), ("other-leader@example.com", 404), ("loose@example.com", 404)],
)
def test_others_may_not_distribute(
    app,
    client,
    people,
    slug: str,
    who: str,
    status: int,
    method: str,
    path: str,
    data,  # noqa: ANN001
) -> None:
    sign_in(client, who)
    assert _call(client, method, path.format(slug=slug), data).status_code == status
    assert invitations(app) == []


@pytest.mark.parametrize("who", ["casey@example.com", "admin@example.com"])
@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
def test_assigned_consultant_and_admin_may_distribute(
    app,
    client,
    people,
    slug: str,
    who: str,
    method: str,
    path: str,
    data,  # noqa: ANN001
) -> None:
    sign_in(client, who)
    response = _call(client, method, path.format(slug=slug), data)
    if method == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == f"/a/{slug}/distribute#invitations"
    if path.endswith("/invitations"):
        assert [r.email for r in invitations(app)] == ["zed@example.com"]


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_posts_without_csrf_token_are_refused(database_url: str, tmp_path: Path, app, slug: str) -> None:
    guarded = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET},
        instance_path=str(tmp_path / "csrf"),
    )
    assert guarded.config["WTF_CSRF_ENABLED"] is not False
    client = guarded.test_client()
    token = _csrf_token(client.get("/sign-in").get_data(as_text=True))
    client.post(
        "/sign-in",
        data={"email": "casey@example.com", "password": "correct horse battery", "csrf_token": token},
    )

    page = client.get(f"/a/{slug}/distribute")
    assert page.status_code == 200
    assert (
        client.post(f"/a/{slug}/invitations", data={"team": "sales", "people": "a@example.com"}).status_code
        == 400
    )
    assert client.post(f"/a/{slug}/invitations/send").status_code == 400
    assert invitations(app) == []

    token = _csrf_token(page.get_data(as_text=True))
    response = client.post(
        f"/a/{slug}/invitations", data={"team": "sales", "people": "a@example.com", "csrf_token": token}
    )
    assert response.status_code == 302
    assert [r.email for r in invitations(app)] == ["a@example.com"]
    guarded.extensions["survey_db"].engine.dispose()


# Reminders -----------------------------------------------------------------------------------


def test_reminders_go_to_everyone_not_answered_yet_without_saying_who(
    app, mail_app, consultant, slug: str
) -> None:
    paste(consultant, slug, "Ann <ann@example.com>\nBob <bob@example.com>\nCy <cy@example.com>")
    consultant.post(f"/a/{slug}/invitations/send")
    mail_app.messages.clear()
    with app.app_context(), db.write_session() as session:
        session.execute(
            update(Invitation).where(Invitation.email == "bob@example.com").values(has_answered=True)
        )

    page = consultant.post(f"/a/{slug}/invitations/remind", follow_redirects=True).get_data(as_text=True)
    assert sorted(r for r, _ in mail_app.messages) == [["ann@example.com"], ["cy@example.com"]]
    assert all(m["Subject"].startswith("Reminder: ") for _, m in mail_app.messages)
    assert "A short reminder" in mail_app.messages[0][1].get_body(("plain",)).get_content()
    assert "Reminder sent to 2 people who had not answered yet." in page
    for address in ("ann@example.com", "cy@example.com"):
        assert page.count(address) == 1  # in the list of invitations only, never as "reminded"
    assert {r.email: r.sent_at is not None for r in invitations(app)} == dict.fromkeys(
        ["ann@example.com", "bob@example.com", "cy@example.com"], True
    )


def test_a_refused_reminder_is_counted_not_named(app, mail_app, consultant, slug: str) -> None:
    paste(consultant, slug, "Ann <ann@example.com>\nGone <bounce@example.com>")
    with app.app_context(), db.write_session() as session:  # e-mailed once; the mailbox is gone since
        session.execute(update(Invitation).values(sent_at=datetime.now(UTC)))
    page = consultant.post(f"/a/{slug}/invitations/remind", follow_redirects=True).get_data(as_text=True)
    assert "Reminder sent to 1 person who had not answered yet." in page
    assert "1 reminder could not be sent" in page
    assert page.count("bounce@example.com") == 1  # its row in the list, not the error


# Control characters in names and addresses ---------------------------------------------------


def test_pasted_names_and_addresses_with_line_breaks_or_control_characters_are_refused(
    app, consultant, slug: str
) -> None:
    text = (
        "Ann Archer <ann@example.com>\r\n"
        "Bob\u2028Baker <bob@example.com>\r\n"
        "Cy\rCole, cy@example.com\r\n"
        "Di\x07 Dee; di@example.com\r\n"
        "Ed <ed\x01@example.com>\r\n"
        "Flo\x85Fox <flo@example.com>\r\n"
        "Gus\u2029Gray <gus@example.com>"
    )
    response = paste(consultant, slug, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "line 2: the name has a line break in it (U+2028)" in page
    assert "line 3: the name has a line break in it (U+000D)" in page
    assert "line 4: the name has an invisible control character in it (U+0007)" in page
    assert "line 5: the e-mail address has an invisible control character in it (U+0001)" in page
    assert "line 6: the name has a line break in it (U+0085)" in page
    assert "line 7: the name has a line break in it (U+2029)" in page
    assert "line 1:" not in page
    assert invitations(app) == []


def test_a_pasted_spreadsheet_row_with_tabs_gives_the_name_in_one_piece(app, consultant, slug: str) -> None:
    response = paste(consultant, slug, "Ann\tArcher\tann@example.com\r\nBob Baker\tbob@example.com")
    assert response.status_code == 302
    assert [(r.name, r.email) for r in invitations(app)] == [
        ("Ann Archer", "ann@example.com"),
        ("Bob Baker", "bob@example.com"),
    ]


def test_csv_names_with_line_breaks_are_refused_naming_the_row_where_they_start(
    app, consultant, slug: str
) -> None:
    data = (
        'name,email\n"Ann\nArcher",ann@example.com\n"Bob\u2028Baker",bob@example.com\n'
        "Cy\tCole,cy@example.com\nDora,dora@example.com\n"
    ).encode()
    response = upload(consultant, slug, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "line 2: the name has a line break in it (U+000A)" in page
    assert "line 4: the name has a line break in it (U+2028)" in page
    assert "line 5: the name has a tab in it (U+0009)" in page
    assert "line 6" not in page
    assert invitations(app) == []


def test_csv_line_numbers_count_the_lines_of_an_earlier_quoted_cell(app, consultant, slug: str) -> None:
    data = b'name,email\n"Ann, the\r\nfirst",ann@example\nBob,bob@example\n'
    page = upload(consultant, slug, data).get_data(as_text=True)
    assert "line 2: the name has a line break in it (U+000D)" in page
    assert "line 4: &#39;bob@example&#39; is not an e-mail address" in page


# A refused list: the error summary -----------------------------------------------------------


def test_a_refused_list_is_summed_up_at_the_top_with_links_to_the_field(app, consultant, slug: str) -> None:
    text = "Ann <ann@example.com>\nbob@\n" + "".join(f"p{n}@\n" for n in range(12))
    response = paste(consultant, slug, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="notice notice--error error-summary"(.*?)</div>', page, re.S)
    assert summary is not None
    assert page.index("error-summary") < page.index('id="links"')  # above everything else
    assert 'id="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title"' in page
    assert '<h2 id="error-summary-title">No one was invited: 13 problems to fix</h2>' in page
    assert '<li><a href="#people">line 2: &#39;bob@&#39; is not an e-mail address</a></li>' in summary.group(
        1
    )
    assert summary.group(1).count("<li>") == 11  # ten problems, then how many more there are
    assert '<li><a href="#people">3 more problems</a></li>' in summary.group(1)
    assert "Ann &lt;ann@example.com&gt;\nbob@\np0@" in page  # the pasted list is kept
    assert invitations(app) == []


def test_a_refused_file_and_team_are_summed_up_with_links_to_their_fields(app, consultant, slug: str) -> None:
    page = upload(consultant, slug, b"Dora,dora@example.com\n").get_data(as_text=True)
    assert '<h2 id="error-summary-title">No one was invited: 1 problem to fix</h2>' in page
    assert '<li><a href="#csv_file">line 1: the first line must be a header' in page
    page = paste(consultant, slug, "ann@example.com", team="finance").get_data(as_text=True)
    assert '<li><a href="#team">Not a valid choice.</a></li>' in page


# Sending at the same moment, and claims -------------------------------------------------------


def test_two_sends_at_the_same_moment_e_mail_each_person_once(app, mail_app, slug: str) -> None:
    people = [f"p{n}@example.com" for n in range(6)]
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        sign_in(client, "casey@example.com")
    paste(first, slug, "\n".join(people))
    mail_app.delay = 0.1  # each e-mail takes a moment, as with a real server
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(client) -> None:  # noqa: ANN001
        start.wait(timeout=10)
        statuses.append(client.post(f"/a/{slug}/invitations/send").status_code)

    threads = [threading.Thread(target=send, args=(client,)) for client in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    assert sorted(recipients[0] for recipients, _ in mail_app.messages) == people
    assert all(r.sent_at is not None and r.sending_since is None for r in invitations(app))


def test_a_refused_address_is_released_and_sent_on_the_next_try(app, mail_app, consultant, slug: str) -> None:
    paste(consultant, slug, "ann@example.com\nbounce@example.com")
    consultant.post(f"/a/{slug}/invitations/send")
    bounced = next(r for r in invitations(app) if r.email == "bounce@example.com")
    assert (bounced.sent_at, bounced.sending_since) == (None, None)
    mail_app.refuse = ""  # the mailbox exists now
    page = consultant.post(f"/a/{slug}/invitations/send", follow_redirects=True).get_data(as_text=True)
    assert "1 invitation done" in page
    assert [r for r, _ in mail_app.messages] == [["ann@example.com"], ["bounce@example.com"]]


def test_a_mail_server_lost_half_way_releases_the_rest_for_the_next_try(
    app, mail_app, consultant, slug: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [f"p{n}@example.com" for n in range(5)]
    paste(consultant, slug, "\n".join(people))
    real_send = mail.Mailer.send

    def send_two_then_fail(mailer, message) -> None:  # noqa: ANN001
        if len(mail_app.messages) >= 2:
            raise mail.MailServerError("the mail server went away (test)")
        real_send(mailer, message)

    monkeypatch.setattr(mail.Mailer, "send", send_two_then_fail)
    page = consultant.post(f"/a/{slug}/invitations/send", follow_redirects=True).get_data(as_text=True)
    assert "Sending stopped: the mail server went away (test). 3 invitations were not sent" in page
    rows = invitations(app)
    assert sum(r.sent_at is not None for r in rows) == 2
    assert all(r.sending_since is None for r in rows)
    monkeypatch.setattr(mail.Mailer, "send", real_send)
    consultant.post(f"/a/{slug}/invitations/send")
    assert sorted(r[0] for r, _ in mail_app.messages) == people


def test_a_claim_left_by_a_round_that_died_expires(app, slug: str, consultant) -> None:
    paste(consultant, slug, "ann@example.com\nbob@example.com")
    now = datetime.now(UTC)
    with app.app_context():
        assessment_id = db.get_session().scalar(select(Team.assessment_id))
        with db.write_session() as session:
            session.execute(
                update(Invitation)
                .where(Invitation.email == "ann@example.com")
                .values(sending_since=now - services.CLAIM_EXPIRES - timedelta(minutes=1))
            )
            session.execute(
                update(Invitation).where(Invitation.email == "bob@example.com").values(sending_since=now)
            )
        with db.write_session() as session:
            claimed = services.claim_pending(session, assessment_id, now)
        with db.write_session() as session:
            assert services.claim_pending(session, assessment_id, now) == []
    assert [r.email for r in invitations(app) if r.id in claimed] == ["ann@example.com"]


def test_a_refused_address_tells_nothing_about_answering(app, mail_app, consultant, slug: str) -> None:
    """Answered people get no e-mail, but their address is asked of the server all the same: a
    refused address is named, and its row stays unsent, whether its person answered or not."""
    paste(consultant, slug, "bounce-answered@example.com\nbounce-waiting@example.com\nann@example.com")
    with app.app_context(), db.write_session() as session:
        session.execute(
            update(Invitation)
            .where(Invitation.email == "bounce-answered@example.com")
            .values(has_answered=True)
        )
    page = consultant.post(f"/a/{slug}/invitations/send", follow_redirects=True).get_data(as_text=True)
    assert "1 invitation done" in page
    assert "bounce-answered@example.com (the mail server refused the address (550" in page
    assert "bounce-waiting@example.com (the mail server refused the address (550" in page
    assert [r for r, _ in mail_app.messages] == [["ann@example.com"]]  # no e-mail to anyone who answered
    sent = {r.email: r.sent_at is not None for r in invitations(app)}
    assert sent["bounce-answered@example.com"] is sent["bounce-waiting@example.com"] is False
