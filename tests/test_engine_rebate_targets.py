"""Target Completion policies (年度任务完成率): slabs in percent of each dealer's target, rates on
the achieved volume; examples by hand at every boundary and properties over random ladders."""

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.rebates import (
	INCREMENTAL,
	RETROACTIVE,
	TARGET_COMPLETION,
	DealerVolume,
	RebateTerms,
	Slab,
	calculate_rebate,
	calculate_rebates,
	check_targets,
	check_terms,
	next_slab,
	parse_target_rows,
	rebate_for,
	target_from_last_year,
)

D = Decimal

# the ladder: below 60 % nothing, 60-100 % 4 %, 100-120 % 6 %, above 120 % 8 %
STEPS = (Slab(D(60), D(4)), Slab(D(100), D(6)), Slab(D(120), D(8)))


def on_target(calculation=RETROACTIVE, slabs=STEPS, **kwargs):
	return RebateTerms(calculation, slabs, basis=TARGET_COMPLETION, **kwargs)


@pytest.mark.parametrize(
	"volume, slab, rate, rebate",
	[
		(0, 0, 0, "0.00"),
		("59999.99", 0, 0, "0.00"),  # one cent below 60 %
		(60_000, 1, 4, "2400.00"),  # exactly 60 %
		("99999.99", 1, 4, "4000.00"),  # 3999.9996 rounds to the cent
		(100_000, 2, 6, "6000.00"),  # exactly 100 %
		(120_000, 3, 8, "9600.00"),  # exactly 120 %
		(150_000, 3, 8, "12000.00"),
	],
)
def test_retroactive_rate_by_completion_applies_to_the_whole_volume(volume, slab, rate, rebate):
	result = calculate_rebate(on_target(), D(volume), target=D(100_000))
	assert (result.slab_reached, result.rate, result.gross_rebate) == (slab, D(rate), D(rebate))
	assert result.completion == D(volume) * 100 / D(100_000)
	assert result.target == D(100_000)


def test_incremental_pays_each_completion_band_on_its_volume():
	# target 200,000: 60 % = 120,000, 100 % = 200,000, 120 % = 240,000; achieved 260,000
	result = calculate_rebate(on_target(INCREMENTAL), D(260_000), target=D(200_000), with_breakdown=True)
	# 80,000 at 4 % + 40,000 at 6 % + 20,000 at 8 %
	assert result.gross_rebate == D("3200") + D("2400") + D("1600")
	assert [(p.min_value, p.upper, p.volume) for p in result.breakdown] == [
		(D(120_000), D(200_000), D(80_000)),
		(D(200_000), D(240_000), D(40_000)),
		(D(240_000), None, D(20_000)),
	]


def test_the_same_volume_earns_by_each_dealers_own_target():
	terms = on_target()
	volumes = {
		"small": DealerVolume("small", D(90_000), target=D(80_000)),  # 112.5 % -> 6 %
		"large": DealerVolume("large", D(90_000), target=D(200_000)),  # 45 % -> nothing
		"none": DealerVolume("none", D(90_000), target=D(0)),  # no target set: nothing
	}
	results = calculate_rebates(terms, volumes)
	assert results["small"].gross_rebate == D("5400.00")
	assert results["large"].gross_rebate == D("0.00") and results["large"].slab_reached == 0
	assert results["none"].net_rebate == D("0.00") and results["none"].completion is None
	assert rebate_for(terms, volumes["small"]) == results["small"]


def test_a_target_policy_without_the_target_passed_is_a_programming_error():
	with pytest.raises(ValueError):
		calculate_rebate(on_target(), D(100))
	# volume policies ignore a target
	plain = RebateTerms(RETROACTIVE, STEPS)
	assert calculate_rebate(plain, D(100), target=D(5)).target is None


def test_forfeit_cap_and_growth_bonus_apply_as_for_any_policy():
	terms = on_target(cap=D(5000), growth_threshold=D(10), growth_bonus_rate=D(1))
	result = calculate_rebate(
		terms, D(110_000), prior_volume=D(90_000), forfeit_percent=D(50), target=D(100_000)
	)
	# 6 % of 110,000 = 6,600 + 1,100 bonus, capped at 5,000, half forfeited
	assert (result.gross_rebate, result.growth_bonus, result.capped) == (D(5000), D(0), True)
	assert result.net_rebate == D("2500.00")


def test_next_step_is_the_volume_gap_to_the_next_completion_percent():
	terms = on_target()
	current = calculate_rebate(terms, D(75_000), target=D(100_000))
	ahead = next_slab(terms, current)
	assert (ahead.slab, ahead.gap, ahead.completion) == (2, D(25_000), D(100))
	assert ahead.extra_rebate == D(6000) - D(3000)
	nothing = calculate_rebate(terms, D(0), target=D(100_000))
	assert next_slab(terms, nothing).gap == D(60_000)
	assert next_slab(terms, calculate_rebate(terms, D(130_000), target=D(100_000))) is None
	assert next_slab(terms, calculate_rebate(terms, D(10), target=D(0))) is None


def test_targets_checked_on_submit():
	check_targets({"A", "B"}, [(1, "A", D(1)), (2, "B", D("0.01"))])
	with pytest.raises(RuleViolation, match="no target") as missing:
		check_targets({"A", "B"}, [(1, "A", D(1))])
	assert missing.value.args == ("B", 1)
	with pytest.raises(RuleViolation, match="above zero") as zero:
		check_targets({"A"}, [(1, "A", D(0))])
	assert zero.value.args[:2] == (1, "A")
	with pytest.raises(RuleViolation, match="above zero"):
		check_targets({"A"}, [(1, "A", D(-5))])
	with pytest.raises(RuleViolation, match="not covered") as stranger:
		check_targets({"A"}, [(1, "A", D(1)), (2, "Z", D(1))])
	assert stranger.value.args == (2, "Z")


