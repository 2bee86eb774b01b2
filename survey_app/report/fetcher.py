"""The URL fetcher WeasyPrint gets for a report: the report's own assets, nothing else.

WeasyPrint's default fetcher reads any local file and makes network requests on a
document's behalf. This one serves only what ``assets.resolve`` allows (``report:``
files inside ``reports/``, the ``font:`` files shipped with matplotlib, PNG or JPEG
``data:`` images) and refuses everything else: ``file:``, ``http:``, ``https:``,
``ftp:``, relative paths and any other scheme. It never opens a connection, so there
is no redirect to follow either.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..paths import data_folder
from .assets import Refused, font_folder, resolve


class ReportFetcher(URLFetcher):
    """A WeasyPrint URL fetcher for the report's own assets.

    ``refused`` lists the URLs it turned down (WeasyPrint logs each and goes on
    without the resource); ``loaded`` the ones it served (data: URLs shortened).
    """

    def __init__(self, root: Path | None = None, fonts: Path | None = None) -> None:
        # No protocol is allowed to the parent's opener: ``fetch`` below never calls it.
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.root = (root or data_folder("reports")).resolve()
        self.fonts = (fonts or font_folder()).resolve()
        self.refused: list[str] = []
        self.loaded: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Serve a ``report:``, ``font:`` or image ``data:`` URL; raise ``Refused`` for anything else."""
        try:
            asset = resolve(url, self.root, self.fonts)
        except Refused:
            self.refused.append(url)
            raise
        name = url if not url.startswith("data:") else url[:40]
        self.loaded.append(name)
        return URLFetcherResponse(name, asset.data, {"Content-Type": asset.media_type})
