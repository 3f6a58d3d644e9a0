"""The one money module: the converters every rule and service uses, and the rounding."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.money import CENT, TENTH, ZERO, cents, dec, flt_dec, money, round_half_up


def test_dec_reads_database_values_exactly():
	assert dec(None) == dec("") == ZERO
	assert dec(0.1) == Decimal("0.1")  # through repr: no binary noise
	assert dec("12.50") == Decimal("12.50")
	value = Decimal("0.1234567890123456789")
	assert dec(value) is value
	with pytest.raises(InvalidOperation):
		dec("not a number")


def test_flt_dec_reads_like_frappe_flt():
	"""What a client sends never raises: commas ignored, anything else that is not a number is 0."""
	assert flt_dec("1,234.50") == Decimal("1234.5")
	assert flt_dec("abc") == flt_dec(None) == flt_dec([]) == Decimal("0.0")
	assert flt_dec(0.1) == Decimal("0.1")
	# through a float: a Decimal keeps 17 significant digits, unlike dec()
	assert flt_dec(Decimal("0.12345678901234567890")) == Decimal("0.12345678901234568")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_flt_dec_and_dec_agree_on_floats(value):
	assert flt_dec(value) == dec(value)


def test_money_rounds_half_up_to_the_currency_cents():
	assert money(Decimal("2.345")) == Decimal("2.35")
	assert money(Decimal("-2.345")) == Decimal("-2.35")
	assert money(Decimal("2.5"), 0) == Decimal("3")
	assert cents(2) == CENT and cents(3) == Decimal("0.001")


def test_round_half_up_to_any_unit():
	assert round_half_up(Decimal("0.05"), TENTH) == Decimal("0.1")
	assert round_half_up(Decimal("1.005")) == Decimal("1.01")


def test_money_is_rounded_only_in_the_money_module():
	"""One rounding: no rule quantizes on its own (a second rounding mode would be a second truth)."""
	engine = Path(__file__).resolve().parents[1] / "dealer_relations" / "engine"
	elsewhere = [
		path.name
		for path in engine.glob("*.py")
		if path.name != "money.py" and re.search(r"\.quantize\(|ROUND_", path.read_text(encoding="utf-8"))
	]
	assert elsewhere == []


def test_values_become_decimals_only_through_the_money_module():
	"""One conversion: ``dec`` for database values, ``flt_dec`` for what a client sends; a local
	``Decimal(str(...))`` would read floats and blanks its own way."""
	app = Path(__file__).resolve().parents[1] / "dealer_relations"
	elsewhere = [
		str(path.relative_to(app))
		for path in app.rglob("*.py")
		if path.name != "money.py"
		and not path.name.startswith("test_")
		and "tests" not in path.relative_to(app).parts
		and "Decimal(str(" in path.read_text(encoding="utf-8")
	]
	assert elsewhere == []
