"""Alert messages in Bahasa Indonesia (with one English line), and where they go.

The texts are Jinja templates in ``templates/`` (one file per message: the body, a ``subject``
and an ``english`` line). Every value a template prints passes through
:func:`ucj.privacy.mask_identifiers`, so no message carries a full NIK or KPJ (UU PDP 27/2022).
Delivery goes through Airflow's notifier interface (:mod:`ucj.ops.notifiers`); which errors are
retried: :mod:`ucj.ops.retries`.

Two channels, each configured only from the environment (:class:`ucj.config.AlertSettings`) and
skipped when unset:

* a webhook: ``UCJ_ALERT_WEBHOOK_URL`` gets a JSON ``POST`` (``text`` holds the whole
  message, so Slack, Mattermost, Rocket.Chat and Google Chat incoming webhooks show it as is);
* e-mail over SMTP: ``UCJ_ALERT_SMTP_HOST``, ``UCJ_ALERT_SMTP_PORT`` (25),
  ``UCJ_ALERT_SMTP_USER``, ``UCJ_ALERT_SMTP_PASSWORD``, ``UCJ_ALERT_SMTP_STARTTLS`` (false),
  ``UCJ_ALERT_EMAIL_FROM``, ``UCJ_ALERT_EMAIL_TO`` (comma-separated).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import jinja2

from ucj.config import TIMEZONE, AlertSettings  # noqa: F401  (re-exported: ucj.ops.notifiers, tests)
from ucj.ops.retries import classify, error_text
from ucj.privacy import mask_identifiers

AlertKind = Literal["task_failed", "deadline_missed"]

_WITA = ZoneInfo(TIMEZONE)


@dataclass(frozen=True)
class Alert:
    """One rendered alert: a subject, the body in Bahasa Indonesia, one line in English."""

    kind: AlertKind
    subject: str
    body: str
    english: str
    fields: dict[str, str] = field(default_factory=dict)  # for anything that parses the webhook

    @property
    def text(self) -> str:
        return "\n".join([self.subject, "", self.body, "", f"English: {self.english}"])

    @property
    def html(self) -> str:
        """The e-mail body."""
        return _environment(html=True).get_template("email.html.j2").render(alert=self)

    def payload(self) -> dict[str, Any]:
        """The webhook body: ``text`` for chat tools, the parts for anything that parses it."""
        return {
            "text": self.text,
            "kind": self.kind,
            "subject": self.subject,
            "message_id": self.body,
            "message_en": self.english,
            "language": "id",
            **self.fields,
        }


def _printed(value: object) -> str:
    return "-" if value is None or value == "" else mask_identifiers(str(value))


@functools.cache
def _environment(*, html: bool = False) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ucj.ops", "templates"),
        autoescape=html,
        finalize=_printed,  # every printed value is masked; a missing one reads "-"
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def render(template: str, kind: AlertKind, fields: Mapping[str, str], **values: Any) -> Alert:
    """Render ``templates/<template>``: its output is the body, its ``subject`` and ``english``
    variables the rest."""
    module = _environment().get_template(template).make_module(values)
    return Alert(
        kind=kind,
        subject=str(module.subject).strip(),  # type: ignore[attr-defined]
        body=str(module).strip(),
        english=str(module.english).strip(),  # type: ignore[attr-defined]
        fields={k: _printed(v) if v else "" for k, v in fields.items()},
    )


def when_text(value: object) -> str:
    """A time as alerts print it: ``2025-07-01 06:00 WITA`` (UTC times are converted), or the text as given."""
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
    error_line = error_text(error)
    return render(
        "task_failed.txt.j2",
        "task_failed",
        {"dag_id": dag_id, "task_id": task_id, "run_id": run_id or "", "error_kind": kind, "error": error_line},
        dag_id=dag_id,
        task=task,
        run_id=run_id,
        try_number=try_number,
        when=when_text(when or datetime.now(_WITA)),
        error_kind=kind,
        error=error_line,
        log_url=log_url,
    )


def nightly_missed_alert(*, deadline_time: object, problems: Sequence[str]) -> Alert:
    """The watchdog's message (``ucj.ops.watchdog``): tonight's pipeline is not done by its deadline."""
    deadline = when_text(deadline_time)
    return render(
        "nightly_missed.txt.j2",
        "deadline_missed",
        {"deadline": deadline, "problems": "; ".join(problems)},
        deadline=deadline,
        problems=list(problems),
    )


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def task_failed_from_context(context: Mapping[str, Any]) -> Alert:
    """The failed-task message from the context Airflow passes an ``on_failure_callback``."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    dag_id = _get(ti, "dag_id") or _get(dag_run, "dag_id") or _get(context.get("dag"), "dag_id") or "?"
    run_id = context.get("run_id") or _get(ti, "run_id") or _get(dag_run, "run_id")
    try:
        log_url = _get(ti, "log_url")
    except Exception:  # noqa: BLE001 - log_url needs a configured base_url
        log_url = None
    return task_failed_alert(
        dag_id=str(dag_id),
        task_id=str(_get(ti, "task_id") or "(DAG)"),
        run_id=str(run_id) if run_id else None,
        error=context.get("exception") or context.get("reason"),
        try_number=_get(ti, "try_number"),
        map_index=_get(ti, "map_index"),
        when=_get(ti, "end_date"),
        log_url=log_url if isinstance(log_url, str) else None,
    )
