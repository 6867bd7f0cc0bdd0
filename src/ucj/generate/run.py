"""State shared by the writers of one generation run: output folder, manifest, defect policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ucj.generate.defects import ROW_KINDS, Column, Injector, Manifest
from ucj.generate.scales import ScalePlan

REDELIVERY_DIR = "_redeliveries"


@dataclass
class Run:
    out: Path
    plan: ScalePlan
    seed: int
    scenario: str | None
    rate: float
    manifest: Manifest
    published: bool
    misfile: tuple[str, int] | None = None  # (region, month) of the participants file put in the next month's folder
    redeliver: tuple[str, str, int] | None = None  # (region, opd code, month) of a roster delivered twice
    written: dict[str, int] = field(default_factory=dict)  # rows per source

    def injector(
        self,
        rng: np.random.Generator,
        columns: list[Column],
        fmt: str,
        period_end: dt.date,
        decimal_comma: bool = False,
        clean: bool = False,
        allow: tuple[str, ...] = ROW_KINDS,
    ) -> Injector | None:
        """The row-level defect injector of a file, or None when the file stays clean."""
        if self.rate <= 0 or clean:
            return None
        mode = "extra" if self.published else "inplace"
        return Injector(rng, self.rate, columns, fmt, decimal_comma, mode, period_end, allow)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()

    def record(
        self,
        path: Path,
        source: str,
        region: str,
        period: str,
        fmt: str,
        columns: list[Column],
        header_row: int,
        first_data_row: int,
        rows: int,
        defects: list[tuple[int, str | None, str, str]],
        sheet: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        content_period: str | None = None,
        **extra: Any,
    ) -> str:
        """Add a written file and its row-level defects to the manifest; returns its relative path."""
        rel = self.rel(path)
        self.manifest.add_file(
            path=rel,
            source=source,
            region=region,
            period=period,
            content_period=content_period or period,
            format=fmt,
            sheet=sheet,
            encoding=encoding,
            delimiter=delimiter,
            header_row=header_row,
            first_data_row=first_data_row,
            last_data_row=first_data_row + rows - 1,
            rows=rows,
            columns={c.header: c.field for c in columns},
            **extra,
        )
        for row, column, kind, value in defects:
            self.manifest.add_defect(rel, sheet, row, column, kind, value)
        self.written[source] = self.written.get(source, 0) + rows
        return rel
