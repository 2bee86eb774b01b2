"""The charts shared by the results pages and the PDF report, drawn as inline SVG.

Pure presentation code: no Flask, no database. Each function takes plain values
(the dataclasses below) and returns SVG markup ready to be inlined in HTML: no
XML declaration or DOCTYPE, every id prefixed with the chart's id (so several
charts can share a page), ``role="img"`` with a ``<title>`` and ``aria-label``
stating the finding. Text stays text (``svg.fonttype`` none), so labels are
searchable, selectable and escaped by matplotlib's SVG writer; mathtext is off,
so a ``$`` in a team name is just a dollar sign.

Figures come from ``matplotlib.figure.Figure`` directly: pyplot keeps global
figure state that a web server would leak.
"""

from __future__ import annotations

import functools
import html
import io
import re
import secrets
import textwrap
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from .formatting import fmt_number, fmt_signed

#: Okabe–Ito colours: Sales, Marketing, then further teams (safe for colour-blind readers).
TEAM_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
#: Marker shapes in the same order: circle, square, triangle, plus, triangle down.
TEAM_MARKERS = ("o", "s", "^", "P", "v")
#: Bar hatches in the same order, so bars differ in grey too.
TEAM_HATCHES = ("", "///", "...", "xxx", "\\\\\\")
#: The teams that always get the first two styles, whatever their position.
FIXED_STYLES = ("sales", "marketing")

#: Stage bands from light to dark (the same blues as the page's stage badges).
STAGE_COLOURS = ("#deebf7", "#9ecae1", "#4292c6", "#08519c")

INK = "#1f2933"
MUTED = "#52606d"
GRID = "#e4e7eb"
WIDTH = 8.0  # inches; the SVG scales to its column
#: A phone's column (360 px less the page's 1 rem margins, at 96 px to the inch): a chart drawn
#: this wide shows on a phone at about its real size, so its text keeps its size in points.
NARROW_WIDTH = 3.4
#: The text size of the narrow charts, in points (12 CSS px at their real size).
NARROW_FONT = 9

SIGNIFICANT_MARK = "▲"

_RC = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.parse_math": False,
    "text.color": INK,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": INK,
}

# rc_context changes matplotlib's global settings: one chart at a time per process.
_render_lock = threading.Lock()


@dataclass(frozen=True)
class Style:
    """How one team is drawn: a colour, a marker shape and a hatch."""

    colour: str
    marker: str
    hatch: str


@dataclass(frozen=True)
class Band:
    """A stage band of the total score, from ``lower`` to ``upper``."""

    label: str
    lower: float
    upper: float


@dataclass(frozen=True)
class Point:
    """A marked position on the ladder (a team or the overall), with an optional interval."""

    label: str
    value: float
    style: Style
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Series:
    """One team's values, one per category (None where there is no value)."""

    label: str
    values: Sequence[float | None]
    style: Style


@dataclass(frozen=True)
class GapBar:
    """One statement's gap (first team minus second) and whether it is significant."""

    label: str
    gap: float
    significant: bool


#: The overall position on the ladder: a dark diamond, unlike every team marker.
OVERALL_STYLE = Style(colour=INK, marker="D", hatch="")


def team_styles(keys: Sequence[str]) -> dict[str, Style]:
    """A style for each team key: Sales and Marketing keep theirs, the others follow in order."""
    styles: dict[str, Style] = {}
    free = [i for i in range(len(TEAM_COLOURS)) if i >= len(FIXED_STYLES)]
    for key in keys:
        if key in FIXED_STYLES:
            index = FIXED_STYLES.index(key)
        else:
            index = free.pop(0) if free else len(styles) % len(TEAM_COLOURS)
        styles[key] = Style(TEAM_COLOURS[index], TEAM_MARKERS[index], TEAM_HATCHES[index])
    return styles


def stage_colours(count: int) -> list[str]:
    """``count`` fills from light to dark in one hue."""
    if count == len(STAGE_COLOURS):
        return list(STAGE_COLOURS)
    cmap = matplotlib.colormaps["Blues"]
    return [matplotlib.colors.to_hex(cmap(0.15 + 0.75 * i / max(count - 1, 1))) for i in range(count)]


def _is_dark(colour: str) -> bool:
    red, green, blue = to_rgb(colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.45


def _shorten(text: str, width: int) -> str:
    return textwrap.shorten(text, width=width, placeholder="…")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width)) or text


# --- rendering ------------------------------------------------------------------------


def new_chart_id() -> str:
    """A fresh, unique id prefix for a chart."""
    return "chart-" + secrets.token_hex(4)


@contextmanager
def _drawing(chart_id: str) -> Iterator[None]:
    """Matplotlib settings for one chart (text as text, our font, stable ids)."""
    with _render_lock, matplotlib.rc_context({**_RC, "svg.hashsalt": chart_id, "svg.id": chart_id}):
        yield


