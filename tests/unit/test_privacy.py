"""Masking of identifiers in reports, logs and the terminal (ucj.privacy.mask_identifiers)."""

from __future__ import annotations

import pytest

from ucj.privacy import mask_identifiers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7471015203900001", "************0001"),
        ("7471 0101 0170 7801", "**** **** **** 7801"),
        ("74.71.01.010170.0601", "**.**.**.******.0601"),
        ("7471-0101-0170-7801", "****-****-****-7801"),
        ("7471\u00a00101\u00a00170\u00a07801", "****\u00a0****\u00a0****\u00a07801"),
        ("7471\u202f0101\u202f0170\u202f7801", "****\u202f****\u202f****\u202f7801"),
        ("74.71.01.010170-0601", "**.**.**.******-0601"),  # mixed separators
        ("'7471010101900001", "'************0001"),  # Excel's apostrophe stays, digits go
        ('="7471010101900001"', '="************0001"'),
        ("11012345678", "*******5678"),  # a KPJ
        ("1101 2345 678", "**** ***5 678"),
        ("7471010101900001.0", "************0001.0"),  # a float: the tail ends the run
        ("NUM:7471010101900001.0", "NUM:************0001.0"),
        ("NIK 7471 0101 0170 7801 lahir 12-03-1990", "NIK **** **** **** 7801 lahir 12-03-1990"),
        ("12-03-1990 7471 0101 0170 7801", "12-03-1990 **** **** **** 7801"),
        ("x.7471010101900001", "x.************0001"),
    ],
)
def test_identifier_shaped_runs_keep_their_last_four_digits(text: str, expected: str) -> None:
    assert mask_identifiers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "123",
        "12345678",  # an NPP is not personal data
        "12-03-1990",
        "12/03/1990",
        "2025-06-01 12:00:00",
        "01-06-2025 - 30-06-2025",
        "Rp 3.000.000",
        "Rp 3.000.000.000",
        "Rp. 1.204.000.000,00",
        "IDR 1,204,000,000",
        "Rp (1.204.000.000)",
        "30.000.000,00",
        "3,000,000,000.00",
        "NUM:7.47101e+15",
        "7.47101E+15",
        "5.1.02.02.02.0006",  # an account code: 14 digits but single-digit groups
        "rows 12, 13, 14, 15, 16",
    ],
)
def test_dates_money_and_short_numbers_are_left_alone(text: str) -> None:
    assert mask_identifiers(text) == text


def test_no_identifier_leaks_whatever_its_separators() -> None:
    nik = "7471010101700601"
    for sep in (" ", ".", "-", "\u00a0"):
        typed = sep.join((nik[:4], nik[4:8], nik[8:12], nik[12:]))
        masked = mask_identifiers(f"nilai {typed!s} ditolak")
        assert nik[:12] not in masked.replace(sep, "")
        assert masked.replace(sep, "").count("*") == 12


def test_a_bare_thousands_grouped_number_is_masked_when_it_could_be_an_identifier() -> None:
    """Without Rp/IDR or cents, 10+ grouped digits may be an identifier typed in threes."""
    assert mask_identifiers("7.471.010.101.700.601") == "*.***.***.***.**0.601"


def test_every_logger_is_masked_chained_exceptions_included(caplog) -> None:
    """Airflow's, psycopg's or dbt's own records carry row data too (a COPY error's CONTEXT)."""
    import logging

    nik = "7471010101900001"
    logger = logging.getLogger("airflow.task")
    with caplog.at_level(logging.ERROR, logger="airflow.task"):
        try:
            try:
                raise ValueError(f"COPY rosters, line 4: {nik}\tANI")
            except ValueError as inner:
                raise RuntimeError("load failed") from inner
        except RuntimeError:
            logger.exception("task failed for %s", nik)
    (record,) = [r for r in caplog.records if r.name == "airflow.task"]
    assert nik not in record.getMessage() and "0001" in record.getMessage()
    assert nik not in (record.exc_text or "") and "COPY rosters" in (record.exc_text or "")


def test_airflow_structlog_lines_are_masked_tracebacks_and_chained_causes_included() -> None:
    """Airflow 3 writes a task's "Task failed with exception" and its traceback through structlog,
    not logging; configured as Airflow configures a task process, after ``import ucj``."""
    import io
    import logging

    import structlog
    from airflow.sdk._shared.logging.structlog import configure_logging

    from ucj.privacy import install_log_masking

    nik, other = "7471010101900001", "7471010101900002"
    saved = structlog.get_config()
    out = io.StringIO()
    try:
        configure_logging(output=out, log_level="info", colors=False)
        install_log_masking()  # as each task's on_execute_callback does
        install_log_masking()  # idempotent
        assert structlog.get_config()["processors"].count(__import__("ucj.privacy").privacy.mask_event) == 1
        log = structlog.get_logger(logger_name="task")
        try:
            try:
                raise KeyError(f"row NIK {nik} name ANI")
            except KeyError as err:
                raise ValueError(f"load failed for {other}") from err
        except ValueError:
            log.exception("Task failed with exception", nik=nik)
            logging.getLogger("airflow.task").exception("stdlib line for %s", other)
    finally:
        structlog.configure(**saved)
        logging.getLogger().handlers.clear()
    text = out.getvalue()
    assert "Task failed with exception" in text and "load failed for" in text and "row NIK" in text, text
    assert "stdlib line for" in text, text
    assert nik not in text and other not in text, text
    assert "0001" in text and "0002" in text


def test_a_json_log_line_stays_json_with_its_identifiers_masked(caplog) -> None:
    """dbt's --log-format json lines: Cosmos' watcher reads them back and prints any line that is
    not JSON, so masking must keep the JSON valid (a float's digits once became `*.*****1085`)."""
    import json
    import logging

    from ucj.privacy import install_log_masking

    install_log_masking()
    line = json.dumps(
        {
            "data": {"execution_time": 0.0941085, "msg": "row with NIK 7471015203900001", "nik": 7471015203900002},
            "info": {"ts": "2026-12-03T19:30:06.406714Z", "invocation_id": "9d39c270-b015-4a24-94aa-9db3d4ed495f"},
        }
    )
    with caplog.at_level(logging.INFO, logger="dbt.json_test"):
        logging.getLogger("dbt.json_test").info(line)
    parsed = json.loads(caplog.records[-1].getMessage())
    assert parsed["data"]["execution_time"] == 0.0941085
    assert parsed["data"]["msg"] == "row with NIK ************0001"
    assert parsed["data"]["nik"] == "************0002"
    assert parsed["info"] == {
        "ts": "2026-12-03T19:30:06.406714Z",
        "invocation_id": "9d39c270-b015-4a24-94aa-9db3d4ed495f",
    }
    # a message that only looks like JSON is masked as text
    logging.getLogger("dbt.json_test").warning("{not json 7471015203900003")
    assert caplog.records[-1].getMessage() == "{not json ************0003"
