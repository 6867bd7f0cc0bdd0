"""Property tests (Hypothesis) for values as people type them: what an OPD may write parses back.

Hypothesis is a dev dependency on main (pinned, with the ``ci`` profile in tests/conftest.py);
where it is not installed these tests are skipped and the seeded round trips of
tests/unit/test_values_forms.py still run.
"""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ucj.ingest import values as V  # noqa: E402
from ucj.privacy import mask_identifiers  # noqa: E402

PREFIXES = st.sampled_from(["", "Rp ", "Rp", "Rp. ", "RP.", "IDR ", "Rp\u00a0"])
SUFFIXES = st.sampled_from(["", ",-", ",00", ",00-", ".-", " rupiah"])
SEPARATORS = st.sampled_from([" ", ".", "-", "\u00a0", "\u202f"])


def _dots(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


@given(amount=st.integers(min_value=1000, max_value=10**13), prefix=PREFIXES, suffix=SUFFIXES)
def test_indonesian_amounts_parse_back(amount: int, prefix: str, suffix: str) -> None:
    text = f"{prefix}{_dots(amount)}{suffix}"
    assert V.parse_money(text) == amount
    assert V.parse_money(f"({text})") == -amount


@given(
    amount=st.integers(min_value=1000, max_value=10**13),
    prefix=st.sampled_from(["", "Rp ", "IDR "]),
    cents=st.sampled_from(["", ".00"]),
)
def test_english_amounts_parse_back(amount: int, prefix: str, cents: str) -> None:
    assert V.parse_money(f"{prefix}{amount:,}{cents}") == amount


@given(
    whole=st.integers(min_value=1, max_value=999),
    fraction=st.integers(min_value=0, max_value=999),
    word=st.sampled_from(["juta", "jt", "miliar", "rb"]),
    mark=st.sampled_from([".", ","]),
)
def test_three_digits_after_one_mark_before_a_word_are_never_guessed(
    whole: int, fraction: int, word: str, mark: str
) -> None:
    with pytest.raises(V.ValueParseError) as err:
        V.parse_money(f"{whole}{mark}{fraction:03d} {word}")
    assert err.value.code == "MONEY_AMBIGUOUS"


@given(count=st.integers(min_value=0, max_value=10**7), grouped=st.booleans(), unit=st.sampled_from(sorted(V._UNITS)))
def test_counts_with_any_known_unit_parse_back(count: int, grouped: bool, unit: str) -> None:
    text = f"{_dots(count) if grouped else count} {unit}"
    assert V.parse_quantity(text) == (count, V._UNITS[unit])
    assert V.parse_int(text) == count


@given(nik=st.text(alphabet="0123456789", min_size=16, max_size=16), data=st.data())
def test_a_nik_typed_in_groups_comes_back_and_is_masked(nik: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(min_value=2, max_value=14), max_size=5)))
    cuts = [c for i, c in enumerate(cuts) if i == 0 or c - cuts[i - 1] >= 2]  # groups of 2+ digits
    parts = [nik[a:b] for a, b in zip([0, *cuts], [*cuts, 16], strict=True)]
    separators = SEPARATORS.filter(lambda s: s != ".") if len(parts) == 2 else SEPARATORS  # one dot: a float
    sep = data.draw(separators)
    typed = data.draw(st.sampled_from(["{}", "'{}", '"{}"', '="{}"'])).format(sep.join(parts))
    assert V.normalize_identifier(typed, V.IDENTIFIER_LENGTHS["nik"]) == nik
    masked = mask_identifiers(typed)
    assert masked.count("*") == 12
    assert "".join(c for c in masked if c.isdigit()) == nik[-4:]
