from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.statement import (
	CONFIRMED,
	DISPUTED,
	INVOICE,
	KINDS,
	PAYMENT,
	Movement,
	build_statement,
	check_confirmable,
	check_response,
	month_of,
	parse_month,
	pdf_language,
)

TODAY = date(2026, 12, 4)


def test_month_defaults_to_the_current_one():
	assert parse_month("", TODAY).key == "2026-12"
	assert parse_month(None, TODAY).start == date(2026, 12, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-01", "2026/01", "x", "2026-1", "0000-01"])
def test_malformed_month_refused(text):
	with pytest.raises(RuleViolation) as raised:
		parse_month(text, TODAY)
	assert raised.value.title == "Invalid Month"


def test_future_month_refused():
	with pytest.raises(RuleViolation) as raised:
		parse_month("2027-01", TODAY)
	assert raised.value.title == "Future Month"


def test_current_month_readable_but_not_confirmable():
	month = parse_month("2026-12", TODAY)
	with pytest.raises(RuleViolation):
		check_confirmable(month, TODAY)
	check_confirmable(parse_month("2026-11", TODAY), TODAY)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_month_of_covers_the_day(day):
	month = month_of(day)
	assert month.start <= day <= month.end
	assert month.start.day == 1
	assert (month.end + timedelta(days=1)).day == 1


def test_dispute_needs_a_reason_and_one_answer_per_month():
	with pytest.raises(RuleViolation) as raised:
		check_response(DISPUTED, "  ", None)
	assert raised.value.field == "reason"
	with pytest.raises(RuleViolation) as raised:
		check_response(CONFIRMED, None, CONFIRMED)
	assert raised.value.title == "Already Answered"
	with pytest.raises(RuleViolation):
		check_response("Answered", None, None)
	check_response(CONFIRMED, None, None)
	check_response(DISPUTED, "invoice 12 is not ours", None)


amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(amounts, st.lists(st.tuples(st.sampled_from(KINDS), amounts), max_size=20))
def test_closing_is_opening_plus_movements_and_totals_add_up(opening, rows):
	month = month_of(TODAY)
	movements = [
		Movement(kind, "Journal Entry", f"V{i}", month.start, amount) for i, (kind, amount) in enumerate(rows)
	]
	statement = build_statement(month, opening, movements)
	assert statement.closing == opening + sum((a for _k, a in rows), Decimal(0))
	assert statement.closing == opening + sum(statement.totals.values(), Decimal(0))
	assert set(statement.totals) == set(KINDS)


def test_movements_in_date_order():
	month = month_of(TODAY)
	later = Movement(PAYMENT, "Payment Entry", "P1", date(2026, 12, 3), Decimal(-5))
	earlier = Movement(INVOICE, "Sales Invoice", "S1", date(2026, 12, 1), Decimal(10))
	assert build_statement(month, Decimal(0), [later, earlier]).movements == (earlier, later)


@pytest.mark.parametrize(
	("requested", "user_language", "expected"),
	[
		("zh", "en", "zh"),
		(" EN ", "zh", "en"),
		(None, "zh", "zh"),
		("", "zh-TW", "zh"),
		(None, "en-US", "en"),
		(None, "de", "en"),
		(None, None, "en"),
	],
)
def test_pdf_language_asked_else_the_users(requested, user_language, expected):
	assert pdf_language(requested, user_language) == expected


@pytest.mark.parametrize("requested", ["de", "zh-TW", "../en", "english"])
def test_pdf_language_other_than_zh_or_en_refused(requested):
	with pytest.raises(RuleViolation) as raised:
		pdf_language(requested, "zh")
	assert raised.value.field == "lang"
	assert raised.value.title == "Invalid Language"
