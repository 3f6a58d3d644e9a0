"""Frappe side of the rebate account (返利池): the dealer's lots read with one GROUP BY, ledger entries
written by the app alone (Dealer Rebate Ledger Entry is read-only for every role), and the
opposite entries when a voucher is cancelled. Rules: dealer_relations.engine.rebate_account."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import IfNull, Max, Sum
from frappe.utils import getdate, today

from dealer_relations.db import insert_records, run_query
from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.money import ZERO, dec
from dealer_relations.engine.rebate_account import (
	EARNED,
	RESERVED,
	USED_ON_INVOICE,
	Entry,
	Lot,
	allocate,
	check_adjustment,
	check_adjustment_cancellable,
	check_deduction,
	check_lot_untouched,
	expiry_date,
	expiry_entries,
	plan_invoice,
	plan_order_update,
	release,
	reserve,
	reverse,
	total,
	totals,
)
from dealer_relations.postings import cancel_own_postings, make_company_journal_entry
from dealer_relations.setup.regional import APP_SALES_INVOICE_GL, SALES_INVOICE_GL
from dealer_relations.utils import enforce, get_company_settings, throw_violation

LEDGER = "Dealer Rebate Ledger Entry"


def account_currency(company: str) -> str:
	"""The account is kept in the company's currency, as the settlement that pays into it."""
	return frappe.get_cached_value("Company", company, "default_currency")


# Lots that expired longer ago than this are left out of a spend's read: the daily job has expired
# their unreserved part long since, and what an order still holds of one is read by its name.
EXPIRED_LOTS_READ_DAYS = 31


def load_lots(
	dealer: str,
	company: str,
	lock: bool = False,
	live_on: date | None = None,
	also: Iterable[str] = (),
) -> dict[str, Lot]:
	"""{settlement: Lot} of the dealer in the company, balances and reservations summed by the
	database: one query whatever the ledger's length. ``lock`` (under the dealer's row lock): a
	locking read, which sees what another transaction committed while this one waited for the lock
	(a plain read sees the transaction's older snapshot, and two documents would spend one balance).
	``live_on`` (a spend's date): only lots not expired by more than EXPIRED_LOTS_READ_DAYS then, from
	the (dealer, company, expiry_date) index, so the spent lots of past years cost nothing, plus the
	lots named in ``also`` (what an order holds; a second query only when one was left out)."""
	entry = frappe.qb.DocType(LEDGER)
	if live_on is None:
		return lot_rows(dealer, company, lock)
	cutoff = frappe.utils.add_days(getdate(live_on), -EXPIRED_LOTS_READ_DAYS)
	lots = lot_rows(dealer, company, lock, entry.expiry_date >= cutoff)
	missing = [name for name in dict.fromkeys(also) if name and name not in lots]
	if missing:
		lots.update(lot_rows(dealer, company, lock, entry.rebate_settlement.isin(missing)))
	return lots


def lot_rows(dealer: str, company: str, lock: bool, condition=None) -> dict[str, Lot]:
	entry = frappe.qb.DocType(LEDGER)
	policy = frappe.qb.DocType("Rebate Policy")
	reserved = Case().when(entry.entry_type == RESERVED, entry.amount).else_(0)
	kept = Case().when(entry.entry_type == RESERVED, 0).else_(entry.amount)
	rows = (
		frappe.qb.from_(entry)
		.left_join(policy)
		.on(policy.name == entry.rebate_policy)
		.select(
			entry.rebate_settlement,
			Max(entry.rebate_policy).as_("policy"),
			Max(entry.expiry_date).as_("expiry_date"),
			Max(policy.max_deduction_percent).as_("percent"),
			Sum(kept).as_("balance"),
			Sum(reserved).as_("reserved"),
		)
		.where(entry.dealer == dealer)
		.where(entry.company == company)
		.groupby(entry.rebate_settlement)
	)
	if condition is not None:
		rows = rows.where(condition)
	rows = run_query(rows, " FOR UPDATE" if lock else "", as_dict=True)
	return {
		row.rebate_settlement: Lot(
			row.rebate_settlement,
			row.policy or "",
			getdate(row.expiry_date),
			dec(row.percent),
			dec(row.balance),
			-dec(row.reserved),
		)
		for row in rows
	}


def voucher_entries(voucher_type: str, voucher_no: str) -> list[frappe._dict]:
	"""The entries a voucher wrote (its own, not the reversal of them)."""
	return frappe.get_all(
		LEDGER,
		filters={"voucher_type": voucher_type, "voucher_no": voucher_no, "is_reversal": 0},
		fields=[
			"rebate_settlement",
			"entry_type",
			"amount",
			"sales_order",
			"dealer",
			"company",
			"journal_entry",
		],
		order_by="creation asc, name asc",
	)