_TAG = re.compile(r"<[^>]*>")
_ID_REFERENCE = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def _prefix_ids(svg: str, prefix: str) -> str:
    """Prefix every id and reference to one inside tags (never in text, which is escaped)."""

    def in_tag(tag: re.Match[str]) -> str:
        return _ID_REFERENCE.sub(
            lambda m: m.group(1) + (m.group(2) if m.group(2) == prefix else f"{prefix}-{m.group(2)}"),
            tag.group(0),
        )

    return _TAG.sub(in_tag, svg)


def _to_svg(fig: Figure, chart_id: str, summary: str, *, tight: bool = True) -> str:
    """The figure as inline SVG markup, labelled for screen readers.

    ``tight`` crops the figure to what is drawn (it costs a second drawing); figures laid out
    to fill their size exactly do without.
    """
    buffer = io.StringIO()
    fig.savefig(
        buffer,
        format="svg",
        bbox_inches="tight" if tight else None,
        pad_inches=0.1,
        metadata={"Date": None},
    )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    svg = _prefix_ids(svg, chart_id)
    label = html.escape(summary, quote=True)
    opening_end = svg.index(">") + 1
    opening = svg[: opening_end - 1]
    return (
        f'{opening} role="img" aria-labelledby="{chart_id}-title" class="chart__svg">'
        f'\n <title id="{chart_id}-title">{label}</title>'
        f"{svg[opening_end:]}"
    ).strip()


def _axes_style(ax, *, grid_axis: str | None = "x") -> None:  # noqa: ANN001 - matplotlib Axes
    """A light look: no box, a faint grid behind the marks."""
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if grid_axis:
        ax.grid(axis=grid_axis, color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)


# --- the charts -----------------------------------------------------------------------


@dataclass(frozen=True)
class _MarkSize:
    """How a ladder's mark is drawn at one width: interval bar, its end ticks, the marker."""

    bar: float
    tick: float
    tick_width: float
    marker: float
    #: Whether the marker may be cut at the axis' ends (the narrow chart keeps it whole).
    clip: bool = True


_WIDE_MARK = _MarkSize(bar=2.2, tick=0.15, tick_width=1.5, marker=9)
_NARROW_MARK = _MarkSize(bar=2, tick=0.06, tick_width=1.3, marker=7, clip=False)


def _ladder_mark(ax: Axes, point: Point, y: float, base: float, size: _MarkSize) -> None:
    """A position on the ladder: a dotted drop to ``base``, its interval with end ticks, its marker."""
    style = point.style
    ax.plot([point.value, point.value], [base, y], color=style.colour, linewidth=0.8, linestyle=":")
    if point.low is not None and point.high is not None:
        ax.plot(
            [point.low, point.high], [y, y], color=style.colour, linewidth=size.bar, solid_capstyle="butt"
        )
        for end in (point.low, point.high):
            ax.plot([end, end], [y - size.tick, y + size.tick], color=style.colour, linewidth=size.tick_width)
    ax.plot(
        point.value,
        y,
        marker=style.marker,
        markersize=size.marker,
        color=style.colour,
        markeredgecolor=INK,
        markeredgewidth=0.8,
        linestyle="none",
        **({} if size.clip else {"clip_on": False}),
    )


def stage_ladder(
    bands: Sequence[Band],
    points: Sequence[Point],
    *,
    chart_id: str | None = None,
    summary: str | None = None,
    narrow: bool = False,
) -> str:
    """The stage ladder: the bands in one hue, light to dark, and each position marked and labelled.

    Each point gets its own row above the ladder, with its interval as a line when given,
    so labels never overlap. ``narrow`` draws it for a phone's column.
    """
    chart_id = chart_id or new_chart_id()
    if summary is None:
        summary = "Stage ladder: " + "; ".join(f"{p.label} {fmt_number(p.value, 1)}" for p in points)
    if narrow:
        return _narrow_ladder(bands, points, chart_id, summary)
    low, high = bands[0].lower, bands[-1].upper
    span = high - low
    with _drawing(chart_id):
        rows = len(points)
        fig = Figure(figsize=(WIDTH, 1.1 + 0.42 * rows))
        ax = fig.add_subplot()
        fills = stage_colours(len(bands))
        for band, fill in zip(bands, fills, strict=True):
            ax.barh(0, band.upper - band.lower, left=band.lower, height=0.9, color=fill, edgecolor="white")
            ax.text(
                (band.lower + band.upper) / 2,
                0,
                band.label,
                ha="center",
                va="center",
                fontsize=11,
                fontweight="bold",
                color="white" if _is_dark(fill) else INK,
            )
        for row, point in enumerate(reversed(points), start=1):
            y = row
            ax.axhline(y, color=GRID, linewidth=0.8, zorder=0)
            _ladder_mark(ax, point, y, 0.45, _WIDE_MARK)
            right_end = max(point.value, point.high if point.high is not None else point.value)
            left_end = min(point.value, point.low if point.low is not None else point.value)
            text = f"{point.label} {fmt_number(point.value, 1)}"
            # A white ground, so the dotted lines of the rows above never run through a label.
            ground = {"facecolor": "white", "edgecolor": "none", "pad": 1.0}
            if right_end < high - 0.3 * span:
                ax.text(
                    right_end + 0.012 * span,
                    y,
                    text,
                    va="center",
                    ha="left",
                    fontsize=10,
                    bbox=ground,
                    zorder=5,
                )
            else:
                ax.text(
                    left_end - 0.012 * span,
                    y,
                    text,
                    va="center",
                    ha="right",
                    fontsize=10,
                    bbox=ground,
                    zorder=5,
                )
        ax.set_xlim(low, high)
        ax.set_ylim(-0.55, rows + 0.6)
        ax.set_xticks([band.lower for band in bands] + [high])
        ax.set_yticks([])
        ax.set_xlabel(f"Score ({low:g}–{high:g})")
        _axes_style(ax, grid_axis=None)
        return _to_svg(fig, chart_id, summary)


