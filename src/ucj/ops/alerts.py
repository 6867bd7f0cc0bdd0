"""Alerts in Bahasa Indonesia (with one English line): a failed task, a missed deadline.

Two channels, each configured only from the environment and skipped when unset:

* a webhook: ``UCJ_ALERT_WEBHOOK_URL`` gets a JSON ``POST`` (``text`` holds the whole
  message, so Slack, Mattermost, Rocket.Chat and Google Chat incoming webhooks show it as is);
* e-mail over SMTP: ``UCJ_ALERT_SMTP_HOST``, ``UCJ_ALERT_SMTP_PORT`` (25),
  ``UCJ_ALERT_SMTP_USER``, ``UCJ_ALERT_SMTP_PASSWORD``, ``UCJ_ALERT_SMTP_STARTTLS`` (false),
  ``UCJ_ALERT_EMAIL_FROM``, ``UCJ_ALERT_EMAIL_TO`` (comma-separated).

A failure to send is logged and never raised: an alert must not fail the task it reports on.
No message carries a full NIK or KPJ (:func:`ucj.privacy.mask_identifiers`, UU PDP 27/2022).

Retries: :func:`classify` tells transient errors (database gone, lock or statement timeout,
network) from data errors (a file that cannot be read, a value that does not parse);
:func:`no_retry_on_data_errors` wraps a task body so that a data error fails the task at once
(``AirflowFailException``) while a transient one goes through Airflow's retries with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from ucj.config import TIMEZONE
from ucj.privacy import mask_identifiers

log = logging.getLogger(__name__)

_WITA = ZoneInfo(TIMEZONE)
_TIMEOUT_SECONDS = 10.0
_MAX_ERROR_CHARS = 1500
_TRUE = {"1", "true", "yes", "y", "ya", "on"}

F = TypeVar("F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go; read with :meth:`from_env`. A channel left unset is skipped."""

    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    email_from: str | None = None
    email_to: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertSettings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = (env.get(name) or "").strip()
            return value or None

        port = get("UCJ_ALERT_SMTP_PORT")
        return cls(
            webhook_url=get("UCJ_ALERT_WEBHOOK_URL"),
            smtp_host=get("UCJ_ALERT_SMTP_HOST"),
            smtp_port=int(port) if port else 25,
            smtp_user=get("UCJ_ALERT_SMTP_USER"),
            smtp_password=get("UCJ_ALERT_SMTP_PASSWORD"),
            smtp_starttls=(get("UCJ_ALERT_SMTP_STARTTLS") or "").lower() in _TRUE,
            email_from=get("UCJ_ALERT_EMAIL_FROM"),
            email_to=tuple(a.strip() for a in (get("UCJ_ALERT_EMAIL_TO") or "").split(",") if a.strip()),
        )

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.email_from and self.email_to)


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Alert:
    """One alert, already masked: a subject, lines in Bahasa Indonesia, one line in English."""

    kind: Literal["task_failed", "deadline_missed"]
    subject: str
    lines_id: tuple[str, ...]
    line_en: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join([self.subject, "", *self.lines_id, "", f"English: {self.line_en}"])

    def payload(self) -> dict[str, Any]:
        """The webhook body: ``text`` for chat tools, the parts for anything that parses it."""
        return {
            "text": self.text,
            "kind": self.kind,
            "subject": self.subject,
            "message_id": "\n".join(self.lines_id),
            "message_en": self.line_en,
            "language": "id",
            **self.fields,
        }


def _mask(value: object) -> str:
    return mask_identifiers(str(value))