def write_entries(*args, **kwargs) -> None:
	"""Append the entries (``ledger_records``' arguments) in one multi-row insert: the only way
	rows reach the ledger."""
	insert_records(LEDGER, ledger_records(*args, **kwargs))


def ledger_records(
	entries: list[Entry],
	lots: dict[str, Lot],
	dealer: str,
	company: str,
	voucher_type: str,
	voucher_no: str,
	posting_date: date | str | None = None,
	is_reversal: bool = False,
	journal_entry: str | None = None,
	dealer_name: str | None = None,
) -> list[dict]:
	"""The ledger rows of ``entries`` moved by a voucher (each lot's policy and expiry copied on
	its rows, so balances are one GROUP BY)."""
	currency = account_currency(company)
	if dealer_name is None:
		dealer_name = frappe.db.get_value("Dealer", dealer, "dealer_name")
	return [
		{
			"name": frappe.generate_hash(length=12),
			"posting_date": posting_date or today(),
			"dealer": dealer,
			"dealer_name": dealer_name,
			"company": company,
			"currency": currency,
			"entry_type": entry.entry_type,
			"amount": entry.amount,
			"expiry_date": lots[entry.lot].expiry_date,
			"rebate_settlement": entry.lot,
			"rebate_policy": lots[entry.lot].policy,
			"sales_order": entry.sales_order,
			"voucher_type": voucher_type,
			"voucher_no": voucher_no,
			"is_reversal": int(is_reversal),
			"journal_entry": journal_entry,
		}
		for entry in entries
		if entry.amount
	]


def reverse_voucher(voucher_type: str, voucher_no: str, posting_date=None) -> None:
	"""A cancelled voucher: the opposite of its entries, once, under the dealer's row lock."""
	if frappe.db.exists(LEDGER, {"voucher_type": voucher_type, "voucher_no": voucher_no, "is_reversal": 1}):
		return
	rows = voucher_entries(voucher_type, voucher_no)
	if not rows:
		return
	frappe.db.get_value("Dealer", rows[0].dealer, "name", for_update=True)
	entries = [Entry(row.rebate_settlement, row.entry_type, dec(row.amount), row.sales_order) for row in rows]
	lots = load_lots(rows[0].dealer, rows[0].company)
	write_entries(
		reverse(entries), lots, rows[0].dealer, rows[0].company, voucher_type, voucher_no, posting_date, True
	)


# -- earning: a settlement paid into the account --------------------------------------------------


def earn(settlement, amount) -> None:
	"""The settlement's net rebate into the dealer's account, expiring as its policy says."""
	policy = frappe.db.get_value(
		"Rebate Policy",
		settlement.rebate_policy,
		["to_date", "balance_valid_until", "max_deduction_percent"],
		as_dict=True,
	)
	valid_until = getdate(policy.balance_valid_until) if policy.balance_valid_until else None
	lot = Lot(
		settlement.name,
		settlement.rebate_policy,
		expiry_date(valid_until, getdate(policy.to_date)),
		dec(policy.max_deduction_percent),
	)
	write_entries(
		[Entry(settlement.name, EARNED, dec(amount))],
		{settlement.name: lot},
		settlement.dealer,
		settlement.company,
		"Rebate Settlement",
		settlement.name,
		settlement.posting_date,
	)


def check_settlement_cancellable(settlement) -> None:
	"""Before anything is cancelled: what the settlement earned must be untouched (judged under
	the dealer's row lock, which every spend takes too)."""
	frappe.db.get_value("Dealer", settlement.dealer, "name", for_update=True)
	earned = sum(
		(
			dec(row.amount)
			for row in voucher_entries("Rebate Settlement", settlement.name)
			if row.entry_type == EARNED
		),
		ZERO,
	)
	if not earned:
		return
	lot = load_lots(settlement.dealer, settlement.company).get(settlement.name)
	if lot:
		enforce(check_lot_untouched, lot, earned)


# -- expiry ---------------------------------------------------------------------------------------


def expire_balances(as_of=None) -> int:
	"""Daily: an Expired entry for each lot past its date with something unspent and unreserved.
	One GROUP BY over the lots that expired, one multi-row insert; running it again writes nothing
	(an order's reservation taken before the date stays honoured)."""
	as_of = getdate(as_of or today())
	entry = frappe.qb.DocType(LEDGER)
	# balance - reserved of a lot is the plain sum of its entries
	rows = (
		frappe.qb.from_(entry)
		.select(
			entry.dealer,
			entry.company,
			entry.rebate_settlement,
			Max(entry.rebate_policy).as_("policy"),
			Max(entry.expiry_date).as_("expiry_date"),
			Sum(entry.amount).as_("unreserved"),
		)
		.where(entry.expiry_date < as_of)
		.groupby(entry.dealer, entry.company, entry.rebate_settlement)
		.having(Sum(entry.amount) > 0)
		.run(as_dict=True)
	)
	names = dict(
		frappe.get_all(
			"Dealer",
			filters={"name": ("in", list({row.dealer for row in rows}))},
			fields=["name", "dealer_name"],
			as_list=True,
		)
	)
	records = []
	for row in rows:
		lot = Lot(
			row.rebate_settlement, row.policy or "", getdate(row.expiry_date), ZERO, dec(row.unreserved)
		)
		records += ledger_records(
			expiry_entries([lot], as_of),
			{lot.name: lot},
			row.dealer,
			row.company,
			"Rebate Settlement",
			row.rebate_settlement,
			as_of,
			dealer_name=names.get(row.dealer, ""),
		)
	insert_records(LEDGER, records)
	return len(records)


