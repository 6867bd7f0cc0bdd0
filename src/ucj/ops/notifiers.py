"""Alerts through Airflow's notifier interface: a webhook notifier of our own and e-mail through
the SMTP provider's ``SmtpNotifier``.

Both are ``BaseNotifier`` s: :func:`failure_notifiers` is the ``on_failure_callback`` of every
task (``ucj.airflow_env.default_args``); the watchdog sends its message with :func:`send`.
Settings are read when a notifier sends, not when the DAG file is parsed, and a channel left
unset is skipped. As a callback, a notifier that cannot deliver raises; Airflow's task runner
logs it ("Failed to run task callback") and the task's state is unchanged.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Mapping
from typing import Any

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import BaseNotifier, Connection

from ucj.ops.alerts import Alert, AlertSettings, task_failed_from_context
from ucj.ops.retries import error_text
from ucj.privacy import mask_identifiers

log = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 10
SMTP_CONN_ID = "ucj_alert_smtp"


class _UcjAlert:
    """What both notifiers share: the alert to send (by default the failed task's, from the
    context) and the settings (by default the environment's, read at send time)."""

    channel: str

    def _setup(self, alert: Alert | None, settings: AlertSettings | None) -> None:
        self.alert = alert
        self._fixed_settings = settings

    @property
    def settings(self) -> AlertSettings:
        return self._fixed_settings or AlertSettings.from_env()

    def configured(self) -> bool:
        raise NotImplementedError

    def _alert_for(self, context: Mapping[str, Any]) -> Alert:
        return self.alert or task_failed_from_context(context)


class WebhookNotifier(_UcjAlert, BaseNotifier):
    """``POST`` the alert as JSON to ``UCJ_ALERT_WEBHOOK_URL`` (``text`` holds the whole message)."""

    channel = "webhook"

    def __init__(self, alert: Alert | None = None, *, settings: AlertSettings | None = None) -> None:
        super().__init__()
        self._setup(alert, settings)

    def configured(self) -> bool:
        return bool(self.settings.webhook_url)

    def notify(self, context: Mapping[str, Any]) -> None:
        url = self.settings.webhook_url
        if not url:
            self.log.info("alert webhook skipped: UCJ_ALERT_WEBHOOK_URL is unset")
            return
        body = json.dumps(self._alert_for(context).payload(), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "ucj-warehouse-alerts"},
        )
        with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS):  # noqa: S310 - URL from config
            pass  # a status other than 2xx raises HTTPError


class _SettingsSmtpHook(SmtpHook):
    """The provider's hook, its connection built from ``UCJ_ALERT_SMTP_*`` instead of looked up."""

    def __init__(self, settings: AlertSettings) -> None:
        super().__init__(smtp_conn_id=SMTP_CONN_ID)
        self._settings = settings

    def get_connection(self, conn_id: str) -> Connection:  # type: ignore[override]
        s = self._settings
        extra = {
            "disable_ssl": True,  # SMTPS (465) is not offered; STARTTLS is
            "disable_tls": not s.smtp_starttls,
            "from_email": s.email_from,
            "timeout": _TIMEOUT_SECONDS,
            "retry_limit": 0,  # Airflow retries the task, not the alert
        }
        return Connection(
            conn_id=conn_id,
            conn_type="smtp",
            host=s.smtp_host,
            port=s.smtp_port,
            login=s.smtp_user,
            password=s.smtp_password,
            extra=json.dumps(extra),
        )


class EmailNotifier(_UcjAlert, SmtpNotifier):
    """E-mail the alert through the SMTP provider's ``SmtpNotifier`` (``UCJ_ALERT_SMTP_*``,
    ``UCJ_ALERT_EMAIL_FROM``, ``UCJ_ALERT_EMAIL_TO``).

    The subject and body come from our templates, already rendered and masked, so none of the
    notifier's fields is rendered again by Airflow (an error text may hold ``{{ … }}``, as
    dbt's do).
    """

    channel = "email"
    template_fields = ()

    def __init__(self, alert: Alert | None = None, *, settings: AlertSettings | None = None) -> None:
        super().__init__(to=[], smtp_conn_id=SMTP_CONN_ID)
        self._setup(alert, settings)

    def configured(self) -> bool:
        return self.settings.email_configured

    @property
    def hook(self) -> SmtpHook:  # type: ignore[override]
        return _SettingsSmtpHook(self.settings)  # settings as they are when this alert goes out

    def notify(self, context: Mapping[str, Any]) -> None:
        settings = self.settings
        if not settings.email_configured:
            self.log.info("alert e-mail skipped: UCJ_ALERT_SMTP_HOST, _EMAIL_FROM or _EMAIL_TO is unset")
            return
        alert = self._alert_for(context)
        self.to, self.from_email = list(settings.email_to), settings.email_from
        self.subject, self.html_content = alert.subject, alert.html
        self.custom_headers = {"Content-Language": "id"}
        super().notify(context)  # type: ignore[arg-type]


def failure_notifiers() -> list[BaseNotifier]:
    """The ``on_failure_callback`` of every task: the failed-task alert on both channels."""
    return [WebhookNotifier(), EmailNotifier()]


def send(alert: Alert, settings: AlertSettings | None = None) -> dict[str, bool]:
    """Send ``alert`` on every configured channel; ``{channel: delivered}``. Never raises: a
    failure is logged (masked)."""
    settings = settings or AlertSettings.from_env()
    sent: dict[str, bool] = {}
    for notifier in (WebhookNotifier(alert, settings=settings), EmailNotifier(alert, settings=settings)):
        if not notifier.configured():
            continue
        try:
            notifier({})
        except Exception as err:  # noqa: BLE001 - an alert never fails its caller
            log.warning("alert %s not delivered: %s", notifier.channel, mask_identifiers(error_text(err)))
            sent[notifier.channel] = False
        else:
            sent[notifier.channel] = True
    if not sent:
        log.info("no alert channel configured (UCJ_ALERT_WEBHOOK_URL, UCJ_ALERT_SMTP_HOST): %s", alert.subject)
    return sent
