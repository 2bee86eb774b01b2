"""Sales–marketing alignment assessments: a Flask app built by ``create_app``."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings

from . import catalog, cli, db, log_redaction, secret, security
from .admin.routes import bp as admin_bp
from .auth import routes as auth
from .distribute.routes import bp as distribute_bp
from .main import routes as main
from .paths import data_folder
from .releases.routes import bp as releases_bp
from .report.routes import bp as report_bp
from .results.routes import bp as results_bp
from .survey.routes import bp as survey_bp
from .trend.routes import bp as trend_bp
from .workspace.routes import bp as workspace_bp

csrf = CSRFProtect()


def create_app(
    config: Mapping[str, Any] | type | object | None = None, instance_path: str | None = None
) -> Flask:
    """Build the app: settings from the environment, then ``config`` on top.

    ``instance_path`` overrides Flask's instance folder (where the default SQLite
    database and the generated secret key live).
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    # CSRF tokens live as long as the session, so a respondent who takes hours over
    # the survey is not refused at the end (they are still bound to the session).
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config.update(settings.from_env())
    if isinstance(config, Mapping):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    configure_instance(app)
    log_redaction.init_app(app)  # no respondent's token in a log line
    if hops := app.config["PROXY_FIX_HOPS"]:  # client IP, scheme and host as the reverse proxy saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    catalog.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    cli.register(app)
    main.register(app)
    # A release's page includes the PDF's own sections (reports/_partials/): one wording for both.
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(data_folder("reports"))])  # type: ignore[assignment,list-item]
    blueprints = (
        survey_bp,
        workspace_bp,
        results_bp,
        releases_bp,
        trend_bp,
        admin_bp,
        distribute_bp,
        report_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    csrf.exempt(survey_bp)  # its views check their forms' tokens themselves (see survey.routes)
    return app


@contextmanager
def worker_app() -> Iterator[Flask]:
    """An app made from the environment, inside its context, for one background job; its
    database connections are closed when the job ends."""
    app = create_app()
    try:
        with app.app_context():
            yield app
    finally:
        app.extensions["survey_db"].engine.dispose()


def configure_instance(app: Flask) -> None:
    """Default the database to the instance folder and keep a generated secret key there."""
    instance = Path(app.instance_path)
    os.makedirs(instance, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'survey.db'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret.load_or_create(instance)