# -- reading --------------------------------------------------------------------------------------


@frappe.whitelist()
def get_rebate_account_balance(filters=None) -> dict:
	"""Number card: what dealers hold in their rebate accounts (the liability the ledger says), in
	the user's default company; a rep gets the total of their own dealers (the ledger's row rules)."""
	frappe.has_permission(LEDGER, "read", throw=True)
	company = frappe.defaults.get_user_default("Company") or frappe.db.get_single_value(
		"Global Defaults", "default_company"
	)
	rows = frappe.get_list(
		LEDGER,
		filters={"company": company, "entry_type": ("!=", RESERVED)},
		fields=["sum(amount) as total"],
		limit_page_length=0,
	)
	total = rows[0].total if rows else 0
	return {"value": float(total or 0), "fieldtype": "Currency", "options": account_currency(company)}


@frappe.whitelist()
def get_dealer_balance(dealer: str, company: str | None = None) -> dict:
	"""Balance, reserved, available and expiring within 90 days of a dealer's account, for whoever
	may read the dealer (a rep: their own dealers)."""
	doc = frappe.get_doc("Dealer", dealer)
	doc.check_permission("read")
	figures = dealer_balance(doc.name, company or doc.company)
	return {key: float(value) if isinstance(value, Decimal) else value for key, value in figures.items()}


def dealer_balance(dealer: str, company: str, as_of=None) -> dict:
	"""The figures of get_dealer_balance (Decimal) without a permission check: for callers that
	checked who may see the dealer themselves (the dealer's own portal page). One query."""
	as_of = getdate(as_of or today())
	lots = load_lots(dealer, company)
	balance, reserved, available = totals(lots, as_of)
	soon = frappe.utils.add_days(as_of, 90)
	expiring = sum((lot.available(as_of) for lot in lots.values() if lot.expiry_date <= getdate(soon)), ZERO)
	return {
		"company": company,
		"currency": account_currency(company),
		"balance": balance,
		"reserved": reserved,
		"available": available,
		"expiring_90_days": expiring,
	}


MOVEMENTS_SHOWN = 20


@frappe.whitelist()
def get_dealer_movements(dealer: str, company: str | None = None, limit: int = MOVEMENTS_SHOWN) -> dict:
	"""The latest movements of a dealer's rebate account (newest first, at most 100), for whoever
	may read the dealer (a rep: their own dealers), read from the (dealer, company, posting_date)
	index whatever the ledger's length."""
	doc = frappe.get_doc("Dealer", dealer)
	doc.check_permission("read")
	company = company or doc.company
	limit = min(max(frappe.utils.cint(limit), 1), 100)
	entry = frappe.qb.DocType(LEDGER)
	rows = (
		frappe.qb.from_(entry)
		.select(
			entry.posting_date,
			entry.entry_type,
			entry.amount,
			entry.voucher_type,
			entry.voucher_no,
			entry.rebate_settlement,
			entry.sales_order,
			entry.expiry_date,
		)
		.where(entry.dealer == doc.name)
		.where(entry.company == company)
		.orderby(entry.posting_date, order=frappe.qb.desc)
		.orderby(entry.creation, order=frappe.qb.desc)
		.limit(limit)
		.run(as_dict=True)
	)
	for row in rows:
		row.entry_type_label = _(row.entry_type)
	return {"company": company, "currency": account_currency(company), "limit": limit, "movements": rows}


# -- spending on Sales Orders and Sales Invoices (overrides/sales_order.py, sales_invoice.py) -------

DEDUCTION_FIELD = "rebate_deduction"


def reservation_of(sales_order: str | None, lock: bool = False) -> dict[str, Decimal]:
	"""{lot: amount} the order still holds: one GROUP BY (a locking read with ``lock``)."""
	if not sales_order:
		return {}
	entry = frappe.qb.DocType(LEDGER)
	rows = (
		frappe.qb.from_(entry)
		.select(entry.rebate_settlement, Sum(entry.amount))
		.where(entry.sales_order == sales_order)
		.where(entry.entry_type == RESERVED)
		.groupby(entry.rebate_settlement)
	)
	rows = run_query(rows, " FOR UPDATE" if lock else "")
	return {lot: -dec(amount) for lot, amount in rows if dec(amount) < 0}


