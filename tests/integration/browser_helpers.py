"""Headless Chromium for the browser checks (the report, Data Docs, Superset): Debian's
chromium driven by Playwright, with nothing of Google's background traffic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[object]:
    """A started Chromium (a Playwright ``Browser``), closed on leaving."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run scripts/bootstrap.sh (as root) first")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # Playwright starts Chromium with a fresh temporary --user-data-dir of its own.
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()
