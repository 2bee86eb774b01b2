"""Releases: results released to an organization's leaders, stored as they were released.

A release sits above both the results and the report: it stores the results JSON, the
leader page's content (the report's composed content and the page's charts) and the PDF,
all made from one read of the published figures (``services``); its pages are in ``routes``.
"""