def order_of(doc) -> str | None:
	"""The Sales Order an invoice bills (its first order line; one order per invoice is spent from)."""
	if doc.doctype != "Sales Invoice":
		return None
	return next((row.sales_order for row in doc.items if row.get("sales_order")), None)


def item_in_scope(policy, groups: set[str], excluded: set[str], item: frappe._dict) -> bool:
	"""The Python twin of rebates.item_scope for one item (its group and brand from the Item)."""
	if item.name in excluded:
		return False
	brands = {r.brand for r in policy.brands}
	items = {r.item_code for r in policy.items}
	if not (groups or brands or items):
		return True
	return item.item_group in groups or (item.brand and item.brand in brands) or item.name in items


def live_policies(lots: dict[str, Lot]) -> set[str]:
	"""The policies of the lots with something left (free or reserved): spent lots of past years
	cost no lookups, so a submit reads as much whatever the ledger's length."""
	return {lot.policy for lot in lots.values() if lot.balance > 0 and lot.policy}


def item_masters(doc, fields: list[str]) -> dict[str, frappe._dict]:
	"""{item code: the Item's ``fields``} for the document's lines, in one query: what a rule needs
	of an item is read from the master, never from what the client sent on the line."""
	codes = list({row.item_code for row in doc.items if row.item_code})
	return {
		item.name: item
		for item in frappe.get_all("Item", filters={"name": ("in", codes or [""])}, fields=["name", *fields])
	}


def document_bases(doc, policies: set[str]) -> dict[str, Decimal]:
	"""{policy: the document's amount (before its additional discount) on the policy's items}.
	Group and brand come from the Item, never from what the client sent on the line."""
	from dealer_relations.rebates import in_scope_groups

	if not policies:
		return {}
	rebate_item = get_company_settings(doc.company).rebate_item
	masters = item_masters(doc, ["item_group", "brand"])
	bases = {}
	for name in policies:
		policy = frappe.get_cached_doc("Rebate Policy", name)
		groups = set(in_scope_groups(policy))
		excluded = {row.item_code for row in policy.excluded_items} | (
			{rebate_item} if rebate_item else set()
		)
		bases[name] = sum(
			(
				line_amount(row)
				for row in doc.items
				if row.item_code in masters
				and item_in_scope(policy, groups, excluded, masters[row.item_code])
			),
			ZERO,
		)
	return bases


def judge(currency: str, check, *args, **kwargs):
	"""``enforce`` with the amounts of a refusal shown as money in the account's currency."""
	try:
		return check(*args, **kwargs)
	except RuleViolation as violation:
		caught = violation
	shown = tuple(
		frappe.utils.fmt_money(arg, currency=currency) if isinstance(arg, Decimal) else arg
		for arg in caught.args
	)
	throw_violation(replace(caught, args=shown))


def line_amount(row) -> Decimal:
	"""A line's amount before the document's additional discount, also on a draft whose totals
	were not computed yet (a form's unsaved values, an invoice just mapped from its order)."""
	return dec(row.qty) * dec(row.rate)


def plan_document(doc, lots: dict[str, Lot], lock: bool = False) -> list[Entry]:
	"""The entries ``doc`` would write for its deduction, or the rule it breaks (translated)."""
	as_of = getdate(doc.get("posting_date") or doc.get("transaction_date") or today())
	bases = document_bases(doc, live_policies(lots))
	currencies = (account_currency(doc.company), doc.currency)
	precision = doc.precision(DEDUCTION_FIELD) or 2
	requested = dec(doc.get(DEDUCTION_FIELD))
	total_before_discount = sum((line_amount(row) for row in doc.items), ZERO)
	if doc.doctype == "Sales Order":
		spends = judge(
			currencies[0],
			check_deduction,
			requested,
			lots,
			bases,
			total_before_discount,
			as_of,
			bool(doc.get("is_return")),
			currencies,
			precision=int(precision),
		)
		return reserve(spends, doc.name)
	return judge(
		currencies[0],
		plan_invoice,
		requested,
		lots,
		reservation_of(order_of(doc), lock),
		bases,
		total_before_discount,
		as_of,
		order_of(doc),
		bool(doc.get("is_return")),
		currencies,
		int(precision),
	)


def dealer_of(doc) -> str | None:
	return frappe.db.get_value("Dealer", {"customer": doc.customer}, "name") if doc.customer else None


