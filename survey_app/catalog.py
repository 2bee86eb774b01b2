"""The app's questionnaires: loaded once at start-up from the built-in and extra folders."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from .domain.questionnaire import Catalog, Questionnaire, load_catalog
from .paths import data_folder


def questionnaire_folders(app: Flask) -> list[Path]:
    """The built-in ``questionnaires/`` folder, then ``QUESTIONNAIRES_DIR`` if set."""
    folders = [data_folder("questionnaires")]
    if app.config.get("QUESTIONNAIRES_DIR"):
        folders.append(Path(app.config["QUESTIONNAIRES_DIR"]))
    return folders


def init_app(app: Flask) -> None:
    """Load the questionnaires; log each broken file without stopping the others."""
    catalog = load_catalog(questionnaire_folders(app))
    for error in catalog.errors:
        app.logger.error("questionnaire not loaded: %s", error)
    app.extensions["survey_catalog"] = catalog


def get_catalog() -> Catalog:
    """The current app's questionnaires."""
    return current_app.extensions["survey_catalog"]


def get_questionnaire(questionnaire_id: str) -> Questionnaire | None:
    """A loaded questionnaire by id, or None."""
    return get_catalog().get(questionnaire_id)
