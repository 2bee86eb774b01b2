"""The results page: figures that match the CLI, anonymity, escaping, charts and who may see it."""

from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from helpers import add_comments, rename_team, results_json, sign_in, uniform

SCRIPT = "<script>alert(1)</script>"


class _Tables(HTMLParser):
    """Collects each table's caption and the text of its rows' cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_body = False
        self._current = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self._current = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table" and self._rows is not None:
            self.tables[self._current] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> dict[str, list[list[str]]]:
    """Each table of the page by caption: its body rows as lists of cell texts."""
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def table(page: str, caption_start: str) -> list[list[str]]:
    """The rows of the table whose caption starts with ``caption_start``."""
    found = [rows for caption, rows in tables(page).items() if caption.startswith(caption_start)]
    assert len(found) == 1, f"no single table captioned {caption_start!r}: {list(tables(page))}"
    return found[0]


def svgs(page: str) -> list[str]:
    """The inline SVG charts of the page."""
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)


def visible_text(page: str) -> str:
    """The page's text without its markup (chart labels included, SVG path data left out)."""
    return html.unescape(re.sub(r"<[^>]*>", " ", page))


@pytest.fixture
def marketing_withheld(make_assessment, add_answers, make_user, client, app, kotler) -> str:
    """Six Sales responses, three Marketing ones (minimum group 5): Marketing is withheld."""
    slug = make_assessment(organization="Acme", min_group=5)
    # The comment's response first: the five that follow complete its step (see publishing).
    add_comments(app, kotler, slug, "sales", ["Sales sees progress"], value=3)
    add_answers(slug, "sales", [uniform(3)] * 3 + [uniform(4)] * 2)
    # Marketing would score 46.7 with statement means 2.33: none of that may appear.
    add_answers(slug, "marketing", [uniform(2), uniform(2)])
    add_comments(app, kotler, slug, "marketing", ["Marketing secret remark"], value=3)
    make_user("consultant@example.com", "consultant", organization="Acme")
    sign_in(client, "consultant@example.com")
    return slug


# --- figures --------------------------------------------------------------------------


def test_team_scores_match_the_cli_rounded(client, runner, both_shown) -> None:
    data = results_json(runner, both_shown)
    page = client.get(f"/a/{both_shown}/results").get_data(as_text=True)
    rows = {row[0].split(" ", 1)[1]: row for row in table(page, "Score and stage of each team")}
    sales, marketing = data["teams"]["sales"], data["teams"]["marketing"]
    assert rows["Sales"][2] == f"{sales['score']:.1f}"
    assert rows["Marketing"][2] == f"{marketing['score']:.1f}"
    assert rows["Sales"][3] == f"{sales['ci95'][0]:.1f}–{sales['ci95'][1]:.1f}"
    assert rows["Marketing"][4] == f"{marketing['sd']:.1f}"
    assert rows["Sales"][5:] == ["12", "0"]
    assert rows["Marketing"][5:] == ["12", "1"]  # one incomplete response, counted apart
    assert rows["Overall"][2] == f"{data['overall']['score']:.1f}"
    overall = data["overall"]
    headline = f"Overall: {overall['stage'].capitalize()} ({overall['score']:.1f} of 100)"
    assert f"<h1>{headline}, based on Sales and Marketing</h1>" in page
    dims = {row[0]: row[1:] for row in table(page, "Mean answer per dimension")}
    assert dims["Planning & strategy"] == [
        f"{data['teams']['sales']['dimensions']['planning']:.2f}",
        f"{data['teams']['marketing']['dimensions']['planning']:.2f}",
    ]


