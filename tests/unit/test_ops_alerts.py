"""Alerts: the notifiers (Airflow's ``BaseNotifier``: our webhook notifier, the SMTP provider's
``SmtpNotifier``) deliver to a real local webhook receiver and a real local SMTP server; the
Jinja templates render in Bahasa Indonesia with every NIK masked; errors are sorted into
transient (retry) and data (fail at once)."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import socketserver
import threading
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import psycopg
import pytest

from ucj.ingest.readers import FileLevelError
from ucj.ops import alerts, notifiers, retries

NIK = "7471015203900001"
KPJ = "25011234567"


# --------------------------------------------------------------------------- local receivers


@dataclass
class Received:
    posts: list[dict] = field(default_factory=list)
    mails: list[dict] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def webhook() -> Iterator[tuple[str, Received]]:
    box = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            box.posts.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
            self.send_response(box.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/ucj", box
    server.shutdown()
    server.server_close()


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        box: Received = self.server.box  # type: ignore[attr-defined]
        mail: dict = {"rcpt": []}
        self.reply("220 localhost ucj-test-smtp")
        while raw := self.rfile.readline():
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250-AUTH PLAIN")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "AUTH":
                parts = base64.b64decode(line.split()[2]).split(b"\0")  # AUTH PLAIN <base64>
                mail["auth"] = (parts[1].decode(), parts[2].decode())
                self.reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                mail["from"] = line.split(":", 1)[1].split()[0].strip("<>")
                self.reply("250 OK")
            elif verb == "RCPT":
                mail["rcpt"].append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                mail["data"] = b"".join(lines)
                box.mails.append(mail)
                mail = {"rcpt": []}
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


@pytest.fixture
def smtp() -> Iterator[tuple[int, Received]]:
    box = Received()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.box = box  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1], box
    server.shutdown()
    server.server_close()


@pytest.fixture
def configured(monkeypatch, webhook, smtp):
    url, hook_box = webhook
    port, mail_box = smtp
    for key, value in {
        "UCJ_ALERT_WEBHOOK_URL": url,
        "UCJ_ALERT_SMTP_HOST": "127.0.0.1",
        "UCJ_ALERT_SMTP_PORT": str(port),
        "UCJ_ALERT_SMTP_USER": "ucj-alerts",
        "UCJ_ALERT_SMTP_PASSWORD": "rahasia",
        "UCJ_ALERT_SMTP_STARTTLS": "false",
        "UCJ_ALERT_EMAIL_FROM": "airflow@sultraprov.go.id",
        "UCJ_ALERT_EMAIL_TO": "data@sultraprov.go.id, bappeda@sultraprov.go.id",
    }.items():
        monkeypatch.setenv(key, value)
    return hook_box, mail_box


def _parsed(mail: dict) -> email.message.EmailMessage:
    return email.message_from_bytes(mail["data"], policy=email.policy.default)  # type: ignore[return-value]


def _failure_context(error: BaseException) -> dict:
    ti = SimpleNamespace(
        dag_id="ucj_ingest",
        task_id="ingest_file",
        run_id="scheduled__2025-07-01T01:00:00+08:00",
        try_number=3,
        map_index=4,
        end_date=datetime(2025, 6, 30, 17, 23, tzinfo=UTC),
    )
    return {"ti": ti, "task_instance": ti, "run_id": ti.run_id, "exception": error}


def _mail_text(mail: dict) -> str:
    """The message's body as the recipient reads it (the notifier sends HTML)."""
    return _parsed(mail).get_body(("html", "plain")).get_content()  # type: ignore[union-attr]


def _fail(context: dict, callbacks: list | None = None) -> None:
    """What Airflow's task runner does with a task's ``on_failure_callback`` list."""
    for notifier in notifiers.failure_notifiers() if callbacks is None else callbacks:
        notifier(context)


# --------------------------------------------------------------------------- delivery


def test_failed_task_alert_arrives_by_webhook_and_email_in_indonesian_without_nik(configured):
    hook_box, mail_box = configured
    error = psycopg.OperationalError(f"connection lost while loading row of NIK {NIK}, KPJ {KPJ}")

    _fail(_failure_context(error))

    [post] = hook_box.posts
    assert post["path"] == "/hooks/ucj"
    assert post["headers"]["Content-Type"].startswith("application/json")
    body = post["body"]
    assert body["kind"] == "task_failed" and body["language"] == "id"
    assert body["dag_id"] == "ucj_ingest" and body["task_id"] == "ingest_file"
    assert body["error_kind"] == "transient"
    text = body["text"]
    for phrase in ("GAGAL", "Tugas: ingest_file [#4]", "Percobaan ke: 3", "Jenis galat: sementara", "Tindakan:"):
        assert phrase in text
    assert "2025-07-01 01:23 WITA" in text  # 17:23 UTC is 01:23 WITA the next day
    assert "English: Task ucj_ingest.ingest_file [#4] failed" in text
    assert NIK not in json.dumps(body) and KPJ not in json.dumps(body)
    assert "************0001" in text and "*******4567" in text

    [mail] = mail_box.mails
    assert mail["auth"] == ("ucj-alerts", "rahasia")
    assert mail["from"] == "airflow@sultraprov.go.id"
    assert mail["rcpt"] == ["data@sultraprov.go.id", "bappeda@sultraprov.go.id"]
    message = _parsed(mail)
    assert message["Subject"] == "[UCJ] GAGAL: ucj_ingest.ingest_file [#4]"
    assert message["Content-Language"] == "id"
    content = _mail_text(mail)
    assert "Tugas pipeline UCJ Warehouse GAGAL." in content
    assert "Percobaan ke: 3" in content and "English: Task ucj_ingest.ingest_file [#4] failed" in content
    assert NIK not in mail["data"].decode("utf-8", "replace") and NIK not in content
    assert "************0001" in content


