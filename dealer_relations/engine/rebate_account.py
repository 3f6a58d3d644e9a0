"""Rebate account rules (返利池): what a dealer earned is a balance in lots, one per earning
settlement, each with its own expiry date and its own policy's cap on how much of a document it may
pay. The ledger is append-only; these rules read its rows and say which rows to write.

Buckets of a lot:
- balance: every entry except Reserved ones (Earned +, Used on Invoice -, Used as Goods -,
  Expired -, Adjusted +/-, Reversed +/-);
- reserved: minus the sum of its Reserved entries (a Sales Order reserves with a negative entry;
  the invoice that uses the reservation, or the order's cancellation, writes it back with a
  positive one);
- available: balance - reserved, nothing once the lot has expired.

Spending takes lots oldest expiry first; what lots of one policy pay on a document together is at
most that policy's ``max_deduction_percent`` of the document's amount on the policy's items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.money import HUNDRED, ZERO, cents, dec, round_half_up

EARNED = "Earned"
RESERVED = "Reserved"
USED_ON_INVOICE = "Used on Invoice"
USED_AS_GOODS = "Used as Goods"
EXPIRED = "Expired"
ADJUSTED = "Adjusted"
REVERSED = "Reversed"
ENTRY_TYPES = (EARNED, RESERVED, USED_ON_INVOICE, USED_AS_GOODS, EXPIRED, ADJUSTED, REVERSED)

DEDUCTION_TITLE = _("Rebate Deduction")


@dataclass(frozen=True, slots=True)
class Entry:
	"""One ledger row as the rules see it. ``lot`` is the settlement that earned the money;
	``sales_order`` the order whose reservation a Reserved row moves."""

	lot: str
	entry_type: str
	amount: Decimal
	sales_order: str | None = None


@dataclass(frozen=True, slots=True)
class Lot:
	name: str
	policy: str
	expiry_date: date
	max_deduction_percent: Decimal  # 0 = no cap of the policy's own
	balance: Decimal = ZERO
	reserved: Decimal = ZERO

	def expired(self, as_of: date) -> bool:
		return self.expiry_date < as_of

	def available(self, as_of: date) -> Decimal:
		if self.expired(as_of):
			return ZERO
		return max(self.balance - self.reserved, ZERO)


@dataclass(frozen=True, slots=True)
class Spend:
	lot: str
	amount: Decimal


def build_lots(earned: Iterable[Lot], entries: Iterable[Entry]) -> dict[str, Lot]:
	"""{lot: Lot with its balance and reservation} from the lots' terms and their ledger rows."""
	lots = {lot.name: lot for lot in earned}
	balance = dict.fromkeys(lots, ZERO)
	reserved = dict.fromkeys(lots, ZERO)
	for entry in entries:
		if entry.lot not in lots:
			continue
		if entry.entry_type == RESERVED:
			reserved[entry.lot] -= dec(entry.amount)
		else:
			balance[entry.lot] += dec(entry.amount)
	return {name: replace(lot, balance=balance[name], reserved=reserved[name]) for name, lot in lots.items()}


def totals(lots: Mapping[str, Lot], as_of: date) -> tuple[Decimal, Decimal, Decimal]:
	"""(balance, reserved, available) over a dealer's lots."""
	values = list(lots.values())
	return (
		sum((lot.balance for lot in values), ZERO),
		sum((lot.reserved for lot in values), ZERO),
		sum((lot.available(as_of) for lot in values), ZERO),
	)


def spending_order(lots: Iterable[Lot]) -> list[Lot]:
	"""Oldest expiry first (ties by name, so the order is the same every time)."""
	return sorted(lots, key=lambda lot: (lot.expiry_date, lot.name))


def policy_cap(percent: Decimal, base: Decimal, precision: int = 2) -> Decimal:
	"""What a policy lets a document's in-scope ``base`` be paid from the account."""
	base = max(dec(base), ZERO)
	return round_half_up(base * dec(percent) / HUNDRED, cents(precision))


