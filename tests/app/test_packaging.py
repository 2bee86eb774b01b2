"""A regular install (``pip install .``) contains every package and data folder of the source tree."""

import tomllib

from helpers import ROOT


def listed_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_python_package_is_listed() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "survey_app").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed_packages() == set()


def test_data_folders_are_mapped_into_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["setuptools"]["package-dir"] == {
        "survey_app.questionnaires": "questionnaires",
        "survey_app.reports": "reports",
    }
    assert {"survey_app.questionnaires", "survey_app.reports"} <= listed_packages()
