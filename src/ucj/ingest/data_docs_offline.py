"""GX Data Docs that work offline: the CSS and JavaScript the pages load from CDNs, served from the site.

GX 1.24.1's page templates name 15 files on public CDNs (jQuery, Bootstrap, bootstrap-table,
Font Awesome, …) and its logo on GX's web-assets bucket; without internet the index is an empty
page. GX has no setting for these URLs, so after every build :func:`localize` copies the
vendored files (``data_docs_vendor/``, unchanged npm files at the exact versions the templates
name, with their licences: see its README) into the site's ``static/vendor/`` and rewrites each
page's references to relative paths. The site then works from disk, through the Airflow plugin
(``/ucj/data-docs/``) and behind any path prefix.

vega (the charts of profiling and distribution expectations, which no UCJ suite has) is not
vendored: ``vega-offline.js`` stands in, so a chart says it is unavailable instead of breaking
the page's script. Hyperlinks to GX's documentation stay as they are (they are links, not loads).
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR_DIR = Path(__file__).with_name("data_docs_vendor")
SITE_VENDOR = "static/vendor"  # inside the site
VEGA_STUB = "vega-offline.js"

# Every CDN file GX 1.24.1's templates load (render/view/templates), and its vendored copy.
# Left as written (the formatter pragma on the closing brace): a table of URL -> path, each pair
# that does not fit on one line split after its colon; the formatter can only write it on one long line.
ASSETS: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-1.19.0/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-1.19.0/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome-free-6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark-1.1.0/css/bootstrap-prefers-dark.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": VEGA_STUB,
}  # fmt: skip
# loaded right after vega@5; the stand-in covers all three
DROPPED = ("https://cdn.jsdelivr.net/npm/vega-lite@5", "https://cdn.jsdelivr.net/npm/vega-embed@6")

# GX's logos (logo-long.png with the data context's id in the query string; full_logo_dark.png in CSS)
_GX_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.[\w.-]+\.amazonaws\.com/[\w.-]+\.png(?:\?[^\"')\s]*)?"
)
_DROPPED_TAG = re.compile(
    r'<script src="(?:{})"></script>\s*'.format("|".join(re.escape(u) for u in DROPPED))  # noqa: UP032
)
_STATIC_REF = re.compile(r'\b((?:src|href)=")(?:\.\./)*static/')
_SRI = re.compile(r'\s+integrity="sha\d+-[^"]*"\s+crossorigin="anonymous"')
# what a browser loads by itself: script/img src, stylesheet/icon href, CSS url()
_LOADED = re.compile(
    r"""<(?:script|img|iframe|source)\b[^>]*?\bsrc\s*=\s*["']?(https?:[^"'\s>]+)"""
    r"""|<link\b[^>]*?\bhref\s*=\s*["']?(https?:[^"'\s>]+)"""
    r"""|url\(\s*["']?(https?:[^"')\s]+)""",
    re.IGNORECASE,
)


def external_loads(text: str) -> list[str]:
    """The http(s) URLs a browser would fetch by itself for this HTML or CSS (not plain hyperlinks)."""
    return [next(g for g in m.groups() if g) for m in _LOADED.finditer(text)]


def localize_text(text: str, to_root: str) -> str:
    """``text`` (a page, or CSS) with every known CDN load pointing at the site's copy;
    ``to_root`` is the relative path from the file's folder to the site root (``""``, ``"../"``…)."""
    text = _DROPPED_TAG.sub("", text)
    for url, local in ASSETS.items():
        text = text.replace(f'"{url}"', f'"{to_root}{SITE_VENDOR}/{local}"')
    text = _GX_LOGO.sub(f"{to_root}static/images/logo-long.png", text)
    # the site's own files at the right depth (GX's favicon link on a result page is one level short)
    text = _STATIC_REF.sub(rf"\g<1>{to_root}static/", text)
    # a local copy needs no subresource-integrity check; a CORS request (crossorigin) fails from disk
    return _SRI.sub("", text)


def localize(site: Path) -> list[str]:
    """Copy the vendored files into ``site`` and point every page (and the site's CSS) at them.

    Idempotent: a page already rewritten is left as it is. Returns the external loads still
    left (none with GX 1.24.1); each is logged as a warning, since a page needing one is broken
    offline.
    """
    shutil.copytree(VENDOR_DIR, site / SITE_VENDOR, dirs_exist_ok=True)
    left: list[str] = []
    for path in sorted([*site.rglob("*.html"), *(site / "static" / "styles").glob("*.css")]):
        if path.is_relative_to(site / SITE_VENDOR):
            continue
        depth = len(path.relative_to(site).parts) - 1
        text = path.read_text(encoding="utf-8")
        new = localize_text(text, "../" * depth)
        if new != text:
            path.write_text(new, encoding="utf-8")
        left.extend(f"{path.relative_to(site)}: {url}" for url in external_loads(new))
    for item in left:
        log.warning("Data Docs load a file from the internet (broken offline): %s", item)
    return left
