"""The one exception for a file-level verdict: the whole file goes to quarantine.

Raised wherever the verdict is reached (the reader cannot open the file, a required column
is missing, too many rows break the rules, the content names another period) and caught
once, by the loader, which records it and quarantines the file with ``code`` and ``message``
(English, for the sender; the Bahasa Indonesia text of each code is in
:data:`ucj.ingest.quarantine.FILE_REASONS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class FileVerdict(Exception):
    """A file-level verdict; ``where`` says the sheet, row, column and value it is about."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        path: Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = value

    @property
    def where(self) -> dict[str, Any]:
        """Sheet, row, column and value, only those that are known."""
        found = {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value}
        return {k: v for k, v in found.items() if v is not None}
