"""Policy simulator rules: figures per tier add up to the total, the total is the year-end rules'
own sum, and a dealer flagged within 10 % of the next slab really is (and every such dealer is
flagged). Examples computed by hand."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dealer_relations.engine.rebates import (
	INCREMENTAL,
	RETROACTIVE,
	DealerVolume,
	NextSlab,
	RebateTerms,
	Slab,
	calculate_rebate,
)
from dealer_relations.engine.simulation import NEAR_PERCENT, simulate, within_reach

D = Decimal

# 1% from 100,000, 2% from 300,000, 3% from 500,000
LADDER = (Slab(D(100_000), D(1)), Slab(D(300_000), D(2)), Slab(D(500_000), D(3)))


def volumes(**by_dealer):
	return {dealer: DealerVolume(dealer, D(volume)) for dealer, volume in by_dealer.items()}


def test_hand_calculated_simulation():
	terms = RebateTerms(RETROACTIVE, LADDER)
	sim = simulate(
		terms,
		volumes(a1=95_000, a2=280_000, b1=600_000, x=250_000),
		{"a1": "A", "a2": "A", "b1": "B"},
	)
	assert list(sim.tiers) == ["A", "B", ""]
	a, b, none = sim.tiers["A"], sim.tiers["B"], sim.tiers[""]
	# a1: below slab 1, nothing; a2: 1 % of 280,000; b1: 3 % of 600,000; x: 1 % of 250,000
	assert (a.dealers, a.eligible_sales, a.cost, a.near_next_slab) == (2, D(375_000), D(2_800), 2)
	assert (b.dealers, b.eligible_sales, b.cost, b.near_next_slab) == (1, D(600_000), D(18_000), 0)
	assert (none.dealers, none.eligible_sales, none.cost, none.near_next_slab) == (1, D(250_000), D(2_500), 0)
	assert (sim.total.dealers, sim.total.eligible_sales, sim.total.cost) == (4, D(1_225_000), D(23_300))
	assert sim.total.cost_percent == D(23_300) * 100 / D(1_225_000)
	assert a.cost_percent == D(2_800) * 100 / D(375_000)
	# a1 misses 5,000 of 100,000 (5 %), a2 20,000 of 300,000 (6.7 %); x misses 50,000 of 300,000
	assert [(n.dealer, n.ahead.slab, n.ahead.gap) for n in sim.near] == [
		("a1", 1, D(5_000)),
		("a2", 2, D(20_000)),
	]
	assert sim.near[0].ahead.extra_rebate == D(1_000)  # 1 % of 100,000
	assert sim.near[1].ahead.extra_rebate == D(6_000 - 2_800)  # 2 % of 300,000 less what it has


def test_within_reach_at_the_boundary():
	# 90,000 against a threshold of 100,000 is exactly 10 % short: within reach
	assert within_reach(D(90_000), NextSlab(1, D(10_000), D(0)))
	assert not within_reach(D("89999.99"), NextSlab(1, D("10000.01"), D(0)))
	assert not within_reach(D(90_000), None)
	assert not within_reach(D(0), NextSlab(1, D(0), D(0)))


def test_no_sales_no_percent_and_a_forfeit_lowers_the_cost():
	terms = RebateTerms(RETROACTIVE, LADDER)
	sim = simulate(terms, {"z": DealerVolume("z")}, {"z": "C"})
	assert sim.tiers["C"].cost_percent is None
	forfeited = {"f": DealerVolume("f", D(300_000), forfeit_percent=D(50))}
	assert simulate(terms, forfeited, {}).total.cost == D(3_000)  # half of 2 % of 300,000


@st.composite
def ladders(draw):
	count = draw(st.integers(1, 4))
	mins = sorted(draw(st.sets(st.integers(0, 2_000_000), min_size=count, max_size=count)))
	rates = sorted(draw(st.lists(st.integers(0, 10), min_size=count, max_size=count)))
	return RebateTerms(
		draw(st.sampled_from((RETROACTIVE, INCREMENTAL))),
		tuple(Slab(D(m), D(r)) for m, r in zip(mins, rates, strict=True)),
		minimum_volume=D(draw(st.sampled_from((0, 0, 50_000, 250_000)))),
		cap=D(draw(st.sampled_from((0, 0, 20_000)))),
	)


dealer_volumes = st.dictionaries(
	st.text("abcdefgh", min_size=1, max_size=3),
	st.tuples(
		st.integers(-50_000, 3_000_000),  # volume in cents of a hundred
		st.sampled_from(("A", "B", "C", None)),
		st.sampled_from((0, 0, 0, 30, 100)),
	),
	max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(ladders(), dealer_volumes)
def test_totals_are_the_sum_of_the_tiers_and_of_the_rules(terms, drawn):
	given_volumes = {
		dealer: DealerVolume(dealer, D(volume), forfeit_percent=D(forfeit))
		for dealer, (volume, _tier, forfeit) in drawn.items()
	}
	tier_of = {dealer: tier for dealer, (_volume, tier, _forfeit) in drawn.items()}
	sim = simulate(terms, given_volumes, tier_of)
	tiers = sim.tiers.values()
	assert sim.total.dealers == sum(t.dealers for t in tiers) == len(drawn)
	assert sim.total.eligible_sales == sum((t.eligible_sales for t in tiers), D(0))
	assert sim.total.cost == sum((t.cost for t in tiers), D(0))
	assert sim.total.near_next_slab == sum(t.near_next_slab for t in tiers) == len(sim.near)
	# the total is what the year-end rules give each dealer, added up
	assert sim.total.cost == sum(
		(
			calculate_rebate(terms, v.volume, forfeit_percent=v.forfeit_percent).net_rebate
			for v in given_volumes.values()
		),
		D(0),
	)
	for tier, figures in sim.tiers.items():
		members = [d for d in drawn if (tier_of[d] or "") == tier]
		assert figures.dealers == len(members)


@settings(max_examples=200, deadline=None)
@given(ladders(), dealer_volumes)
def test_flagged_dealers_are_exactly_those_within_ten_percent(terms, drawn):
	given_volumes = {dealer: DealerVolume(dealer, D(volume)) for dealer, (volume, _t, _f) in drawn.items()}
	sim = simulate(terms, given_volumes, {})
	flagged = {near.dealer: near for near in sim.near}
	for dealer, volume in given_volumes.items():
		result = calculate_rebate(terms, volume.volume)
		# the next threshold, worked out afresh: the lowest slab start above the volume, and the
		# minimum volume while it is not met
		above = [slab.min_value for slab in terms.slabs if slab.min_value > volume.volume]
		if result.below_minimum:
			above.append(terms.minimum_volume)
		threshold = min(above) if above else None
		if threshold is not None:
			threshold = max(threshold, terms.minimum_volume)
		expected = (
			threshold is not None
			and threshold > volume.volume
			and threshold > 0
			and (threshold - volume.volume) * 100 <= threshold * NEAR_PERCENT
		)
		assert (dealer in flagged) == expected, (dealer, volume.volume, threshold)
		if dealer in flagged:
			near = flagged[dealer]
			assert near.threshold == threshold
			assert 0 < near.gap_percent <= NEAR_PERCENT
	assert [n.gap_percent for n in sim.near] == sorted(n.gap_percent for n in sim.near)
