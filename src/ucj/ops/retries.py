"""Which errors a retry can fix: transient ones (database gone, lock or statement timeout,
network) against data errors (a file that cannot be read, a value that does not parse).

:func:`no_retry_on_data_errors` wraps a task body so that a data error fails the task at once
(``AirflowFailException``) while a transient one goes through Airflow's retries with backoff.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from ucj.privacy import mask_identifiers

ErrorKind = Literal["transient", "data", "unknown"]
F = TypeVar("F", bound=Callable[..., Any])

_MAX_ERROR_CHARS = 1500
_TRANSIENT_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}


def error_text(error: BaseException | str | None) -> str:
    """``Type: message`` on one line, at most 1,500 characters (not masked)."""
    if error is None:
        return "-"
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    text = " ".join(str(text).split())
    if len(text) > _MAX_ERROR_CHARS:
        text = text[: _MAX_ERROR_CHARS - 1] + "…"
    return text


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

    from ucj.ingest.readers import FileLevelError

    found: list[type[BaseException]] = [
        ValueError,  # values that do not parse, LandingPathError, UnicodeDecodeError, pandas ParserError
        psycopg.DataError,  # a value PostgreSQL refuses (numeric overflow, bad date)
        FileLevelError,
    ]
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


class _NoRetryOnDataErrors(contextlib.ContextDecorator):
    def __enter__(self) -> _NoRetryOnDataErrors:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        from airflow.sdk.exceptions import AirflowFailException

        if isinstance(exc, AirflowFailException):
            return False
        if classify(exc) == "data":
            message = mask_identifiers(f"data error, not retried (galat data, tidak dicoba ulang): {error_text(exc)}")
            raise AirflowFailException(message) from exc
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