def test_results_json_is_the_clis_json(client, runner, both_shown) -> None:
    response = client.get(f"/a/{both_shown}/results.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.get_json() == results_json(runner, both_shown)
    assert response.get_json()["teams"]["sales"]["responses"] == 12


def test_results_json_withholds_small_teams(client, marketing_withheld) -> None:
    data = client.get(f"/a/{marketing_withheld}/results.json").get_json()
    assert data["teams"]["marketing"] == {
        "responses": 0,
        "pending": 3,
        "pending_by_source": {"web": 0, "import": 3},
        "incomplete": 0,
        "withheld": True,
    }
    assert data["gap"] is None
    assert "Marketing secret remark" not in client.get(f"/a/{marketing_withheld}/results.json").text


def test_gap_headline_states_direction_size_and_significance(client, runner, both_shown) -> None:
    data = results_json(runner, both_shown)
    page = client.get(f"/a/{both_shown}/results").get_data(as_text=True)
    text = html.unescape(page)
    gap = data["gap"]
    p_text = "p < 0.001" if gap["p_value"] < 0.001 else f"p = {gap['p_value']:.3f}"
    verdict = "significant" if gap["p_value"] < 0.05 else "not significant"
    assert (
        f"Sales rates the relationship {gap['score']:.1f} points higher than Marketing ({verdict}, {p_text})"
        in text
    )


def test_statements_are_sorted_by_largest_gap_and_significant_ones_marked(client, runner, both_shown) -> None:
    data = results_json(runner, both_shown)
    page = client.get(f"/a/{both_shown}/results").get_data(as_text=True)
    rows = table(page, "Every statement, largest gap first")
    assert len(rows) == 20
    # Columns: No., statement, Sales, Marketing, gap, p, significance.
    gaps = [abs(float(row[4].replace("−", "-"))) for row in rows]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[0] == pytest.approx(2.0)
    significant = {
        int(item_id[1:])
        for item_id, item in data["gap"]["items"].items()
        if item["p_adj"] is not None and item["p_adj"] < 0.05
    }
    assert significant == set(range(1, 11))
    marked = {int(row[0]) for row in rows if row[6] == "significant gap ▲"}
    assert marked == significant
    first = rows[0]
    sales_items, marketing_items = data["teams"]["sales"]["items"], data["teams"]["marketing"]["items"]
    item_id = f"k{int(first[0]):02d}"
    assert first[2:5] == [f"{sales_items[item_id]:.2f}", f"{marketing_items[item_id]:.2f}", "+2.00"]
    assert rows[-1][4] == "0.00"
    assert rows[-1][6] == "not significant"


def test_charts_are_inline_accessible_svg_with_unique_ids(client, both_shown) -> None:
    page = client.get(f"/a/{both_shown}/results").get_data(as_text=True)
    charts = svgs(page)
    assert len(charts) == 6  # each chart wide and narrow (a phone shows the narrow one)
    for chart in charts:
        assert 'role="img"' in chart
        assert re.search(r'aria-labelledby="([^"]+)"', chart).group(1) in re.findall(
            r'<title id="([^"]+)"', chart
        )
    assert "<?xml" not in page
    assert "<!DOCTYPE svg" not in page
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [name for name, count in ids.items() if count > 1] == []
    ladder, profile, gaps = charts[::2]
    for stage in ("Undefined", "Defined", "Aligned", "Integrated"):
        assert f">{stage}</text>" in ladder
    assert "Sales" in profile
    assert "Marketing" in profile
    assert "▲" in gaps


def test_no_placeholder_text(client, both_shown) -> None:
    page = client.get(f"/a/{both_shown}/results").get_data(as_text=True).lower()
    assert "coming soon" not in page
    assert "placeholder" not in page


# --- anonymity ------------------------------------------------------------------------


def test_withheld_team_shows_the_notice_and_no_figures(client, runner, marketing_withheld) -> None:
    data = results_json(runner, marketing_withheld)
    assert data["teams"]["marketing"]["withheld"] is True
    page = client.get(f"/a/{marketing_withheld}/results").get_data(as_text=True)
    notice = (
        "Fewer than 5 people of this team have answered,"
        " so its results are not shown to protect their anonymity."
    )
    assert notice in page
    text = visible_text(page)
    assert "Sales sees progress" in text
    assert "3.33" in text  # Sales' statement means...
    assert "46.7" not in text  # ...but not Marketing's score, were it shown,
    assert "2.33" not in text  # nor its statement and dimension means
    assert "Marketing secret remark" not in page
    rows = {row[0].split(" ", 1)[1]: row for row in table(page, "Score and stage of each team")}
    assert rows["Marketing"][1:] == ["Not shown: fewer than 5 people answered."]
    for chart in svgs(page):
        assert "Marketing" not in chart
    header_cells = re.findall(r"<th scope=\"col\" class=\"num\">.*?</th>", page)
    assert not any("Marketing" in cell for cell in header_cells)
    assert "based on Sales</h1>" in page
    sales = data["teams"]["sales"]["score"]
    assert f"<h1>Overall: Aligned ({sales:.1f} of 100), based on Sales</h1>" in page


def test_no_gap_section_when_a_team_is_withheld_and_the_page_says_why(client, marketing_withheld) -> None:
    page = client.get(f"/a/{marketing_withheld}/results").get_data(as_text=True)
    assert "There is no comparison of Sales and Marketing: Marketing has fewer than 5 answers" in page
    assert "Gaps per statement" not in page
    assert "largest gap first" not in page
    assert "p (Holm)" not in page
    assert len(svgs(page)) == 4  # ladder and dimensions (wide and narrow), no gap chart
    assert "Every statement, in questionnaire order" in page


def test_comments_only_from_shown_teams_sorted_and_escaped(app, kotler, client, marketing_withheld) -> None:
    add_comments(
        app, kotler, marketing_withheld, "sales", ["zebra crossing", f"<b>Bold</b> {SCRIPT}", "apple pie"]
    )
    add_comments(app, kotler, marketing_withheld, "sales", ["   ", ""])
    page = client.get(f"/a/{marketing_withheld}/results").get_data(as_text=True)
    comments = re.search(r'<ul class="comments">(.*?)</ul>', page, flags=re.DOTALL).group(1)
    items = re.findall(r"<li>(.*?)</li>", comments, flags=re.DOTALL)
    assert items == [
        "&lt;b&gt;Bold&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;",
        "apple pie",
        "Sales sees progress",
        "zebra crossing",
    ]
    assert SCRIPT not in page
    assert "Marketing secret remark" not in page


def test_nothing_to_show_without_enough_answers(client, make_assessment, make_user, add_answers) -> None:
    slug = make_assessment(organization="Acme", min_group=5)
    add_answers(slug, "sales", [uniform(4)] * 4)
    make_user("consultant@example.com", "consultant", organization="Acme")
    sign_in(client, "consultant@example.com")
    page = client.get(f"/a/{slug}/results").get_data(as_text=True)
    assert "<h1>No results yet: no team has enough answers to be shown</h1>" in page
    assert page.count("Fewer than 5 people of this team have answered") == 2
    assert svgs(page) == []
    assert "80.0" not in visible_text(page)


# --- escaping user text ---------------------------------------------------------------


def test_team_name_with_html_is_escaped_in_the_page_and_the_charts(app, client, both_shown) -> None:
    rename_team(app, both_shown, "marketing", SCRIPT)
    page = client.get(f"/a/{both_shown}/results").get_data(as_text=True)
    assert SCRIPT not in page
    assert "<script" not in page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    charts = svgs(page)
    assert all(escaped in chart for chart in charts)
    assert f"higher than {escaped}" in page


# --- who may see it -------------------------------------------------------------------


def test_many_comments_are_sampled_with_a_link_to_all(app, kotler, client, both_shown) -> None:
    from survey_app.results.view_model import COMMENTS_ON_PAGE

    written = [f"Remark number {n:03d}" for n in range(COMMENTS_ON_PAGE + 5)]
    add_comments(app, kotler, both_shown, "sales", written)
    page = client.get(f"/a/{both_shown}/results").get_data(as_text=True)
    listed = [text for text in written if f"<li>{text}</li>" in page]
    assert len(listed) == COMMENTS_ON_PAGE
    assert f"{COMMENTS_ON_PAGE} of {len(written)} comments from Sales are listed here" in page
    link = f'href="/a/{both_shown}/results?comments=all#comments-heading"'
    assert link in page
    everything = client.get(f"/a/{both_shown}/results?comments=all").get_data(as_text=True)
    assert all(f"<li>{text}</li>" in everything for text in written)
    assert "are listed here" not in everything


def test_anonymous_user_is_sent_to_sign_in(client, two_orgs) -> None:
    response = client.get(f"/a/{two_orgs['acme']}/results")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("c@acme.example", 200),
        ("admin@example.com", 200),
        ("lead@globex.example", 404),
        ("c@globex.example", 404),
    ],
)
def test_who_may_see_acme_live_results(client, two_orgs, email: str, status: int) -> None:
    sign_in(client, email)
    response = client.get(f"/a/{two_orgs['acme']}/results")
    assert response.status_code == status
    assert client.get(f"/a/{two_orgs['acme']}/results.json").status_code == status
    if status == 200:
        assert "Results appear here once a team has at least 5 scored responses." in response.get_data(
            as_text=True
        )


