"""Survey pages for respondents."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("survey", __name__)