def set_discount(doc, method=None) -> None:
	"""before_validate: the deduction is the document's additional discount on Net Total, so it
	lowers the VAT base; an invoice made from an order proposes its share of the order's
	reservation (ERPNext would otherwise copy the order's whole discount onto every invoice)."""
	if doc.is_new() and not dec(doc.get(DEDUCTION_FIELD)):
		if doc.get("amended_from"):
			keep_amended_deduction(doc)
		elif doc.doctype == "Sales Invoice" and not doc.get("is_return"):
			propose_share_of_order(doc)
	amount = dec(doc.get(DEDUCTION_FIELD))
	before = doc.get_doc_before_save()
	if amount:
		doc.apply_discount_on = "Net Total"
		doc.additional_discount_percentage = 0
		doc.discount_amount = float(amount)
	elif (
		before
		and dec(before.get(DEDUCTION_FIELD))
		and dec(doc.discount_amount) == dec(before.get(DEDUCTION_FIELD))
	):
		doc.discount_amount = 0


def keep_amended_deduction(doc) -> None:
	"""An amendment carries the cancelled document's discount: it is its rebate deduction again
	(judged anew), not a discount from nowhere."""
	before = frappe.db.get_value(
		doc.doctype, doc.amended_from, [DEDUCTION_FIELD, "discount_amount"], as_dict=True
	)
	if (
		before
		and dec(before.get(DEDUCTION_FIELD))
		and dec(doc.discount_amount) == dec(before.discount_amount)
	):
		doc.set(DEDUCTION_FIELD, before.get(DEDUCTION_FIELD))


def propose_share_of_order(doc) -> None:
	sales_order = order_of(doc)
	if not sales_order:
		return
	order = frappe.db.get_value(
		"Sales Order", sales_order, [DEDUCTION_FIELD, "discount_amount", "total", "per_billed"], as_dict=True
	)
	if not order or not dec(order.get(DEDUCTION_FIELD)):
		return
	held = sum(reservation_of(sales_order).values(), ZERO)
	billed_before = dec(order.total) * dec(order.per_billed) / 100
	this = sum((line_amount(row) for row in doc.items if row.get("sales_order") == sales_order), ZERO)
	if billed_before + this >= dec(order.total):  # the last invoice takes what is left
		share = held
	else:
		share = min(held, dec(order.get(DEDUCTION_FIELD)) * this / max(dec(order.total), dec(1)))
	doc.set(DEDUCTION_FIELD, float(round(share, 2)))
	if dec(doc.discount_amount) == dec(order.discount_amount):
		doc.discount_amount = 0  # ERPNext copied the order's whole deduction; set_discount puts the share


def validate_deduction(doc, method=None) -> None:
	"""On save: the deduction judged as it would be on submit (without the lock), so the user
	sees the figure allowed at once. Not on submit, where check_on_submit judges it under the lock."""
	if not dec(doc.get(DEDUCTION_FIELD)) or getattr(doc, "_action", None) == "submit":
		return
	dealer = dealer_of(doc)
	if not dealer:
		refuse_not_a_dealer(doc)
	plan_document(doc, spendable_lots(doc, dealer))


def refuse_not_a_dealer(doc) -> None:
	frappe.throw(
		_("Customer {0} is not a dealer: it has no rebate account to deduct from").format(
			frappe.bold(doc.customer)
		),
		title=_("Rebate Deduction"),
	)


def spending_date(doc) -> date:
	return getdate(doc.get("posting_date") or doc.get("transaction_date") or today())


def spendable_lots(doc, dealer: str, lock: bool = False) -> dict[str, Lot]:
	"""The lots a document's deduction is judged on: the live ones on its date and whatever the
	order it bills still holds (read whatever the ledger's length)."""
	held = reservation_of(order_of(doc), lock)
	return load_lots(dealer, doc.company, lock, live_on=spending_date(doc), also=held)


def check_on_submit(doc, method=None) -> None:
	"""before_submit: judged again under the dealer's row lock (the one the credit check takes),
	so two documents submitted at once for one dealer cannot both spend the same balance; the
	entries (and an invoice's liability release) are written here, before ERPNext's on_submit
	updates the order the invoice bills (which may close it and release what it still holds)."""
	if not dec(doc.get(DEDUCTION_FIELD)):
		return
	from dealer_relations.credit_check import locked_dealer

	dealer = locked_dealer(doc)
	if not dealer:
		refuse_not_a_dealer(doc)
	lots = spendable_lots(doc, dealer.name, lock=True)
	entries = plan_document(doc, lots, lock=True)
	journal_entry = None
	if doc.doctype == "Sales Invoice":
		if released_in_invoice_gl():
			# the invoice's own GL releases it (release_in_invoice_gl): the accounts checked now
			doc.flags.rebate_release = liability_setup(doc.company)
		else:
			journal_entry = release_liability(doc)
	write_entries(
		entries,
		lots,
		dealer.name,
		doc.company,
		doc.doctype,
		doc.name,
		doc.get("posting_date") or doc.get("transaction_date"),
		journal_entry=journal_entry,
		dealer_name=dealer.dealer_name,
	)


