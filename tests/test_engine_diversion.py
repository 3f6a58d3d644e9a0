from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.diversion import (
	BLOCK,
	DEFAULT_LADDER,
	OFF,
	OPEN_INCIDENT,
	Delivery,
	PenaltyStep,
	TerritoryRule,
	address_territory,
	check_delivery,
	check_found_outside,
	check_ladder,
	check_one_dealer,
	check_penalty_account,
	is_diversion,
	offence_number,
	penalty_for,
	split_serials,
	step_for,
	territory_for_address,
	trace_batch,
	trace_serials,
	window_start,
)
from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.territory import TerritoryTree

# All Territories -> East China -> Jiangsu -> Nanjing / Suzhou; East China -> Zhejiang -> Hangzhou
TREE = TerritoryTree(
	{
		"All Territories": None,
		"East China": "All Territories",
		"Jiangsu": "East China",
		"Nanjing": "Jiangsu",
		"Suzhou": "Jiangsu",
		"Zhejiang": "East China",
		"Hangzhou": "Zhejiang",
		"South China": "All Territories",
		"Guangdong": "South China",
		"Shenzhen": "Guangdong",
	}
)
NODES = sorted(TREE.parent_of)


# -- detection -------------------------------------------------------------------------------------


def test_unknown_ship_to_is_never_a_diversion():
	assert not is_diversion(None, ["Nanjing"], TREE)
	assert check_delivery("D1", None, ["Nanjing"], TREE, BLOCK) is False


def test_modes():
	assert check_delivery("D1", "Hangzhou", ["Jiangsu"], TREE, OFF) is False
	assert check_delivery("D1", "Hangzhou", ["Jiangsu"], TREE, OPEN_INCIDENT) is True
	assert check_delivery("D1", "Nanjing", ["Jiangsu"], TREE, OPEN_INCIDENT) is False
	with pytest.raises(RuleViolation) as info:
		check_delivery("D1", "Hangzhou", ["Jiangsu", "Shenzhen"], TREE, BLOCK)
	assert info.value.args[0] == "Hangzhou" and "Jiangsu, Shenzhen" in info.value.args[2]


@given(st.sampled_from(NODES), st.sampled_from(NODES), st.lists(st.sampled_from(NODES), max_size=3))
def test_territory_inside_an_authorised_subtree_is_never_flagged(root, target, others):
	if TREE.is_within(target, root):
		assert not is_diversion(target, [root, *others], TREE)
		assert check_delivery("D", target, [root, *others], TREE, BLOCK) is False


@given(st.sampled_from(NODES), st.lists(st.sampled_from(NODES), max_size=3))
def test_flagged_only_when_no_authorised_ancestor(target, authorised):
	covered = any(TREE.is_within(target, node) for node in authorised)
	assert is_diversion(target, authorised, TREE) == (not covered)


def test_territory_mapping_prefers_the_most_specific_rule():
	rules = [
		TerritoryRule("Jiangsu", state="Jiangsu"),
		TerritoryRule("Nanjing", city="Nanjing", state="Jiangsu"),
		TerritoryRule("Suzhou", city="Suzhou"),
	]
	assert territory_for_address("nanjing ", "Jiangsu", "China", rules) == "Nanjing"
	assert territory_for_address("Wuxi", "Jiangsu", "China", rules) == "Jiangsu"
	assert territory_for_address("Suzhou", "Anhui", "China", rules) == "Suzhou"
	assert territory_for_address("Hefei", "Anhui", "China", rules) is None
	assert territory_for_address("Nanjing", "Jiangsu", "China", [TerritoryRule("X", country="China")]) is None


# -- tracing ---------------------------------------------------------------------------------------


def delivery(number, dealer, days=0, qty=1, customer=None):
	return Delivery(
		number,
		dealer,
		customer or f"C-{dealer}",
		"Delivery Note",
		f"DN-{number}-{days}",
		date(2026, 1, 1) + timedelta(days=days),
		D(qty),
	)


def test_split_serials():
	assert split_serials("A1\n A2 ,A3\n\nA1") == ["A1", "A2", "A3"]
	assert split_serials(None) == []


def test_serial_traces_to_its_latest_delivery():
	traced = trace_serials(["S1"], {"S1"}, [delivery("S1", "D1", 0), delivery("S1", "D2", 5)], 1)
	assert traced["S1"].dealer == "D2"