def allocate(
	lots: Iterable[Lot],
	bases: Mapping[str, Decimal],
	net_total: Decimal,
	as_of: date,
	requested: Decimal | None = None,
	already: Mapping[str, Decimal] | None = None,
	precision: int = 2,
) -> list[Spend]:
	"""What to take from which lot, oldest expiry first: at most each lot's available, at most each
	policy's cap on the document (``bases``: {policy: amount of the document on its items}) less
	what ``already`` {policy: amount} took from it, at most ``net_total`` in all, at most
	``requested`` (None: as much as allowed)."""
	left = max(dec(net_total), ZERO)
	if requested is not None:
		left = min(max(dec(requested), ZERO), left)
	room: dict[str, Decimal] = {}
	spends = []
	for lot in spending_order(lots):
		if left <= 0:
			break
		if lot.policy not in bases:
			continue
		if lot.policy not in room:
			cap = policy_cap(lot.max_deduction_percent, bases[lot.policy], precision)
			room[lot.policy] = max(cap - dec((already or {}).get(lot.policy)), ZERO)
		take = min(lot.available(as_of), room[lot.policy], left)
		if take > 0:
			spends.append(Spend(lot.name, take))
			room[lot.policy] -= take
			left -= take
	return spends


def total(spends: Iterable[Spend]) -> Decimal:
	return sum((spend.amount for spend in spends), ZERO)


def check_deduction(
	requested: Decimal,
	lots: Mapping[str, Lot],
	bases: Mapping[str, Decimal],
	net_total: Decimal,
	as_of: date,
	is_return: bool = False,
	currencies: tuple[str, str] | None = None,
	already: Mapping[str, Decimal] | None = None,
	precision: int = 2,
) -> list[Spend]:
	"""The lots that pay ``requested`` on a document, or the rule it breaks with the figure
	allowed. Nothing is spent on a return or in another currency than the account's."""
	requested = dec(requested)
	if requested < 0:
		raise RuleViolation(_("Rebate Deduction cannot be negative"), (), "rebate_deduction", DEDUCTION_TITLE)
	if not requested:
		return []
	if is_return:
		raise RuleViolation(
			_("A rebate balance cannot be spent on a return; set Rebate Deduction to 0"),
			(),
			"rebate_deduction",
			DEDUCTION_TITLE,
		)
	if currencies and currencies[0] != currencies[1]:
		raise RuleViolation(
			_("The rebate account is kept in {0}; a document in {1} cannot spend it"),
			currencies,
			"rebate_deduction",
			DEDUCTION_TITLE,
		)
	values = list(lots.values())
	unexpired = [lot for lot in values if not lot.expired(as_of) and lot.balance - lot.reserved > 0]
	if not unexpired:
		if any(lot.balance - lot.reserved > 0 for lot in values):
			raise RuleViolation(
				_("The dealer's rebate balance expired on {0}; nothing is available to deduct"),
				(max(lot.expiry_date for lot in values if lot.balance - lot.reserved > 0),),
				"rebate_deduction",
				DEDUCTION_TITLE,
			)
		raise RuleViolation(
			_("The dealer has no rebate balance available; at most {0} can be deducted"),
			(ZERO,),
			"rebate_deduction",
			DEDUCTION_TITLE,
		)
	available = sum((lot.available(as_of) for lot in unexpired), ZERO)
	if requested > available:
		raise RuleViolation(
			_("Rebate Deduction {0} is more than the available rebate balance {1}"),
			(requested, available),
			"rebate_deduction",
			DEDUCTION_TITLE,
		)
	if not any(dec(bases.get(lot.policy)) > 0 for lot in unexpired):
		raise RuleViolation(
			_(
				"No item of this document is in the scope of the policies that earned the balance; at most {0} can be deducted"
			),
			(ZERO,),
			"rebate_deduction",
			DEDUCTION_TITLE,
		)
	spends = allocate(unexpired, bases, net_total, as_of, None, already, precision)
	allowed = total(spends)
	if requested > allowed:
		raise RuleViolation(
			_(
				"Rebate Deduction {0} is more than the policies allow on this document; at most {1} can be deducted"
			),
			(requested, allowed),
			"rebate_deduction",
			DEDUCTION_TITLE,
		)
	return allocate(unexpired, bases, net_total, as_of, requested, already, precision)


# -- entries the vouchers write -------------------------------------------------------------------


def reserve(spends: Iterable[Spend], sales_order: str) -> list[Entry]:
	"""A Sales Order reserves what it deducts, lot by lot."""
	return [Entry(spend.lot, RESERVED, -spend.amount, sales_order) for spend in spends if spend.amount]