# -- Update Items on a submitted order (overrides/sales_order.py) ----------------------------------


def order_reservation(sales_order: str, lock: bool = False) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
	"""({lot: held}, {lot: consumed}) of an order in one GROUP BY: what it still reserves, and what
	its invoices took from the reservation (their Reserved rows, less those of cancelled invoices)."""
	entry = frappe.qb.DocType(LEDGER)
	by_invoice = Case().when(entry.voucher_type == "Sales Invoice", entry.amount).else_(0)
	rows = (
		frappe.qb.from_(entry)
		.select(entry.rebate_settlement, Sum(entry.amount), Sum(by_invoice))
		.where(entry.sales_order == sales_order)
		.where(entry.entry_type == RESERVED)
		.groupby(entry.rebate_settlement)
	)
	rows = run_query(rows, " FOR UPDATE" if lock else "")
	held = {lot: -dec(amount) for lot, amount, _used in rows if dec(amount) < 0}
	consumed = {lot: dec(used) for lot, _amount, used in rows if dec(used) > 0}
	return held, consumed


def lock_for_update_items(parent_doctype: str, name: str) -> None:
	"""*Update Items* on an order with a deduction takes the dealer's row lock before ERPNext saves
	the order's lines, in the lock order of every submit (for a user who may write the order)."""
	if parent_doctype != "Sales Order" or not frappe.has_permission(parent_doctype, "write", name):
		return
	values = frappe.db.get_value(parent_doctype, name, ["customer", DEDUCTION_FIELD], as_dict=True)
	if values and values.customer and dec(values.get(DEDUCTION_FIELD)):
		from dealer_relations.credit_check import load_dealer

		load_dealer(values.customer, lock=True)


def check_order_update(doc, method=None) -> None:
	"""before_update_after_submit of a Sales Order: ERPNext's *Update Items* changed its lines, so
	the deduction is judged again under the dealer's lock on the new in-scope base and the balance
	(the order's own hold counts as its own), refused with the figure allowed, and the reservation
	moved to the new plan. A closed or completed order holds nothing to judge."""
	if doc.doctype != "Sales Order" or doc.docstatus != 1 or not dec(doc.get(DEDUCTION_FIELD)):
		return
	if doc.get("status") in ("Closed", "Completed"):
		return
	from dealer_relations.credit_check import load_dealer

	dealer = load_dealer(doc.customer, lock=True)
	if not dealer:
		return
	held, consumed = order_reservation(doc.name, lock=True)
	lots = load_lots(dealer.name, doc.company, lock=True, live_on=getdate(today()), also=[*held, *consumed])
	policies = live_policies(lots) | {lots[name].policy for name in consumed if name in lots}
	currency = account_currency(doc.company)
	entries = judge(
		currency,
		plan_order_update,
		dec(doc.get(DEDUCTION_FIELD)),
		lots,
		held,
		consumed,
		document_bases(doc, policies),
		sum((line_amount(row) for row in doc.items), ZERO),
		getdate(today()),
		doc.name,
		(currency, doc.currency),
		int(doc.precision(DEDUCTION_FIELD) or 2),
	)
	write_entries(entries, lots, dealer.name, doc.company, doc.doctype, doc.name, today())


def regional_chain() -> list[str]:
	"""The overrides of ERPNext's make_regional_gl_entries for the site's region, as
	``erpnext.allow_regional`` looks them up (it calls the last)."""
	from erpnext import get_region

	overrides = frappe.get_hooks("regional_overrides", {}).get(get_region()) or {}
	return list(overrides.get(SALES_INVOICE_GL) or [])


def released_in_invoice_gl() -> bool:
	"""Whether ERPNext will call the app's rows into a Sales Invoice's GL: not when the site has no
	country, or when an app installed after this one overrides the same function for it (then the
	release is a Journal Entry, release_liability)."""
	chain = regional_chain()
	return bool(chain) and chain[-1] == APP_SALES_INVOICE_GL