def test_the_watchdogs_message_arrives_on_both_channels(configured):
    hook_box, mail_box = configured
    alert = alerts.nightly_missed_alert(
        deadline_time=datetime(2025, 6, 30, 22, 0, tzinfo=UTC),
        problems=["ucj_transform: run scheduled__x berstatus failed", f"ucj_ingest: berkas NIK {NIK}"],
    )

    assert notifiers.send(alert) == {"webhook": True, "email": True}

    body = hook_box.posts[0]["body"]
    assert body["kind"] == "deadline_missed"
    assert body["text"].splitlines() == [
        "[UCJ] BATAS WAKTU TERLEWATI: pipeline malam 2025-07-01 06:00 WITA",
        "",
        "Pipeline malam UCJ Warehouse BELUM SELESAI pada batas waktunya.",
        "Batas waktu: 2025-07-01 06:00 WITA",
        "- ucj_transform: run scheduled__x berstatus failed",
        "- ucj_ingest: berkas NIK ************0001",
        "Tindakan: periksa apakah scheduler dan worker berjalan, lihat `ucj status` dan log run yang gagal; "
        "data mart hari ini mungkin belum diperbarui.",
        "",
        "English: The nightly pipeline was not done by 2025-07-01 06:00 WITA: "
        "ucj_transform: run scheduled__x berstatus failed; ucj_ingest: berkas NIK ************0001",
    ]
    assert body["problems"].endswith("berkas NIK ************0001")
    [mail] = mail_box.mails
    assert _parsed(mail)["Subject"] == "[UCJ] BATAS WAKTU TERLEWATI: pipeline malam 2025-07-01 06:00 WITA"
    assert "- ucj_transform: run scheduled__x berstatus failed" in _mail_text(mail)


def test_data_error_alert_says_not_retried(configured):
    hook_box, _ = configured
    error = FileLevelError("ENCRYPTED", f"file is password protected (NIK {NIK} in its name)")
    _fail(_failure_context(error))
    body = hook_box.posts[0]["body"]
    assert body["error_kind"] == "data"
    assert "tidak dicoba ulang" in body["text"]
    assert NIK not in body["text"]


def test_error_texts_are_printed_literally_never_as_templates_or_markup(configured):
    """dbt's errors quote Jinja; HTML in an error must not become markup in the e-mail."""
    hook_box, mail_box = configured
    error = RuntimeError("Compilation Error in model x: {{ ref('stg_missing') }} <b>not found</b>")
    callbacks = notifiers.failure_notifiers()  # one list for every task of a DAG (default_args)
    _fail(_failure_context(error), callbacks)
    _fail(_failure_context(ValueError("the next task's failure")), callbacks)
    assert len(hook_box.posts) == len(mail_box.mails) == 2
    assert "the next task&#39;s failure" in _mail_text(mail_box.mails[1])
    text = hook_box.posts[0]["body"]["text"]
    assert "Pesan galat: RuntimeError: Compilation Error in model x: {{ ref('stg_missing') }} <b>not found</b>" in text
    html = _mail_text(mail_box.mails[0])
    assert "{{ ref(&#39;stg_missing&#39;) }} &lt;b&gt;not found&lt;/b&gt;" in html
    assert "Jenis galat: tidak dikenal" in html


