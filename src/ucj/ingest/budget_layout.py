"""Workers of a budget line, from the way a DPA/RKA writes its Volume.

An APBD line for JKK/JKM contributions states what it pays for in one of these ways:

* a worker count: ``Jumlah Pekerja 230``, ``Volume 230`` with ``Satuan Orang`` (also org, jiwa,
  peserta, pekerja, TK, OT — orang-tahun, a worker for the whole year), or ``230 Orang`` in
  the Volume cell itself;
* orang-bulan (``OB``, "person-months"): ``Volume 2.760`` with ``Satuan OB``, or ``2.760 OB``. A
  worker covered all year is 12 OB, so workers = OB ÷ 12, or ÷ N when the Koefisien names the
  months (``230 Orang x 12 Bulan``, ``230 org x 6 bln``). When OB does not divide evenly by
  the months the line's worker count is not stated (NULL) and the row is loaded with a
  warning: a fractional worker is a guess, never a figure;
* a Koefisien alone: ``230 Orang x 12 Bulan`` gives 230 workers;
* units that count no workers (``1 Paket``, ``12 Bulan``, ``1 Tahun``, ``OH`` orang-hari, ``OK``
  orang-kali): the worker count is NULL with a warning naming the unit.

A JKK line and a JKM line of the same OPD each state the same workers: the marts take the
OPD's workers once (``max`` over its lines in ``fct_budget_yearly``), never their sum. The
pagu of each line is its own ``Jumlah``/``Pagu``; Sub Total, Jumlah and Total rows are skipped
by the reader.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from ucj.ingest import values
from ucj.ingest.validation import RowFailure

MONTHS_PER_YEAR = 12
_WORKER_UNITS = frozenset({"orang", "orang_tahun"})
_KOEFISIEN = re.compile(r"(?P<workers>\d[\d.,]*)\s*(?P<unit>[A-Za-z/]+)")
_MONTHS_IN = re.compile(r"[x×*]\s*(\d{1,2})\s*(?:bulan|bln|bl)\b", re.IGNORECASE)


def derive_workers(typed: pd.DataFrame, sheet: str | None) -> list[RowFailure]:
    """Set ``jumlah_pekerja`` of a typed budget chunk from Volume, Satuan and Koefisien; return
    one warning per line whose worker count cannot be stated. Works in place.

    Only rows whose Volume was read (no parse error) or that have a Koefisien are touched.
    """
    if "jumlah_pekerja" not in typed.columns:
        return []
    originals = typed["_source_json"].map(_json)
    volume_texts = originals.map(lambda o: o.get("jumlah_pekerja"))
    satuan = typed["satuan"] if "satuan" in typed.columns else pd.Series(None, index=typed.index, dtype=object)
    koefisien = typed["koefisien"] if "koefisien" in typed.columns else pd.Series(None, index=typed.index, dtype=object)
    errors = typed["jumlah_pekerja__error"]
    warnings: list[RowFailure] = []
    workers: list[int | None] = []
    for row, text, unit_text, koef, error, current in zip(
        typed["_source_row"].tolist(),
        volume_texts.tolist(),
        satuan.tolist(),
        koefisien.tolist(),
        errors.tolist(),
        typed["jumlah_pekerja"].tolist(),
        strict=True,
    ):
        if isinstance(error, str):  # the Volume could not be read: its own rule rejects the row
            workers.append(current)
            continue
        count, why = _workers_of(text, unit_text, koef)
        workers.append(count)
        if why is not None:
            warnings.append(
                RowFailure(
                    int(row),
                    "jumlah_pekerja",
                    text or koef,
                    "budget_volume_as_workers",
                    "BUDGET_VOLUME_NOT_WORKERS",
                    "warn",
                    why.split(": ", 1)[1],
                    _WHY_ID[why.split(": ", 1)[0]],
                    sheet,
                )
            )
    typed["jumlah_pekerja"] = pd.Series(workers, index=typed.index, dtype=object)
    return warnings


def _workers_of(volume: str | None, satuan: str | None, koefisien: str | None) -> tuple[int | None, str | None]:
    """(workers, None) or (None, the English reason the line states no worker count)."""
    months = _months(koefisien) or MONTHS_PER_YEAR
    if volume:
        number, unit = values.parse_quantity(volume)
        if unit is None and satuan:
            unit = _unit(satuan)
            if unit is None:
                return None, f"unit: Satuan {satuan!r} counts no workers"
        return _from_quantity(number, unit, months, f"{volume} {satuan or ''}".strip())
    if koefisien:
        m = _KOEFISIEN.match(koefisien.strip())
        if m is not None:
            try:
                number, unit = values.parse_quantity(f"{m['workers']} {m['unit']}")
            except values.ValueParseError:
                unit = None
            if unit in _WORKER_UNITS:
                return _whole(number, koefisien)
        return None, f"koefisien: Koefisien {koefisien!r} names no worker count"
    return None, None


def _from_quantity(number: object, unit: str | None, months: int, text: str) -> tuple[int | None, str | None]:
    if number is None:
        return None, None
    if unit is None or unit in _WORKER_UNITS:
        return _whole(number, text)
    if unit == "orang_bulan":
        value = Decimal(str(number))
        if value % months:
            return None, f"ob: {text!r} orang-bulan is not a whole number of workers over {months} months"
        return int(value // months), None
    return None, f"unit: {text!r} is counted in {unit.replace('_', '-')}, not in workers"


def _whole(number: object, text: str) -> tuple[int | None, str | None]:
    value = Decimal(str(number))
    if value != value.to_integral_value():
        return None, f"ob: {text!r} is not a whole number of workers"
    return int(value), None


def _unit(satuan: str) -> str | None:
    try:
        _, unit = values.parse_quantity(f"1 {satuan}")
    except values.ValueParseError:
        return None
    return unit if unit in (*_WORKER_UNITS, "orang_bulan") else None


def _months(koefisien: str | None) -> int | None:
    if not koefisien:
        return None
    m = _MONTHS_IN.search(koefisien)
    return int(m[1]) if m and 1 <= int(m[1]) <= MONTHS_PER_YEAR else None


def _json(text: object) -> dict:
    import json

    return json.loads(text) if isinstance(text, str) else {}


_WHY_ID = {
    "unit": "Volume/Satuan baris ini tidak menghitung pekerja (mis. Paket, Bulan, OH); jumlah pekerja dikosongkan",
    "ob": "orang-bulan tidak habis dibagi jumlah bulan; jumlah pekerja dikosongkan (tulis jumlah orang)",
    "koefisien": "Koefisien tidak menyebut jumlah orang; jumlah pekerja dikosongkan",
}