def _when(value: object) -> str:
    """A time as ``2025-07-01 01:23 WITA`` (UTC times are converted), or the text as given."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo("UTC"))
        return value.astimezone(_WITA).strftime("%Y-%m-%d %H:%M WITA")
    return "-" if value is None else str(value)


def _error_text(error: BaseException | str | None) -> str:
    if error is None:
        return "-"
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    text = " ".join(str(text).split())
    if len(text) > _MAX_ERROR_CHARS:
        text = text[: _MAX_ERROR_CHARS - 1] + "…"
    return text


_KIND_ID = {
    "transient": "sementara (koneksi/kunci basis data); sudah dicoba ulang sesuai pengaturan retries",
    "data": "data (berkas atau nilai tidak valid); tidak dicoba ulang, perbaiki datanya lalu jalankan ulang",
    "unknown": "tidak dikenal; sudah dicoba ulang sesuai pengaturan retries",
}


def task_failed_alert(
    *,
    dag_id: str,
    task_id: str,
    run_id: str | None,
    error: BaseException | str | None,
    try_number: int | None = None,
    map_index: int | None = None,
    when: object = None,
    log_url: str | None = None,
) -> Alert:
    """The message for a task that failed for good (retries used up, or a data error)."""
    kind = classify(error) if isinstance(error, BaseException) else "unknown"
    task = task_id if map_index in (None, -1) else f"{task_id} [#{map_index}]"
    error_text = _error_text(error)
    lines = [
        "Tugas pipeline UCJ Warehouse GAGAL.",
        f"DAG: {dag_id}",
        f"Tugas: {task}",
        f"Run: {run_id or '-'}",
        f"Percobaan ke: {try_number if try_number is not None else '-'}",
        f"Waktu: {_when(when or datetime.now(_WITA))}",
        f"Jenis galat: {_KIND_ID[kind]}",
        f"Pesan galat: {error_text}",
    ]
    if log_url:
        lines.append(f"Log: {log_url}")
    lines.append(
        "Tindakan: periksa log tugas; setelah penyebabnya diperbaiki, jalankan ulang tugas (Clear) di Airflow."
    )
    en = f"Task {dag_id}.{task} failed in run {run_id or '-'} ({kind} error): {error_text}"
    return _masked(
        Alert(
            kind="task_failed",
            subject=f"[UCJ] GAGAL: {dag_id}.{task}",
            lines_id=tuple(lines),
            line_en=en,
            fields={
                "dag_id": dag_id,
                "task_id": task_id,
                "run_id": run_id or "",
                "error_kind": kind,
                "error": error_text,
            },
        )
    )


def deadline_missed_alert(
    *,
    dag_id: str,
    run_id: str | None,
    deadline_time: object,
    state: str | None = None,
    started_at: object = None,
    description: str | None = None,
) -> Alert:
    """The message for a DAG run still not finished at its deadline."""
    lines = [
        "Batas waktu pipeline UCJ Warehouse TERLEWATI.",
        f"DAG: {dag_id}",
        f"Run: {run_id or '-'}",
        f"Batas waktu: {_when(deadline_time)}",
        f"Mulai: {_when(started_at)}",
        f"Status saat ini: {state or '-'}",
    ]
    if description:
        lines.append(f"Keterangan: {description}")
    lines.append(
        "Tindakan: periksa apakah scheduler dan worker berjalan dan apakah ada tugas yang macet; "
        "data mart hari ini mungkin belum diperbarui."
    )
    en = f"Run {run_id or '-'} of {dag_id} missed its deadline ({_when(deadline_time)}); state: {state or '-'}"
    return _masked(
        Alert(
            kind="deadline_missed",
            subject=f"[UCJ] BATAS WAKTU TERLEWATI: {dag_id}",
            lines_id=tuple(lines),
            line_en=en,
            fields={"dag_id": dag_id, "run_id": run_id or "", "deadline": _when(deadline_time)},
        )
    )


def nightly_missed_alert(*, deadline_time: object, problems: list[str] | tuple[str, ...]) -> Alert:
    """The watchdog's message (``ucj.ops.watchdog``): tonight's pipeline is not done by its deadline."""
    lines = [
        "Pipeline malam UCJ Warehouse BELUM SELESAI pada batas waktunya.",
        f"Batas waktu: {_when(deadline_time)}",
        *(f"- {p}" for p in problems),
        "Tindakan: periksa apakah scheduler dan worker berjalan, lihat `ucj status` dan log run yang gagal; "
        "data mart hari ini mungkin belum diperbarui.",
    ]
    en = f"The nightly pipeline was not done by {_when(deadline_time)}: " + "; ".join(problems)
    return _masked(
        Alert(
            kind="deadline_missed",
            subject=f"[UCJ] BATAS WAKTU TERLEWATI: pipeline malam {_when(deadline_time)}",
            lines_id=tuple(lines),
            line_en=en,
            fields={"deadline": _when(deadline_time), "problems": "; ".join(problems)},
        )
    )


def when_text(value: object) -> str:
    """A time as alerts print it: ``2025-07-01 06:00 WITA``."""
    return _when(value)


def _masked(alert: Alert) -> Alert:
    return Alert(
        kind=alert.kind,
        subject=_mask(alert.subject),
        lines_id=tuple(_mask(line) for line in alert.lines_id),
        line_en=_mask(alert.line_en),
        fields={k: _mask(v) for k, v in alert.fields.items()},
    )


# --------------------------------------------------------------------------- sending


def send_webhook(alert: Alert, url: str) -> bool:
    body = json.dumps(alert.payload(), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "ucj-warehouse-alerts"},
    )
    with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:  # noqa: S310 - URL from config
        return 200 <= response.status < 300


def send_email(alert: Alert, cfg: AlertSettings) -> bool:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = cfg.email_from or ""
    message["To"] = ", ".join(cfg.email_to)
    message["Content-Language"] = "id"
    message.set_content(alert.text, charset="utf-8")
    with smtplib.SMTP(cfg.smtp_host or "", cfg.smtp_port, timeout=_TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if cfg.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if cfg.smtp_user:
            smtp.login(cfg.smtp_user, cfg.smtp_password or "")
        refused = smtp.send_message(message)
    return not refused


def send_alert(alert: Alert, cfg: AlertSettings | None = None) -> dict[str, bool]:
    """Send to every configured channel; returns ``{channel: delivered}``. Never raises."""
    cfg = cfg or AlertSettings.from_env()
    sent: dict[str, bool] = {}
    if cfg.webhook_url:
        try:
            sent["webhook"] = send_webhook(alert, cfg.webhook_url)
        except Exception as err:  # noqa: BLE001 - an alert never fails the caller
            log.warning("alert webhook not delivered: %s", _mask(_error_text(err)))
            sent["webhook"] = False
    if cfg.email_configured:
        try:
            sent["email"] = send_email(alert, cfg)
        except Exception as err:  # noqa: BLE001
            log.warning("alert e-mail not delivered: %s", _mask(_error_text(err)))
            sent["email"] = False
    if not sent:
        log.info("no alert channel configured (UCJ_ALERT_WEBHOOK_URL, UCJ_ALERT_SMTP_HOST): %s", alert.subject)
    return sent


# --------------------------------------------------------------------------- Airflow callbacks


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def on_failure_callback(context: Mapping[str, Any]) -> dict[str, bool]:
    """Task (or DAG) ``on_failure_callback``: send the failure alert. Never raises."""
    try:
        ti = context.get("ti") or context.get("task_instance")
        dag_run = context.get("dag_run")
        dag = context.get("dag")
        dag_id = _get(ti, "dag_id") or _get(dag_run, "dag_id") or _get(dag, "dag_id") or "?"
        task_id = _get(ti, "task_id") or "(DAG)"
        run_id = context.get("run_id") or _get(ti, "run_id") or _get(dag_run, "run_id")
        error = context.get("exception") or context.get("reason")
        try:
            log_url = _get(ti, "log_url")
        except Exception:  # noqa: BLE001 - log_url needs a configured base_url
            log_url = None
        alert = task_failed_alert(
            dag_id=str(dag_id),
            task_id=str(task_id),
            run_id=str(run_id) if run_id else None,
            error=error,
            try_number=_get(ti, "try_number"),
            map_index=_get(ti, "map_index"),
            when=_get(ti, "end_date") or datetime.now(_WITA),
            log_url=log_url if isinstance(log_url, str) else None,
        )
        return send_alert(alert)
    except Exception as err:  # noqa: BLE001
        log.warning("failure alert not built: %s", _mask(_error_text(err)))
        return {}


def deadline_missed_callback(context: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, bool]:
    """The missed-deadline alert from the context Airflow passes a deadline callback.

    Airflow 3.3 calls it with ``context={"dag_run": {...DAGRunResponse as JSON...},
    "deadline": {"id": ..., "deadline_time": ...}}`` plus the ``kwargs`` given to the callback.
    Never raises.
    """
    try:
        context = context or {}
        dag_run = context.get("dag_run") or {}
        deadline = context.get("deadline") or {}
        alert = deadline_missed_alert(
            dag_id=str(_get(dag_run, "dag_id") or kwargs.get("dag_id") or "?"),
            run_id=_get(dag_run, "dag_run_id") or _get(dag_run, "run_id"),
            deadline_time=_get(deadline, "deadline_time"),
            state=_get(dag_run, "state"),
            started_at=_get(dag_run, "start_date") or _get(dag_run, "queued_at"),
            description=kwargs.get("description"),
        )
        return send_alert(alert)
    except Exception as err:  # noqa: BLE001
        log.warning("deadline alert not built: %s", _mask(_error_text(err)))
        return {}


async def on_deadline_missed(context: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, bool]:
    """The awaitable form for ``AsyncCallback`` (runs in the triggerer); sends in a thread."""
    return await asyncio.to_thread(deadline_missed_callback, context, **kwargs)


def deadline_alert(
    interval: timedelta = timedelta(hours=5),
    *,
    reference: Literal["queued_at", "logical_date"] = "queued_at",
    description: str | None = None,
) -> Any:
    """A ``DeadlineAlert`` for a DAG's ``deadline=`` argument: alert when a run is not done in time.

    The default, five hours after the run was queued, puts the nightly 01:00 WITA run's deadline
    at 06:00 WITA, before office hours. ``queued_at`` rather than ``logical_date``: a backfill's
    runs have logical dates in the past and would all be "late" the moment they are created.
    The callback is an ``AsyncCallback`` (the triggerer runs it), so it needs no executor support.
    """
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    ref = DeadlineReference.DAGRUN_QUEUED_AT if reference == "queued_at" else DeadlineReference.DAGRUN_LOGICAL_DATE
    hours = interval.total_seconds() / 3600
    since = "diantrekan" if reference == "queued_at" else "tanggal logisnya"
    text = description or f"run harus selesai dalam {hours:g} jam sejak {since}"
    return DeadlineAlert(
        reference=ref,
        interval=interval,
        callback=AsyncCallback(on_deadline_missed, kwargs={"description": text}),
        name="ucj_deadline",
    )


# --------------------------------------------------------------------------- retries


ErrorKind = Literal["transient", "data", "unknown"]

_TRANSIENT_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}


def _transient_types() -> tuple[type[BaseException], ...]:
    import psycopg

    found: list[type[BaseException]] = [
        psycopg.OperationalError,  # connection lost or refused, lock_timeout, statement_timeout, deadlock
        psycopg.InterfaceError,  # the connection is closed
        ConnectionError,
        TimeoutError,
    ]
    with contextlib.suppress(ImportError):  # dbt-postgres talks psycopg2
        import psycopg2

        found += [psycopg2.OperationalError, psycopg2.InterfaceError]
    with contextlib.suppress(ImportError):
        import sqlalchemy.exc

        found += [sqlalchemy.exc.OperationalError, sqlalchemy.exc.DisconnectionError]
    return tuple(found)


def _data_types() -> tuple[type[BaseException], ...]:
    import psycopg

    found: list[type[BaseException]] = [
        ValueError,  # values that do not parse, LandingPathError, UnicodeDecodeError, pandas ParserError
        psycopg.DataError,  # a value PostgreSQL refuses (numeric overflow, bad date)
    ]
    with contextlib.suppress(ImportError):
        from ucj.ingest.readers import FileLevelError

        found.append(FileLevelError)
    with contextlib.suppress(ImportError):
        from airflow.sdk.exceptions import AirflowFailException

        found.append(AirflowFailException)
    return tuple(found)


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(seen) < 20 and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(error: BaseException | None) -> ErrorKind:
    """``transient`` (retry helps), ``data`` (retry cannot help) or ``unknown`` (Airflow retries).

    The whole chain of causes counts, and a transient cause wins: a ``ValueError`` raised while
    the database connection was lost is still worth retrying.
    """
    if error is None:
        return "unknown"
    chain = _chain(error)
    transient = _transient_types()
    for item in chain:
        if isinstance(item, transient):
            return "transient"
        if isinstance(item, OSError) and item.errno in _TRANSIENT_ERRNOS:
            return "transient"
    data = _data_types()
    if any(isinstance(item, data) for item in chain):
        return "data"
    return "unknown"


class DataErrorNoRetry(Exception):
    """Raised instead of a data error when Airflow is not importable (plain Python callers)."""


def _fail_without_retry(message: str) -> BaseException:
    try:
        from airflow.sdk.exceptions import AirflowFailException
    except ImportError:  # pragma: no cover - Airflow is a dependency of the project
        return DataErrorNoRetry(message)
    return AirflowFailException(message)


class _NoRetryOnDataErrors(contextlib.ContextDecorator):
    def __enter__(self) -> _NoRetryOnDataErrors:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        if exc_type is not None and exc_type.__name__ == "AirflowFailException":
            return False
        if classify(exc) == "data":
            message = mask_identifiers(f"data error, not retried (galat data, tidak dicoba ulang): {_error_text(exc)}")
            raise _fail_without_retry(message) from exc
        return False


def no_retry_on_data_errors(func: F | None = None) -> Any:
    """Fail a task at once on a data error; let transient and unknown errors retry.

    Use as ``@no_retry_on_data_errors`` or ``@no_retry_on_data_errors()`` on a task body, or
    ``with no_retry_on_data_errors():`` around part of one. A data error is re-raised as
    ``AirflowFailException`` (Airflow 3: the task fails without using its retries), the
    original kept as ``__cause__``; its message is masked.
    """
    if func is None:
        return _NoRetryOnDataErrors()
    return _NoRetryOnDataErrors()(func)
