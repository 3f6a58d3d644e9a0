"""Free goods (货补) rules: goods valued at the free-goods price list, drawn from the lots oldest
expiry first (never more than available, no policy cap), deliveries adding up to the order's value
to the cent, and cancellations restoring the account exactly."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.rebate_account import (
	EARNED,
	RESERVED,
	USED_AS_GOODS,
	Entry,
	GoodsLine,
	Lot,
	build_lots,
	check_goods,
	check_goods_terms,
	delivered_value,
	goods_values,
	release,
	reserve,
	reverse,
	totals,
	use_goods,
)

D = Decimal
TODAY = date(2026, 6, 1)
OLD = Lot("RBS-1", "P2024", date(2026, 12, 31), D(10))
NEW = Lot("RBS-2", "P2025", date(2027, 12, 31), D(1))
GONE = Lot("RBS-0", "P2023", date(2026, 1, 31), D(10))
TERMS = (OLD, NEW, GONE)
EARNINGS = [Entry("RBS-1", EARNED, D(500)), Entry("RBS-2", EARNED, D(1000)), Entry("RBS-0", EARNED, D(300))]


def test_lines_valued_at_the_price_list():
	lines = [GoodsLine("PUMP", D(3), D(0), D("99.995")), GoodsLine("VALVE", D("1.5"), D(0), D(10))]
	assert goods_values(lines, "Free Goods") == [D("299.99"), D("15.00")]


@pytest.mark.parametrize(
	("line", "figure"),
	[
		(GoodsLine("PUMP", D(1), D("0.01"), D(100)), "rate 0"),  # a free line is given at rate 0
		(GoodsLine("PUMP", D(0), D(0), D(100)), "more than 0"),
		(GoodsLine("PUMP", D(1), D(0), None), "no price in the free-goods price list Free Goods"),
		(GoodsLine("SERVICE", D(1), D(0), D(100), is_stock=False), "SERVICE is not a stock item"),
	],
)
def test_bad_lines_refused_naming_the_figure(line, figure):
	with pytest.raises(RuleViolation) as refused:
		goods_values([line], "Free Goods")
	assert figure in str(refused.value)


def test_goods_drawn_oldest_expiry_first_without_a_policy_cap():
	lots = build_lots(TERMS, EARNINGS)
	# NEW's policy caps invoice deductions at 1 %; goods are the balance itself
	spends = check_goods(D(1_200), lots, TODAY)
	assert [(s.lot, s.amount) for s in spends] == [("RBS-1", D(500)), ("RBS-2", D(700))]


def test_more_than_available_refused_naming_what_is_available():
	lots = build_lots(TERMS, [*EARNINGS, Entry("RBS-1", RESERVED, D(-200), "SO-1")])
	with pytest.raises(RuleViolation) as refused:
		check_goods(D("1300.01"), lots, TODAY)  # 300 + 1,000; RBS-0 expired
	assert refused.value.args == (D("1300.01"), D(1300))


def test_returns_and_other_currencies_refused():
	with pytest.raises(RuleViolation, match="not returned"):
		check_goods_terms(True)
	with pytest.raises(RuleViolation) as refused:
		check_goods_terms(False, ("CNY", "CNY", "USD"))
	assert refused.value.args == ("CNY", "USD")
	check_goods_terms(False, ("CNY", "CNY", "CNY"))
	with pytest.raises(RuleViolation, match="more than 0"):
		check_goods(D(0), build_lots(TERMS, EARNINGS), TODAY)


def test_delivery_uses_the_reservation_and_refuses_more_than_it_holds():
	lots = build_lots(TERMS, EARNINGS)
	held = {"RBS-2": D(300), "RBS-1": D(100)}
	entries = use_goods(D(250), held, lots, "SO-1")
	assert entries == [
		Entry("RBS-1", RESERVED, D(100), "SO-1"),
		Entry("RBS-1", USED_AS_GOODS, D(-100), "SO-1"),
		Entry("RBS-2", RESERVED, D(150), "SO-1"),
		Entry("RBS-2", USED_AS_GOODS, D(-150), "SO-1"),
	]
	with pytest.raises(RuleViolation) as refused:
		use_goods(D(401), held, lots, "SO-1")
	assert refused.value.args == (D(401), "SO-1", D(400))


def test_deliveries_of_a_line_add_up_to_its_value():
	# 100.00 for 3: 33.33 + 33.34 + 33.33
	parts = [delivered_value(D(100), D(3), D(n), D(1)) for n in range(3)]
	assert parts == [D("33.33"), D("33.34"), D("33.33")]
	assert delivered_value(D(100), D(3), D(3), D(1)) == 0  # over-delivery draws nothing more


money = st.decimals(min_value=D("0.01"), max_value=D(100_000), places=2)


@settings(max_examples=200, deadline=None)
@given(
	earned=st.lists(money, min_size=1, max_size=4),
	value=money,
	split=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=5),
)
def test_order_deliveries_and_cancel_never_overdraw_and_restore_exactly(earned, value, split):
	"""An order of goods worth ``value`` reserves at most what is available; its deliveries (any
	split of the quantity) use exactly what it reserved; cancelling each delivery and releasing the
	order leaves every lot as it was."""
	terms = [Lot(f"L{i}", f"P{i}", date(2027, 1, 1 + i), D(0)) for i in range(len(earned))]
	entries = [Entry(lot.name, EARNED, amount) for lot, amount in zip(terms, earned, strict=True)]
	before = build_lots(terms, entries)
	available = totals(before, TODAY)[2]
	try:
		spends = check_goods(value, before, TODAY)
	except RuleViolation:
		assert value > available
		return
	assert sum(s.amount for s in spends) == value <= available
	entries += reserve(spends, "SO-1")
	assert all(
		lot.available(TODAY) >= 0 and lot.reserved <= lot.balance
		for lot in build_lots(terms, entries).values()
	)

	qty, delivered, deliveries = D(sum(split)), D(0), []
	for part in split:
		worth = delivered_value(value, qty, delivered, D(part))
		delivered += part
		held = {}
		for entry in entries:
			if entry.entry_type == RESERVED and entry.sales_order == "SO-1":
				held[entry.lot] = held.get(entry.lot, D(0)) - entry.amount
		rows = use_goods(worth, {k: v for k, v in held.items() if v > 0}, build_lots(terms, entries), "SO-1")
		deliveries.append(rows)
		entries += rows
	used = -sum(e.amount for rows in deliveries for e in rows if e.entry_type == USED_AS_GOODS)
	assert used == value  # the deliveries draw the order's value to the cent
	after = build_lots(terms, entries)
	assert totals(after, TODAY) == (totals(before, TODAY)[0] - value, D(0), available - value)

	for rows in deliveries:  # cancel the deliveries, then the order
		entries += reverse(rows)
	entries += release(entries, "SO-1")
	assert build_lots(terms, entries) == before