def test_unconfigured_channels_are_skipped(monkeypatch, webhook, smtp):
    for key in ("UCJ_ALERT_WEBHOOK_URL", "UCJ_ALERT_SMTP_HOST", "UCJ_ALERT_EMAIL_FROM", "UCJ_ALERT_EMAIL_TO"):
        monkeypatch.delenv(key, raising=False)
    _fail(_failure_context(ValueError("x")))  # sends nothing, raises nothing
    assert notifiers.send(alerts.task_failed_alert(dag_id="d", task_id="t", run_id="r", error="x")) == {}
    # SMTP host without recipients is not a channel either
    port, mail_box = smtp
    monkeypatch.setenv("UCJ_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("UCJ_ALERT_SMTP_PORT", str(port))
    assert alerts.AlertSettings.from_env().email_configured is False
    _fail(_failure_context(ValueError("x")))
    assert mail_box.mails == [] and webhook[1].posts == []


def test_settings_are_read_when_the_alert_goes_out_not_when_the_dag_is_parsed(monkeypatch, webhook):
    url, box = webhook
    monkeypatch.delenv("UCJ_ALERT_WEBHOOK_URL", raising=False)
    callbacks = notifiers.failure_notifiers()  # as default_args() builds them at parse time
    monkeypatch.setenv("UCJ_ALERT_WEBHOOK_URL", url)
    for notifier in callbacks:
        notifier(_failure_context(ValueError("x")))
    assert [p["body"]["task_id"] for p in box.posts] == ["ingest_file"]


def test_delivery_failures_raise_from_a_callback_and_are_logged_by_send(webhook, caplog):
    url, box = webhook
    box.status = 500
    cfg = alerts.AlertSettings(
        webhook_url=url,
        smtp_host="127.0.0.1",
        smtp_port=9,  # nothing listens on the discard port
        email_from="a@b.c",
        email_to=("d@e.f",),
    )
    alert = alerts.task_failed_alert(dag_id="d", task_id="t", run_id="r", error=ValueError(f"NIK {NIK}"))
    # as a callback: Airflow's task runner logs the exception and leaves the task's state alone
    with pytest.raises(urllib.error.HTTPError):
        notifiers.WebhookNotifier(alert, settings=cfg)({})
    with pytest.raises(ConnectionRefusedError):
        notifiers.EmailNotifier(alert, settings=cfg)({})
    # the watchdog's send: every channel tried, none raises
    assert notifiers.send(alert, cfg) == {"webhook": False, "email": False}
    assert "alert webhook not delivered" in caplog.text and "alert email not delivered" in caplog.text
    assert len(box.posts) == 2


def test_settings_from_env():
    cfg = alerts.AlertSettings.from_env(
        {
            "UCJ_ALERT_SMTP_HOST": "smtp.sultraprov.go.id",
            "UCJ_ALERT_SMTP_PORT": "587",
            "UCJ_ALERT_SMTP_STARTTLS": "ya",
            "UCJ_ALERT_EMAIL_FROM": "airflow@x",
            "UCJ_ALERT_EMAIL_TO": " a@x ,, b@x ",
            "UCJ_ALERT_WEBHOOK_URL": "  ",
        }
    )
    assert cfg.webhook_url is None
    assert (cfg.smtp_port, cfg.smtp_starttls, cfg.email_to) == (587, True, ("a@x", "b@x"))
    assert cfg.email_configured


def test_the_templates_ship_inside_the_package():
    from importlib.resources import files

    templates = files("ucj.ops") / "templates"
    names = {t.name for t in templates.iterdir()}
    assert {"task_failed.txt.j2", "nightly_missed.txt.j2", "email.html.j2"} <= names


# --------------------------------------------------------------------------- retries


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (psycopg.OperationalError("server closed the connection unexpectedly"), "transient"),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), "transient"),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), "transient"),
        (psycopg.InterfaceError("the connection is closed"), "transient"),
        (ConnectionRefusedError(111, "Connection refused"), "transient"),
        (TimeoutError("timed out"), "transient"),
        (FileLevelError("ENCRYPTED", "password protected"), "data"),
        (ValueError("'31-02-2025' is not a date"), "data"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "data"),
        (psycopg.errors.NumericValueOutOfRange("numeric field overflow"), "data"),
        (RuntimeError("dbt failed"), "unknown"),
        (KeyError("x"), "unknown"),
    ],
)
def test_classify(error, kind):
    assert retries.classify(error) == kind


def test_classify_follows_the_cause_and_transient_wins():
    try:
        try:
            raise psycopg.OperationalError("terminating connection due to administrator command")
        except psycopg.OperationalError as inner:
            raise ValueError("could not load file") from inner
    except ValueError as outer:
        assert retries.classify(outer) == "transient"


def test_no_retry_on_data_errors_fails_fast_on_data_and_passes_transient_through():
    from airflow.sdk.exceptions import AirflowFailException

    @retries.no_retry_on_data_errors
    def load(error: BaseException) -> None:
        raise error

    with pytest.raises(AirflowFailException) as failed:
        load(ValueError(f"bad NIK {NIK}"))
    assert isinstance(failed.value.__cause__, ValueError)
    assert NIK not in str(failed.value) and "tidak dicoba ulang" in str(failed.value)

    with pytest.raises(psycopg.OperationalError):  # Airflow retries it with backoff
        load(psycopg.OperationalError("connection refused"))
    with pytest.raises(RuntimeError):
        load(RuntimeError("unknown: Airflow's retries decide"))

    with pytest.raises(AirflowFailException), retries.no_retry_on_data_errors():
        raise FileLevelError("EMPTY", "no rows")

    @retries.no_retry_on_data_errors()
    def fine() -> int:
        return 7

    assert fine() == 7