@dataclass(frozen=True)
class Line:
    """One team's (or the overall) score in each wave, with its interval; None where withheld."""

    label: str
    values: Sequence[float | None]
    style: Style
    intervals: Sequence[tuple[float, float] | None] = ()
    dashed: bool = False


def score_over_waves(
    waves: Sequence[str],
    bands: Sequence[Band],
    lines: Sequence[Line],
    *,
    chart_id: str | None = None,
    summary: str | None = None,
    narrow: bool = False,
) -> str:
    """Each team's score over the waves, on the stage bands (light to dark, behind the lines).

    A withheld wave breaks its team's line: nothing is drawn for it. Intervals are drawn as
    error bars; ``narrow`` draws the chart for a phone's column (labels shortened, smaller text).
    """
    chart_id = chart_id or new_chart_id()
    if summary is None:
        summary = "Score over the waves: " + "; ".join(
            f"{line.label}: " + ", ".join(fmt_number(value, 1) for value in line.values) for line in lines
        )
    low, high = bands[0].lower, bands[-1].upper
    font = NARROW_FONT if narrow else 10
    with _drawing(chart_id):
        fig = Figure(figsize=(NARROW_WIDTH, 3.6) if narrow else (WIDTH, 3.8))
        ax = fig.add_subplot()
        for band, fill in zip(bands, stage_colours(len(bands)), strict=True):
            ax.axhspan(band.lower, band.upper, color=fill, alpha=0.55, linewidth=0, zorder=0)
            ax.text(
                1.01,
                (band.lower + band.upper) / 2,
                band.label,
                transform=ax.get_yaxis_transform(),
                va="center",
                ha="left",
                fontsize=font - 1,
                color=MUTED,
            )
        positions = list(range(len(waves)))
        for number, line in enumerate(lines):
            shift = (number - (len(lines) - 1) / 2) * 0.04  # intervals side by side, not on top
            xs = [x + shift for x in positions]
            values = [float("nan") if value is None else value for value in line.values]
            ax.plot(
                xs,
                values,
                color=line.style.colour,
                linestyle="--" if line.dashed else "-",
                linewidth=1.6,
                marker=line.style.marker,
                markersize=6 if narrow else 8,
                markeredgecolor=INK,
                markeredgewidth=0.8,
                label=line.label,
                zorder=3,
            )
            for x, interval in zip(xs, line.intervals, strict=False):
                if interval is not None:
                    ax.plot([x, x], list(interval), color=line.style.colour, linewidth=1.4, zorder=2)
        width = 10 if narrow else 18
        labels = [_wrap(_shorten(name, 2 * width), width) for name in waves]
        ax.set_xticks(positions, labels, fontsize=font - 1)
        ax.set_xlim(-0.4, len(waves) - 0.6)
        ax.set_ylim(low, high)
        ax.set_yticks([band.lower for band in bands] + [high])
        ax.set_ylabel(f"Score ({low:g}–{high:g})", fontsize=font)
        _axes_style(ax, grid_axis=None)
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22 if narrow else -0.16),
            ncol=min(len(lines), 2 if narrow else 6),
            frameon=False,
            fontsize=font,
        )
        return _to_svg(fig, chart_id, summary)