def reserved_for(entries: Iterable[Entry], sales_order: str) -> dict[str, Decimal]:
	"""{lot: amount} still reserved for the order."""
	left: dict[str, Decimal] = {}
	for entry in entries:
		if entry.entry_type == RESERVED and entry.sales_order == sales_order:
			left[entry.lot] = left.get(entry.lot, ZERO) - dec(entry.amount)
	return {lot: amount for lot, amount in left.items() if amount > 0}


def plan_invoice(
	requested: Decimal,
	lots: Mapping[str, Lot],
	reservation: Mapping[str, Decimal],
	bases: Mapping[str, Decimal],
	net_total: Decimal,
	as_of: date,
	sales_order: str | None = None,
	is_return: bool = False,
	currencies: tuple[str, str] | None = None,
	precision: int = 2,
) -> list[Entry]:
	"""The entries of an invoice deducting ``requested``: first from what its order reserved
	(``reservation`` {lot: amount}; each release is a positive Reserved row, so an order billed in
	several invoices spends once in total), then from lots nobody reserved. Every cap holds over
	both parts; a refusal names the figure allowed on this invoice."""
	held = {name: dec(amount) for name, amount in reservation.items() if name in lots and dec(amount) > 0}
	# what the order holds is this invoice's, also past the lot's expiry (the order was first)
	held_lots = [
		replace(lots[name], balance=amount, reserved=ZERO, expiry_date=date.max)
		for name, amount in held.items()
	]
	# judged as if the order's reservation were free for this invoice (and only that, once expired)
	judged = {
		name: replace(lot, balance=held[name], reserved=ZERO, expiry_date=date.max)
		if name in held and lot.expired(as_of)
		else replace(lot, reserved=lot.reserved - held.get(name, ZERO))
		for name, lot in lots.items()
	}
	check_deduction(requested, judged, bases, net_total, as_of, is_return, currencies, precision=precision)
	from_order = allocate(held_lots, bases, net_total, as_of, requested, precision=precision)
	taken = total(from_order)
	already: dict[str, Decimal] = {}
	for spend in from_order:
		already[lots[spend.lot].policy] = already.get(lots[spend.lot].policy, ZERO) + spend.amount
	free = allocate(
		lots.values(), bases, dec(net_total) - taken, as_of, dec(requested) - taken, already, precision
	)
	return use(requested, {spend.lot: spend.amount for spend in from_order}, lots, sales_order, free)


def plan_order_update(
	requested: Decimal,
	lots: Mapping[str, Lot],
	held: Mapping[str, Decimal],
	consumed: Mapping[str, Decimal],
	bases: Mapping[str, Decimal],
	net_total: Decimal,
	as_of: date,
	sales_order: str,
	currencies: tuple[str, str] | None = None,
	precision: int = 2,
) -> list[Entry]:
	"""A submitted order's lines changed (ERPNext's *Update Items*): its deduction judged again on
	the new lines. ``held`` {lot: amount} is what the order still reserves, ``consumed`` {lot:
	amount} what its invoices took from the reservation. The order's deduction less what was
	consumed must fit each policy's cap on the new in-scope base (the consumed part counts against
	it) and the balance the order holds plus what is available. Returns the Reserved rows moving the
	reservation to the new plan (none when the current one still fits); a refusal names the figure
	allowed on the whole order."""
	consumed_total = sum((dec(amount) for amount in consumed.values()), ZERO)
	needed = dec(requested) - consumed_total
	held = {name: dec(amount) for name, amount in held.items() if name in lots and dec(amount) > 0}
	already: dict[str, Decimal] = {}
	for name, amount in consumed.items():
		if name in lots:
			already[lots[name].policy] = already.get(lots[name].policy, ZERO) + dec(amount)
	if needed <= 0:
		return release(
			[Entry(name, RESERVED, -amount, sales_order) for name, amount in held.items()], sales_order
		)
	if _still_fits(needed, lots, held, already, bases, dec(net_total) - consumed_total, precision):
		return []
	# the order's own hold is free for it, also on a lot expired since (the order was first: it is
	# spent first, as the oldest)
	judged = {
		name: replace(lot, balance=held[name], reserved=ZERO, expiry_date=as_of)
		if name in held and lot.expired(as_of)
		else replace(lot, reserved=lot.reserved - held.get(name, ZERO))
		for name, lot in lots.items()
	}
	try:
		spends = check_deduction(
			needed,
			judged,
			bases,
			dec(net_total) - consumed_total,
			as_of,
			False,
			currencies,
			already,
			precision,
		)
	except RuleViolation as violation:
		if not consumed_total:
			raise
		shifted = tuple(arg + consumed_total if isinstance(arg, Decimal) else arg for arg in violation.args)
		raise replace(violation, args=shifted) from None
	planned = {spend.lot: spend.amount for spend in spends}
	return [
		Entry(lot.name, RESERVED, -(planned.get(lot.name, ZERO) - held.get(lot.name, ZERO)), sales_order)
		for lot in spending_order(lots[name] for name in set(planned) | set(held))
		if planned.get(lot.name, ZERO) != held.get(lot.name, ZERO)
	]