def test_unknown_and_undelivered_serials_are_refused_naming_the_number():
	with pytest.raises(RuleViolation) as info:
		trace_serials(["NOPE"], {"S1"}, [], 2)
	assert info.value.field == "serial_no" and info.value.args == (2, "NOPE")
	with pytest.raises(RuleViolation) as info:
		trace_serials(["S1"], {"S1"}, [], 1)
	assert "cannot be traced" in info.value.message
	with pytest.raises(RuleViolation):
		trace_serials(["S1"], {"S1"}, [delivery("S1", None)], 1)


def test_batch_to_one_dealer_or_a_choice_among_several():
	assert trace_batch("B", True, [delivery("B", "D1", qty=-5)], None, 1) == "D1"
	several = [delivery("B", "D1", qty=-5), delivery("B", "D2", qty=-7)]
	with pytest.raises(RuleViolation) as info:
		trace_batch("B", True, several, None, 1)
	assert info.value.args[2] == "D2, D1" and info.value.field == "dealer"
	assert trace_batch("B", True, several, "D1", 1) == "D1"
	with pytest.raises(RuleViolation):
		trace_batch("B", True, several, "D9", 1)
	with pytest.raises(RuleViolation):
		trace_batch("B", False, [], None, 1)
	with pytest.raises(RuleViolation):
		trace_batch("B", True, [], None, 1)


def test_one_dealer_per_report():
	assert check_one_dealer({"S1": "D1", "S2": "D1"}, None) == "D1"
	with pytest.raises(RuleViolation):
		check_one_dealer({"S1": "D1", "S2": "D2"}, None)
	with pytest.raises(RuleViolation):
		check_one_dealer({"S1": "D1"}, "D2")
	assert check_one_dealer({}, "D3") == "D3"


def test_field_report_inside_own_territory_is_refused():
	with pytest.raises(RuleViolation) as info:
		check_found_outside("D1", "Nanjing", ["Jiangsu"], TREE)
	assert info.value.field == "found_territory"
	check_found_outside("D1", "Hangzhou", ["Jiangsu"], TREE)
	check_found_outside("D1", None, ["Jiangsu"], TREE)


# -- ladder ----------------------------------------------------------------------------------------


def test_default_ladder_is_valid_and_as_issued():
	check_ladder(DEFAULT_LADDER)
	assert penalty_for(1, D(100_000), DEFAULT_LADDER).fine == 0
	assert penalty_for(2, D(10_000), DEFAULT_LADDER).fine == D(1000)  # 5% = 500 < minimum
	assert penalty_for(2, D(100_000), DEFAULT_LADDER).fine == D(5000)
	third = penalty_for(3, D(10_000), DEFAULT_LADDER)
	assert (third.fine, third.rebate_forfeit_percent, third.suspend_dealer) == (D(5000), D(30), False)
	ninth = penalty_for(9, D(100_000), DEFAULT_LADDER)
	assert (ninth.fine, ninth.rebate_forfeit_percent, ninth.suspend_dealer) == (D(20000), D(100), True)


def test_ladder_with_gaps_or_decreasing_penalties_is_refused():
	with pytest.raises(RuleViolation) as info:
		check_ladder([DEFAULT_LADDER[0], DEFAULT_LADDER[2]])
	assert info.value.field == "offence_number"
	lighter = PenaltyStep(3, D(4), D(5000), D(30))
	with pytest.raises(RuleViolation) as info:
		check_ladder([*DEFAULT_LADDER[:2], lighter])
	assert info.value.field == "fine_percent"
	unsuspend = PenaltyStep(5, D(20), D(10000), D(100), False)
	with pytest.raises(RuleViolation) as info:
		check_ladder([*DEFAULT_LADDER, unsuspend])
	assert info.value.field == "suspend_dealer"
	with pytest.raises(RuleViolation):
		check_ladder([])
	with pytest.raises(RuleViolation):
		check_ladder([PenaltyStep(1, D(120))])


def test_penalty_account_needed_only_for_a_fine():
	check_penalty_account("C", D(0), None)
	with pytest.raises(RuleViolation) as info:
		check_penalty_account("C", D(1), None)
	assert info.value.field == "diversion_penalty_account"


def valid_ladder(rows) -> tuple[PenaltyStep, ...]:
	"""Each column sorted independently: any ladder check_ladder accepts has this shape."""
	percents, minimums, forfeits, suspends = (sorted(column) for column in zip(*rows, strict=True))
	return tuple(
		PenaltyStep(index + 1, D(percents[index]), D(minimums[index]), D(forfeits[index]), suspends[index])
		for index in range(len(rows))
	)


