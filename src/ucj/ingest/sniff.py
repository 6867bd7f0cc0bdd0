"""What a landed file is before it is read: its type by content (xlsx, xlsb, xls, csv; PDFs,
web pages, OpenDocument and encrypted workbooks are refused with a message for the sender), and
for a CSV its encoding and the delimiters to try."""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import zipfile
from pathlib import Path

from ucj.ingest.errors import FileVerdict

CSV_DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_OLE_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))


def file_error(code: str, path: Path, what: str) -> FileVerdict:
    return FileVerdict(code, f"{path.name}: {what}", path=path)


def sniff_type(path: Path) -> str:
    """'xlsx', 'xlsb', 'xls' or 'csv' by content; raises FileVerdict otherwise."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except OSError as exc:
        raise file_error("UNREADABLE", path, f"the file cannot be opened ({exc.strerror}).") from exc
    if size == 0 or not head.strip():
        raise file_error("EMPTY_FILE", path, "the file is empty; send it again with the data.")
    if head.startswith(_ZIP_MAGIC):
        return _zip_type(path)
    if head.startswith(_OLE_MAGIC):
        return _ole_type(path)
    if head.startswith(b"%PDF"):
        raise file_error("UNSUPPORTED_TYPE", path, "this is a PDF; send the Excel (.xlsx) or CSV file instead.")
    lowered = head[:2048].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        raise file_error(
            "UNSUPPORTED_TYPE",
            path,
            "this is a web page (HTML/XML) saved with an Excel name; open it in Excel and"
            " save it as 'Excel Workbook (.xlsx)' before sending.",
        )
    return "csv"


def _zip_type(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise file_error(
            "UNREADABLE",
            path,
            "the workbook is damaged or incomplete (probably cut off while copying or"
            " uploading); open it in Excel to check, save it again and resend.",
        ) from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "content.xml" in names:
        raise file_error(
            "UNSUPPORTED_TYPE",
            path,
            "this is an OpenDocument spreadsheet (.ods); save it as Excel Workbook (.xlsx).",
        )
    raise file_error("UNSUPPORTED_TYPE", path, "this zip file is not an Excel workbook; send an .xlsx or .csv.")


def _ole_type(path: Path) -> str:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm.find(_ENCRYPTION_INFO) >= 0 or mm.find(_ENCRYPTED_PACKAGE) >= 0:
            raise encrypted(path)
        if any(mm.find(name) >= 0 for name in _OLE_WORKBOOK_STREAMS):
            return "xls"
    raise file_error(
        "UNSUPPORTED_TYPE",
        path,
        "this is an old Office file but not an Excel workbook; send an .xlsx or .csv.",
    )


def encrypted(path: Path) -> FileVerdict:
    return file_error(
        "ENCRYPTED",
        path,
        "the workbook is password-protected: remove the password (File > Info > Protect Workbook) and send it again.",
    )


# --------------------------------------------------------------------------- header search


def detect_encoding(path: Path, head: bytes) -> str:
    """BOM, else valid UTF-8, else charset-normalizer among Western code pages (cp1252).

    A UTF-8 BOM in front of text that is not UTF-8 (a tool that prepends the BOM to a cp1252
    export: "ANDR\xc9") is read as cp1252 after the BOM, not as UTF-8 with replacement
    characters; the file's encoding is then recorded as ``cp1252`` (BOM skipped).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _is_utf8(path) else "cp1252"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        zeros_odd = head[1::2].count(0)
        if zeros_odd > len(head) // 4:
            return "utf-16-le"
        raise file_error("UNREADABLE", path, "the file is not a spreadsheet or text file (binary content).")
    if _is_utf8(path):
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(head, cp_isolation=["cp1252", "latin_1", "cp850", "iso8859_15"]).best()
    encoding = best.encoding if best is not None else "cp1252"
    return "cp1252" if encoding in ("latin_1", "iso8859_15", "ascii") else encoding


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """The file as text; a UTF-8 BOM in front of a single-byte code page is skipped."""
    handle = path.open("rb")
    if encoding not in ("utf-8-sig", "utf-16", "utf-16-le") and handle.read(3) != codecs.BOM_UTF8:
        handle.seek(0)
    return io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def check_text(path: Path, sample: str) -> None:
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f\v")
    if controls > max(8, len(sample) // 100):
        raise file_error("UNREADABLE", path, "the file is not a spreadsheet or text file (binary content).")


def delimiter_candidates(sample: str) -> list[str]:
    lines = [line for line in sample.splitlines()[:60] if line.strip()]
    scores: dict[str, tuple[int, int]] = {}
    for d in CSV_DELIMITERS:
        counts = [line.count(d) for line in lines]
        nonzero = [c for c in counts if c]
        mode = max(set(nonzero), key=nonzero.count) if nonzero else 0
        scores[d] = (sum(1 for c in counts if c == mode and c), mode)
    ordered = sorted(CSV_DELIMITERS, key=lambda d: scores[d], reverse=True)
    try:
        sniffed = csv.Sniffer().sniff(sample[:65536], delimiters="".join(CSV_DELIMITERS)).delimiter
        ordered.remove(sniffed)
        ordered.insert(0, sniffed)
    except (csv.Error, ValueError):
        pass
    return ordered


def read_sample(path: Path, encoding: str) -> str:
    with open_text(path, encoding) as handle:
        sample = handle.read(SAMPLE_BYTES)
    cut = max(sample.rfind("\n"), sample.rfind("\r"))
    return sample[: cut + 1] if cut > 0 and len(sample) >= SAMPLE_BYTES else sample


# --------------------------------------------------------------------------- read_table

FILE_TYPE_EXTENSIONS = {
    "xlsx": {".xlsx", ".xlsm", ".xltx", ".xltm"},
    "xlsb": {".xlsb"},
    "xls": {".xls", ".xlt"},
    "csv": {".csv", ".txt", ".tsv", ".tab"},
}