def release_in_invoice_gl(gl_entries: list, doc) -> list:
	"""make_regional_gl_entries of a Sales Invoice: Dr rebate liability / Cr rebate expense for what
	it spent from the rebate account, in the invoice's own GL — posted, reversed on cancel and
	rebuilt by ERPNext's reposts with the invoice, at no cost of a document of its own. The cost was
	booked when earned and the invoice's income is lower by the deduction, so the expense is given
	back and the rebate costs the company once (see README, "Rebate account"). What another app's
	override for the region returns is kept."""
	earlier = [path for path in regional_chain() if path != APP_SALES_INVOICE_GL]
	if earlier:
		gl_entries = frappe.get_attr(earlier[-1])(gl_entries, doc)
	amount = released_amount(doc)
	if amount <= 0:
		return gl_entries
	from erpnext.accounts.utils import get_account_currency

	setup = doc.flags.rebate_release or liability_setup(doc.company)
	value = float(amount)
	for account, side in ((setup.liability_account, "debit"), (setup.expense_account, "credit")):
		gl_entries.append(
			doc.get_gl_dict(
				{
					"account": account,
					"against": doc.customer,
					side: value,
					f"{side}_in_account_currency": value,
					"cost_center": setup.cost_center,
					"remarks": _("Rebate balance used on Sales Invoice {0}").format(doc.name),
				},
				get_account_currency(account),
				item=doc,
			)
		)
	return gl_entries


def released_amount(doc) -> Decimal:
	"""What a Sales Invoice's GL releases: on submit the deduction just judged and spent; on a draft
	(ERPNext's ledger preview) the deduction; on a repost of a submitted invoice its Used entries
	that no release Journal Entry (invoices posted before the release moved into their GL, or with
	the fallback) covers — read only for an invoice with a deduction."""
	deduction = dec(doc.get(DEDUCTION_FIELD))
	if not deduction or doc.get("is_return"):
		return ZERO
	if doc.flags.rebate_release or doc.docstatus == 0:
		return deduction
	entry = frappe.qb.DocType(LEDGER)
	used = (
		frappe.qb.from_(entry)
		.select(Sum(entry.amount))
		.where(entry.voucher_type == doc.doctype)
		.where(entry.voucher_no == doc.name)
		.where(entry.entry_type == USED_ON_INVOICE)
		.where(IfNull(entry.journal_entry, "") == "")
	).run()
	return -dec(used[0][0] if used else 0)


def release_liability(doc) -> str:
	"""The release (release_in_invoice_gl) as a Journal Entry, where ERPNext will not call the app
	into the invoice's GL."""
	return release_by_journal_entry(
		doc,
		dec(doc.get(DEDUCTION_FIELD)),
		_("Rebate balance used on Sales Invoice {0}").format(doc.name),
	)


def release_by_journal_entry(doc, amount: Decimal, remark: str) -> str | None:
	"""Dr rebate liability / Cr rebate expense for what ``doc`` (a Sales Invoice, a free-goods
	Delivery Note) spent of the account, in a Journal Entry naming it (Posted for)."""
	setup = liability_setup(doc.company)
	return make_company_journal_entry(
		doc,
		company=doc.company,
		posting_date=doc.posting_date,
		remark=remark,
		debit_account=setup.liability_account,
		credit_account=setup.expense_account,
		amount=amount,
		cost_center=setup.cost_center,
	)


def reverse_on_cancel(doc, method=None) -> None:
	"""on_cancel: an order gives back what it still holds (whatever its invoices used and gave back
	before); an invoice gets the opposite of its entries and its release Journal Entry cancelled."""
	if doc.doctype == "Sales Order":
		release_order(doc)
		return
	journals = {row.journal_entry for row in voucher_entries(doc.doctype, doc.name) if row.journal_entry}
	reverse_voucher(doc.doctype, doc.name)
	for name in journals:
		if frappe.db.get_value("Journal Entry", name, "docstatus") == 1:
			entry = frappe.get_doc("Journal Entry", name)
			entry.flags.ignore_permissions = True
			entry.cancel()


def release_closed_order(doc, method=None) -> None:
	"""on_change (ERPNext sets a Sales Order's status with db_set, which runs it): a Closed or
	Completed order gives back what its invoices did not use. Re-opening does not reserve again;
	its next invoices spend what is available then."""
	if doc.docstatus == 1 and doc.get("status") in ("Closed", "Completed") and dec(doc.get(DEDUCTION_FIELD)):
		release_order(doc)


def release_order(doc) -> None:
	rows = voucher_entries(doc.doctype, doc.name)
	if not rows:
		return
	frappe.db.get_value("Dealer", rows[0].dealer, "name", for_update=True)
	held = [
		Entry(lot, RESERVED, -amount, doc.name) for lot, amount in reservation_of(doc.name, lock=True).items()
	]
	write_entries(
		release(held, doc.name),
		load_lots(rows[0].dealer, rows[0].company),
		rows[0].dealer,
		rows[0].company,
		doc.doctype,
		doc.name,
		is_reversal=True,
	)


