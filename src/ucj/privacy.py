"""Personal data: NIK masking, neutralising spreadsheet formulas, the pseudonym key.

UU PDP 27/2022: logs, quarantine reports and alerts never show a full NIK. A 16-digit run
(or a longer digit run, a KPJ-like 11+ digit run) keeps its last 4 digits only. Cells that a
spreadsheet would execute (``=``, ``+``, ``-``, ``@``, tab, CR at the start) are prefixed
with a quote so that opening a report never runs a formula (CSV injection).

The marts carry ``participant_key`` instead of NIK or KPJ: HMAC-SHA256 of the identifier under
``UCJ_PSEUDONYM_KEY``, computed in the database (``private.participant_key``, migration V020)
from a key only the warehouse's owner can read, so that it never appears in dbt's SQL or logs.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

PSEUDONYM_KEY_ENV = "UCJ_PSEUDONYM_KEY"
DEV_PSEUDONYM_KEY = "dev-only-key"  # only when UCJ_PSEUDONYM_KEY is unset and no key is stored

_LONG_DIGITS = re.compile(r"(?<!\d)(\d{7,})(\d{4})(?!\d)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def mask_identifiers(text: str) -> str:
    """Mask every run of 11 or more digits but its last 4: ``7471015203900001`` → ``************0001``."""
    return _LONG_DIGITS.sub(lambda m: "*" * len(m[1]) + m[2], text)


def install_log_masking() -> None:
    """Mask identifiers in every log record of the ``ucj`` loggers, message and traceback alike.

    A record factory, not a handler filter: it holds whichever handlers Airflow, the CLI or
    pytest attach. Installed once per process (``import ucj`` does it).
    """
    base = logging.getLogRecordFactory()
    if getattr(base, "ucj_masking", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = base(*args, **kwargs)
        name = record.name or ""  # logging.makeLogRecord builds a blank record first
        if name == "ucj" or name.startswith("ucj."):
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a broken format string is logging's to report
                return record
            masked = mask_identifiers(message)
            if masked != message:
                record.msg, record.args = masked, None
            if record.exc_info and not record.exc_text:
                record.exc_text = mask_identifiers(logging.Formatter().formatException(record.exc_info))
        return record

    factory.ucj_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


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
    secret = os.environ.get(PSEUDONYM_KEY_ENV) or None
    if secret is None:
        log.warning("%s is unset: the marts' pseudonyms use a development key", PSEUDONYM_KEY_ENV)
    row = conn.execute(
        "select private.set_pseudonym_key(%s, %s)", (secret or DEV_PSEUDONYM_KEY, secret is not None)
    ).fetchone()
    return bool(row and row[0])