def _still_fits(
	needed: Decimal,
	lots: Mapping[str, Lot],
	held: Mapping[str, Decimal],
	already: Mapping[str, Decimal],
	bases: Mapping[str, Decimal],
	net_total: Decimal,
	precision: int,
) -> bool:
	"""The order's current reservation still pays ``needed`` within every cap: nothing to move."""
	if sum(held.values(), ZERO) != needed or needed > max(net_total, ZERO):
		return False
	by_policy: dict[str, Decimal] = {}
	for name, amount in held.items():
		by_policy[lots[name].policy] = by_policy.get(lots[name].policy, ZERO) + amount
	percent = {lot.policy: lot.max_deduction_percent for lot in lots.values()}
	return all(
		policy in bases
		and amount + dec(already.get(policy)) <= policy_cap(percent[policy], bases[policy], precision)
		for policy, amount in by_policy.items()
	)


def use(
	amount: Decimal,
	reservation: Mapping[str, Decimal],
	lots: Mapping[str, Lot],
	sales_order: str | None,
	free: Iterable[Spend] = (),
) -> list[Entry]:
	"""Entries spending ``amount``: first from an order's ``reservation`` (oldest expiry first),
	then the ``free`` spends for the rest."""
	amount = dec(amount)
	entries = []
	for lot in spending_order(lots[name] for name in reservation if name in lots):
		take = min(reservation[lot.name], amount)
		if take <= 0:
			break
		entries += [Entry(lot.name, RESERVED, take, sales_order), Entry(lot.name, USED_ON_INVOICE, -take)]
		amount -= take
	for spend in free:
		take = min(spend.amount, amount)
		if take <= 0:
			break
		entries.append(Entry(spend.lot, USED_ON_INVOICE, -take))
		amount -= take
	if amount > 0:
		raise RuleViolation(
			_("Rebate Deduction is {0} more than the balance reserved and available"),
			(amount,),
			"rebate_deduction",
			DEDUCTION_TITLE,
		)
	return entries


def release(entries: Iterable[Entry], sales_order: str) -> list[Entry]:
	"""An order cancelled or closed gives back what it still holds."""
	return [
		Entry(lot, RESERVED, amount, sales_order)
		for lot, amount in reserved_for(entries, sales_order).items()
	]


def reverse(entries: Iterable[Entry]) -> list[Entry]:
	"""The opposite of a cancelled voucher's rows: a Reserved row is undone by a Reserved row (it
	moves the reservation back), any other by a Reversed row."""
	return [
		Entry(
			entry.lot,
			RESERVED if entry.entry_type == RESERVED else REVERSED,
			-dec(entry.amount),
			entry.sales_order,
		)
		for entry in entries
	]


def expiry_entries(lots: Iterable[Lot], as_of: date) -> list[Entry]:
	"""Expired rows for what passed its date unspent and unreserved; none once written, so the
	daily job may run again. A reservation taken before the date is honoured by the order."""
	return [
		Entry(lot.name, EXPIRED, -(lot.balance - lot.reserved))
		for lot in spending_order(lots)
		if lot.expired(as_of) and lot.balance - lot.reserved > 0
	]


def expiry_date(valid_until: date | None, policy_to: date) -> date:
	"""When what a policy earned expires: its own date, else the end of the year after its period."""
	return valid_until or date(policy_to.year + 1, 12, 31)


def check_account_terms(
	max_deduction_percent: Decimal, valid_until: date | None, policy_to: date | None
) -> None:
	"""A policy's rebate-account terms: a percent from 0 to 100, a validity not before the period ends."""
	if not ZERO <= dec(max_deduction_percent) <= HUNDRED:
		raise RuleViolation(
			_("Max Deduction % must be between 0 and 100, not {0}"),
			(max_deduction_percent,),
			"max_deduction_percent",
			_("Invalid Policy"),
		)
	if valid_until and policy_to and valid_until < policy_to:
		raise RuleViolation(
			_("Balance Valid Until {0} is before the policy period ends on {1}"),
			(valid_until, policy_to),
			"balance_valid_until",
			_("Invalid Policy"),
		)


