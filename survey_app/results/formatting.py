"""How numbers are written, in one place: the results page, the PDF, the terminal table and the
charts all use these, so a p-value reads "< 0.001" everywhere and a missing figure "–".

Pure: no Flask, no database.
"""

from __future__ import annotations

from datetime import date

#: Keeps a number and its unit ("72 %") on one line.
NBSP = "\u00a0"
#: Shown where there is no figure (a team withheld, a test that could not be run).
MISSING = "–"
#: The significance level of every test shown (Holm-adjusted p-values are compared with it).
SIGNIFICANCE = 0.05


def is_significant(p_value: float | None) -> bool:
    """Whether a (Holm-adjusted) p-value is below the significance level."""
    return p_value is not None and p_value < SIGNIFICANCE


def fmt_day(day: date | None) -> str:
    """A date in words: "3 March 2027"."""
    return "" if day is None else f"{day.day}{NBSP}{day:%B}{NBSP}{day:%Y}"


def fmt_number(value: float | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals, or "–"."""
    return MISSING if value is None else f"{value:.{digits}f}"


def fmt_score(value: float | None) -> str:
    """A score on the 20–100 scale: one decimal."""
    return fmt_number(value, 1)


def fmt_mean(value: float | None) -> str:
    """A mean on the 1–5 answer scale: two decimals."""
    return fmt_number(value, 2)


def fmt_p(value: float | None) -> str:
    """A p-value: three decimals, or "< 0.001"."""
    if value is None:
        return MISSING
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def p_phrase(p_value: float | None) -> str:
    """ "p = 0.120" or "p < 0.001"."""
    p_text = fmt_p(p_value)
    return f"p {p_text}" if p_text.startswith("<") else f"p = {p_text}"


def fmt_signed(value: float | None, digits: int = 2) -> str:
    """A difference with its sign (a true minus sign); zero after rounding has none."""
    if value is None:
        return MISSING
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0:
        return text
    return ("+" if value > 0 else "−") + text


def fmt_percent(value: float) -> str:
    """A percentage without decimals."""
    return f"{value:.0f} %"


def fmt_share(share: float) -> str:
    """A probability as a whole percentage; "< 1 %" and "> 99 %" rather than a false 0 % or 100 %."""
    percent = 100 * share
    if 0 < percent < 1:
        return f"<{NBSP}1{NBSP}%"
    if 99 < percent < 100:
        return f">{NBSP}99{NBSP}%"
    return fmt_percent(percent).replace(" ", NBSP)
