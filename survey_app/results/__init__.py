"""Everything about an assessment's results: the aggregates loaded once (``aggregates``), the
pure view model (``view_model``), the charts (``charts``), the terminal table (``terminal``),
and the results pages and JSON (``routes``, blueprint ``results``).
"""
