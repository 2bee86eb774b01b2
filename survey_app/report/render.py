"""From report context to PDF: charts (matplotlib SVG), Jinja2 templates, WeasyPrint layout.

The templates and the stylesheet live in ``reports/`` (``report.html``,
``_partials/``, ``report.css``). They are filled with a ``ReportContext`` (plain
data) and the charts' SVG markup; autoescaping is on for every ``.html`` template,
so a name or comment with markup in it prints as text. WeasyPrint reaches nothing
but the report's own assets, through ``ReportFetcher``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import jinja2
from sqlalchemy.orm import Session
from weasyprint import HTML

from ..domain.questionnaire import Questionnaire
from ..models import Assessment
from ..paths import data_folder
from ..results import charts
from ..results.view_model import build_charts
from .content import ReportContext
from .fetcher import ReportFetcher
from .loader import build_report_context

#: A tagged PDF for assistive technology (PDF/UA-1); WeasyPrint 63+ writes it.
PDF_VARIANT = "pdf/ua-1"
TEMPLATE = "report.html"

Progress = Callable[[str], None]

#: SVG presentation properties: the style attributes of the inline charts use them.
SVG_PROPERTIES = frozenset(
    {
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-miterlimit",
        "text-anchor",
        "clip-path",
    }
)


class InlineSvgStyles(logging.Filter):
    """Drop WeasyPrint's "unknown property" warnings for the SVG properties of inline charts.

    WeasyPrint checks the ``style`` attribute of every element, inline SVG included,
    against the HTML properties; its SVG renderer then applies them all the same. The
    warnings, thousands per report, would hide the ones that matter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep everything but an unknown-property warning for an SVG property."""
        if record.levelno != logging.WARNING or not str(record.msg).startswith("Ignored `%s:%s`"):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        reason = str(args[-1]) if args else ""
        return not (args and str(args[0]).lower() in SVG_PROPERTIES and reason == "unknown property")


logging.getLogger("weasyprint").addFilter(InlineSvgStyles())


@dataclass(frozen=True)
class ReportCharts:
    """The report's charts as inline SVG markup ("" when there is nothing to draw)."""

    ladder: str = ""
    profile: str = ""
    gaps: str = ""
    totals: str = ""


@dataclass
class Timings:
    """Seconds spent on each part of making a report."""

    data: float = 0.0
    charts: float = 0.0
    layout: float = 0.0

    @property
    def total(self) -> float:
        """All parts together."""
        return self.data + self.charts + self.layout


@dataclass(frozen=True)
class RenderedReport:
    """A finished report: the PDF, the HTML it was laid out from, and what it took."""

    pdf: bytes
    html: str
    timings: Timings
    pages: int
    #: URLs the document asked for and the fetcher refused (empty for a sound template).
    refused: tuple[str, ...] = field(default=())


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment on the ``reports/`` folder; autoescaping on for HTML."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_folder("reports")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def draw_charts(context: ReportContext) -> ReportCharts:
    """Draw the report's charts with the functions the results page uses."""
    view = context.view
    if not context.has_results:
        return ReportCharts()
    shared = build_charts(view, prefix="report", narrow=False)  # a page is never a phone
    styles = {team.key: team.style for team in view.shown}
    bands = [charts.Band(stage.label, stage.lower, stage.upper) for stage in view.stages]
    totals = charts.totals_distribution(
        bands,
        [
            charts.Distribution(dist.name, dist.counts, styles[dist.key], dist.note)
            for dist in context.distributions
        ],
        chart_id="report-totals",
        summary=context.agreement_sentence,
    )
    return ReportCharts(shared.ladder, shared.profile, shared.gaps, totals)


def render_html(context: ReportContext, drawn: ReportCharts) -> str:
    """The report as one HTML document (the charts inline)."""
    return environment().get_template(TEMPLATE).render(report=context, view=context.view, charts=drawn)


def layout(html: str, fetcher: ReportFetcher | None = None) -> tuple[bytes, int]:
    """Lay out ``html`` as a tagged PDF; only the report's own assets can be loaded.

    Returns the PDF and its number of pages.
    """
    source = HTML(string=html, base_url=None, url_fetcher=fetcher or ReportFetcher())
    document = source.render(pdf_variant=PDF_VARIANT)
    return document.write_pdf(pdf_variant=PDF_VARIANT), len(document.pages)


def html_to_pdf(html: str, fetcher: ReportFetcher | None = None) -> bytes:
    """The PDF of ``html`` (see ``layout``)."""
    return layout(html, fetcher)[0]


def render_report(context: ReportContext, progress: Progress | None = None) -> RenderedReport:
    """Charts, templates and layout for a report whose context is already built."""
    say = progress or (lambda _message: None)
    timings = Timings()
    say("Drawing charts…")
    started = time.perf_counter()
    drawn = draw_charts(context)
    timings.charts = time.perf_counter() - started
    say("Laying out pages…")
    started = time.perf_counter()
    html = render_html(context, drawn)
    fetcher = ReportFetcher()
    pdf, pages = layout(html, fetcher)
    timings.layout = time.perf_counter() - started
    return RenderedReport(pdf, html, timings, pages, tuple(fetcher.refused))


def build_report(
    session: Session,
    assessment: Assessment,
    questionnaire: Questionnaire,
    *,
    paper: str = "a4",
    progress: Progress | None = None,
) -> RenderedReport:
    """The PDF report of ``assessment``: data, charts, layout, each timed."""
    say = progress or (lambda _message: None)
    say("Computing results…")
    started = time.perf_counter()
    context = build_report_context(session, assessment, questionnaire, paper=paper)
    data_time = time.perf_counter() - started
    rendered = render_report(context, progress)
    rendered.timings.data = data_time
    return rendered