@frappe.whitelist()
def get_applicable_deduction(doc: str | dict) -> dict:
	"""The most the document may deduct from its dealer's account now (the "Apply rebate balance"
	button): for a user who may write the document and read the dealer."""
	doc = frappe.get_doc(frappe.parse_json(doc) if isinstance(doc, str) else doc)
	if doc.doctype not in ("Sales Order", "Sales Invoice"):
		raise frappe.PermissionError
	if doc.is_new() or not frappe.db.exists(doc.doctype, doc.name):
		frappe.has_permission(doc.doctype, "create", throw=True)
	else:
		stored = frappe.get_doc(doc.doctype, doc.name)
		stored.check_permission("write")
		doc.company, doc.customer = stored.company, stored.customer
	dealer = dealer_of(doc)
	if not dealer:
		return {"rebate_deduction": 0, "available": 0}
	frappe.get_doc("Dealer", dealer).check_permission("read")
	as_of = spending_date(doc)
	held = reservation_of(order_of(doc))
	lots = load_lots(dealer, doc.company, live_on=as_of, also=held)
	judged = {name: replace(lot, reserved=lot.reserved - held.get(name, ZERO)) for name, lot in lots.items()}
	bases = document_bases(doc, live_policies(lots))
	allowed = ZERO
	if not doc.get("is_return") and account_currency(doc.company) == doc.currency:
		document_total = sum((line_amount(row) for row in doc.items), ZERO)
		allowed = total(allocate(judged.values(), bases, document_total, as_of))
	return {
		"rebate_deduction": float(allowed),
		"available": float(totals(judged, as_of)[2]),
		"currency": account_currency(doc.company),
	}


# -- manual corrections: Rebate Account Adjustment ------------------------------------------------

ADJUSTMENT = "Rebate Account Adjustment"


def validate_adjustment(doc, lock: bool = False) -> list[Entry]:
	"""The Adjusted entry a correction writes, or the rule it breaks (with the figure allowed): a
	reason, a lot the dealer's account holds in the company, not expired, and never more taken away
	than the lot has available now. ``lock``: under the dealer's row lock with a locking read, as
	every spend is judged."""
	if not (doc.reason or "").strip():
		frappe.throw(_("Say why the dealer's rebate account is adjusted"), title=_("Reason Required"))
	doc.currency = account_currency(doc.company)
	if lock:
		frappe.db.get_value("Dealer", doc.dealer, "name", for_update=True)
	lots = load_lots(doc.dealer, doc.company, lock, live_on=getdate(today()), also=[doc.rebate_settlement])
	doc._lots = lots
	return judge(
		doc.currency,
		check_adjustment,
		dec(doc.amount),
		lots.get(doc.rebate_settlement),
		getdate(today()),
		doc.rebate_settlement,
	)


def liability_setup(company: str) -> frappe._dict:
	"""Rebate expense and liability accounts and cost center of the company, checked, to release or
	correct a balance (the liability is there even if the company has changed its posting method
	since; no receivable is touched)."""
	from dealer_relations.engine.rebates import check_liability_setup
	from dealer_relations.rebates import rebate_accounts

	setup = rebate_accounts(company)
	enforce(check_liability_setup, company, setup.expense_account, setup.liability_account)
	return setup


def post_adjustment(doc) -> None:
	"""on_submit: Dr rebate expense / Cr rebate liability for an addition (the opposite for a
	reduction), with the back-reference to the adjustment, and the Adjusted entry."""
	entries = validate_adjustment(doc, lock=True)
	setup = liability_setup(doc.company)
	amount = dec(doc.amount)
	accounts = (setup.expense_account, setup.liability_account)
	debit, credit = accounts if amount > 0 else reversed(accounts)
	journal_entry = make_company_journal_entry(
		doc,
		company=doc.company,
		posting_date=doc.posting_date,
		remark=_("Rebate account adjustment {0} for Dealer {1}: {2}").format(
			doc.name, doc.dealer_name or doc.dealer, doc.reason
		),
		debit_account=debit,
		credit_account=credit,
		amount=abs(amount),
		cost_center=setup.cost_center,
	)
	doc.db_set("journal_entry", journal_entry)
	write_entries(
		entries,
		doc._lots,
		doc.dealer,
		doc.company,
		doc.doctype,
		doc.name,
		doc.posting_date,
		journal_entry=journal_entry,
	)


def check_adjustment_cancel(doc) -> None:
	"""before_cancel: an addition is cancelled only while what it added is still available (under
	the dealer's row lock)."""
	frappe.db.get_value("Dealer", doc.dealer, "name", for_update=True)
	lots = load_lots(doc.dealer, doc.company, True, live_on=getdate(today()), also=[doc.rebate_settlement])
	lot = lots.get(doc.rebate_settlement)
	judge(account_currency(doc.company), check_adjustment_cancellable, dec(doc.amount), lot, getdate(today()))


def reverse_adjustment(doc) -> None:
	"""on_cancel: its Journal Entry cancelled (only if it names this adjustment) and the opposite
	ledger entry written."""
	cancel_own_postings(doc, [("Journal Entry", doc.journal_entry)])
	reverse_voucher(doc.doctype, doc.name)
