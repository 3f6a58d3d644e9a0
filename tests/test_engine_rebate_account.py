"""Rebate account (返利池) rules: lots, caps, reservations, expiry, with hand-computed examples and
properties over random sequences of vouchers."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.rebate_account import (
	EARNED,
	EXPIRED,
	RESERVED,
	REVERSED,
	USED_ON_INVOICE,
	Entry,
	Lot,
	allocate,
	build_lots,
	check_deduction,
	default_expiry,
	expiry_entries,
	release,
	reserve,
	reserved_for,
	reverse,
	totals,
	use,
)

D = Decimal
TODAY = date(2026, 6, 1)
OLD = Lot("RBS-1", "P2024", date(2026, 12, 31), D(10))
NEW = Lot("RBS-2", "P2025", date(2027, 12, 31), D(20))
GONE = Lot("RBS-0", "P2023", date(2026, 1, 31), D(10))


def lots_with(entries, terms=(OLD, NEW, GONE)):
	return build_lots(terms, entries)


EARNINGS = [Entry("RBS-1", EARNED, D(500)), Entry("RBS-2", EARNED, D(1000)), Entry("RBS-0", EARNED, D(300))]


def test_balance_reserved_available():
	lots = lots_with(
		[*EARNINGS, Entry("RBS-1", RESERVED, D(-200), "SO-1"), Entry("RBS-2", USED_ON_INVOICE, D(-100))]
	)
	assert lots["RBS-1"].balance == 500 and lots["RBS-1"].reserved == 200
	assert lots["RBS-1"].available(TODAY) == 300
	assert lots["RBS-0"].available(TODAY) == 0  # expired in January
	assert totals(lots, TODAY) == (D(1700), D(200), D(1200))


def test_oldest_expiry_first_and_each_policy_its_cap():
	lots = lots_with(EARNINGS)
	# document of 4,000, all in both policies' scope: P2024 pays at most 10 % = 400, P2025 20 % = 800
	spends = allocate(lots.values(), {"P2024": D(4000), "P2025": D(4000)}, D(4000), TODAY)
	assert [(s.lot, s.amount) for s in spends] == [("RBS-1", D(400)), ("RBS-2", D(800))]
	# only 600 requested: the older lot first, up to its cap, then the newer
	spends = allocate(lots.values(), {"P2024": D(4000), "P2025": D(4000)}, D(4000), TODAY, D(600))
	assert [(s.lot, s.amount) for s in spends] == [("RBS-1", D(400)), ("RBS-2", D(200))]
	# out of P2025's scope: only P2024's lot pays
	spends = allocate(lots.values(), {"P2024": D(4000), "P2025": D(0)}, D(4000), TODAY)
	assert [(s.lot, s.amount) for s in spends] == [("RBS-1", D(400))]
	# never more than the net total
	big = lots_with([Entry("RBS-2", EARNED, D(10_000))], terms=(Lot("RBS-2", "P", date(2030, 1, 1), D(0)),))
	assert sum(s.amount for s in allocate(big.values(), {"P": D(900)}, D(900), TODAY)) == 900


def test_refusals_name_the_allowed_figure():
	lots = lots_with(EARNINGS)
	bases = {"P2024": D(4000), "P2025": D(4000)}
	with pytest.raises(RuleViolation) as above_cap:
		check_deduction(D(1300), lots, bases, D(4000), TODAY)
	assert above_cap.value.args[1] == D(1200)
	with pytest.raises(RuleViolation) as above_available:
		check_deduction(D(1600), lots, bases, D(40_000), TODAY)
	assert above_available.value.args[1] == D(1500)
	with pytest.raises(RuleViolation) as out_of_scope:
		check_deduction(D(10), lots, {"P2024": D(0), "P2025": D(0)}, D(4000), TODAY)
	assert "scope" in out_of_scope.value.message
	with pytest.raises(RuleViolation) as expired:
		check_deduction(D(10), lots_with(EARNINGS[2:]), {"P2023": D(1000)}, D(1000), TODAY)
	assert expired.value.args == (date(2026, 1, 31),)
	with pytest.raises(RuleViolation):
		check_deduction(D(10), lots, bases, D(4000), TODAY, is_return=True)
	with pytest.raises(RuleViolation) as currency:
		check_deduction(D(10), lots, bases, D(4000), TODAY, currencies=("CNY", "USD"))
	assert currency.value.args == ("CNY", "USD")
	with pytest.raises(RuleViolation):
		check_deduction(D(-1), lots, bases, D(4000), TODAY)
	assert check_deduction(D(0), lots, bases, D(4000), TODAY) == []
	spends = check_deduction(D(1200), lots, bases, D(4000), TODAY)
	assert [(s.lot, s.amount) for s in spends] == [("RBS-1", D(400)), ("RBS-2", D(800))]


def test_order_billed_in_three_invoices_spends_once():
	ledger = list(EARNINGS)
	lots = lots_with(ledger)
	spends = check_deduction(D(900), lots, {"P2024": D(10_000), "P2025": D(10_000)}, D(10_000), TODAY)
	ledger += reserve(spends, "SO-1")
	assert totals(lots_with(ledger), TODAY) == (D(1800), D(900), D(600))
	for part in (D(300), D(300), D(300)):
		lots = lots_with(ledger)
		ledger += use(part, reserved_for(ledger, "SO-1"), lots, "SO-1")
	balance, reserved, available = totals(lots_with(ledger), TODAY)
	assert (balance, reserved, available) == (D(900), D(0), D(600))
	assert reserved_for(ledger, "SO-1") == {}
	# a fourth invoice of the order finds nothing reserved and nothing free to take
	with pytest.raises(RuleViolation):
		use(D(1), reserved_for(ledger, "SO-1"), lots_with(ledger), "SO-1")


def test_cancel_restores_and_release():
	ledger = list(EARNINGS)
	order = reserve(allocate(lots_with(ledger).values(), {"P2025": D(5000)}, D(5000), TODAY, D(700)), "SO-9")
	ledger += order
	invoice = use(D(200), reserved_for(ledger, "SO-9"), lots_with(ledger), "SO-9")
	ledger += invoice
	before = totals(lots_with(ledger), TODAY)
	ledger += reverse(invoice)  # the invoice cancelled: the reservation goes back to the order
	assert reserved_for(ledger, "SO-9") == {"RBS-2": D(700)}
	assert [e.entry_type for e in reverse(invoice)] == [RESERVED, REVERSED]
	ledger += release(ledger, "SO-9")  # the order cancelled
	assert totals(lots_with(ledger), TODAY) == totals(lots_with(EARNINGS), TODAY)
	assert before != totals(lots_with(ledger), TODAY)


def test_expiry_is_idempotent_and_honours_reservations():
	ledger = [*EARNINGS, Entry("RBS-0", RESERVED, D(-100), "SO-OLD")]
	first = expiry_entries(lots_with(ledger).values(), TODAY)
	assert first == [Entry("RBS-0", EXPIRED, D(-200))]
	ledger += first
	assert expiry_entries(lots_with(ledger).values(), TODAY) == []
	assert lots_with(ledger)["RBS-0"].balance == 100  # the order's reservation is still honoured


def test_default_expiry_is_end_of_next_year():
	assert default_expiry(date(2026, 1, 15)) == date(2027, 12, 31)


# -- properties ------------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=100_000, places=2)
percents = st.sampled_from([D(0), D(5), D(10), D(33.33).quantize(D("0.01")), D(100)])
lot_terms = st.builds(
	lambda i, policy, days, percent: Lot(
		f"L{i}", f"P{policy}", date.fromordinal(TODAY.toordinal() + days), percent
	),
	st.integers(0, 5),
	st.integers(0, 2),
	st.integers(-30, 400),
	percents,
)
operations = st.lists(
	st.tuples(
		st.sampled_from(["order", "invoice", "bill_order", "cancel", "expire"]), amounts, st.integers(0, 3)
	),
	max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(
	st.lists(lot_terms, min_size=1, max_size=4, unique_by=lambda lot: lot.name),
	st.lists(amounts, min_size=4, max_size=4),
	operations,
)
def test_balance_never_negative_spends_within_available_cancel_restores(terms, earned, ops):
	ledger = [Entry(lot.name, EARNED, earned[i % 4]) for i, lot in enumerate(terms)]
	vouchers = []
	for kind, amount, pick in ops:
		lots = build_lots(terms, ledger)
		bases = {lot.policy: amount * 3 for lot in terms}
		_balance, _reserved, available = totals(lots, TODAY)
		if kind in ("order", "invoice"):
			spends = allocate(lots.values(), bases, amount * 3, TODAY, amount)
			assert sum(s.amount for s in spends) <= available
			rows = (
				reserve(spends, f"SO-{len(vouchers)}")
				if kind == "order"
				else use(sum((s.amount for s in spends), D(0)), {}, lots, None, spends)
			)
			ledger += rows
			vouchers.append(rows)
		elif kind == "bill_order" and vouchers:
			order = vouchers[pick % len(vouchers)]
			if order and order[0].entry_type == RESERVED:
				held = reserved_for(ledger, order[0].sales_order)
				part = min(amount, sum(held.values(), D(0)))
				rows = use(part, held, lots, order[0].sales_order)
				ledger += rows
				vouchers.append(rows)
		elif kind == "cancel" and vouchers:
			rows = vouchers.pop(pick % len(vouchers))
			if rows and rows[0].entry_type == RESERVED and rows[0].amount < 0:
				rows = [r for r in ledger if r.sales_order == rows[0].sales_order]
				undo = release(ledger, rows[0].sales_order)  # an order gives back what it still holds
			else:
				undo = reverse(rows)  # an invoice: exactly what it moved comes back
				assert moved(undo) == {lot: (-b, -r) for lot, (b, r) in moved(rows).items()}
			ledger += undo
		elif kind == "expire":
			ledger += expiry_entries(lots.values(), TODAY)
			assert expiry_entries(build_lots(terms, ledger).values(), TODAY) == []
		for lot in build_lots(terms, ledger).values():
			assert lot.balance >= 0
			assert lot.reserved >= 0
			assert lot.balance - lot.reserved >= 0


def moved(rows):
	"""{lot: (balance change, reserved change)} of some rows."""
	out = {}
	for row in rows:
		balance, reserved = out.get(row.lot, (D(0), D(0)))
		if row.entry_type == RESERVED:
			reserved -= row.amount
		else:
			balance += row.amount
		out[row.lot] = (balance, reserved)
	return out
