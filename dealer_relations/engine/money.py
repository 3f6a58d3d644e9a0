"""Money and quantities as Decimal, for every rule: the constants, the converters from what the
database or a document hands over, and the one rounding (half up, to the currency's cents)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def cents(precision: int = 2) -> Decimal:
	"""The smallest unit of a currency with ``precision`` decimals (0.01 for 2)."""
	return Decimal(1).scaleb(-int(precision))


def round_half_up(value: Decimal, unit: Decimal = CENT) -> Decimal:
	"""``value`` rounded half up to a multiple of ``unit`` (CENT, TENTH, ``cents(precision)``): the
	one rounding of every figure the rules compute."""
	return value.quantize(unit, rounding=ROUND_HALF_UP)


def money(value: Decimal, precision: int = 2) -> Decimal:
	"""``value`` rounded half up to the currency's cents."""
	return round_half_up(Decimal(value), cents(precision))


def dec(value) -> Decimal:
	"""Decimal from a float/str/int/None as the database returns it (floats through their repr, so
	0.1 stays 0.1); a string that is not a number raises."""
	if value.__class__ is Decimal:  # the hot path: already a Decimal
		return value
	if value is None or value == "":
		return ZERO
	if isinstance(value, float):
		return Decimal(repr(value))
	return Decimal(value)


def flt_dec(value) -> Decimal:
	"""Decimal of ``value`` read the way Frappe's ``flt()`` reads a document field or a request
	value: commas in a string ignored, anything that is not a number 0, always through a float
	(so a Decimal keeps 17 significant digits). For values a client may send: never raises."""
	if isinstance(value, str):
		value = value.replace(",", "")
	try:
		number = float(value)
	except Exception:
		number = 0.0
	return Decimal(str(number))
