"""The Airflow UI shows WITA by default (issue 18).

Airflow 3's UI has no server-side default time zone (``[webserver] default_ui_timezone`` is gone):
it shows the browser's own zone unless the user picks one, and keeps that choice in the
browser's ``localStorage`` under ``timezone``. A browser set to UTC (a data centre's jump host, a
headless check) showed the 01:30 WITA transform as "17:30". This ASGI middleware, added to the
API server by the ``ucj_reports`` plugin, puts one line before the UI's own script: when the
browser has no choice stored yet, the choice is ``Asia/Makassar``. A zone the user picks in the
UI is kept. Pure ASGI, no imports beyond the standard library: every Airflow process loads
plugins.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ucj.config import TIMEZONE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STORAGE_KEY = "timezone"  # the UI's useLocalStorage key; the value is JSON (a quoted zone name)
# Everything the API server serves that is not the UI's page: left untouched.
NOT_THE_UI = ("/api/", "/auth/", "/execution/", "/static/", "/ucj/", "/pluginsv2/", "/docs", "/openapi", "/redoc")


def default_zone_script(zone: str = TIMEZONE) -> str:
    value = json.dumps(json.dumps(zone))  # the stored value is JSON, and this is a JS literal of it
    return (
        f"<script>try{{if(!window.localStorage.getItem({json.dumps(STORAGE_KEY)}))"
        f"window.localStorage.setItem({json.dumps(STORAGE_KEY)},{value})}}catch(e){{}}</script>"
    )


class DefaultUiTimezone:
    """Insert :func:`default_zone_script` right after ``<head>`` of the UI's HTML page."""

    def __init__(self, app: ASGIApp, zone: str = TIMEZONE) -> None:
        self.app = app
        self.script = default_zone_script(zone).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope.get("method") != "GET" or path.startswith(NOT_THE_UI):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_html_with_script(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    start = message  # hold it: the length changes
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            if b"<head>" in body:
                body = body.replace(b"<head>", b"<head>" + self.script, 1)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, send_html_with_script)
