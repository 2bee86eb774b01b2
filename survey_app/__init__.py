"""Sales–marketing alignment assessments: a Flask app built by ``create_app``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect

import config as settings

from . import catalog, cli, db, secret, views

csrf = CSRFProtect()


def create_app(
    config: Mapping[str, Any] | type | object | None = None, instance_path: str | None = None
) -> Flask:
    """Build the app: settings from the environment, then ``config`` on top.

    ``instance_path`` overrides Flask's instance folder (where the default SQLite
    database and the generated secret key live).
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.update(settings.from_env())
    if isinstance(config, Mapping):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    configure_instance(app)
    catalog.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    cli.register(app)
    views.register(app)
    return app


def configure_instance(app: Flask) -> None:
    """Default the database to the instance folder and keep a generated secret key there."""
    instance = Path(app.instance_path)
    os.makedirs(instance, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'survey.db'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret.load_or_create(instance)
