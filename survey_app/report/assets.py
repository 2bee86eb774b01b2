"""What a report may load, and from where: the rules behind the report's URL fetcher.

Pure code with no WeasyPrint import (the web app and the command line load this
module without paying for WeasyPrint). Three kinds of URL are known; everything
else is refused:

``report:NAME``
    A file inside the ``reports/`` folder (the stylesheet). The path is resolved and
    must stay inside the folder: ``report:../x`` and symlinks out of it are refused.
``font:NAME``
    One of the DejaVu fonts that ship with matplotlib, by file name, so the PDF embeds
    the same fonts on every machine without a download.
``data:image/png;base64,…`` / ``data:image/jpeg;base64,…``
    An embedded logo: only these two media types, base64-encoded, with the matching
    file signature.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import matplotlib

REPORT_SCHEME = "report:"
FONT_SCHEME = "font:"

#: The fonts a report may use: matplotlib's own copies of DejaVu Sans (and Mono).
FONT_FILES = frozenset(
    {
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
        "DejaVuSansMono.ttf",
        "DejaVuSansMono-Bold.ttf",
    }
)
#: What a file of the reports/ folder may be.
ASSET_TYPES = {".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
#: The media types an embedded image may have (never SVG, which can reference other URLs).
IMAGE_TYPES = ("image/png", "image/jpeg")
_DATA_URL = re.compile(r"^data:(?P<type>[a-z]+/[a-z0-9.+-]+);base64,(?P<data>[A-Za-z0-9+/=\s]*)$", re.I)
_SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


class Refused(ValueError):
    """A URL the report may not load."""


@dataclass(frozen=True)
class Asset:
    """A resource the report may use: its bytes and media type."""

    data: bytes
    media_type: str


def font_folder() -> Path:
    """Where matplotlib keeps its TrueType fonts."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def data_url(data: bytes, media_type: str) -> str:
    """A ``data:`` URL for an image the report accepts (PNG or JPEG only)."""
    if media_type not in IMAGE_TYPES:
        raise ValueError(f"only {', '.join(IMAGE_TYPES)} can be embedded, not {media_type!r}")
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def inside(folder: Path, name: str) -> Path:
    """``folder/name`` resolved, if it is an existing file inside ``folder`` (itself resolved)."""
    relative = name.lstrip("/")
    if not relative or "\\" in relative or "\x00" in relative:
        raise Refused(f"not a file name: {name!r}")
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise Refused(f"outside the report's folder, or missing: {name!r}")
    return path


def embedded_image(url: str) -> Asset:
    """The image in a ``data:`` URL, if it is a base64 PNG or JPEG."""
    match = _DATA_URL.match(url)
    if match is None:
        raise Refused("a data: URL must hold a base64 PNG or JPEG image")
    media_type = match["type"].lower()
    if media_type not in IMAGE_TYPES:
        raise Refused(f"embedded {media_type} is not allowed (PNG or JPEG only)")
    try:
        data = base64.b64decode(re.sub(r"\s", "", match["data"]), validate=True)
    except (binascii.Error, ValueError):
        raise Refused("the embedded image is not valid base64") from None
    if not data.startswith(_SIGNATURES[media_type]):
        raise Refused(f"the embedded image is not a {media_type} file")
    return Asset(data, media_type)


def resolve(url: str, root: Path, fonts: Path) -> Asset:
    """The asset a report URL names, or ``Refused``; ``root`` and ``fonts`` must be resolved paths."""
    if url.startswith(REPORT_SCHEME):
        name = unquote(url[len(REPORT_SCHEME) :].split("?")[0].split("#")[0])
        path = inside(root, name)
        media_type = ASSET_TYPES.get(path.suffix.lower())
        if media_type is None:
            raise Refused(f"not a kind of file a report uses: {url}")
        return Asset(path.read_bytes(), media_type)
    if url.startswith(FONT_SCHEME):
        name = unquote(url[len(FONT_SCHEME) :])
        if name not in FONT_FILES:
            raise Refused(f"not a report font: {url}")
        return Asset(inside(fonts, name).read_bytes(), "font/ttf")
    if url.startswith("data:"):
        return embedded_image(url)
    raise Refused(f"the report loads only its own assets, not {url[:80]}")
