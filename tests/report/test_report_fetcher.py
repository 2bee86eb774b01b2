"""The report's URL fetcher: only the report's own assets load; files, the network and ../ never do."""

from __future__ import annotations

import base64
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from weasyprint import HTML

from survey_app.paths import data_folder
from survey_app.report.assets import FONT_FILES, Refused, data_url, font_folder, resolve
from survey_app.report.fetcher import ReportFetcher
from survey_app.report.render import html_to_pdf

from helpers import pdf_text

ROOT = data_folder("reports").resolve()
FONTS = font_folder().resolve()
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SECRET = "TOP-SECRET-FILE-CONTENT"


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request (so a leak would succeed) and records it."""

    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the handler API's name
        type(self).requests.append(self.path)
        body = b"body { color: red }" if self.path.endswith(".css") else PNG
        self.send_response(200)
        self.send_header("Content-Type", "text/css" if self.path.endswith(".css") else "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on a free port; yields its base URL and the paths it was asked for."""
    _Recorder.requests = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


# --- the rules --------------------------------------------------------------------------------------


def test_the_report_stylesheet_fonts_and_a_png_logo_are_served() -> None:
    css = resolve("report:report.css", ROOT, FONTS)
    assert css.media_type == "text/css"
    assert b"@font-face" in css.data
    for name in FONT_FILES:
        font = resolve(f"font:{name}", ROOT, FONTS)
        assert font.media_type == "font/ttf"
        assert font.data[:4] in (b"\x00\x01\x00\x00", b"true")
    logo = resolve(data_url(PNG, "image/png"), ROOT, FONTS)
    assert (logo.data, logo.media_type) == (PNG, "image/png")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"file://{ROOT}/report.css",  # even the report's own folder, by file:
        "http://127.0.0.1/report.css",
        "https://example.com/font.ttf",
        "ftp://example.com/x",
        "report:../pyproject.toml",
        "report:../../../../../../etc/passwd",
        "report:%2e%2e/pyproject.toml",
        "report:/../../etc/passwd",
        "report:recommendations.yaml",  # inside the folder, but not a kind of file a report uses
        "report:",
        "font:../../../../../../etc/passwd",
        "font:cmr10.ttf",  # a matplotlib font, but not one the report uses
        "report.css",  # relative: no base to resolve it against
        "../etc/passwd",
        "data:image/svg+xml;base64,PHN2Zy8+",
        "data:text/html;base64,PGI+eDwvYj4=",
        "data:image/png;base64," + base64.b64encode(b"<svg></svg>").decode(),  # not really a PNG
        "data:image/png,rawdata",
        "javascript:alert(1)",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(Refused):
        resolve(url, ROOT, FONTS)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.css"
    outside.write_text(f"/* {SECRET} */", encoding="utf-8")
    root = tmp_path / "reports"
    root.mkdir()
    (root / "inner.css").write_text("p { color: black }", encoding="utf-8")
    (root / "link.css").symlink_to(outside)
    assert resolve("report:inner.css", root.resolve(), FONTS).data == b"p { color: black }"
    with pytest.raises(Refused):
        resolve("report:link.css", root.resolve(), FONTS)


def test_only_png_and_jpeg_can_be_embedded() -> None:
    assert data_url(PNG, "image/png").startswith("data:image/png;base64,iVBOR")
    with pytest.raises(ValueError, match="image/png"):
        data_url(b"<svg/>", "image/svg+xml")


# --- through WeasyPrint ---------------------------------------------------------------------------------


def test_weasyprint_loads_nothing_from_files_the_network_or_escapes(
    server: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, requests = server
    secret_file = tmp_path / "secret.css"
    secret_file.write_text(f'body::before {{ content: "{SECRET}" }}', encoding="utf-8")
    document = f"""<!doctype html><html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="file://{secret_file}">
      <link rel="stylesheet" href="{base}/style.css">
      <link rel="stylesheet" href="report:../../../../../..{secret_file}">
      <style>
        @import url("{base}/imported.css");
        @font-face {{ font-family: Remote; src: url("{base}/font.ttf"); }}
        p {{ background: url("{base}/background.png"); }}
      </style></head>
      <body><p>Visible text</p>
      <img src="file:///etc/passwd" alt="a">
      <img src="{base}/image.png" alt="b">
      <img src="http://127.0.0.1:{base.rsplit(":", 1)[1]}/again.png" alt="c">
      <img src="report:../../../../../../etc/passwd" alt="d">
      <img src="../../../../etc/passwd" alt="e">
      <object data="file:///etc/passwd"></object>
      <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
           width="10" height="10">
        <image xlink:href="{base}/svg-image.png" width="10" height="10"/>
      </svg>
      </body></html>"""
    fetcher = ReportFetcher()
    pdf = html_to_pdf(document, fetcher)
    assert pdf.startswith(b"%PDF")
    assert requests == []  # the server was never asked for anything
    text = pdf_text(pdf)
    assert "Visible text" in text
    assert SECRET not in text
    assert "root:" not in text
    refused = " ".join(fetcher.refused)
    assert f"file://{secret_file}" in refused
    assert "file:///etc/passwd" in refused
    assert f"{base}/style.css" in refused
    assert f"{base}/image.png" in refused
    assert "report:../../../../../../etc/passwd" in refused
    assert all(not url.startswith(("file:", "http")) for url in fetcher.loaded)


def test_the_default_fetcher_would_have_leaked(server: tuple[str, list[str]]) -> None:
    """The test above can fail: WeasyPrint's own fetcher does make the request."""
    base, requests = server
    HTML(string=f'<img src="{base}/image.png" alt="x">').write_pdf()
    assert requests == ["/image.png"]


def test_fonts_come_through_the_fetcher_and_are_embedded() -> None:
    fetcher = ReportFetcher()
    html = '<html lang="en"><head><title>t</title><link rel="stylesheet" href="report:report.css"></head>'
    html += "<body><p>Text <strong>bold</strong> <em>oblique</em></p></body></html>"
    pdf = html_to_pdf(html, fetcher)
    assert {"report:report.css", "font:DejaVuSans.ttf", "font:DejaVuSans-Bold.ttf"} <= set(fetcher.loaded)
    assert fetcher.refused == []
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVu" in name for name in fonts), fonts
