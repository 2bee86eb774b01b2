"""Accessibility checks with axe-core (run inside the page by axe-playwright-python)."""

from __future__ import annotations


def serious_violations(page) -> list[str]:  # noqa: ANN001 - Playwright page
    """Axe-core's serious and critical accessibility violations on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