def test_acme_leader_is_sent_to_the_releases_not_the_live_results(client, two_orgs) -> None:
    sign_in(client, "lead@acme.example")
    response = client.get(f"/a/{two_orgs['acme']}/results")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/a/{two_orgs['acme']}/releases/latest"
    assert client.get(f"/a/{two_orgs['acme']}/results.json").status_code == 404


def test_leader_guessing_another_organizations_slug_gets_the_same_404_as_a_missing_one(
    client, two_orgs
) -> None:
    sign_in(client, "lead@globex.example")
    assert client.get(f"/a/{two_orgs['globex']}/results").status_code == 302  # to its releases
    guessed = client.get(f"/a/{two_orgs['acme']}/results")
    missing = client.get("/a/acme-no-such-assessment/results")
    assert guessed.status_code == missing.status_code == 404
    assert guessed.get_data(as_text=True) == missing.get_data(as_text=True)


def test_results_page_is_read_only(client, two_orgs) -> None:
    sign_in(client, "lead@acme.example")
    assert client.post(f"/a/{two_orgs['acme']}/results").status_code == 405


def test_csv_export_link_is_for_staff_only(client, two_orgs) -> None:
    url = f"/a/{two_orgs['acme']}/responses.csv"
    sign_in(client, "c@acme.example")
    page = client.get(f"/a/{two_orgs['acme']}/results").get_data(as_text=True)
    assert f'href="{url}"' in page
    assert f'<a href="/a/{two_orgs["acme"]}">Spring review</a>' in page  # the monitor page
    export = client.get(url)
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    client.post("/sign-out")
    sign_in(client, "lead@acme.example")
    page = client.get(f"/a/{two_orgs['acme']}/releases").get_data(as_text=True)
    assert "responses.csv" not in page
    assert "Download the responses" not in page
    assert "<li>Spring review</li>" in page  # no link to the staff-only monitor


@pytest.mark.parametrize("path", ["/a/{slug}/results", "/a/{slug}/results.json", "/a/{slug}/commentary"])
def test_pages_with_results_or_commentary_are_never_cached(client, both_shown, path: str) -> None:
    response = client.get(path.format(slug=both_shown))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
