"""Rebate account (返利池) rules: lots, caps, reservations, expiry, with hand-computed examples and
properties over random sequences of vouchers."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.rebate_account import (
	ADJUSTED,
	EARNED,
	EXPIRED,
	RESERVED,
	REVERSED,
	USED_ON_INVOICE,
	Entry,
	Lot,
	Spend,
	allocate,
	build_lots,
	check_account_terms,
	check_adjustment,
	check_adjustment_cancellable,
	check_deduction,
	check_lot_untouched,
	expiry_date,
	expiry_entries,
	plan_invoice,
	plan_order_update,
	policy_cap,
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
	big = lots_with([Entry("RBS-2", EARNED, D(10_000))], terms=(Lot("RBS-2", "P", date(2030, 1, 1), D(100)),))
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


def test_expiry_and_policy_terms():
	assert expiry_date(None, date(2026, 12, 31)) == date(2027, 12, 31)
	assert expiry_date(date(2027, 6, 30), date(2026, 12, 31)) == date(2027, 6, 30)
	check_account_terms(D(0), None, date(2026, 12, 31))
	check_account_terms(D(100), date(2027, 1, 1), date(2026, 12, 31))
	for percent, until in ((D(-1), None), (D("100.01"), None), (D(10), date(2026, 6, 30))):
		with pytest.raises(RuleViolation):
			check_account_terms(percent, until, date(2026, 12, 31))


def test_cancel_of_an_earning_only_while_untouched():
	check_lot_untouched(lots_with(EARNINGS)["RBS-1"], D(500))
	spent = lots_with([*EARNINGS, Entry("RBS-1", RESERVED, D(-50), "SO-1")])["RBS-1"]
	with pytest.raises(RuleViolation) as refused:
		check_lot_untouched(spent, D(500))
	assert refused.value.args[1:] == (D(50), D(500))


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
				try:
					rows = plan_invoice(part, lots, held, bases, amount * 3, TODAY, order[0].sales_order)
				except RuleViolation:  # a cap of 0 %, or nothing held: refused, nothing written
					rows = []
				assert -sum((r.amount for r in rows if r.entry_type == USED_ON_INVOICE), D(0)) <= part
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


def test_invoice_of_an_order_uses_its_reservation_first_then_free_lots():
	ledger = list(EARNINGS)
	bases = {"P2024": D(10_000), "P2025": D(10_000)}
	# the order reserved 600 of the newer lot; the older lot stays free
	ledger += reserve([Spend("RBS-2", D(600))], "SO-1")
	first = plan_invoice(
		D(400), lots_with(ledger), reserved_for(ledger, "SO-1"), bases, D(4000), TODAY, "SO-1"
	)
	assert first == [Entry("RBS-2", RESERVED, D(400), "SO-1"), Entry("RBS-2", USED_ON_INVOICE, D(-400))]
	ledger += first
	# 500 on the next invoice: 200 still reserved, 300 from the free older lot (its 10 % cap of 4,000 = 400)
	second = plan_invoice(
		D(500), lots_with(ledger), reserved_for(ledger, "SO-1"), bases, D(4000), TODAY, "SO-1"
	)
	assert second == [
		Entry("RBS-2", RESERVED, D(200), "SO-1"),
		Entry("RBS-2", USED_ON_INVOICE, D(-200)),
		Entry("RBS-1", USED_ON_INVOICE, D(-300)),
	]
	ledger += second
	assert totals(lots_with(ledger), TODAY) == (D(900), D(0), D(600))
	# the allowed figure on a refusal counts the order's reservation too
	ledger2 = [*EARNINGS, *reserve([Spend("RBS-2", D(1000))], "SO-2")]
	with pytest.raises(RuleViolation) as refused:
		plan_invoice(
			D(1600), lots_with(ledger2), reserved_for(ledger2, "SO-2"), bases, D(40_000), TODAY, "SO-2"
		)
	assert refused.value.args == (D(1600), D(1500))
	with pytest.raises(RuleViolation):  # another order's reservation is not this invoice's
		plan_invoice(
			D(600), lots_with(ledger2), reserved_for(ledger2, "SO-1"), bases, D(40_000), TODAY, "SO-1"
		)


def test_reservation_is_honoured_after_the_lot_expired():
	ledger = [*EARNINGS, Entry("RBS-0", RESERVED, D(-100), "SO-OLD")]
	ledger += expiry_entries(lots_with(ledger).values(), TODAY)
	entries = plan_invoice(
		D(100),
		lots_with(ledger),
		reserved_for(ledger, "SO-OLD"),
		{"P2023": D(5000)},
		D(5000),
		TODAY,
		"SO-OLD",
	)
	assert entries == [Entry("RBS-0", RESERVED, D(100), "SO-OLD"), Entry("RBS-0", USED_ON_INVOICE, D(-100))]
	ledger += entries
	assert lots_with(ledger)["RBS-0"].balance == 0


# -- Update Items on a submitted order ---------------------------------------------------------------


def test_update_items_keeps_a_reservation_that_still_fits():
	ledger = [*EARNINGS, *reserve([Spend("RBS-1", D(400))], "SO-1")]
	lots = lots_with(ledger)
	# more of the order's lines: the 400 held still fit P2024's 10 % of 5,000
	assert (
		plan_order_update(D(400), lots, {"RBS-1": D(400)}, {}, {"P2024": D(5000)}, D(5000), TODAY, "SO-1")
		== []
	)


def test_update_items_refused_with_the_figure_allowed_on_the_new_lines():
	ledger = [*EARNINGS, *reserve([Spend("RBS-1", D(400))], "SO-1")]
	lots = lots_with(ledger)
	# lines cut to 3,000: P2024 allows 300; P2025's lot (20 %) has no item of the order in scope
	with pytest.raises(RuleViolation) as refused:
		plan_order_update(
			D(400), lots, {"RBS-1": D(400)}, {}, {"P2024": D(3000), "P2025": D(0)}, D(3000), TODAY, "SO-1"
		)
	assert refused.value.args == (D(400), D(300))
	# the part its invoices consumed counts against the cap, and the figures are the whole order's
	with pytest.raises(RuleViolation) as partly_billed:
		plan_order_update(
			D(400), lots, {"RBS-1": D(250)}, {"RBS-1": D(150)}, {"P2024": D(3000)}, D(3000), TODAY, "SO-1"
		)
	assert partly_billed.value.args == (D(400), D(300))


def test_update_items_moves_the_reservation_to_the_policy_now_in_scope():
	ledger = [*EARNINGS, *reserve([Spend("RBS-1", D(400))], "SO-1")]
	lots = lots_with(ledger)
	# the order's P2024 items were replaced by P2025 items: the hold moves to RBS-2
	moved_rows = plan_order_update(
		D(400), lots, {"RBS-1": D(400)}, {}, {"P2024": D(0), "P2025": D(4000)}, D(4000), TODAY, "SO-1"
	)
	assert moved_rows == [Entry("RBS-1", RESERVED, D(400), "SO-1"), Entry("RBS-2", RESERVED, D(-400), "SO-1")]
	ledger += moved_rows
	assert reserved_for(ledger, "SO-1") == {"RBS-2": D(400)}
	# not more than the balance: what another order holds of RBS-2 is not this one's
	other = [
		*EARNINGS,
		*reserve([Spend("RBS-2", D(900))], "SO-2"),
		*reserve([Spend("RBS-1", D(400))], "SO-1"),
	]
	with pytest.raises(RuleViolation) as refused:
		plan_order_update(
			D(400),
			lots_with(other),
			{"RBS-1": D(400)},
			{},
			{"P2024": D(0), "P2025": D(4000)},
			D(4000),
			TODAY,
			"SO-1",
		)
	assert refused.value.args == (D(400), D(100))  # RBS-2 has 100 left free; P2024 has no base now


def test_update_items_honours_a_hold_on_a_lot_expired_since():
	ledger = [*EARNINGS, Entry("RBS-0", RESERVED, D(-100), "SO-OLD")]
	lots = lots_with(ledger)
	# the order grew: RBS-0 expired in January but the order held it before; still its own
	assert (
		plan_order_update(D(100), lots, {"RBS-0": D(100)}, {}, {"P2023": D(9000)}, D(9000), TODAY, "SO-OLD")
		== []
	)
	# its lines cut below the hold: refused with what the expired hold may still pay (10 % of 500)
	with pytest.raises(RuleViolation) as refused:
		plan_order_update(D(100), lots, {"RBS-0": D(100)}, {}, {"P2023": D(500)}, D(500), TODAY, "SO-OLD")
	assert refused.value.args == (D(100), D(50))


@settings(max_examples=200, deadline=None)
@given(
	st.lists(lot_terms, min_size=1, max_size=4, unique_by=lambda lot: lot.name),
	st.lists(amounts, min_size=4, max_size=4),
	amounts,
	st.lists(amounts, min_size=3, max_size=3),
	st.integers(0, 3),
)
def test_update_items_reservation_within_caps_and_balance(terms, earned, deduction, new_bases, pick):
	"""Whatever the new lines, the order's reservation after *Update Items* is its deduction, within
	each policy's cap on the new base and each lot's balance, or the update is refused and nothing moves."""
	percent_of = {}
	for lot in terms:  # one percent per policy, as a Rebate Policy has
		percent_of.setdefault(lot.policy, lot.max_deduction_percent)
	terms = [replace(lot, max_deduction_percent=percent_of[lot.policy]) for lot in terms]
	ledger = [Entry(lot.name, EARNED, earned[i % 4]) for i, lot in enumerate(terms)]
	old_bases = {lot.policy: deduction * 10 for lot in terms}
	spends = allocate(build_lots(terms, ledger).values(), old_bases, deduction * 10, TODAY, deduction)
	ledger += reserve(spends, "SO-1")
	requested = sum((spend.amount for spend in spends), D(0))
	held = reserved_for(ledger, "SO-1")
	bases = {f"P{i}": new_bases[i] for i in range(3)}
	net_total = max(new_bases) + new_bases[pick % 3]
	lots = build_lots(terms, ledger)
	try:
		rows = plan_order_update(requested, lots, held, {}, bases, net_total, TODAY, "SO-1")
	except RuleViolation:
		return
	after = reserved_for([*ledger, *rows], "SO-1")
	assert sum(after.values(), D(0)) == requested
	assert requested <= max(net_total, D(0)) or not requested
	by_policy = {}
	for name, amount in after.items():
		by_policy[lots[name].policy] = by_policy.get(lots[name].policy, D(0)) + amount
	for policy, amount in by_policy.items():
		assert amount <= policy_cap(percent_of[policy], bases[policy])
	for lot in build_lots(terms, [*ledger, *rows]).values():
		assert lot.reserved >= 0 and lot.balance - lot.reserved >= 0


# -- adjustments -------------------------------------------------------------------------------------


def test_adjustment_adds_or_takes_within_available():
	lots = lots_with([*EARNINGS, Entry("RBS-1", RESERVED, D(-200), "SO-1")])
	assert check_adjustment(D(50), lots["RBS-1"], TODAY) == [Entry("RBS-1", ADJUSTED, D(50))]
	assert check_adjustment(D(-300), lots["RBS-1"], TODAY) == [Entry("RBS-1", ADJUSTED, D(-300))]
	with pytest.raises(RuleViolation) as too_much:  # 500 earned, 200 reserved: 300 available
		check_adjustment(D("-300.01"), lots["RBS-1"], TODAY)
	assert too_much.value.args == (D("300.01"), "RBS-1", D(300))
	with pytest.raises(RuleViolation) as expired:
		check_adjustment(D(10), lots["RBS-0"], TODAY)
	assert expired.value.args == ("RBS-0", date(2026, 1, 31))
	with pytest.raises(RuleViolation):
		check_adjustment(D(0), lots["RBS-1"], TODAY)
	with pytest.raises(RuleViolation) as unknown:
		check_adjustment(D(10), None, TODAY, "RBS-9")
	assert unknown.value.args == ("RBS-9",)


def test_adjustment_cancel_only_while_what_it_added_is_available():
	ledger = [*EARNINGS, *check_adjustment(D(100), lots_with(EARNINGS)["RBS-1"], TODAY)]
	check_adjustment_cancellable(D(100), lots_with(ledger)["RBS-1"], TODAY)
	ledger += reserve([Spend("RBS-1", D(550))], "SO-1")  # 600 - 550 = 50 left
	with pytest.raises(RuleViolation) as refused:
		check_adjustment_cancellable(D(100), lots_with(ledger)["RBS-1"], TODAY)
	assert refused.value.args == (D(100), D(50))
	check_adjustment_cancellable(D(-100), lots_with(ledger)["RBS-1"], TODAY)  # gives back: always fine


@settings(max_examples=200, deadline=None)
@given(
	lot_terms,
	amounts,
	amounts,
	st.lists(st.decimals(min_value=-100_000, max_value=100_000, places=2), max_size=8),
)
def test_adjustments_never_take_available_below_zero(term, earned, reserved, adjustments):
	ledger = [Entry(term.name, EARNED, earned), *reserve([Spend(term.name, min(reserved, earned))], "SO-1")]
	for amount in adjustments:
		lot = build_lots([term], ledger)[term.name]
		try:
			ledger += check_adjustment(amount, lot, TODAY)
		except RuleViolation:
			continue
		after = build_lots([term], ledger)[term.name]
		assert after.balance - after.reserved >= 0
		assert after.available(TODAY) == lot.available(TODAY) + amount