def dimension_profile(
    dimensions: Sequence[str],
    teams: Sequence[Series],
    *,
    scale: tuple[int, int] = (1, 5),
    chart_id: str | None = None,
    summary: str | None = None,
    narrow: bool = False,
) -> str:
    """A dot plot of each team's mean per dimension on the answer scale, which starts at its minimum.

    Within each dimension every team has its own row, marked with its shape and
    labelled with its name and value (no legend to look up). ``narrow`` draws it for a
    phone's column, each dimension's name above its rows.
    """
    chart_id = chart_id or new_chart_id()
    if summary is None:
        summary = "Dimension means: " + "; ".join(
            f"{dim}: "
            + ", ".join(
                f"{team.label} {'no answers' if team.values[i] is None else fmt_number(team.values[i], 2)}"
                for team in teams
            )
            for i, dim in enumerate(dimensions)
        )
    if narrow:
        return _narrow_profile(dimensions, teams, scale, chart_id, summary)
    low, high = scale
    span = high - low
    per_group = max(len(teams), 1)
    step = 0.42
    group_height = per_group * step + 0.5
    with _drawing(chart_id):
        fig = Figure(figsize=(WIDTH, 0.5 + group_height * len(dimensions) * 0.62))
        ax = fig.add_subplot()
        centres = []
        for d_index in range(len(dimensions)):
            top = -d_index * group_height
            rows = [top - t_index * step for t_index in range(per_group)]
            centres.append(sum(rows) / len(rows))
            if d_index:
                ax.axhline(top + 0.25 + step / 2, color=GRID, linewidth=0.8)
            for team, y in zip(teams, rows, strict=False):
                value = team.values[d_index]
                if value is None:
                    ax.text(
                        low + 0.02 * span,
                        y,
                        f"{team.label}: no answers",
                        va="center",
                        fontsize=9,
                        color=MUTED,
                    )
                    continue
                ax.plot([low, value], [y, y], color=team.style.colour, linewidth=1.2, alpha=0.6)
                ax.plot(
                    value,
                    y,
                    marker=team.style.marker,
                    markersize=8,
                    color=team.style.colour,
                    markeredgecolor=INK,
                    markeredgewidth=0.8,
                    linestyle="none",
                )
                text = f"{team.label} {fmt_number(value, 2)}"
                if value < high - 0.3 * span:
                    ax.text(value + 0.015 * span, y, text, va="center", ha="left", fontsize=9)
                else:  # over the team's line: keep the label legible
                    ax.text(
                        value - 0.015 * span,
                        y,
                        text,
                        va="center",
                        ha="right",
                        fontsize=9,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
                    )
        ax.set_xlim(low, high)
        ax.set_xticks(list(range(low, high + 1)))
        ax.set_yticks(centres, [_wrap(dim, 24) for dim in dimensions])
        ax.set_ylim(-(len(dimensions) - 1) * group_height - (per_group - 1) * step - 0.45, 0.45)
        ax.set_xlabel(f"Mean answer ({low} = strongly disagree … {high} = strongly agree)")
        _axes_style(ax, grid_axis="x")
        return _to_svg(fig, chart_id, summary)


def gap_bars(
    gaps: Sequence[GapBar],
    *,
    first: tuple[str, Style],
    second: tuple[str, Style],
    chart_id: str | None = None,
    summary: str | None = None,
    limit: float = 4.0,
    narrow: bool = False,
) -> str:
    """Diverging bars of each statement's gap, in the order given; significant gaps marked ▲.

    A bar to the right means the first team agrees more, to the left the second;
    the two directions differ by colour and hatch, and each bar carries its value.
    ``narrow`` draws it for a phone's column: labels cut to a few words, values in a column.
    """
    chart_id = chart_id or new_chart_id()
    (first_name, first_style), (second_name, second_style) = first, second
    if summary is None:
        marked = sum(bar.significant for bar in gaps)
        summary = (
            f"Gaps per statement, {first_name} minus {second_name}, largest first;"
            f" {marked} significant: "
            + "; ".join(
                f"{bar.label} {fmt_signed(bar.gap)}{' significant' if bar.significant else ''}"
                for bar in gaps
            )
        )
    if narrow:
        return _narrow_gaps(gaps, first, second, chart_id, summary, limit)
    largest = max((abs(bar.gap) for bar in gaps), default=0.0)
    reach = min(limit, max(1.0, largest * 1.35 + 0.3))
    with _drawing(chart_id):
        fig = Figure(figsize=(WIDTH, 1.0 + 0.34 * max(len(gaps), 1)))
        ax = fig.add_subplot()
        ys = [-i for i in range(len(gaps))]
        for bar, y in zip(gaps, ys, strict=True):
            style = first_style if bar.gap >= 0 else second_style
            ax.barh(
                y,
                bar.gap,
                height=0.66,
                color=style.colour,
                hatch=style.hatch,
                hatchcolor=INK,  # not the edge's colour, which is the fill's: the hatch would not show
                edgecolor=INK if bar.significant else style.colour,
                linewidth=1.4 if bar.significant else 0.5,
            )
            text = fmt_signed(bar.gap) + (f" {SIGNIFICANT_MARK}" if bar.significant else "")
            offset = 0.03 * reach
            if bar.gap >= 0:
                ax.text(
                    bar.gap + offset,
                    y,
                    text,
                    va="center",
                    ha="left",
                    fontsize=9,
                    fontweight="bold" if bar.significant else "normal",
                )
            else:
                ax.text(
                    bar.gap - offset,
                    y,
                    text,
                    va="center",
                    ha="right",
                    fontsize=9,
                    fontweight="bold" if bar.significant else "normal",
                )
        ax.axvline(0, color=INK, linewidth=1)
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-len(gaps) + 0.4, 1.1)
        ax.set_yticks(ys, [bar.label for bar in gaps])
        ax.text(
            -0.02 * reach,
            0.75,
            f"← {second_name} agrees more",
            ha="right",
            va="center",
            fontsize=9,
            color=MUTED,
        )
        ax.text(
            0.02 * reach, 0.75, f"{first_name} agrees more →", ha="left", va="center", fontsize=9, color=MUTED
        )
        ax.set_xlabel(f"Difference of means ({first_name} − {second_name}), on the 1–5 scale")
        _axes_style(ax, grid_axis="x")
        return _to_svg(fig, chart_id, summary)


