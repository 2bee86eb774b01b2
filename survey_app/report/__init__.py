"""The consultant-grade PDF gap report.

``context`` gathers the figures, sentences (``wording``) and recommendations of one
assessment as plain data (``model``'s dataclasses, never ORM objects); ``render``
draws the charts, fills the Jinja2 templates under ``reports/`` and lays the pages
out with WeasyPrint, whose only window on the outside world is the URL fetcher in
``fetcher``: it serves what ``assets`` allows (the report's own stylesheet, the fonts
shipped with matplotlib, an embedded PNG or JPEG logo) and nothing else.
``routes`` serves the PDF and the consultant's pages (commentary and action plan,
logo); ``services`` holds their work. ``cache`` keeps the last PDF of each assessment
and paper size while nothing it shows has changed, and ``throttle`` caps the renders a
process runs at once and each user's downloads.
"""