def check_lot_untouched(lot: Lot, earned: Decimal) -> None:
	"""A settlement paid into the account is cancelled only while nothing it earned was reserved,
	spent or expired: its Earned entry is then reversed whole and the account stays consistent."""
	if lot.balance != dec(earned) or lot.reserved:
		raise RuleViolation(
			_(
				"Rebate Settlement {0} cannot be cancelled: {1} of the {2} it paid into the dealer's rebate account was already reserved, spent or expired"
			),
			(lot.name, dec(earned) - lot.balance + lot.reserved, dec(earned)),
			None,
			_("Rebate Account"),
		)


# -- free goods (货补): the balance paid as goods -----------------------------------------------

FREE_GOODS_TITLE = _("Free Goods")


@dataclass(frozen=True, slots=True)
class GoodsLine:
	"""A line of a free-goods order as the rules see it: ``price`` is the item's rate in the
	company's free-goods price list for the line's unit (None: no price)."""

	item_code: str
	qty: Decimal
	rate: Decimal
	price: Decimal | None
	is_stock: bool = True  # a non-stock item has no cost to charge: the rebate would cost nothing


def goods_values(lines: Iterable[GoodsLine], price_list: str, precision: int = 2) -> list[Decimal]:
	"""Each line's value at the free-goods price list, or the rule a line breaks: a free-goods
	line is given at rate 0 (its cost goes to rebate expense, its value comes off the balance)
	and needs a price to be valued."""
	values = []
	for line in lines:
		if dec(line.rate):
			raise RuleViolation(
				_("Free-goods line {0} has rate {1}; free goods are given at rate {2}"),
				(line.item_code, dec(line.rate), ZERO),
				"items",
				FREE_GOODS_TITLE,
			)
		if dec(line.qty) <= 0:
			raise RuleViolation(
				_("Free-goods line {0} has quantity {1}; it must be more than {2}"),
				(line.item_code, dec(line.qty), ZERO),
				"items",
				FREE_GOODS_TITLE,
			)
		if not line.is_stock:
			raise RuleViolation(
				_(
					"Item {0} is not a stock item; free goods are stock items, whose cost is charged to rebate expense on delivery"
				),
				(line.item_code,),
				"items",
				FREE_GOODS_TITLE,
			)
		if line.price is None:
			raise RuleViolation(
				_(
					"Item {0} has no price in the free-goods price list {1}; its value cannot be drawn from the rebate balance"
				),
				(line.item_code, price_list),
				"items",
				FREE_GOODS_TITLE,
			)
		values.append(round_half_up(dec(line.qty) * dec(line.price), cents(precision)))
	return values


def check_goods_terms(is_return: bool = False, currencies: tuple[str, ...] | None = None) -> None:
	"""Free goods are never returned (their cost went to rebate expense and their value off the
	balance: cancel the delivery instead) and are valued in the account's currency: ``currencies``
	= (the account's, the document's or price list's, ...)."""
	if is_return:
		raise RuleViolation(
			_("Free goods are not returned; cancel the free-goods Delivery Note or Sales Order instead"),
			(),
			None,
			FREE_GOODS_TITLE,
		)
	for other in (currencies or ())[1:]:
		if other != currencies[0]:
			raise RuleViolation(
				_("The rebate account is kept in {0}; free goods valued in {1} cannot be drawn from it"),
				(currencies[0], other),
				"currency",
				FREE_GOODS_TITLE,
			)


def check_goods(
	value: Decimal,
	lots: Mapping[str, Lot],
	as_of: date,
	is_return: bool = False,
	currencies: tuple[str, ...] | None = None,
) -> list[Spend]:
	"""The lots that pay goods worth ``value``, oldest expiry first, or the rule it breaks with
	the figure allowed. No policy's Max Deduction % applies: that cap limits how much of an
	invoice's price the balance may replace; goods paid from the balance are the balance itself."""
	value = dec(value)
	check_goods_terms(is_return, currencies)
	if value <= 0:
		raise RuleViolation(
			_("A free-goods order must be worth more than {0}"), (ZERO,), "items", FREE_GOODS_TITLE
		)
	available = sum((lot.available(as_of) for lot in lots.values()), ZERO)
	if value > available:
		raise RuleViolation(
			_("Free goods worth {0} are more than the available rebate balance {1}"),
			(value, available),
			"items",
			FREE_GOODS_TITLE,
		)
	spends, left = [], value
	for lot in spending_order(lots.values()):
		take = min(lot.available(as_of), left)
		if take > 0:
			spends.append(Spend(lot.name, take))
			left -= take
	return spends