ladders = st.lists(
	st.tuples(st.integers(0, 50), st.integers(0, 20_000), st.integers(0, 100), st.booleans()),
	min_size=1,
	max_size=6,
).map(valid_ladder)


@given(ladders, st.integers(1, 10), st.integers(0, 5), st.decimals(0, 10_000_000, places=2))
def test_penalty_never_decreases_with_the_offence_number(ladder, offence, more, value):
	check_ladder(ladder)
	a = penalty_for(offence, value, ladder)
	b = penalty_for(offence + more, value, ladder)
	assert b.fine >= a.fine
	assert b.rebate_forfeit_percent >= a.rebate_forfeit_percent
	assert b.suspend_dealer >= a.suspend_dealer


@given(
	st.dates(date(2020, 1, 1), date(2030, 12, 31)),
	st.lists(st.integers(-800, 0), max_size=12),
	st.integers(1, 24),
)
def test_step_applied_is_the_one_for_the_count_within_the_window(day, offsets, months):
	earlier = [day + timedelta(days=offset) for offset in offsets]
	start = window_start(day, months)
	inside = [d for d in earlier if start <= d <= day]
	number = offence_number(day, earlier, months)
	assert number == len(inside) + 1
	applied = penalty_for(number, D(1000), DEFAULT_LADDER)
	step = DEFAULT_LADDER[min(number, len(DEFAULT_LADDER)) - 1]
	assert (applied.rebate_forfeit_percent, applied.suspend_dealer) == (
		step.rebate_forfeit_percent,
		step.suspend_dealer,
	)
	assert step_for(number, DEFAULT_LADDER).offence == min(number, 4)


def test_window_is_rolling_months():
	assert window_start(date(2026, 6, 15), 12) == date(2025, 6, 16)
	assert window_start(date(2026, 3, 31), 1) == date(2026, 3, 1)
	assert offence_number(date(2026, 6, 15), [date(2025, 6, 15), date(2025, 6, 16)], 12) == 2


def test_dealer_reply_while_open_only_and_with_a_statement():
	from dealer_relations.engine.diversion import (
		CONFIRMED,
		DISMISSED,
		REPORTED,
		UNDER_REVIEW,
		check_dealer_reply,
	)

	check_dealer_reply("DIV-1", UNDER_REVIEW, "not ours: sold to a customer in our region")
	check_dealer_reply("DIV-1", REPORTED, "x")
	check_dealer_reply("DIV-1", None, "x")  # a draft before the workflow set its state
	for stage in (CONFIRMED, DISMISSED, "Cancelled"):
		with pytest.raises(RuleViolation) as raised:
			check_dealer_reply("DIV-1", stage, "x")
		assert raised.value.title == "Replies Closed"
	with pytest.raises(RuleViolation) as raised:
		check_dealer_reply("DIV-1", UNDER_REVIEW, "  ")
	assert raised.value.field == "statement"


# -- ship-to territory of an address ------------------------------------------------------------------

TERRITORIES = st.sampled_from([None, "Nanjing", "Suzhou", "South"])


@given(typed=TERRITORIES, stored=TERRITORIES, mapped=TERRITORIES, moved=st.booleans())
def test_only_a_manager_keeps_a_territory_the_mapping_does_not_give(typed, stored, mapped, moved):
	assert address_territory(typed, stored, mapped, moved, may_set_by_hand=True) == (typed or mapped)
	try:
		kept = address_territory(typed, stored, mapped, moved, may_set_by_hand=False)
	except RuleViolation:
		assert typed and typed not in (stored, mapped)
		return
	# a moved (or new) address follows the mapping; an unmoved one keeps what it had or what it maps to
	assert kept == (mapped if moved else typed)
	assert kept in (stored, mapped, None)  # never a territory picked by hand


def test_a_rep_cannot_move_an_address_away_from_its_territory():
	assert address_territory("Nanjing", "Nanjing", None, moved=True, may_set_by_hand=False) is None
	assert address_territory(None, None, "Suzhou", moved=True, may_set_by_hand=False) == "Suzhou"
	with pytest.raises(RuleViolation):
		address_territory("Nanjing", None, "Suzhou", moved=True, may_set_by_hand=False)