def test_default_target_is_last_year_grown():
	assert target_from_last_year(D("100000"), D(10)) == D("110000.00")
	assert target_from_last_year(D("1234.57"), D("3.5")) == D("1277.78")  # 1277.77995
	assert target_from_last_year(D(0), D(10)) == 0
	assert target_from_last_year(D(-50), D(10)) == 0  # returns exceeded sales: no basis
	assert target_from_last_year(D(100), D(-150)) == 0


def test_import_rows_parsed_and_refused_with_the_row_number():
	known = {"DLR-1", "DLR-2"}
	rows = [["Target", "Dealer", "Note"], ["1,500.50", "DLR-1", "x"], [None, None], [2000, " DLR-2 "]]
	assert parse_target_rows(rows, known) == {"DLR-1": D("1500.50"), "DLR-2": D(2000)}
	for bad, number, words in (
		([["dealer", "target"], ["DLR-1", 1], ["DLR-9", 5]], 3, "not covered"),
		([["dealer", "target"], ["DLR-1", "abc"]], 2, "not a number"),
		([["dealer", "target"], ["DLR-1", ""]], 2, "not a number"),
		([["dealer", "target"], ["DLR-1", "nan"]], 2, "not a number"),
		([["dealer", "target"], ["DLR-1", -1]], 2, "negative"),
		([["dealer", "target"], ["DLR-1", "1.001"]], 2, "decimals"),
		([["dealer", "target"], ["DLR-1", 1], ["DLR-1", 2]], 3, "more than once"),
	):
		with pytest.raises(RuleViolation, match=words) as refused:
			parse_target_rows(bad, known)
		assert refused.value.args[0] == number
	with pytest.raises(RuleViolation, match="columns"):
		parse_target_rows([["customer", "amount"], ["DLR-1", 1]], known)
	with pytest.raises(RuleViolation, match="empty"):
		parse_target_rows([], known)


# -- properties -----------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
targets = st.decimals(min_value="0.01", max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=0, max_value=300, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def steps(draw):
	mins = sorted(set(draw(st.lists(percents, min_size=1, max_size=5))))
	slab_rates = sorted(draw(st.lists(rates, min_size=len(mins), max_size=len(mins))))
	return tuple(Slab(m, r) for m, r in zip(mins, slab_rates, strict=True))


@settings(max_examples=300)
@given(steps(), st.sampled_from((RETROACTIVE, INCREMENTAL)), targets, amounts, amounts, rates, amounts)
def test_more_volume_never_earns_less_for_a_fixed_target(slabs, calculation, target, v1, v2, forfeit, cap):
	terms = on_target(calculation, slabs, cap=cap)
	check_terms(terms)
	low, high = sorted((v1, v2))
	a = calculate_rebate(terms, low, forfeit_percent=forfeit, target=target)
	b = calculate_rebate(terms, high, forfeit_percent=forfeit, target=target)
	assert a.gross_rebate <= b.gross_rebate and a.net_rebate <= b.net_rebate
	assert a.slab_reached <= b.slab_reached


@settings(max_examples=300)
@given(steps(), st.sampled_from((RETROACTIVE, INCREMENTAL)), targets)
def test_exactly_at_a_step_reaches_it_one_cent_below_does_not(slabs, calculation, target):
	terms = on_target(calculation, slabs)
	for idx, slab in enumerate(slabs, start=1):
		boundary = target * slab.min_value / 100
		assume(boundary > D("0.01"))
		at = calculate_rebate(terms, boundary, target=target)
		assert at.slab_reached >= idx
		assert at.completion == slab.min_value
		below = calculate_rebate(terms, boundary - D("0.01"), target=target)
		assert below.slab_reached < idx


@settings(max_examples=200)
@given(steps(), st.sampled_from((RETROACTIVE, INCREMENTAL)), targets)
def test_zero_volume_earns_nothing(slabs, calculation, target):
	result = calculate_rebate(on_target(calculation, slabs), D(0), target=target)
	assert result.net_rebate == 0 and result.slab_reached == 0 and result.breakdown == ()


@settings(max_examples=200)
@given(steps(), targets, amounts)
def test_retroactive_pays_the_reached_rate_on_the_achieved_volume(slabs, target, volume):
	result = calculate_rebate(on_target(RETROACTIVE, slabs), volume, target=target)
	completion = volume * 100 / target
	reached = [slab for slab in slabs if target * slab.min_value / 100 <= volume]
	if volume > 0 and reached:
		assert result.rate == reached[-1].rate
		assert result.gross_rebate == (volume * reached[-1].rate / 100).quantize(D("0.01"), "ROUND_HALF_UP")
		assert completion >= reached[-1].min_value
	else:
		assert result.gross_rebate == 0


@settings(max_examples=200)
@given(steps(), st.sampled_from((RETROACTIVE, INCREMENTAL)), targets, amounts)
def test_the_gap_reaches_the_next_step_exactly(slabs, calculation, target, volume):
	terms = on_target(calculation, slabs)
	current = calculate_rebate(terms, volume, target=target)
	ahead = next_slab(terms, current)
	if ahead is None:
		assert volume >= target * slabs[-1].min_value / 100
		return
	there = calculate_rebate(terms, volume + ahead.gap, target=target)
	assert there.slab_reached == ahead.slab > current.slab_reached or volume <= 0
	assert there.completion == ahead.completion
	assert there.net_rebate - current.net_rebate == ahead.extra_rebate or ahead.extra_rebate == 0
