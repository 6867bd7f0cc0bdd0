"""What each row-level reason code means for the person who fixes the file.

The GX suites give one message per rule; for the rules whose code comes from a parser
(``FROM_COLUMN``: one rule, many possible codes), the precise explanation of the code is
taken from here. Every explanation says what is wrong *and* what to do, in Bahasa Indonesia
and English.
"""

from __future__ import annotations

from ucj.ingest.values import NIK_REASONS, VALUE_REASONS

# code -> (Bahasa Indonesia, English)
ROW_REASONS: dict[str, tuple[str, str]] = {
    **NIK_REASONS,
    **VALUE_REASONS,
    "NIK_FORMAT": (
        "NIK harus 16 digit dengan pola PPKKCC DDMMYY SSSS",
        "NIK must be 16 digits in the pattern PPKKCC DDMMYY SSSS",
    ),
    "MISSING_REQUIRED": (
        "kolom wajib kosong; isi nilainya",
        "a required field is empty; fill it in",
    ),
    "DATE_INVALID": (
        "tanggal tidak ada di kalender (dibaca hari-bulan-tahun); periksa hari dan bulan",
        "no such date in the calendar (read day-month-year); check the day and the month",
    ),
    "DATE_UNPARSEABLE": (
        "tanggal tidak terbaca; tulis sebagai hh-bb-tttt, mis. 01-12-1990",
        "the date cannot be read; write it as dd-mm-yyyy, e.g. 01-12-1990",
    ),
    "DATE_TWO_DIGIT_YEAR": (
        "tahun ditulis dua digit; tulis tahun lengkap (1990, bukan 90)",
        "the year has two digits; write the full year (1990, not 90)",
    ),
    "DATE_YEAR_ONLY": (
        "hanya tahun; isi tanggal, bulan dan tahun",
        "only a year; give day, month and year",
    ),
    "DATE_OUT_OF_RANGE": (
        "tanggal di luar rentang yang mungkin (setelah periode berkas, atau sebelum 1900)",
        "the date is outside the possible range (after the file's period, or before 1900)",
    ),
    "MONEY_UNPARSEABLE": (
        "nilai Rupiah tidak terbaca; tulis angka saja, mis. 3.073.551 atau Rp 3.073.551,70",
        "the Rupiah amount cannot be read; write a number, e.g. 3.073.551 or Rp 3.073.551,70",
    ),
    "AMOUNT_OUT_OF_RANGE": (
        "nilai di luar rentang wajar (negatif, atau terlalu besar: periksa jumlah nol)",
        "the amount is outside the plausible range (negative, or too large: check the zeros)",
    ),
    "INT_UNPARSEABLE": ("angka tidak terbaca", "the number cannot be read"),
    "INT_NOT_WHOLE": ("harus bilangan bulat", "must be a whole number"),
    "SEX_UNKNOWN": ("jenis kelamin harus L atau P", "sex must be L or P"),
    "SEGMENT_UNKNOWN": (
        "segmen tidak dikenal; gunakan PU, BPU atau JAKON",
        "unknown segment; use PU, BPU or JAKON",
    ),
    "SEGMENT_TOTAL": (
        "baris total di kolom segmen; hapus baris total dari data peserta",
        "a total in the segment column; remove total rows from participant data",
    ),
    "STATUS_UNKNOWN": (
        "status kepesertaan harus AKTIF atau NON AKTIF",
        "participation status must be AKTIF or NON AKTIF",
    ),
    "CLAIM_STATUS_UNKNOWN": (
        "status klaim tidak dikenal (DILAPORKAN, BERKAS_LENGKAP, VERIFIKASI, DISETUJUI, DIBAYAR, DITOLAK, KEDALUWARSA)",
        "unknown claim status (DILAPORKAN, BERKAS_LENGKAP, VERIFIKASI, DISETUJUI, DIBAYAR, DITOLAK, KEDALUWARSA)",
    ),
    "PROGRAM_UNKNOWN": ("program harus JKK, JKM atau BEASISWA", "program must be JKK, JKM or BEASISWA"),
    "PROGRAM_NOT_FUNDED": (
        "program ini (JHT/JP) tidak dibiayai Pemda; hanya JKK dan JKM",
        "this program (JHT/JP) is not funded by the Pemda; only JKK and JKM are",
    ),
    "PERIOD_UNPARSEABLE": (
        "PERIODE tidak terbaca; tulis sebagai TTTT-BB, mis. 2025-06",
        "PERIODE cannot be read; write it as YYYY-MM, e.g. 2025-06",
    ),
    "PERIOD_MISMATCH": (
        "PERIODE baris ini berbeda dengan folder periode berkas; kirim baris ini dalam berkas periode yang benar",
        "this row's PERIODE differs from the file's period folder; deliver it in the file of its own period",
    ),
    "DUPLICATE_KEY": (
        "kunci ganda: baris yang sama (NIK/KPJ/nomor klaim) sudah ada di atas; baris pertama dipakai",
        "duplicate key: the same NIK/KPJ/claim number appears above; the first row is kept",
    ),
    "ACCOUNT_CODE_FORMAT": (
        "kode rekening harus seperti 5.1.02.02.02.0006",
        "the account code must look like 5.1.02.02.02.0006",
    ),
    "KPJ_FORMAT": ("KPJ sebaiknya 11 digit (peringatan)", "KPJ should have 11 digits (warning)"),
    "BUDGET_VOLUME_NOT_WORKERS": (
        "Volume/Satuan/Koefisien baris anggaran tidak menyebut jumlah pekerja; baris dimuat tanpa jumlah pekerja"
        " (peringatan). Tulis jumlah orang, atau orang-bulan (OB) yang habis dibagi 12",
        "the budget line's Volume/Satuan/Koefisien states no worker count; loaded without one (warning). Write"
        " the number of people, or orang-bulan (OB) divisible by 12",
    ),
    "NPP_FORMAT": ("NPP sebaiknya 8 digit (peringatan)", "NPP should have 8 digits (warning)"),
}


def explain(code: str, default_id: str = "", default_en: str = "") -> tuple[str, str]:
    """(Bahasa Indonesia, English) for a reason code; the defaults when it has no entry."""
    return ROW_REASONS.get(code, (default_id, default_en))
