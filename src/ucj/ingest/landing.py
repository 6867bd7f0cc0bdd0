"""The landing contract: ``<landing>/<source>/<kode_wilayah>/<period>/<file>.<xlsx|xls|csv>``.

Finding files is pure path work: nothing is opened here. A path that breaks the contract is
reported with the reason, never loaded and never silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ucj.config import SOURCES
from ucj.ingest.fields import yearly_sources

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv")
_REGION = re.compile(r"^\d{2}(\.\d{2})?$")
_MONTH = re.compile(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(19|20)\d{2}$")
YEARLY_SOURCES = yearly_sources()  # cadence: yearly in the source catalogue (fields.yaml)


class LandingPathError(ValueError):
    """A path that does not follow the landing contract (or tries to leave the landing folder)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, order=True)
class LandedFile:
    """One file under the landing contract."""

    source: str
    kode_wilayah: str
    period: str
    relative_path: str  # relative to the landing folder, with forward slashes
    landing_dir: Path

    @property
    def path(self) -> Path:
        return self.landing_dir / self.relative_path

    @property
    def file_name(self) -> str:
        return self.relative_path.rsplit("/", 1)[-1]


def parse_landed(landing_dir: Path, relative_path: str) -> LandedFile:
    """Check one path against the contract; raises :class:`LandingPathError` with the reason."""
    rel = relative_path.replace("\\", "/")
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise LandingPathError(rel, "path leaves the landing folder or has empty parts (refused)")
    if any(ord(ch) < 32 for ch in rel):
        raise LandingPathError(rel, "control characters in the path (refused)")
    if len(parts) != 4:
        raise LandingPathError(rel, "expected <source>/<kode_wilayah>/<period>/<file>")
    source, region, period, name = parts
    if source not in SOURCES:
        raise LandingPathError(rel, f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if not _REGION.match(region):
        raise LandingPathError(rel, f"region {region!r} is not a Kemendagri code like 74.71")
    pattern = _YEAR if source in YEARLY_SOURCES else _MONTH
    if not pattern.match(period):
        expected = "YYYY" if source in YEARLY_SOURCES else "YYYY-MM"
        raise LandingPathError(rel, f"period {period!r} is not {expected}")
    if not name.lower().endswith(EXTENSIONS) or name.startswith("~$"):
        raise LandingPathError(rel, f"not a data file ({', '.join(EXTENSIONS)})")
    resolved = (landing_dir / rel).resolve()
    if not resolved.is_relative_to(landing_dir.resolve()):
        raise LandingPathError(rel, "path resolves outside the landing folder (refused)")
    return LandedFile(source, region, period, rel, landing_dir)


def discover(landing_dir: Path, sources: tuple[str, ...] = SOURCES) -> Iterator[LandedFile | LandingPathError]:
    """Every file below the source folders, in a stable order: contract files and contract breaches."""
    landing_dir = landing_dir.resolve()
    for source in sources:
        root = landing_dir / source
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
            rel = path.relative_to(landing_dir).as_posix()
            if path.name.startswith("."):  # listed, never silently passed over
                yield LandingPathError(
                    rel, "hidden file (the name starts with '.'; refused): rename it without the dot if it is data"
                )
                continue
            if path.is_symlink():
                yield LandingPathError(rel, "symbolic links are not followed (refused)")
                continue
            try:
                yield parse_landed(landing_dir, rel)
            except LandingPathError as err:
                yield err
