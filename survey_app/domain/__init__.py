"""The pure parts of the product: questionnaires, scoring and statistics, the path to the next
stage, recommendations, comments and CSV parsing.

Nothing here imports Flask, Werkzeug or SQLAlchemy (the layer check of ``make test`` enforces
it, see docs/architecture.md): these modules take plain values and return plain values, and
their tests need no app and no database.
"""
