"""Monthly rebate accrual rules: the accrual to date, the monthly change, the true-up's sides, the
accrual day and the closed-period move; hypothesis properties over a year of months."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealer_relations.engine.accruals import (
	CONSERVATIVE,
	EXPENSE,
	LIABILITY,
	PROJECTED,
	accrual_sides,
	accrued_to_date,
	changes,
	check_accrual_method,
	check_accrual_setup,
	last_ended_month,
	month_end,
	month_factor,
	month_key,
	next_open_date,
	reversal_sides,
	total,
)
from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.rebates import INCREMENTAL, RETROACTIVE, RebateTerms, Slab, calculate_rebate

D = Decimal
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
# 1% from 100,000, 2% from 300,000, 3% from 500,000
LADDER = (Slab(D(100_000), D(1)), Slab(D(300_000), D(2)), Slab(D(500_000), D(3)))


def month_ends(year=2026):
	return [month_end(date(year, month, 1)) for month in range(1, 13)]


def monthly_run(terms, method, monthly_volumes, booked=None):
	"""What the monthly job books over the year: (accrued to date each month, each month's change)."""
	start, end = YEAR
	booked = dict(booked or {})
	cumulative, accrued, posted = D(0), [], []
	for as_of, volume in zip(month_ends(), monthly_volumes, strict=True):
		cumulative += volume
		factor = month_factor(method, start, end, as_of)
		target = {"D1": accrued_to_date(terms, method, cumulative, factor=factor)}
		moved = changes(target, booked)
		for dealer, change in moved.items():
			booked[dealer] = booked.get(dealer, D(0)) + change
		accrued.append(target["D1"])
		posted.append(total(moved.values()))
	return accrued, posted, cumulative


# -- examples -------------------------------------------------------------------------------------


def test_conservative_is_the_rebate_reached_so_far():
	terms = RebateTerms(RETROACTIVE, LADDER)
	assert accrued_to_date(terms, CONSERVATIVE, D(250_000)) == D("2500.00")
	assert accrued_to_date(terms, CONSERVATIVE, D(99_999)) == D(0)


def test_projected_charges_the_years_rate_on_the_sales_so_far():
	"""Half way through the year with 200,000 sold: 400,000 projected reaches 2 %, charged on the
	200,000 sold (4,000), where the conservative method books 1 % (2,000)."""
	terms = RebateTerms(RETROACTIVE, LADDER)
	factor = month_factor(PROJECTED, date(2026, 1, 1), date(2026, 12, 31), date(2026, 7, 1))
	assert factor == D(365) / D(182)
	assert accrued_to_date(terms, PROJECTED, D(200_000), factor=factor) == D("4000.00")
	assert accrued_to_date(terms, CONSERVATIVE, D(200_000)) == D("2000.00")


def test_a_tier_reached_late_is_caught_up_in_that_month():
	"""Conservative, 40,000 a month: nothing until 100,000 (March), 1 % until 300,000 (August), the
	jump to 2 % in August takes the whole year so far to 2 %."""
	accrued, posted, _volume = monthly_run(RebateTerms(RETROACTIVE, LADDER), CONSERVATIVE, [D(40_000)] * 12)
	assert posted[:3] == [D(0), D(0), D("1200.00")]
	assert posted[7] == D("6400.00") - D("2800.00")
	assert accrued[-1] == D("9600.00")


def test_volume_falling_back_below_a_slab_posts_a_negative_change():
	"""A big return in March takes the dealer back under the first slab."""
	accrued, posted, _volume = monthly_run(
		RebateTerms(RETROACTIVE, LADDER), CONSERVATIVE, [D(80_000), D(50_000), D(-40_000)] + [D(0)] * 9
	)
	assert posted[1] == D("1300.00")
	assert posted[2] == D("-1300.00")
	assert accrued[2] == D(0)


def test_changes_bring_the_books_to_the_target():
	moved = changes({"A": D(100), "B": D(50)}, {"A": D(60), "B": D(50), "C": D(30)})
	assert moved == {"A": D(40), "C": D(-30)}  # B unchanged, C no longer accrued (settled)


def test_accrual_and_reversal_sides():
	grown = accrual_sides(D("12.50"))
	assert (grown.debit, grown.credit, grown.amount) == (EXPENSE, LIABILITY, D("12.50"))
	fell = accrual_sides(D("-3"))
	assert (fell.debit, fell.credit, fell.amount) == (LIABILITY, EXPENSE, D(3))
	assert accrual_sides(D(0)) is None
	back = reversal_sides(D(100))
	assert (back.debit, back.credit, back.amount) == (LIABILITY, EXPENSE, D(100))
	assert reversal_sides(D(0)) is None


@pytest.mark.parametrize(
	"today,expected",
	[
		(date(2026, 1, 15), None),  # January has not ended
		(date(2026, 2, 1), date(2026, 1, 31)),  # the monthly job on the 1st
		(date(2026, 3, 31), date(2026, 2, 28)),  # March ends tonight
		(date(2026, 12, 5), date(2026, 11, 30)),
		(date(2027, 1, 1), date(2026, 12, 31)),
		(date(2027, 6, 1), date(2026, 12, 31)),  # long over: its last month
	],
)
def test_last_ended_month(today, expected):
	assert last_ended_month(*YEAR, today) == expected


def test_last_ended_month_of_a_period_not_on_month_ends():
	start, end = date(2026, 4, 15), date(2027, 4, 14)
	assert last_ended_month(start, end, date(2026, 5, 1)) == date(2026, 4, 30)
	assert last_ended_month(start, end, date(2026, 4, 30)) is None
	assert last_ended_month(start, end, date(2027, 4, 20)) == end
	assert month_key(date(2026, 4, 30)) == "2026-04"


def test_closed_periods_move_the_posting_date():
	closed = [
		("Q1 - C", date(2026, 1, 1), date(2026, 3, 31)),
		("Apr - C", date(2026, 4, 1), date(2026, 4, 30)),
	]
	assert next_open_date(date(2026, 2, 28), closed) == (date(2026, 5, 1), "Apr - C")
	assert next_open_date(date(2026, 5, 31), closed) == (date(2026, 5, 31), None)


def test_setup_and_method_are_checked():
	with pytest.raises(RuleViolation) as info:
		check_accrual_setup("C", "Expense", None)
	assert info.value.field == "accrued_rebate_account"
	with pytest.raises(RuleViolation):
		check_accrual_setup("C", None, "Accrued")
	check_accrual_setup("C", "Expense", "Accrued")
	with pytest.raises(RuleViolation):
		check_accrual_method("Optimistic")
	check_accrual_method(PROJECTED)


# -- properties -----------------------------------------------------------------------------------

months = st.lists(
	st.decimals(min_value=-60_000, max_value=200_000, places=2, allow_nan=False, allow_infinity=False),
	min_size=12,
	max_size=12,
)
calculations = st.sampled_from((RETROACTIVE, INCREMENTAL))
methods = st.sampled_from((CONSERVATIVE, PROJECTED))


def terms_of(calculation):
	slabs = LADDER if calculation == RETROACTIVE else (Slab(D(0), D(1)), *LADDER[1:])
	return RebateTerms(calculation, slabs, cap=D(0))


@settings(max_examples=200, deadline=None)
@given(months, calculations, methods)
def test_monthly_changes_sum_to_the_final_accrual(volumes, calculation, method):
	accrued, posted, _volume = monthly_run(terms_of(calculation), method, volumes)
	assert total(posted) == accrued[-1]


@settings(max_examples=200, deadline=None)
@given(months, calculations, methods)
def test_at_year_end_the_accrual_is_the_year_end_rebate(volumes, calculation, method):
	terms = terms_of(calculation)
	accrued, _posted, volume = monthly_run(terms, method, volumes)
	assert accrued[-1] == calculate_rebate(terms, volume).net_rebate


@settings(max_examples=200, deadline=None)
@given(months, calculations, methods)
def test_the_true_up_leaves_the_settled_rebate_as_the_years_expense(volumes, calculation, method):
	"""Expense over the year = the accruals' changes, less what the true-up reverses (all that was
	booked), plus what the settlement posts: the settled rebate, to the cent."""
	terms = terms_of(calculation)
	accrued, posted, volume = monthly_run(terms, method, volumes)
	settled = calculate_rebate(terms, volume).net_rebate
	reversed_ = reversal_sides(total(posted))
	expense = total(posted) - (reversed_.amount if reversed_ else D(0)) + settled
	assert expense == settled


@settings(max_examples=100, deadline=None)
@given(
	st.decimals(min_value=100_000, max_value=2_000_000, places=2),
	st.decimals(min_value=1, max_value=99_999, places=2),
)
def test_a_change_can_be_negative(volume, returned):
	"""Volume that falls back below a slab's minimum always books a negative change."""
	terms = RebateTerms(RETROACTIVE, LADDER)
	before = accrued_to_date(terms, CONSERVATIVE, volume)
	after = accrued_to_date(terms, CONSERVATIVE, volume - returned)
	change = total(changes({"D": after}, {"D": before}).values())
	assert change <= 0
	if volume - returned < D(100_000):
		assert change == -before < 0
