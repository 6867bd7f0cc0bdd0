"""Personal data: NIK masking, neutralising spreadsheet formulas, the pseudonym key.

UU PDP 27/2022: logs, quarantine reports and alerts never show a full NIK. Every
identifier-shaped run keeps its last 4 digits only: 10 or more digits, either unbroken or
with single separators between groups (space, no-break space, dot, dash, as in
``7471 0101 0170 7801`` or ``74.71.01.010170.0601``); the separators stay so the sender can
still find the cell. Dates (8 digits, also followed by a time), short numbers, account
codes (``5.1.02.02.02.0006``) and amounts after ``Rp``/``IDR`` (or with thousands groups and
a decimal part, ``30.000.000,00``) are left alone. A bare ``1.204.000.000`` is masked: it
could be an identifier typed in threes, and a report that hides a figure is the safe mistake. Cells that a
spreadsheet would execute (``=``, ``+``, ``-``, ``@``, tab, CR at the start) are prefixed
with a quote so that opening a report never runs a formula (CSV injection).

The marts carry ``participant_key`` instead of NIK or KPJ: HMAC-SHA256 of the identifier under
``UCJ_PSEUDONYM_KEY``, computed in the database (``private.participant_key``, migration V020)
from a key only the warehouse's owner can read, so that it never appears in dbt's SQL or logs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

PSEUDONYM_KEY_ENV = "UCJ_PSEUDONYM_KEY"
DEV_PSEUDONYM_KEY = "dev-only-key"  # only when UCJ_PSEUDONYM_KEY is unset and no key is stored

# Digits, then groups of 2+ digits each after one separator: a float tail (".0") or two
# separators in a row (" - ") end the run.
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ .\-\u00a0\u2007\u202f]\d{2,})*(?!\d)")
# A date that a space joins to what follows ("2025-06-01 12:00", "12-03-1990 7471…").
_DATE_HEAD = re.compile(r"(?:\d{4}([-.])\d{2}\1\d{2}|\d{2}([-.])\d{2}\2\d{4})[ \u00a0]")
_THOUSANDS = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
_CURRENCY_BEFORE = re.compile(r"(?i)(?:rp|idr)\.?\s*\(?-?\s*$")
_CENTS_AFTER = re.compile(r"[.,]\d{1,2}(?!\d)")
_MIN_DIGITS = 10
# A kode rekening ("5.1.02.02.02.0006") starts with single-digit groups; no identifier does.
_ACCOUNT_CODE_BEFORE = re.compile(r"(?<![\d.])\d\.$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def mask_identifiers(text: str) -> str:
    """Mask every identifier-shaped run but its last 4 digits.

    ``7471015203900001`` → ``************0001``, ``7471 0101 0170 7801`` →
    ``**** **** **** 7801``; ``12-03-1990`` and ``Rp 3.000.000.000`` stay as they are.
    """
    return _DIGIT_RUN.sub(lambda m: _mask_run(m, text), text)


def _mask_run(match: re.Match[str], text: str) -> str:
    run = match[0]
    if head := _DATE_HEAD.match(run):
        rest = run[head.end() :]
        return head[0] + _DIGIT_RUN.sub(lambda m: _mask_run(m, rest), rest)
    digits = sum(c.isdigit() for c in run)
    if digits < _MIN_DIGITS:
        return run
    if (m := _THOUSANDS.fullmatch(run)) and (
        _CURRENCY_BEFORE.search(text[: match.start()])
        or ((cents := _CENTS_AFTER.match(text, match.end())) and cents[0][0] != m[1])
    ):
        return run  # an amount: "Rp 3.000.000.000", "30.000.000,00"
    if _ACCOUNT_CODE_BEFORE.search(text[: match.start()]) and not re.search(r"[^\d.]", run):
        return run
    keep = digits - 4
    out = []
    for c in run:
        if c.isdigit() and keep > 0:
            out.append("*")
            keep -= 1
        else:
            out.append(c)
    return "".join(out)


def install_log_masking() -> None:
    """Mask identifiers in every log record of the process, message and traceback alike (chained
    exceptions included: the traceback text is masked whole), whichever logger writes it: the
    ``ucj`` loggers, Airflow's, psycopg's or dbt's (an error's CONTEXT line can quote a row).

    A record factory, not a handler filter: it holds whichever handlers Airflow, the CLI or
    pytest attach. Installed once per process (``import ucj`` does it).
    """
    base = logging.getLogRecordFactory()
    if getattr(base, "ucj_masking", False):
        install_structlog_masking()  # Airflow may have configured structlog since
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if not record.name:  # logging.makeLogRecord builds a blank record first
            return record
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's to report
            return record
        masked = mask_message(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_identifiers(logging.Formatter().formatException(record.exc_info))
        return record

    factory.ucj_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    install_structlog_masking()


def mask_message(message: str) -> str:
    """:func:`mask_identifiers` for a log message; a JSON object stays valid JSON.

    dbt's ``--log-format json`` lines (the Cosmos watcher's producer reads them back) are masked
    value by value: masking the text would turn ``"execution_time": 0.0941085`` into invalid JSON,
    which Cosmos then prints raw instead of reading it.
    """
    if message.startswith("{"):
        try:
            data = json.loads(message)
        except ValueError:
            pass
        else:
            masked = _masked(data, numbers=True)
            return message if masked == data else json.dumps(masked, ensure_ascii=False)
    return mask_identifiers(message)


def _masked(value: object, *, numbers: bool = False) -> object:
    """Strings masked, containers walked; with ``numbers``, an integer of identifier length too
    (a NIK written as a JSON number)."""
    if isinstance(value, str):
        return mask_identifiers(value)
    if numbers and isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** (_MIN_DIGITS - 1):
        return mask_identifiers(str(value))
    if isinstance(value, dict):
        return {k: _masked(v, numbers=numbers) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v, numbers=numbers) for v in value]
    return value


def mask_event(_logger: object, _method: str, event_dict: dict) -> dict:
    """A structlog processor: identifiers masked in the event, its values and its exception.

    Airflow 3 writes a task's own lines ("Task failed with exception", with the traceback) through
    structlog, not through ``logging``: the record factory never sees them. An ``exc_info`` is
    rendered here (chained causes included) and masked, so the renderer after it only prints text.
    """
    exc_info = event_dict.pop("exc_info", None)
    if exc_info:
        import sys
        import traceback

        if exc_info is True:
            exc_info = sys.exc_info()
        elif isinstance(exc_info, BaseException):
            exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
        if isinstance(exc_info, tuple) and exc_info[0] is not None:
            event_dict["exception"] = "".join(traceback.format_exception(*exc_info))
    for key, value in event_dict.items():
        event_dict[key] = _masked(value)
    return event_dict


def install_structlog_masking() -> None:
    """Put :func:`mask_event` before the renderer of structlog's processors, Airflow's included:
    the configured chain (edited in place: loggers already bound share it) and the chains of the
    ``logging`` handlers that render through structlog. Idempotent. A task process of a scheduler
    sets up its logging before it parses the DAG file, so ``import ucj`` there is in time; a
    process that imports ucj first (``ucj run``) calls it again before ``dag.test()``
    (``airflow_env.run_dag``), and so do the Cosmos tasks when they start. Not an
    ``on_execute_callback`` of every task: an EmptyOperator with a callback is sent to a worker.
    """
    try:
        import structlog
    except ImportError:  # pragma: no cover - a dependency of Airflow
        return
    chains = [structlog.get_config()["processors"]]
    for handler in logging.getLogger().handlers:
        processors = getattr(handler.formatter, "processors", None)
        if isinstance(processors, list):
            chains.append(processors)
    for chain in chains:
        if chain and mask_event not in chain:
            chain.insert(len(chain) - 1, mask_event)


def neutralise_cell(value: object) -> object:
    """A value safe to put in a CSV or spreadsheet cell: formulas are made plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def participant_key(identifier: str, key: str) -> str:
    """The pseudonym the database computes (``private.participant_key``), for checks and tools."""
    return hmac.new(key.encode("utf-8"), identifier.encode("utf-8"), hashlib.sha256).hexdigest()


def store_pseudonym_key(conn: psycopg.Connection) -> bool:
    """Write ``UCJ_PSEUDONYM_KEY`` into ``private.pseudonym_key`` (as the owner); True if it changed.

    Unset, a development key is stored only where no key is stored yet, so that a process
    without the variable never replaces a deployment's key. A new key changes every
    ``participant_key``: rebuild with ``ucj dbt build --full-refresh`` after rotating it.
    """
    from ucj.config import settings

    secret = settings().warehouse.pseudonym_key
    if secret is None:
        log.warning("%s is unset: the marts' pseudonyms use a development key", PSEUDONYM_KEY_ENV)
    row = conn.execute(
        "select private.set_pseudonym_key(%s, %s)", (secret or DEV_PSEUDONYM_KEY, secret is not None)
    ).fetchone()
    return bool(row and row[0])
