"""GX Data Docs offline: every CDN file GX's templates load has a vendored copy, and pages point at it."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from pathlib import Path

from ucj.ingest.data_docs_offline import (
    ASSETS,
    DROPPED,
    SITE_VENDOR,
    VENDOR_DIR,
    external_loads,
    localize,
    localize_text,
)

# found without importing GX (seconds)
TEMPLATES = Path(importlib.util.find_spec("great_expectations").origin).parent / "render" / "view" / "templates"


def _templates() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.glob("*.j2"))}


def test_every_file_gx_templates_load_from_the_internet_has_a_local_copy() -> None:
    loads = {url for text in _templates().values() for url in external_loads(text)}
    assert len(loads) >= 15  # GX 1.24.1: 15 CSS/JS files on CDNs
    assert loads <= set(ASSETS) | set(DROPPED), loads - set(ASSETS) - set(DROPPED)
    for name, text in _templates().items():
        assert external_loads(localize_text(text, "../")) == [], name


def test_vendored_files_exist_with_their_licences() -> None:
    for local in ASSETS.values():
        assert (VENDOR_DIR / local).is_file(), local
    for folder in (p for p in VENDOR_DIR.iterdir() if p.is_dir()):
        assert any(f.name.startswith("LICENSE") for f in folder.iterdir()), folder.name
    # Font Awesome's CSS finds its fonts next to it; the woff2 ones are vendored
    css = (VENDOR_DIR / ASSETS["https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css"]).read_text()
    for font in set(re.findall(r"url\(\.\./webfonts/([\w-]+\.woff2)\)", css)):
        assert (VENDOR_DIR / "fontawesome-free-6.6.0" / "webfonts" / font).is_file(), font


def test_vendored_files_are_the_ones_the_templates_pin() -> None:
    """Where a template gives a subresource-integrity hash, the vendored file has exactly that hash."""
    pinned = re.findall(r'src="(https://[^"]+)" integrity="sha384-([^"]+)"', "".join(_templates().values()))
    assert len(pinned) >= 2
    for url, digest in pinned:
        data = (VENDOR_DIR / ASSETS[url]).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == digest, url


def test_localize_rewrites_a_result_page_to_relative_local_copies(tmp_path: Path) -> None:
    site = tmp_path / "site"
    page = site / "validations" / "claims" / "claims__74.71__2025-06__x.csv" / "20250701T000000Z" / "b.html"
    page.parent.mkdir(parents=True)
    (site / "static" / "images").mkdir(parents=True)
    (site / "static" / "images" / "logo-long.png").write_bytes(b"png")
    (site / "static" / "images" / "favicon.ico").write_bytes(b"ico")
    head = "".join(
        f'<script src="{url}"></script>\n' if url.endswith(("js", "@5", "@6")) else f'<link href="{url}">\n'
        for url in [*ASSETS, *DROPPED]
    )
    page.write_text(
        head + '<link rel="shortcut icon" href="../../../static/images/favicon.ico"/>'
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1&dataContextId=x">'
        '<a href="https://docs.greatexpectations.io/docs/">docs</a>',
        encoding="utf-8",
    )
    assert localize(site) == []
    text = page.read_text(encoding="utf-8")
    assert external_loads(text) == [] and 'href="https://docs.greatexpectations.io/docs/"' in text  # links stay
    assert "vega-lite" not in text and text.count("vega-offline.js") == 1
    refs = re.findall(r'(?:src|href)="(\.\./[^"]+)"', text)
    assert len(refs) == len(ASSETS) + 2  # every CDN file (vega's three as one), the favicon, the logo
    for ref in refs:
        assert ref.startswith("../" * 4 + "static/"), ref
        assert (page.parent / ref).resolve().is_file(), ref
    assert (site / SITE_VENDOR / "jquery-3.7.1" / "LICENSE.txt").is_file()
    assert localize(site) == [] and page.read_text(encoding="utf-8") == text  # idempotent