def delivered_value(
	line_value: Decimal, ordered: Decimal, before: Decimal, now: Decimal, precision: int = 2
) -> Decimal:
	"""What delivering ``now`` more of an order line worth ``line_value`` for ``ordered`` (``before``
	delivered already) is worth: the difference of the rounded cumulative values, so the deliveries
	of a line add up to its value to the cent whatever the split."""
	ordered = dec(ordered)
	if ordered <= 0:
		return ZERO

	def upto(qty: Decimal) -> Decimal:
		share = min(max(dec(qty), ZERO), ordered)
		return round_half_up(dec(line_value) * share / ordered, cents(precision))

	return upto(dec(before) + dec(now)) - upto(before)


def use_goods(
	amount: Decimal, reservation: Mapping[str, Decimal], lots: Mapping[str, Lot], sales_order: str
) -> list[Entry]:
	"""A delivery of free goods worth ``amount``: the order's reservation turned into Used as Goods
	entries, oldest expiry first (a lot's reservation is honoured past its expiry: the order was
	first). Refused when the order holds less (it was closed and its reservation given back)."""
	amount = dec(amount)
	held = sum((dec(value) for value in reservation.values()), ZERO)
	if amount > held:
		raise RuleViolation(
			_(
				"This delivery's free goods are worth {0}; Sales Order {1} holds only {2} of the rebate balance"
			),
			(amount, sales_order, held),
			"items",
			FREE_GOODS_TITLE,
		)
	entries = []
	for lot in spending_order(lots[name] for name in reservation if name in lots):
		take = min(dec(reservation[lot.name]), amount)
		if take <= 0:
			break
		entries += [
			Entry(lot.name, RESERVED, take, sales_order),
			Entry(lot.name, USED_AS_GOODS, -take, sales_order),
		]
		amount -= take
	return entries


# -- manual corrections (Rebate Account Adjustment) ------------------------------------------------

ADJUSTMENT_TITLE = _("Rebate Account Adjustment")


def check_adjustment(amount: Decimal, lot: Lot | None, as_of: date, lot_name: str = "") -> list[Entry]:
	"""A controlled correction of one lot: ``amount`` (+ adds, - takes away) as an Adjusted row. Never
	zero, never on a lot the dealer's account does not hold or that has expired, and what is taken
	away is at most what the lot has available (so available never goes below zero)."""
	amount = dec(amount)
	if not amount:
		raise RuleViolation(_("An adjustment needs an amount other than 0"), (), "amount", ADJUSTMENT_TITLE)
	if lot is None:
		raise RuleViolation(
			_("Rebate Settlement {0} paid nothing into this dealer's rebate account in this company"),
			(lot_name,),
			"rebate_settlement",
			ADJUSTMENT_TITLE,
		)
	if lot.expired(as_of):
		raise RuleViolation(
			_("The balance earned by Rebate Settlement {0} expired on {1}; it cannot be adjusted"),
			(lot.name, lot.expiry_date),
			"rebate_settlement",
			ADJUSTMENT_TITLE,
		)
	if -amount > lot.available(as_of):
		raise RuleViolation(
			_(
				"The adjustment takes {0} from Rebate Settlement {1}'s balance; at most {2} is available to take"
			),
			(-amount, lot.name, lot.available(as_of)),
			"amount",
			ADJUSTMENT_TITLE,
		)
	return [Entry(lot.name, ADJUSTED, amount)]


def check_adjustment_cancellable(amount: Decimal, lot: Lot | None, as_of: date) -> None:
	"""Cancelling an adjustment writes its opposite: an addition is cancelled only while what it
	added is still available (it may have been reserved, spent or expired since)."""
	amount = dec(amount)
	if amount <= 0:
		return
	available = lot.available(as_of) if lot else ZERO
	if amount > available:
		raise RuleViolation(
			_("The adjustment added {0}; only {1} of the lot is still available, so it cannot be cancelled"),
			(amount, available),
			None,
			ADJUSTMENT_TITLE,
		)
