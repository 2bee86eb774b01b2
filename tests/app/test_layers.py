"""The layer rules of pyproject.toml stay complete as modules are added (docs/architecture.md).

``lint-imports`` (run by ``make test``) checks the contracts; this test checks that the list
of modules the domain may not import names every module of the app outside the domain, so a
new module cannot slip past the rule unlisted.
"""

from __future__ import annotations

import tomllib

from helpers import ROOT

PACKAGE = ROOT / "survey_app"


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {contract["name"]: contract for contract in config["tool"]["importlinter"]["contracts"]}


def app_modules_outside_the_domain() -> set[str]:
    modules = {f"survey_app.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    packages = {f"survey_app.{path.parent.name}" for path in PACKAGE.glob("*/__init__.py")}
    return (modules | packages) - {"survey_app.domain"}


def test_the_domain_may_import_no_other_module_of_the_app() -> None:
    forbidden = set(contracts()["The domain imports nothing else of the app"]["forbidden_modules"])
    assert forbidden == app_modules_outside_the_domain()


def test_the_domain_may_import_no_web_framework_or_database_layer() -> None:
    forbidden = set(
        contracts()["The domain imports no web framework and no database layer"]["forbidden_modules"]
    )
    assert {"flask", "werkzeug", "sqlalchemy"} <= forbidden
