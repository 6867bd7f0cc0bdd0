"""Alerts reach a real local webhook receiver and a real local SMTP server, in Bahasa Indonesia,
with every NIK masked; errors are sorted into transient (retry) and data (fail at once)."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import psycopg
import pytest

from ucj.ingest.readers import FileLevelError
from ucj.ops import alerts

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


# --------------------------------------------------------------------------- delivery


def test_failed_task_alert_arrives_by_webhook_and_email_in_indonesian_without_nik(configured):
    hook_box, mail_box = configured
    error = psycopg.OperationalError(f"connection lost while loading row of NIK {NIK}, KPJ {KPJ}")

    sent = alerts.on_failure_callback(_failure_context(error))

    assert sent == {"webhook": True, "email": True}
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
    content = message.get_content()
    assert "Tugas pipeline UCJ Warehouse GAGAL." in content
    assert "English:" in content
    assert NIK not in mail["data"].decode("utf-8", "replace") and NIK not in content
    assert "************0001" in content


def test_missed_deadline_alert_arrives_with_the_context_airflow_passes(configured):
    hook_box, mail_box = configured
    context = {  # as airflow.models.deadline.Deadline.handle_miss builds it
        "dag_run": {
            "dag_run_id": "scheduled__2025-07-01T01:00:00+08:00",
            "dag_id": "ucj_transform",
            "state": "running",
            "start_date": "2025-06-30T17:00:05Z",
            "queued_at": "2025-06-30T17:00:00Z",
        },
        "deadline": {"id": "0190", "deadline_time": "2025-06-30T22:00:00+00:00"},
    }

    sent = asyncio.run(alerts.on_deadline_missed(context=context, description="run harus selesai dalam 5 jam"))

    assert sent == {"webhook": True, "email": True}
    text = hook_box.posts[0]["body"]["text"]
    assert "Batas waktu pipeline UCJ Warehouse TERLEWATI." in text
    assert "Batas waktu: 2025-07-01 06:00 WITA" in text
    assert "Status saat ini: running" in text
    assert "Keterangan: run harus selesai dalam 5 jam" in text
    assert "English: Run scheduled__2025-07-01T01:00:00+08:00 of ucj_transform missed its deadline" in text
    assert _parsed(mail_box.mails[0])["Subject"] == "[UCJ] BATAS WAKTU TERLEWATI: ucj_transform"


def test_data_error_alert_says_not_retried(configured):
    hook_box, _ = configured
    error = FileLevelError("ENCRYPTED", f"file is password protected (NIK {NIK} in its name)")
    alerts.on_failure_callback(_failure_context(error))
    body = hook_box.posts[0]["body"]
    assert body["error_kind"] == "data"
    assert "tidak dicoba ulang" in body["text"]
    assert NIK not in body["text"]


def test_unconfigured_channels_are_skipped(monkeypatch):
    for key in ("UCJ_ALERT_WEBHOOK_URL", "UCJ_ALERT_SMTP_HOST", "UCJ_ALERT_EMAIL_FROM", "UCJ_ALERT_EMAIL_TO"):
        monkeypatch.delenv(key, raising=False)
    assert alerts.on_failure_callback(_failure_context(ValueError("x"))) == {}
    # SMTP host without recipients is not a channel either
    monkeypatch.setenv("UCJ_ALERT_SMTP_HOST", "127.0.0.1")
    assert alerts.AlertSettings.from_env().email_configured is False


def test_delivery_failures_are_logged_never_raised(monkeypatch, webhook, caplog):
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
    assert alerts.send_alert(alert, cfg) == {"webhook": False, "email": False}
    assert "alert webhook not delivered" in caplog.text and "alert e-mail not delivered" in caplog.text
    # a broken context does not raise either
    assert alerts.on_failure_callback({"ti": object()}) in ({}, {"webhook": False})
    assert alerts.deadline_missed_callback(None) == {}


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
    assert alerts.classify(error) == kind


def test_classify_follows_the_cause_and_transient_wins():
    try:
        try:
            raise psycopg.OperationalError("terminating connection due to administrator command")
        except psycopg.OperationalError as inner:
            raise ValueError("could not load file") from inner
    except ValueError as outer:
        assert alerts.classify(outer) == "transient"


def test_no_retry_on_data_errors_fails_fast_on_data_and_passes_transient_through():
    from airflow.sdk.exceptions import AirflowFailException

    @alerts.no_retry_on_data_errors
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

    with pytest.raises(AirflowFailException), alerts.no_retry_on_data_errors():
        raise FileLevelError("EMPTY", "no rows")

    @alerts.no_retry_on_data_errors()
    def fine() -> int:
        return 7

    assert fine() == 7


def test_deadline_alert_serializes_in_a_dag():
    import pendulum
    from airflow.sdk import DAG, AsyncCallback, DeadlineReference
    from airflow.serialization.serialized_objects import DagSerialization

    alert = alerts.deadline_alert(timedelta(hours=5))
    assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert isinstance(alert.callback, AsyncCallback)
    assert alert.callback.path == "ucj.ops.alerts.on_deadline_missed"
    with DAG("deadline_probe", schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Makassar"),
             deadline=alert) as dag:  # fmt: skip
        pass
    serialized = json.dumps(DagSerialization.to_dict(dag))
    assert "ucj.ops.alerts.on_deadline_missed" in serialized
