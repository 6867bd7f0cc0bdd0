"""The deployment config folder (UCJ_CONFIG_DIR): merging, and broken files named by line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ucj.config import PROJECT_ROOT, settings
from ucj.ingest import fields, overrides
from ucj.ingest.layout import header_match
from ucj.ingest.overrides import ConfigError, NppPair, OpdAlias

EXAMPLE = PROJECT_ROOT / "deploy" / "config.example"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv(overrides.ENV_VAR, raising=False)
    overrides.clear_cache()
    yield
    overrides.clear_cache()


@pytest.fixture
def config(tmp_path, monkeypatch):
    """A config folder in use; write files into it with ``config(name, text)``."""
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv(overrides.ENV_VAR, str(folder))

    def write(name: str, text: str) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        overrides.clear_cache()
        return path

    write.folder = folder
    return write


def test_no_config_folder_means_package_defaults():
    assert settings().config_dir is None
    assert overrides.config_dir() is None
    overrides.check_config()
    assert overrides.value_spellings("segment") == {}
    assert overrides.opd_aliases() == [] and overrides.npp_pairs() == []
    assert header_match("rosters", "No. Induk KTP") is None


def test_settings_reads_the_config_dir(config):
    assert settings().config_dir == config.folder.resolve()
    assert overrides.config_dir() == config.folder.resolve()


def test_an_empty_folder_and_empty_files_are_fine(config):
    overrides.check_config()
    config("headers.yaml", "# nothing yet\n")
    config("values.yaml", "")
    config("opd_aliases.yaml", "aliases:\n  # - {alias: DINKES KOLAKA, opd: KLK-05}\nnpp_pairs:\n")
    overrides.check_config()
    assert overrides.opd_aliases() == []
    assert overrides.value_spellings("sex") == {}


def test_a_new_header_synonym_is_matched(config):
    config(
        "headers.yaml",
        'rosters:\n  nik: ["No. Induk KTP"]\n'
        '  tanggal_lahir:\n    - {header: "Tempat / Tgl. Lhr", kind: place_date}\n'
        "participants:\n  kpj: [No. Kepesertaan]\n",
    )
    overrides.check_config()
    assert header_match("rosters", "No. Induk KTP") == ("nik", "identifier")
    assert header_match("rosters", "NO INDUK KTP (16 digit)") == ("nik", "identifier")
    assert header_match("rosters", "Tempat / Tgl. Lhr") == ("tanggal_lahir", "place_date")
    assert header_match("participants", "no kepesertaan") == ("kpj", "identifier")
    assert header_match("claims", "No. Kepesertaan") is None  # only where it was given
    assert header_match("rosters", "NIK") == ("nik", "identifier")  # package synonyms stay
    assert "noindukktp" in fields.source_fields("rosters")["nik"].synonyms
    assert "noindukktp" not in fields.default_catalogue()["rosters"].fields["nik"].synonyms


def test_header_synonyms_follow_the_config_dir(config, monkeypatch):
    config("headers.yaml", 'rosters: {nik: ["No. Induk KTP"]}\n')
    assert header_match("rosters", "No. Induk KTP") == ("nik", "identifier")
    monkeypatch.delenv(overrides.ENV_VAR)
    assert header_match("rosters", "No. Induk KTP") is None


def test_a_known_synonym_of_the_same_field_is_harmless(config):
    config("headers.yaml", 'rosters: {nik: ["NIK", "No. NIK"]}\n')
    overrides.check_config()
    assert header_match("rosters", "No NIK") == ("nik", "identifier")


def test_value_spellings(config):
    config(
        "values.yaml",
        'segment:\n  BPU: ["Bukan Penerima Upah Mandiri"]\n  pu: ["PU Pemda"]\n'
        'status_kepesertaan:\n  non aktif: ["Tidak Aktif Lagi"]\n'
        'status_kepegawaian:\n  Tenaga Harian Lepas: ["THL"]\n',
    )
    overrides.check_config()
    assert overrides.value_spellings("segment") == {"Bukan Penerima Upah Mandiri": "BPU", "PU Pemda": "PU"}
    assert overrides.value_spellings("status_kepesertaan") == {"Tidak Aktif Lagi": "NON AKTIF"}
    assert overrides.value_spellings("status_kepegawaian") == {"THL": "Tenaga Harian Lepas"}
    assert overrides.value_spellings("program") == {}
    assert overrides.code_key("Bukan Penerima-Upah  mandiri") == "BUKANPENERIMAUPAHMANDIRI"
    spellings = overrides.value_spellings("segment")
    spellings.clear()  # a copy: the cache is untouched
    assert overrides.value_spellings("segment")
    with pytest.raises(KeyError, match="unknown value kind"):
        overrides.value_spellings("colour")


def test_value_spellings_are_cached_per_folder(config, tmp_path):
    config("values.yaml", 'sex: {L: ["Laki2"]}\n')
    assert overrides.value_spellings("sex") == {"Laki2": "L"}
    (config.folder / "values.yaml").write_text('sex: {P: ["Prmpn"]}\n', encoding="utf-8")
    assert overrides.value_spellings("sex") == {"Laki2": "L"}  # cached until clear_cache()
    overrides.clear_cache()
    assert overrides.value_spellings("sex") == {"Prmpn": "P"}
    other = tmp_path / "other"
    other.mkdir()
    assert overrides.value_spellings("sex", config_dir=other) == {}


def test_opd_aliases_and_npp_pairs(config, tmp_path):
    config(
        "opd_aliases.yaml",
        "aliases:\n"
        '  - {alias: "DINKES KOLAKA", opd: "KLK-05", kode_wilayah: "74.01"}\n'
        "  - alias: Sat Pol PP\n    opd: Satuan Polisi Pamong Praja\n"
        "npp_pairs:\n"
        '  - {npp: "12345678", opd: KLK-05, kode_wilayah: "74.01"}\n',
    )
    overrides.check_config()
    assert overrides.opd_aliases() == [
        OpdAlias("DINKES KOLAKA", "KLK-05", "74.01"),
        OpdAlias("Sat Pol PP", "Satuan Polisi Pamong Praja", None),
    ]
    assert overrides.npp_pairs() == [NppPair("12345678", "KLK-05", "74.01")]
    seed = tmp_path / "seeds" / "opd_aliases.csv"
    assert overrides.write_alias_seed(seed) == 2
    with seed.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["kode_wilayah", "alias", "opd"],
        ["", "Sat Pol PP", "Satuan Polisi Pamong Praja"],
        ["74.01", "DINKES KOLAKA", "KLK-05"],
    ]


def test_the_same_alias_in_two_regions_may_mean_two_opd(config):
    config(
        "opd_aliases.yaml",
        'aliases:\n  - {alias: Dinkes, opd: KLK-05, kode_wilayah: "74.01"}\n'
        '  - {alias: DINKES, opd: KDI-08, kode_wilayah: "74.71"}\n',
    )
    overrides.check_config()
    assert len(overrides.opd_aliases()) == 2


BROKEN = [
    # (file, text, line, words of the message)
    ("headers.yaml", 'rosters:\n  nik: ["No. Induk KTP"\n', 3, "not valid YAML"),
    ("headers.yaml", "rosters:\n  nik: [a]\n roster: x\n", 3, "not valid YAML"),
    ("headers.yaml", 'rosters:\n  nik: ["A"]\nroster:\n  nik: ["B"]\n', 3, "unknown source 'roster'"),
    ("headers.yaml", 'rosters:\n  nomor_ktp: ["No. Induk KTP"]\n', 2, "unknown field of rosters 'nomor_ktp'"),
    (
        "headers.yaml",
        "rosters:\n  tanggal_lahir:\n    - {header: TTL Pegawai, kind: tempat_tanggal}\n",
        3,
        "unknown kind 'tempat_tanggal'",
    ),
    ("headers.yaml", "rosters:\n  tanggal_lahir:\n    - {header: TTL Pegawai}\n", 3, "needs both header: and kind:"),
    ("headers.yaml", 'rosters:\n  nik: "No. Induk KTP"\n', 2, "expected a list of header texts"),
    ("headers.yaml", "- rosters\n- nik\n", 1, "expected a mapping"),
    ("headers.yaml", 'rosters:\n  nik: [["No. Induk KTP"]]\n', 2, "expected header (a text)"),
    ("headers.yaml", 'rosters:\n  nik: ["A"]\n  nik: ["B"]\n', 3, "'nik' is given twice (first on line 2)"),
    ("headers.yaml", 'rosters:\n  nik:\n    - "A"\n    - ""\n', 4, "header is empty"),
    ("headers.yaml", 'rosters:\n  nik:\n    - "(...)"\n', 3, "has no letters or digits"),
    (
        "headers.yaml",
        'rosters:\n  nik: ["KTP"]\n  jabatan:\n    - "Jabatan Baru"\n    - "STATUS"\n',
        5,
        "header 'STATUS' for rosters.jabatan already means rosters.status_kepegawaian",
    ),
    ("headers.yaml", 'rosters:\n  nik: ["KTP X"]\n  nama: ["ktp-x"]\n', 3, "already means rosters.nik"),
    ("headers.yaml", 'rosters:\n  nik: ["Nomor Urut"]\n', 2, "row-number column header"),
    ("values.yaml", "segment:\n  BPU: [Mandiri\n", 3, "not valid YAML"),
    ("values.yaml", 'segmen:\n  BPU: ["Mandiri"]\n', 1, "unknown kind 'segmen'"),
    ("values.yaml", 'segment:\n  BPUU: ["Mandiri"]\n', 2, "unknown segment code 'BPUU'"),
    ("values.yaml", "segment:\n  - BPU\n", 2, "expected a mapping canonical code -> spellings of segment"),
    ("values.yaml", "sex:\n  L: Laki2\n", 2, "expected a list of spellings"),
    (
        "values.yaml",
        'sex:\n  L: ["Laki2"]\n  P:\n    - "Perempuan"\n    - "laki 2"\n',
        5,
        "spelling 'laki 2' of sex P already means L (line 2)",
    ),
    ("opd_aliases.yaml", 'aliases:\n  - {alias: "DINKES KOLAKA"}\n', 2, "entry lacks opd"),
    ("opd_aliases.yaml", "aliases:\n  - {alias: A, opd: B, kode_wilayah: 74.4}\n", 2, "kode_wilayah '74.4'"),
    ("opd_aliases.yaml", 'aliases:\n  - {alias: A, opd: B, region: "74.01"}\n', 2, "unknown key 'region'"),
    ("opd_aliases.yaml", "aliases:\n  alias: A\n  opd: B\n", 2, "expected a list of aliases entries"),
    ("opd_aliases.yaml", "alias:\n  - {alias: A, opd: B}\n", 1, "unknown section 'alias'"),
    (
        "opd_aliases.yaml",
        "aliases:\n  - {alias: Dinkes, opd: KLK-05}\n  - {alias: DINKES, opd: KLK-01}\n",
        3,
        "alias 'DINKES' already means 'KLK-05' (line 2)",
    ),
    (
        "opd_aliases.yaml",
        "npp_pairs:\n  - {npp: '123', opd: A}\n  - {npp: '123', opd: B}\n",
        3,
        "npp '123' already means 'A'",
    ),
    ("opd_aliases.yaml", "npp_pairs:\n  - {npp: '123'}\n", 2, "entry lacks opd"),
]


@pytest.mark.parametrize(("name", "text", "line", "words"), BROKEN)
def test_a_broken_file_names_file_and_line(config, name, text, line, words):
    path = config(name, text)
    with pytest.raises(ConfigError) as raised:
        overrides.check_config()
    err = raised.value
    assert err.file == str(path)
    assert err.line == line, str(err)
    assert str(err).startswith(f"{path}:{line}: ")
    assert words in str(err)


def test_broken_headers_fail_the_first_lookup_too(config):
    config("headers.yaml", 'rosters:\n  nomor_ktp: ["No. Induk KTP"]\n')
    with pytest.raises(ConfigError, match=r"headers\.yaml:2: unknown field"):
        header_match("rosters", "NIK")


def test_a_file_that_is_not_utf8(config):
    path = config.folder / "values.yaml"
    path.write_bytes("sex:\n  L: [Laki\xb2]\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8") as raised:
        overrides.check_config()
    assert raised.value.file == str(path)


def test_an_unknown_yaml_file_is_refused(config):
    path = config("header.yaml", 'rosters: {nik: ["No. Induk KTP"]}\n')
    config("notes.txt", "anything\n")
    with pytest.raises(ConfigError, match="unknown config file") as raised:
        overrides.check_config()
    assert raised.value.file == str(path) and raised.value.line is None


def test_a_config_dir_that_is_not_a_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(overrides.ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="UCJ_CONFIG_DIR is not a folder"):
        overrides.check_config()


def test_the_example_folder_loads_cleanly(monkeypatch):
    monkeypatch.setenv(overrides.ENV_VAR, str(EXAMPLE))
    overrides.check_config()
    for entry in overrides.header_synonyms():
        kind = entry.kind or fields.source_fields(entry.source)[entry.field].kind
        assert header_match(entry.source, entry.header) == (entry.field, kind)
    for kind in overrides.VALUE_KINDS:
        assert overrides.value_spellings(kind), kind
    assert overrides.opd_aliases() and overrides.npp_pairs()
    assert (EXAMPLE / "README.md").is_file()