# --- the narrow charts (a phone's column) ---------------------------------------------
# Drawn NARROW_WIDTH wide, so they show at about their real size on a phone. Their margins
# are set in inches from the measured labels, so the drawing fills the width it is given.

#: The widest a statement's label may be in the narrow gap chart, in inches (a few words).
NARROW_LABEL_WIDTH = 1.4
_NARROW_LINE = 0.17  # inches per line of NARROW_FONT text


@functools.cache
def _advance(char: str, bold: bool) -> float:
    """How far one character moves the pen in DejaVu Sans at 1 point, in points."""
    prop = FontProperties(family="DejaVu Sans", size=100, weight="bold" if bold else "normal")
    measure = text_to_path.get_text_width_height_descent
    # Between two letters, so a space has its width too.
    return (measure(f"x{char}x", prop, ismath=False)[0] - measure("xx", prop, ismath=False)[0]) / 100


def _text_width(text: str, size: float = NARROW_FONT, *, bold: bool = False) -> float:
    """About how wide ``text`` is drawn in DejaVu Sans at ``size`` points, in inches (its widest
    line): the characters' advances, 3 % more for what they leave out (ink overhang, kerning)."""
    widths = [sum(_advance(char, bold) for char in line) for line in text.split("\n")]
    return 1.03 * size * max(widths, default=0.0) / 72


def _fit_line(text: str, width: float) -> str:
    """``text`` cut after a word to fit ``width`` inches, "…" marking the cut; two words stay where
    they fit ("12. Sales…"), else as many characters of them as fit."""
    if _text_width(text) <= width:
        return text
    words = text.split()
    cut = " ".join(words[:2]).rstrip(",;:.…") + "…"
    while len(cut) > 2 and _text_width(cut) > width:
        cut = cut[:-2].rstrip(",;:.… ") + "…"
    for count in range(3, len(words)):
        longer = " ".join(words[:count]).rstrip(",;:.…") + "…"
        if _text_width(longer) > width:
            break
        cut = longer
    return cut


