"""Results and comparison pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("compare", __name__)
