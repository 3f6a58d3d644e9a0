"""Year-end rebate rules, with examples computed by hand at every boundary."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.rebates import (
	CREDIT_NOTE,
	INCREMENTAL,
	JOURNAL_ENTRY,
	REBATE_ACCOUNT,
	RETROACTIVE,
	CatalogueItem,
	DealerVolume,
	PolicyScope,
	RebateTerms,
	Slab,
	calculate_rebate,
	calculate_rebates,
	check_coverage,
	check_dealer_covered,
	check_liability_setup,
	check_no_overlapping_policy,
	check_period,
	check_posting_setup,
	check_slabs,
	check_terms,
	check_unique_settlement,
	growth_percent,
	in_scope,
	next_slab,
	scopes_share_items,
	year_end_due,
)
from dealer_relations.engine.territory import TerritoryTree

D = Decimal

# 1% from 100,000, 2% from 300,000, 3% from 500,000
LADDER = (Slab(D(100_000), D(1)), Slab(D(300_000), D(2)), Slab(D(500_000), D(3)))
# the same ladder starting at 0, as incremental contracts usually are
FROM_ZERO = (Slab(D(0), D(1)), Slab(D(300_000), D(2)), Slab(D(500_000), D(3)))


def retro(slabs=LADDER, **kwargs):
	return RebateTerms(RETROACTIVE, slabs, **kwargs)


def incr(slabs=FROM_ZERO, **kwargs):
	return RebateTerms(INCREMENTAL, slabs, **kwargs)


def gross(terms, volume, **kwargs):
	return calculate_rebate(terms, D(volume), **kwargs).gross_rebate


# -- retroactive ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"volume, slab, rebate",
	[
		("0", 0, "0"),
		("99999.99", 0, "0"),  # one cent below the first slab: nothing
		("100000.00", 1, "1000.00"),  # exactly at the first slab's minimum
		("299999.99", 1, "3000.00"),  # 2999.9999 rounds to the cent
		("300000", 2, "6000.00"),  # the whole volume jumps to 2%
		("499999.99", 2, "10000.00"),  # 9999.9998
		("500000", 3, "15000.00"),
		("1234567.89", 3, "37037.04"),  # 37037.0367
	],
)
def test_retroactive_pays_the_whole_volume_at_the_highest_slab(volume, slab, rebate):
	result = calculate_rebate(retro(), D(volume))
	assert result.slab_reached == slab
	assert result.gross_rebate == D(rebate)
	assert result.net_rebate == D(rebate)


# -- incremental ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"volume, slab, rebate",
	[
		("0", 0, "0"),
		("0.01", 1, "0.00"),
		("299999.99", 1, "3000.00"),  # 2999.9999
		("300000", 2, "3000.00"),  # 300,000 x 1%; nothing yet at 2%
		("300000.50", 2, "3000.01"),  # + 0.50 x 2%
		("500000", 3, "7000.00"),  # 3,000 + 200,000 x 2%
		("600000", 3, "10000.00"),  # 3,000 + 4,000 + 100,000 x 3%
	],
)
def test_incremental_pays_each_slab_at_its_own_rate(volume, slab, rebate):
	result = calculate_rebate(incr(), D(volume))
	assert (result.slab_reached, result.gross_rebate) == (slab, D(rebate))


def test_incremental_breakdown_lists_each_slab():
	result = calculate_rebate(incr(), D(600_000), with_breakdown=True)
	assert [(p.slab, p.volume, p.rate, p.rebate) for p in result.breakdown] == [
		(1, D(300_000), D(1), D("3000.00")),
		(2, D(200_000), D(2), D("4000.00")),
		(3, D(100_000), D(3), D("3000.00")),
	]
	assert result.breakdown[2].upper is None and result.breakdown[0].upper == D(300_000)
	assert sum(p.rebate for p in result.breakdown) == result.gross_rebate


def test_retroactive_breakdown_is_the_slab_applied():
	result = calculate_rebate(retro(), D(350_000), with_breakdown=True)
	assert [(p.slab, p.volume, p.rate, p.rebate, p.upper) for p in result.breakdown] == [
		(2, D(350_000), D(2), D("7000.00"), D(500_000))
	]


def test_same_volume_retroactive_versus_incremental():
	assert gross(retro(FROM_ZERO), 600_000) == D("18000.00")
	assert gross(incr(), 600_000) == D("10000.00")


def test_fixed_amount_of_the_highest_slab_reached_is_added():
	slabs = (Slab(D(0), D(1)), Slab(D(500_000), D(3), D(1000)))
	assert gross(retro(slabs), 499_999) == D("4999.99")
	assert gross(retro(slabs), 500_000) == D("16000.00")
	# incremental: 500,000 x 1% + 100,000 x 3% + 1,000
	assert gross(incr(slabs), 600_000) == D("9000.00")


def test_returns_that_drop_a_dealer_below_a_slab():
	invoiced, returned = D("310000"), D("-20000")
	before = calculate_rebate(retro(), invoiced)
	after = calculate_rebate(retro(), invoiced + returned)
	assert (before.slab_reached, before.gross_rebate) == (2, D("6200.00"))
	assert (after.slab_reached, after.gross_rebate) == (1, D("2900.00"))


def test_negative_volume_after_returns_earns_nothing():
	result = calculate_rebate(incr(), D("-500"))
	assert (result.slab_reached, result.net_rebate) == (0, 0)


# -- growth bonus, minimum, cap, forfeit ------------------------------------------------------------


def test_growth_bonus_at_exactly_the_threshold_and_one_cent_below():
	terms = retro(growth_threshold=D(10), growth_bonus_rate=D("0.5"))
	at = calculate_rebate(terms, D("440000"), prior_volume=D("400000"))
	assert at.growth_percent == D(10)
	assert (at.gross_rebate, at.growth_bonus, at.net_rebate) == (D("8800.00"), D("2200.00"), D("11000.00"))
	below = calculate_rebate(terms, D("439999.99"), prior_volume=D("400000"))
	assert below.growth_bonus == 0 and below.net_rebate == D("8800.00")


def test_no_growth_bonus_without_prior_volume_or_without_a_slab():
	terms = retro(growth_threshold=D(10), growth_bonus_rate=D("0.5"))
	assert calculate_rebate(terms, D(440_000)).growth_bonus == 0
	assert calculate_rebate(terms, D(440_000), prior_volume=D(0)).growth_bonus == 0
	assert calculate_rebate(terms, D(90_000), prior_volume=D(10_000)).growth_bonus == 0
	assert growth_percent(D(50), D(100)) == D(-50)


def test_minimum_volume_boundary():
	terms = retro(FROM_ZERO, minimum_volume=D(150_000))
	below = calculate_rebate(terms, D("149999.99"))
	assert below.below_minimum and below.net_rebate == 0 and below.slab_reached == 0
	at = calculate_rebate(terms, D(150_000))
	assert not at.below_minimum and at.net_rebate == D("1500.00")


def test_cap_limits_rebate_plus_bonus_bonus_trimmed_first():
	assert calculate_rebate(retro(FROM_ZERO, cap=D(10_000)), D(600_000)).gross_rebate == D(10_000)
	terms = incr(cap=D(10_000), growth_threshold=D(0), growth_bonus_rate=D(1))
	result = calculate_rebate(terms, D(600_000), prior_volume=D(600_000))
	assert (result.gross_rebate, result.growth_bonus, result.capped) == (D("10000.00"), D(0), True)
	result = calculate_rebate(incr(cap=D(12_000), growth_bonus_rate=D(1)), D(500_000), prior_volume=D(1))
	assert (result.gross_rebate, result.growth_bonus) == (D("7000.00"), D("5000.00"))
	result = calculate_rebate(incr(cap=D(11_000), growth_bonus_rate=D(1)), D(500_000), prior_volume=D(1))
	assert (result.gross_rebate, result.growth_bonus, result.capped) == (D("7000.00"), D("4000.00"), True)


def test_forfeit_takes_its_percent_of_gross_and_bonus():
	result = calculate_rebate(retro(), D(300_000), forfeit_percent=D(30))
	assert (result.gross_rebate, result.diversion_deduction, result.net_rebate) == (
		D("6000.00"),
		D("1800.00"),
		D("4200.00"),
	)
	result = calculate_rebate(
		retro(growth_bonus_rate=D(1)), D(300_000), prior_volume=D(1), forfeit_percent=D(100)
	)
	assert result.net_rebate == 0 and result.diversion_deduction == D("9000.00")
	assert calculate_rebate(retro(), D("100000.01"), forfeit_percent=D("33.3")).diversion_deduction == D(
		"333.00"
	)


def test_quantity_basis_rates_apply_to_the_amount():
	slabs = (Slab(D(0), D(1)), Slab(D(1000), D(2)))
	assert calculate_rebate(retro(slabs), D(1500), base=D(300_000)).gross_rebate == D("6000.00")
	# 1,000 of 1,500 units at 1% of their share of the amount, 500 units at 2%
	result = calculate_rebate(incr(slabs), D(1500), base=D(300_000), with_breakdown=True)
	assert result.gross_rebate == D("4000.00")
	assert [p.rebate for p in result.breakdown] == [D("2000.00"), D("2000.00")]


# -- next slab ------------------------------------------------------------------------------------


def test_gap_to_next_slab_and_the_rebate_it_unlocks():
	terms = retro()
	now = calculate_rebate(terms, D(290_000))
	ahead = next_slab(terms, now)
	assert (ahead.slab, ahead.gap, ahead.extra_rebate) == (2, D(10_000), D("3100.00"))
	assert next_slab(terms, calculate_rebate(terms, D(500_000))) is None
	first = next_slab(terms, calculate_rebate(terms, D(0)))
	assert (first.slab, first.gap, first.extra_rebate) == (1, D(100_000), D("1000.00"))


def test_next_target_is_the_minimum_volume_when_not_met():
	terms = retro(FROM_ZERO, minimum_volume=D(150_000))
	ahead = next_slab(terms, calculate_rebate(terms, D(100_000)))
	assert (ahead.slab, ahead.gap, ahead.extra_rebate) == (1, D(50_000), D("1500.00"))


def test_bulk_calculation_matches_single():
	volumes = {
		"A": DealerVolume("A", D(310_000), prior_volume=D(100), forfeit_percent=D(10)),
		"B": DealerVolume("B", D(50)),
	}
	terms = retro(growth_bonus_rate=D(1))
	results = calculate_rebates(terms, volumes)
	assert results["A"] == calculate_rebate(terms, D(310_000), prior_volume=D(100), forfeit_percent=D(10))
	assert results["B"].net_rebate == 0


# -- bad input ------------------------------------------------------------------------------------


def violation(check, *args):
	with pytest.raises(RuleViolation) as info:
		check(*args)
	return info.value


def test_bad_slabs_are_refused_naming_the_row():
	assert violation(check_slabs, []).field == "slabs"
	unsorted = violation(check_slabs, [Slab(D(500), D(2)), Slab(D(100), D(3))])
	assert "row #2" in str(unsorted) and unsorted.title == "Overlapping Slabs"
	assert violation(check_slabs, [Slab(D(100), D(1)), Slab(D(100), D(2))]).title == "Overlapping Slabs"
	assert "Rate" in str(violation(check_slabs, [Slab(D(0), D("100.01"))]))
	assert "Rate" in str(violation(check_slabs, [Slab(D(0), D("-0.01"))]))
	assert "lower" in str(violation(check_slabs, [Slab(D(0), D(2)), Slab(D(10), D(1))]))
	assert "Fixed Amount" in str(violation(check_slabs, [Slab(D(0), D(1), D(5)), Slab(D(10), D(1), D(4))]))
	assert "Min Value" in str(violation(check_slabs, [Slab(D(-1), D(1))]))
	check_slabs([Slab(D(0), D(0)), Slab(D(10), D(100))])


def test_bad_terms_and_period():
	assert violation(check_period, date(2026, 12, 31), date(2026, 1, 1)).field == "from_date"
	check_period(date(2026, 1, 1), date(2026, 1, 1))
	assert violation(check_terms, retro(cap=D(-1))).field == "cap"
	assert violation(check_terms, retro(minimum_volume=D(-1))).field == "minimum_volume"
	assert violation(check_terms, retro(growth_bonus_rate=D(101))).field == "growth_bonus_rate"
	assert violation(check_terms, RebateTerms("Sometimes", LADDER)).field == "calculation"
	assert violation(check_coverage, [], []).field == "tiers"
	check_coverage(["A"], [])


def test_overlapping_policies_covering_the_same_dealer_are_refused():
	year = PolicyScope("P-2026", "Co", date(2026, 1, 1), date(2026, 12, 31))
	h2 = PolicyScope("P-H2", "Co", date(2026, 7, 1), date(2026, 12, 31))
	next_year = PolicyScope("P-2027", "Co", date(2027, 1, 1), date(2027, 12, 31))
	other_company = PolicyScope("P-Other", "Other", date(2026, 1, 1), date(2026, 12, 31))
	err = violation(check_no_overlapping_policy, h2, {"D1", "D2"}, [(year, {"D2", "D3"})])
	assert "D2" in str(err) and "P-2026" in str(err)
	for other in (next_year, other_company):
		check_no_overlapping_policy(h2, {"D2"}, [(other, {"D2"})])
	check_no_overlapping_policy(h2, {"D1"}, [(year, {"D2"})])
	check_no_overlapping_policy(year, {"D1"}, [(year, {"D1"})])  # itself


# Products -> Pumps, Valves; Spares (outside Products)
GROUPS = TerritoryTree(
	{"All": None, "Products": "All", "Pumps": "Products", "Valves": "Products", "Spares": "All"}
)
CATALOGUE = {
	"PUMP-1": CatalogueItem("Pumps", "Acme"),
	"PUMP-2": CatalogueItem("Pumps", None),
	"VALVE-1": CatalogueItem("Valves", "Acme"),
	"SPARE-1": CatalogueItem("Spares", "Bolt"),
}


def scope(name, **kwargs):
	return PolicyScope(
		name,
		"Co",
		date(2026, 1, 1),
		date(2026, 12, 31),
		**{key: frozenset(value) for key, value in kwargs.items()},
	)


def overlap(first, second):
	return scopes_share_items(first, second, GROUPS, CATALOGUE)


@pytest.mark.parametrize(
	"first, second, shared",
	[
		(scope("all"), scope("pumps", item_groups={"Pumps"}), True),  # a line of a pump earns both
		(scope("all"), scope("all-too"), True),
		(scope("products", item_groups={"Products"}), scope("pumps", item_groups={"Pumps"}), True),
		(scope("pumps", item_groups={"Pumps"}), scope("valves", item_groups={"Valves"}), False),
		(scope("pumps", item_groups={"Pumps"}), scope("one", items={"PUMP-1"}), True),
		(scope("pumps", item_groups={"Pumps"}), scope("spare", items={"SPARE-1"}), False),
		(scope("acme", brands={"Acme"}), scope("valves", item_groups={"Valves"}), True),  # VALVE-1
		(scope("bolt", brands={"Bolt"}), scope("products", item_groups={"Products"}), False),
		(scope("acme", brands={"Acme"}), scope("bolt", brands={"Bolt"}), False),
		(scope("acme", brands={"Acme"}), scope("two", items={"PUMP-2"}), False),
		# the narrow policy's item carved out of the broad one: they run side by side
		(scope("all-but", excluded_items={"PUMP-1"}), scope("one", items={"PUMP-1"}), False),
		(
			scope("pumps-but", item_groups={"Pumps"}, excluded_items={"PUMP-1"}),
			scope("one", items={"PUMP-1"}),
			False,
		),
		(scope("one", items={"PUMP-1"}), scope("one-again", items={"PUMP-1"}), True),
		(scope("brand-only", brands={"Nobody"}), scope("all"), False),  # no item of that brand exists
	],
)
def test_an_invoice_line_counts_toward_at_most_one_policy(first, second, shared):
	assert overlap(first, second) is shared
	assert overlap(second, first) is shared  # the rule is symmetric
	covered = {"D1"}
	if shared:
		err = violation(check_no_overlapping_policy, first, covered, [(second, covered)], GROUPS, CATALOGUE)
		assert second.name in str(err) and err.title == "Overlapping Policy"
	else:
		check_no_overlapping_policy(first, covered, [(second, covered)], GROUPS, CATALOGUE)


def test_a_line_in_both_scopes_is_what_the_overlap_rule_finds():
	"""Property: whenever some catalogue item counts toward both scopes, they are refused."""
	scopes = [
		scope("all"),
		scope("products", item_groups={"Products"}),
		scope("pumps", item_groups={"Pumps"}),
		scope("valves", item_groups={"Valves"}),
		scope("acme", brands={"Acme"}),
		scope("one", items={"PUMP-1"}),
		scope("all-but", excluded_items={"PUMP-1"}),
	]
	for first in scopes:
		for second in scopes:
			both = [
				code
				for code, facts in CATALOGUE.items()
				if in_scope(first, code, facts, GROUPS) and in_scope(second, code, facts, GROUPS)
			]
			if both:
				assert overlap(first, second), (first.name, second.name, both)


def test_settlement_checks():
	assert violation(check_dealer_covered, "D9", "P", ["D1"]).field == "dealer"
	check_dealer_covered("D1", "P", ["D1"])
	assert "RBS-1" in str(violation(check_unique_settlement, "D1", "P", "RBS-1"))
	check_unique_settlement("D1", "P", None)
	err = violation(check_posting_setup, "Co", JOURNAL_ENTRY, None, "Debtors", None)
	assert err.field == "rebate_expense_account"
	assert violation(check_posting_setup, "Co", JOURNAL_ENTRY, "Exp", None, None).field == (
		"default_receivable_account"
	)
	assert violation(check_posting_setup, "Co", CREDIT_NOTE, "Exp", "Debtors", None).field == "rebate_item"
	check_posting_setup("Co", JOURNAL_ENTRY, "Exp", "Debtors", None)
	assert violation(check_posting_setup, "Co", REBATE_ACCOUNT, "Exp", "Debtors", None).field == (
		"rebate_liability_account"
	)
	# releasing or correcting a balance touches no receivable: only the expense and the liability
	check_liability_setup("Co", "Exp", "Liab")
	assert violation(check_liability_setup, "Co", None, "Liab").field == "rebate_expense_account"
	assert violation(check_liability_setup, "Co", "Exp", None).field == "rebate_liability_account"


# -- properties -----------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def ladders(draw, with_fixed=True):
	mins = sorted(set(draw(st.lists(amounts, min_size=1, max_size=5))))
	slab_rates = sorted(draw(st.lists(rates, min_size=len(mins), max_size=len(mins))))
	fixed = (
		sorted(draw(st.lists(amounts, min_size=len(mins), max_size=len(mins))))
		if with_fixed
		else [D(0)] * len(mins)
	)
	return tuple(Slab(m, r, f) for m, r, f in zip(mins, slab_rates, fixed, strict=True))


@settings(max_examples=300)
@given(
	ladders(),
	st.sampled_from((RETROACTIVE, INCREMENTAL)),
	amounts,
	amounts,
	st.one_of(st.none(), amounts),
	rates,
	amounts,
	amounts,
)
def test_rebate_never_decreases_as_volume_grows(slabs, calculation, v1, v2, prior, forfeit, cap, minimum):
	terms = RebateTerms(
		calculation,
		slabs,
		minimum_volume=minimum,
		cap=cap,
		growth_threshold=D(5),
		growth_bonus_rate=D("0.5"),
	)
	check_terms(terms)
	low, high = sorted((v1, v2))
	a = calculate_rebate(terms, low, prior_volume=prior, forfeit_percent=forfeit)
	b = calculate_rebate(terms, high, prior_volume=prior, forfeit_percent=forfeit)
	assert a.gross_rebate + a.growth_bonus <= b.gross_rebate + b.growth_bonus
	assert a.net_rebate <= b.net_rebate
	assert b.net_rebate >= 0 and b.net_rebate == b.gross_rebate + b.growth_bonus - b.diversion_deduction
	if cap:
		assert b.gross_rebate + b.growth_bonus <= cap


@settings(max_examples=300)
@given(ladders(), amounts, amounts)
def test_incremental_never_pays_more_than_retroactive(slabs, volume, cap):
	for kwargs in ({}, {"cap": cap}):
		incremental = calculate_rebate(RebateTerms(INCREMENTAL, slabs, **kwargs), volume)
		retroactive = calculate_rebate(RebateTerms(RETROACTIVE, slabs, **kwargs), volume)
		assert incremental.gross_rebate <= retroactive.gross_rebate
		assert incremental.slab_reached == retroactive.slab_reached


@settings(max_examples=300)
@given(ladders(with_fixed=False), st.sampled_from((RETROACTIVE, INCREMENTAL)), amounts)
def test_effective_rate_never_exceeds_the_top_slab(slabs, calculation, volume):
	assume(volume > 0)
	result = calculate_rebate(RebateTerms(calculation, slabs), volume)
	top = max(slab.rate for slab in slabs)
	# half a cent of rounding is the only excess allowed
	assert result.gross_rebate <= volume * top / 100 + D("0.005")
	if volume >= 1000:
		assert result.effective_rate <= top + D("0.001")


@settings(max_examples=200)
@given(ladders(with_fixed=False), amounts)
def test_incremental_breakdown_adds_up_to_the_gross(slabs, volume):
	result = calculate_rebate(RebateTerms(INCREMENTAL, slabs), volume, with_breakdown=True)
	assert abs(sum((p.rebate for p in result.breakdown), D(0)) - result.gross_rebate) <= D("0.01") * len(
		slabs
	)
	assert sum((p.volume for p in result.breakdown), D(0)) == (
		volume - slabs[0].min_value if result.slab_reached else 0
	)


# -- when the daily job runs the year-end ------------------------------------------------------------


def test_year_end_falls_due_the_day_after_the_delay():
	end = date(2026, 12, 31)
	assert not year_end_due(end, None, 5, None, date(2027, 1, 5))
	assert year_end_due(end, None, 5, None, date(2027, 1, 6))
	# the collection cut-off ends the period later
	assert not year_end_due(end, date(2027, 1, 31), 5, None, date(2027, 1, 6))
	assert year_end_due(end, date(2027, 1, 31), 5, None, date(2027, 2, 6))


def test_a_run_during_the_year_does_not_count_a_run_after_it_fell_due_does():
	end = date(2026, 12, 31)
	assert year_end_due(end, None, 0, date(2026, 6, 30), date(2027, 1, 2))
	assert year_end_due(end, None, 0, date(2026, 12, 31), date(2027, 1, 2))
	assert not year_end_due(end, None, 0, date(2027, 1, 1), date(2027, 1, 2))


@given(
	st.dates(date(2020, 1, 1), date(2030, 1, 1)),
	st.integers(0, 60),
	st.integers(0, 60),
	st.integers(-400, 400),
)
def test_year_end_runs_once_after_it_falls_due(to_date, cutoff_days, delay, offset):
	from datetime import timedelta

	cutoff = to_date + timedelta(days=cutoff_days)
	day = to_date + timedelta(days=offset)
	if year_end_due(to_date, cutoff, delay, None, day):
		assert day > cutoff + timedelta(days=delay)
		assert not year_end_due(to_date, cutoff, delay, day, day)  # run today: done
	else:
		assert day <= cutoff + timedelta(days=delay)


def test_projection_factor_follows_the_pace():
	from datetime import date

	from dealer_relations.engine.rebates import projection_factor

	start, end = date(2026, 1, 1), date(2026, 12, 31)
	assert projection_factor(start, end, date(2027, 3, 1)) == 1
	assert projection_factor(start, end, end) == 1
	assert projection_factor(start, end, date(2026, 1, 1)) == 365
	assert projection_factor(start, end, date(2026, 7, 2)) == Decimal(365) / Decimal(183)