def _wrap_to(text: str, width: float, *, bold: bool = False) -> str:
    """``text`` wrapped at spaces so each line fits ``width`` inches (a longer word keeps a line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}", bold=bold) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines) or text


def _narrow_axes(
    height: float, *, left: float, right: float, top: float, bottom: float
) -> tuple[Figure, Axes]:
    """A figure NARROW_WIDTH wide and ``height`` high, its axes placed by margins in inches.

    The axes' data run from 0 to their height in inches on the y axis, so rows are laid out
    in inches.
    """
    fig = Figure(figsize=(NARROW_WIDTH, height))
    ax = fig.add_axes(
        (
            left / NARROW_WIDTH,
            bottom / height,
            (NARROW_WIDTH - left - right) / NARROW_WIDTH,
            (height - top - bottom) / height,
        )
    )
    ax.set_ylim(0, height - top - bottom)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=NARROW_FONT)
    return fig, ax


def _label_beside(ax: Axes, text: str, y: float, left_end: float, right_end: float, per_inch: float) -> None:
    """Write ``text`` ("name value") after ``right_end`` where it fits before the axis ends, else
    before ``left_end``; where it fits neither side, a point smaller, then as two lines (name, then
    value), on the roomier side. On a white ground, so no line runs through it."""
    low, high = ax.get_xlim()
    gap = 0.09 * per_inch
    room = {"right": high - right_end, "left": left_end - low}
    name, _, value = text.rpartition(" ")
    tries = [(text, NARROW_FONT), (text, NARROW_FONT - 1)]
    if name:
        tries.append((f"{name}\n{value}", NARROW_FONT - 1))
    for label, size in tries:  # where none fits, the last try is written
        needed = gap + (_text_width(label, size) + 0.04) * per_inch
        side = next((side for side in ("right", "left") if needed <= room[side]), None)
        if side:
            break
    else:
        side = "right" if room["right"] >= room["left"] else "left"
    ax.text(
        right_end + gap if side == "right" else left_end - gap,
        y,
        label,
        va="center",
        ha="left" if side == "right" else "right",
        fontsize=size,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        zorder=5,
    )


def _narrow_ladder(bands: Sequence[Band], points: Sequence[Point], chart_id: str, summary: str) -> str:
    """The stage ladder for a phone's column: stage names fitted to their bands, labels beside marks."""
    low, high = bands[0].lower, bands[-1].upper
    left, right, top, bottom = 0.12, 0.2, 0.1, 0.5
    strip, row = 0.3, 0.28
    height = bottom + strip + row * (len(points) + 0.3) + top
    per_inch = (high - low) / (NARROW_WIDTH - left - right)
    with _drawing(chart_id):
        fig, ax = _narrow_axes(height, left=left, right=right, top=top, bottom=bottom)
        ax.set_xlim(low, high)
        for band, fill in zip(bands, stage_colours(len(bands)), strict=True):
            ax.barh(
                strip / 2,
                band.upper - band.lower,
                left=band.lower,
                height=strip,
                color=fill,
                edgecolor="white",
            )
            # The stage's name in the largest size up to NARROW_FONT that fits its band.
            size = float(NARROW_FONT)
            room = (band.upper - band.lower) / per_inch - 0.06
            while size > 7 and _text_width(band.label, size, bold=True) > room:
                size -= 0.5
            ax.text(
                (band.lower + band.upper) / 2,
                strip / 2,
                band.label,
                ha="center",
                va="center",
                fontsize=size,
                fontweight="bold",
                color="white" if _is_dark(fill) else INK,
            )
        for index, point in enumerate(reversed(points)):
            y = strip + row * (index + 0.8)
            ax.axhline(y, color=GRID, linewidth=0.8, zorder=0)
            _ladder_mark(ax, point, y, strip, _NARROW_MARK)
            _label_beside(
                ax,
                f"{point.label} {fmt_number(point.value, 1)}",
                y,
                min(point.value, point.low if point.low is not None else point.value),
                max(point.value, point.high if point.high is not None else point.value),
                per_inch,
            )
        ax.set_xticks([band.lower for band in bands] + [high])
        ax.set_xlabel(f"Score ({low:g}–{high:g})", fontsize=NARROW_FONT)
        _axes_style(ax, grid_axis=None)
        return _to_svg(fig, chart_id, summary, tight=False)


def _narrow_profile(
    dimensions: Sequence[str], teams: Sequence[Series], scale: tuple[int, int], chart_id: str, summary: str
) -> str:
    """The dimension profile for a phone's column: each dimension's name above its teams' rows."""
    low, high = scale
    left, right, top, bottom = 0.1, 0.12, 0.05, 0.45
    width = NARROW_WIDTH - left - right
    per_inch = (high - low) / width
    row, gap = 0.24, 0.14
    xlabel = "Mean answer\n" + _wrap_to(f"({low} = strongly disagree … {high} = strongly agree)", width)
    bottom += _NARROW_LINE * xlabel.count("\n")
    headings = [_wrap_to(dim, width, bold=True) for dim in dimensions]
    blocks = [
        _NARROW_LINE * (heading.count("\n") + 1) + row * max(len(teams), 1) + gap for heading in headings
    ]
    inner = sum(blocks)
    with _drawing(chart_id):
        fig, ax = _narrow_axes(inner + top + bottom, left=left, right=right, top=top, bottom=bottom)
        ax.set_xlim(low, high)
        y = inner
        for d_index, heading in enumerate(headings):
            if d_index:
                ax.axhline(y, color=GRID, linewidth=0.8)
            ax.text(low, y - gap / 2, heading, va="top", ha="left", fontsize=NARROW_FONT, fontweight="bold")
            y -= gap / 2 + _NARROW_LINE * (heading.count("\n") + 1)
            for team in teams:
                y -= row / 2
                value = team.values[d_index]
                if value is None:
                    ax.text(
                        low, y, f"{team.label}: no answers", va="center", fontsize=NARROW_FONT, color=MUTED
                    )
                else:
                    ax.plot([low, value], [y, y], color=team.style.colour, linewidth=1.2, alpha=0.6)
                    ax.plot(
                        value,
                        y,
                        marker=team.style.marker,
                        markersize=7,
                        color=team.style.colour,
                        markeredgecolor=INK,
                        markeredgewidth=0.8,
                        linestyle="none",
                        clip_on=False,  # whole at the axis' ends
                    )
                    _label_beside(ax, f"{team.label} {fmt_number(value, 2)}", y, value, value, per_inch)
                y -= row / 2
            y -= gap / 2
        ax.set_xticks(list(range(low, high + 1)))
        ax.set_xlabel(xlabel, fontsize=NARROW_FONT)
        _axes_style(ax, grid_axis="x")
        return _to_svg(fig, chart_id, summary, tight=False)


