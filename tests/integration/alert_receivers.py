"""Local alert receivers for integration tests: a webhook (HTTP) and an SMTP server, both real
sockets on 127.0.0.1, recording what arrives (the same kind as tests/unit/test_ops_alerts.py)."""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    posts: list[dict] = field(default_factory=list)
    mails: list[email.message.EmailMessage] = field(default_factory=list)


class _Smtp(socketserver.StreamRequestHandler):
    """Enough SMTP (RFC 5321) for smtplib without login: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        box: Received = self.server.box  # type: ignore[attr-defined]
        self.wfile.write(b"220 localhost\r\n")
        while raw := self.rfile.readline():
            verb = raw.decode().split(" ", 1)[0].strip().upper()
            if verb == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                box.mails.append(email.message_from_bytes(b"".join(lines), policy=email.policy.default))  # type: ignore[arg-type]
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@contextmanager
def receivers() -> Iterator[tuple[dict[str, str], Received]]:
    """Start both receivers; yields the ``UCJ_ALERT_*`` settings that point at them and the box."""
    box = Received()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            box.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    smtp.daemon_threads = True
    smtp.box = box  # type: ignore[attr-defined]
    for server in (http, smtp):
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    env = {
        "UCJ_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{http.server_address[1]}/hooks/ucj",
        "UCJ_ALERT_SMTP_HOST": "127.0.0.1",
        "UCJ_ALERT_SMTP_PORT": str(smtp.server_address[1]),
        "UCJ_ALERT_EMAIL_FROM": "airflow@sultraprov.go.id",
        "UCJ_ALERT_EMAIL_TO": "data@sultraprov.go.id",
    }
    try:
        yield env, box
    finally:
        for server in (http, smtp):
            server.shutdown()
            server.server_close()