def _narrow_gaps(
    gaps: Sequence[GapBar],
    first: tuple[str, Style],
    second: tuple[str, Style],
    chart_id: str,
    summary: str,
    limit: float,
) -> str:
    """The gap bars for a phone's column: a few words of each statement on the left, the bars,
    and the values in a column of their own on the right, so the bars keep most of the width."""
    (first_name, first_style), (second_name, second_style) = first, second
    labels = [_fit_line(bar.label, NARROW_LABEL_WIDTH) for bar in gaps]
    values = [fmt_signed(bar.gap) + (f" {SIGNIFICANT_MARK}" if bar.significant else "") for bar in gaps]
    left = max((_text_width(label) for label in labels), default=0.0) + 0.1
    right = max((_text_width(value, bold=True) for value in values), default=0.0) + 0.1
    top, bottom = 0.08, 0.45
    width = NARROW_WIDTH - left - right
    largest = max((abs(bar.gap) for bar in gaps), default=0.0)
    reach = min(limit, max(1.0, largest * 1.1))
    per_inch = 2 * reach / width
    # Each direction's caption may reach over the labels' or the values' column, above the bars.
    towards_second = _wrap_to(f"← {second_name}", left + width / 2 - 0.05) + "\nagrees more"
    towards_first = _wrap_to(f"{first_name} →", right + width / 2 - 0.05) + "\nagrees more"
    captions = _NARROW_LINE * (max(towards_second.count("\n"), towards_first.count("\n")) + 1) + 0.08
    centre = left + width / 2
    xlabel = "Difference of means\n" + _wrap_to(
        f"({first_name} − {second_name}), on the 1–5 scale", 2 * min(centre, NARROW_WIDTH - centre) - 0.1
    )
    bottom += _NARROW_LINE * xlabel.count("\n")
    row = 0.27
    inner = row * max(len(gaps), 1) + captions
    with _drawing(chart_id):
        fig, ax = _narrow_axes(inner + top + bottom, left=left, right=right, top=top, bottom=bottom)
        ax.set_xlim(-reach, reach)
        for index, (bar, label, value) in enumerate(zip(gaps, labels, values, strict=True)):
            y = inner - captions - row * (index + 0.5)
            style = first_style if bar.gap >= 0 else second_style
            ax.barh(
                y,
                bar.gap,
                height=0.62 * row,
                color=style.colour,
                hatch=style.hatch,
                hatchcolor=INK,  # not the edge's colour, which is the fill's: the hatch would not show
                edgecolor=INK if bar.significant else style.colour,
                linewidth=1.4 if bar.significant else 0.5,
            )
            ax.text(-reach - 0.07 * per_inch, y, label, va="center", ha="right", fontsize=NARROW_FONT)
            ax.text(
                reach + (right - 0.02) * per_inch,
                y,
                value,
                va="center",
                ha="right",
                fontsize=NARROW_FONT,
                fontweight="bold" if bar.significant else "normal",
            )
        caption_y = inner - captions / 2
        ax.text(
            -0.06 * per_inch,
            caption_y,
            towards_second,
            ha="right",
            va="center",
            fontsize=NARROW_FONT,
            color=MUTED,
        )
        ax.text(
            0.06 * per_inch,
            caption_y,
            towards_first,
            ha="left",
            va="center",
            fontsize=NARROW_FONT,
            color=MUTED,
        )
        ax.axvline(0, color=INK, linewidth=1)
        step = 1 if reach < 2.5 else 2
        ax.set_xticks([step * k for k in range(-int(reach // step), int(reach // step) + 1)])
        ax.set_xlabel(xlabel, fontsize=NARROW_FONT)
        _axes_style(ax, grid_axis="x")
        return _to_svg(fig, chart_id, summary, tight=False)


@dataclass(frozen=True)
class Distribution:
    """One team's totals: how many responses have each total, and a note ("n = 24, SD 9.8")."""

    label: str
    counts: Sequence[tuple[float, int]]
    style: Style
    note: str = ""


def _binned(counts: Sequence[tuple[float, int]], edges: Sequence[float]) -> list[int]:
    """How many totals fall in each bin; a total on an inner edge goes to the upper bin."""
    binned = [0] * (len(edges) - 1)
    for total, count in counts:
        index = 0
        while index < len(binned) - 1 and total >= edges[index + 1]:
            index += 1
        binned[index] += count
    return binned


def totals_distribution(
    bands: Sequence[Band],
    teams: Sequence[Distribution],
    *,
    bin_width: float = 5.0,
    chart_id: str | None = None,
    summary: str | None = None,
) -> str:
    """Each team's totals as a histogram (share of the team per bin), one panel per team.

    A strip of the stage bands heads the chart; the panels below share its score axis,
    which starts at its true minimum, with the bands faintly behind the bars. Each bar
    carries its count, the team's mean is a labelled dashed line, and the team's name and
    note head its panel.
    """
    chart_id = chart_id or new_chart_id()
    low, high = bands[0].lower, bands[-1].upper
    span = high - low
    steps = max(1, round(span / bin_width))
    edges = [low + i * span / steps for i in range(steps + 1)]
    if summary is None:
        summary = "Distribution of totals: " + "; ".join(
            f"{team.label} {team.note}".strip() for team in teams
        )
    fills = stage_colours(len(bands))
    with _drawing(chart_id):
        rows = max(len(teams), 1)
        fig = Figure(figsize=(WIDTH, 0.9 + 1.6 * rows))
        grid = fig.add_gridspec(rows + 1, 1, height_ratios=[0.28] + [1.0] * rows, hspace=0.6)
        strip = fig.add_subplot(grid[0])
        for band, fill in zip(bands, fills, strict=True):
            strip.barh(0, band.upper - band.lower, left=band.lower, height=1, color=fill, edgecolor="white")
            strip.text(
                (band.lower + band.upper) / 2,
                0,
                band.label,
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
                color="white" if _is_dark(fill) else INK,
            )
        strip.set_xlim(low, high)
        strip.set_ylim(-0.5, 0.5)
        strip.set_axis_off()
        axes = [fig.add_subplot(grid[row + 1], sharex=strip) for row in range(len(teams))]
        binned_teams = [_binned(team.counts, edges) for team in teams]
        shares_teams = [
            [100 * count / sum(binned) if sum(binned) else 0.0 for count in binned] for binned in binned_teams
        ]
        # One vertical scale for every panel, so the teams' shapes compare directly.
        top = max((max(shares, default=0.0) for shares in shares_teams), default=0.0) or 1.0
        widths = [edges[i + 1] - edges[i] for i in range(len(edges) - 1)]
        for ax, team, binned, shares in zip(axes, teams, binned_teams, shares_teams, strict=True):
            n = sum(binned)
            for band, fill in zip(bands, fills, strict=True):
                ax.axvspan(band.lower, band.upper, color=fill, alpha=0.25, linewidth=0, zorder=0)
            ax.bar(
                edges[:-1],
                shares,
                width=widths,
                align="edge",
                color=team.style.colour,
                hatch=team.style.hatch,
                edgecolor=INK,
                linewidth=0.6,
                zorder=2,
            )
            for left, width, count, share in zip(edges, widths, binned, shares, strict=False):
                if count:
                    ax.text(
                        left + width / 2,
                        share + top * 0.07,
                        str(count),
                        ha="center",
                        va="bottom",
                        fontsize=8,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3},
                        zorder=4,
                    )
            if n:
                mean = sum(total * count for total, count in team.counts) / n
                ax.axvline(mean, color=INK, linewidth=1.2, linestyle="--", zorder=3)
                right = mean < high - 0.2 * span
                ax.text(
                    mean + (0.01 if right else -0.01) * span,
                    top * 1.42,
                    f"mean {fmt_number(mean, 1)}",
                    ha="left" if right else "right",
                    va="center",
                    fontsize=8,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8},
                    zorder=4,
                )
            ax.set_title(team.label, loc="left", fontsize=10, fontweight="bold")
            if team.note:
                ax.set_title(team.note, loc="right", fontsize=9, color=MUTED)
            ax.set_ylim(0, top * 1.6)
            ax.set_ylabel("% of team", fontsize=8, color=MUTED)
            ax.tick_params(axis="y", labelsize=8, colors=MUTED, length=2)
            ax.tick_params(axis="x", labelbottom=ax is axes[-1])
            _axes_style(ax, grid_axis=None)
            ax.spines["left"].set_visible(True)
        if axes:
            axes[-1].set_xticks([band.lower for band in bands] + [high])
            axes[-1].set_xlabel(f"Total score ({low:g}–{high:g}), in bins of {bin_width:g} points")
        return _to_svg(fig, chart_id, summary)
