"""Free goods (货补): a dealer's rebate balance paid as goods. A Sales Order made by the app
(``make_free_goods_order``) carries zero-priced lines valued at the company's free-goods price
list; on submit it reserves that value from the dealer's lots, oldest expiry first. Each Delivery
Note of its lines posts the goods' cost (ERPNext's COGS) to the rebate expense account, turns the
delivered share of the reservation into *Used as Goods* entries and releases the liability at the
goods' value (Dr rebate liability / Cr rebate expense) with a Journal Entry that names the
delivery. Cancelling writes the opposite entries and cancels that Journal Entry. Invoicing such an
order with *Update Stock* is refused: the goods leave by Delivery Note only, so their cost is
charged once. T-accounts: README, "Rebate account". Rules: dealer_relations.engine.rebate_account."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import getdate, today

from dealer_relations import rebate_account
from dealer_relations.db import run_query
from dealer_relations.engine.money import ZERO, dec
from dealer_relations.engine.rebate_account import (
	FREE_GOODS_TITLE,
	GoodsLine,
	check_goods,
	check_goods_terms,
	delivered_value,
	goods_values,
	reserve,
	use_goods,
)
from dealer_relations.utils import get_company_settings

# Custom fields (setup/custom_fields.py): the flag on Sales Order, the value on the order and its lines
FLAG = "rebate_free_goods"
VALUE = "rebate_goods_value"
PRICE_LIST = "free_goods_price_list"  # Dealer Company Settings
# who decides to pay a dealer's balance in goods (a rep asks them)
MAKERS = ("Dealer Manager", "Accounts Manager", "System Manager")


def price_list_of(company: str) -> str:
	price_list = get_company_settings(company).get(PRICE_LIST)
	if not price_list:
		frappe.throw(
			_("Set a Free Goods Price List for company {0} in Dealer Relations Settings").format(
				frappe.bold(company)
			),
			title=_(FREE_GOODS_TITLE),
		)
	return price_list


# -- the flag: set by the app only ----------------------------------------------------------------


def keep_flag(doc, method=None) -> None:
	"""before_validate (Sales Order): the free-goods flag comes from the app, never from the
	client. A new order carries it only when ``make_free_goods_order`` made it (or it amends a
	free-goods order); a saved one keeps what is stored. The goods' value of any other order is
	zeroed here (``validate_order`` computes a free-goods order's), so a value sent is overwritten."""
	sent = bool(doc.get(FLAG))
	if doc.is_new():
		# an amendment of a cancelled free-goods order of the same customer keeps the flag if it
		# is sent, for a user who could have made the order (it may drop it: an ordinary order)
		trusted = bool(doc.flags.dr_free_goods) or (sent and may_make() and amends_free_goods_order(doc))
	else:
		trusted = bool(frappe.db.get_value("Sales Order", doc.name, FLAG))
	if sent != trusted:
		frappe.throw(
			_(
				"Free Goods is set by Dealer Relations (Make Free Goods Order on the Dealer) and cannot be set or cleared on a Sales Order"
			),
			frappe.PermissionError,
			title=_("Not Allowed"),
		)
	doc.set(FLAG, int(trusted))
	if trusted and dec(doc.get(rebate_account.DEDUCTION_FIELD)):
		frappe.throw(
			_(
				"A free-goods order is paid from the rebate balance by its goods' value; set Rebate Deduction to {0}"
			).format(0),
			title=_(FREE_GOODS_TITLE),
		)
	if not trusted:
		doc.set(VALUE, 0)
		for row in doc.items:
			row.set(VALUE, 0)


def may_make() -> bool:
	return bool(set(MAKERS) & set(frappe.get_roles()))


def amends_free_goods_order(doc) -> bool:
	if not doc.get("amended_from"):
		return False
	before = frappe.db.get_value(
		"Sales Order", doc.amended_from, [FLAG, "docstatus", "customer", "company"], as_dict=True
	)
	return bool(
		before
		and before.get(FLAG)
		and before.docstatus == 2
		and (before.customer, before.company) == (doc.customer, doc.company)
	)


def is_free_goods(doc) -> bool:
	return doc.doctype == "Sales Order" and bool(doc.get(FLAG))


# -- valuing and reserving (Sales Order) ----------------------------------------------------------


def prices(price_list: str, item_codes: set[str], as_of) -> dict[tuple[str, str], Decimal]:
	"""{(item, uom): rate} of the price list valid on ``as_of`` (no customer- or batch-specific
	rows), one query; a row without a unit is keyed by the item's stock unit (uom "")."""
	if not item_codes:
		return {}
	rows = frappe.get_all(
		"Item Price",
		filters={"price_list": price_list, "item_code": ("in", list(item_codes))},
		fields=["item_code", "uom", "price_list_rate", "valid_from", "valid_upto", "customer", "batch_no"],
		order_by="valid_from desc, modified desc",
	)
	as_of = getdate(as_of)
	found: dict[tuple[str, str], Decimal] = {}
	for row in rows:
		if row.customer or row.batch_no:
			continue
		if (row.valid_from and getdate(row.valid_from) > as_of) or (
			row.valid_upto and getdate(row.valid_upto) < as_of
		):
			continue
		found.setdefault((row.item_code, row.uom or ""), dec(row.price_list_rate))
	return found


def goods_lines(doc, price_list: str) -> list[GoodsLine]:
	"""The order's lines with their price per line unit: the price for the line's unit, else the
	stock unit's price times the line's conversion factor."""
	found = prices(price_list, {row.item_code for row in doc.items if row.item_code}, doc.transaction_date)
	masters = rebate_account.item_masters(doc, ["stock_uom", "is_stock_item"])
	stock_uoms = {name: item.stock_uom for name, item in masters.items()}
	lines = []
	for row in doc.items:
		price = found.get((row.item_code, row.uom or ""))
		if price is None:
			stock = found.get((row.item_code, stock_uoms.get(row.item_code) or "")) or found.get(
				(row.item_code, "")
			)
			if stock is not None:
				price = stock * dec(row.conversion_factor or 1)
		master = masters.get(row.item_code)
		lines.append(
			GoodsLine(
				row.item_code, dec(row.qty), dec(row.rate), price, bool(master and master.is_stock_item)
			)
		)
	return lines


def plan_order(doc, lock: bool = False):
	"""(dealer, lots, spends) of a free-goods order: its lines valued (stored on the lines and the
	order) and the lots that pay them, or the rule it breaks (translated, the figure allowed named)."""
	if lock:
		from dealer_relations.credit_check import load_dealer

		row = load_dealer(doc.customer, lock=True)
		dealer = row.name if row else None
	else:
		dealer = rebate_account.dealer_of(doc)
	if not dealer:
		frappe.throw(
			_("Customer {0} is not a dealer: it has no rebate account to pay free goods from").format(
				frappe.bold(doc.customer)
			),
			title=_(FREE_GOODS_TITLE),
		)
	currency = rebate_account.account_currency(doc.company)
	price_list = price_list_of(doc.company)
	list_currency = frappe.get_cached_value("Price List", price_list, "currency")
	judge = rebate_account.judge
	judge(currency, check_goods_terms, False, (currency, doc.currency, list_currency))
	precision = int(doc.items[0].precision(VALUE) or 2) if doc.items else 2
	values = judge(currency, goods_values, goods_lines(doc, price_list), price_list, precision)
	for row, value in zip(doc.items, values, strict=True):
		row.set(VALUE, float(value))
	total = sum(values, ZERO)
	doc.set(VALUE, float(total))
	lots = rebate_account.load_lots(dealer, doc.company, lock=lock)
	as_of = getdate(doc.get("transaction_date") or today())
	spends = judge(currency, check_goods, total, lots, as_of, False, (currency, doc.currency))
	return dealer, lots, spends


def validate_order(doc, method=None) -> None:
	"""validate (Sales Order): a free-goods order judged as it would be on submit (without the
	lock), so the user sees the figure allowed at once."""
	if is_free_goods(doc):
		plan_order(doc)


def reserve_on_submit(doc, method=None) -> None:
	"""before_submit (Sales Order, after the credit check took the dealer's lock): judged again
	under the lock with locking reads, and the goods' value reserved, lot by lot."""
	if not is_free_goods(doc):
		return
	dealer, lots, spends = plan_order(doc, lock=True)
	rebate_account.write_entries(
		reserve(spends, doc.name), lots, dealer, doc.company, doc.doctype, doc.name, doc.transaction_date
	)


def release_closed_order(doc, method=None) -> None:
	"""on_change (Sales Order): a Closed or Completed free-goods order gives back what its
	deliveries did not use (the deduction's rule, rebate_account.release_closed_order)."""
	if doc.docstatus == 1 and doc.get("status") in ("Closed", "Completed") and is_free_goods(doc):
		rebate_account.release_order(doc)


def refuse_update_items(parent_doctype: str, name: str) -> None:
	"""*Update Items* on a submitted free-goods order would change goods whose value is reserved:
	cancel and amend it instead."""
	if parent_doctype == "Sales Order" and frappe.db.get_value("Sales Order", name, FLAG):
		frappe.throw(
			_(
				"Sales Order {0} pays free goods from the rebate balance: cancel and amend it to change its items"
			).format(name),
			title=_(FREE_GOODS_TITLE),
		)


# -- delivering (Delivery Note) and invoicing (Sales Invoice) --------------------------------------


def free_orders(doc) -> dict[str, frappe._dict]:
	"""{sales order: its company and currency} of the free-goods orders the document's lines come from."""
	field = "against_sales_order" if doc.doctype == "Delivery Note" else "sales_order"
	orders = {row.get(field) for row in doc.items if row.get(field)}
	if not orders:
		return {}
	return {
		row.name: row
		for row in frappe.get_all(
			"Sales Order",
			filters={"name": ("in", list(orders)), FLAG: 1},
			fields=["name", "company", "currency", "customer"],
		)
	}


def free_rows(doc, orders) -> list:
	field = "against_sales_order" if doc.doctype == "Delivery Note" else "sales_order"
	return [row for row in doc.items if row.get(field) in orders]


def validate_delivery(doc, method=None) -> None:
	"""validate (Delivery Note, Sales Invoice): lines of a free-goods order stay at rate 0; on a
	Delivery Note their cost goes to the rebate expense account; a return of them, or an invoice
	that moves their stock, is refused."""
	orders = free_orders(doc)
	if not orders:
		return
	rows = free_rows(doc, orders)
	currency = rebate_account.account_currency(doc.company)
	rebate_account.judge(currency, check_goods_terms, bool(doc.get("is_return")))
	if doc.doctype == "Sales Invoice" and doc.get("update_stock"):
		frappe.throw(
			_(
				"Sales Order {0} pays free goods from the rebate balance: deliver them with a Delivery Note, not an invoice that updates stock"
			).format(next(iter(orders))),
			title=_(FREE_GOODS_TITLE),
		)
	for row in rows:
		rebate_account.judge(
			currency, goods_values, [GoodsLine(row.item_code, dec(row.qty), dec(row.rate), ZERO)], ""
		)
	if doc.doctype == "Delivery Note":
		setup = rebate_account.liability_setup(doc.company)
		for row in rows:
			row.expense_account = setup.expense_account


def delivery_value(doc, orders) -> dict[str, Decimal]:
	"""{sales order: what this delivery of its lines is worth}: each line's share of its order
	line's value, the deliveries of a line adding up to its value to the cent. A locking read
	(under the dealer's lock): what another delivery committed while this one waited is seen."""
	rows = free_rows(doc, orders)
	item = frappe.qb.DocType("Sales Order Item")
	query = (
		frappe.qb.from_(item)
		.select(item.name, item.parent, item.qty, item.delivered_qty, item[VALUE])
		.where(item.name.isin([row.so_detail for row in rows if row.so_detail] or [""]))
	)
	ordered = {row.name: row for row in run_query(query, " FOR UPDATE", as_dict=True)}
	before = {name: dec(row.delivered_qty) for name, row in ordered.items()}
	value: dict[str, Decimal] = {}
	for row in rows:
		line = ordered.get(row.so_detail)
		if not line:
			continue
		value[line.parent] = value.get(line.parent, ZERO) + delivered_value(
			dec(line.get(VALUE)), dec(line.qty), before[line.name], dec(row.qty)
		)
		before[line.name] += dec(row.qty)
	return value


def use_on_delivery(doc, method=None) -> None:
	"""before_submit (Delivery Note, after the credit check took the dealer's lock): the delivered
	share of each free-goods order's reservation becomes Used as Goods, and the liability is
	released at that value by a Journal Entry naming the delivery. Written before ERPNext's
	on_submit updates the order (which may complete it and give back what it still holds)."""
	orders = free_orders(doc)
	if not orders or doc.get("is_return"):
		return
	from dealer_relations.credit_check import load_dealer

	dealer = load_dealer(doc.customer, lock=True)
	if not dealer:
		return
	currency = rebate_account.account_currency(doc.company)
	lots = rebate_account.load_lots(dealer.name, doc.company, lock=True)
	entries = []
	for order, value in delivery_value(doc, orders).items():
		if value > 0:
			held = rebate_account.reservation_of(order, lock=True)
			entries += rebate_account.judge(currency, use_goods, value, held, lots, order)
	amount = -sum((entry.amount for entry in entries if entry.amount < 0), ZERO)
	if not amount:
		return
	journal_entry = rebate_account.release_by_journal_entry(
		doc, amount, _("Rebate balance used as free goods on Delivery Note {0}").format(doc.name)
	)
	rebate_account.write_entries(
		entries,
		lots,
		dealer.name,
		doc.company,
		doc.doctype,
		doc.name,
		doc.posting_date,
		journal_entry=journal_entry,
	)


def reverse_on_cancel(doc, method=None) -> None:
	"""on_cancel (Delivery Note): the opposite of its entries (the order holds the goods' value
	again) and its release Journal Entry cancelled, only if that names this delivery."""
	from dealer_relations.postings import cancel_own_postings

	rows = rebate_account.voucher_entries(doc.doctype, doc.name)
	if not rows:
		return
	journals = sorted({row.journal_entry for row in rows if row.journal_entry})
	rebate_account.reverse_voucher(doc.doctype, doc.name)
	cancel_own_postings(doc, [("Journal Entry", name) for name in journals])


# -- making one ------------------------------------------------------------------------------------


@frappe.whitelist()
def make_free_goods_order(dealer: str, items: str | list, company: str | None = None) -> str:
	"""A draft Sales Order paying ``items`` ([{item_code, qty, warehouse?}]) from the dealer's rebate balance,
	for a Dealer Manager or Accounts Manager who may read the dealer and create Sales Orders: the
	only way an order gets the free-goods flag. Lines at rate 0 (100 % off the free-goods price
	list, which values them); the value is judged on save and reserved on submit."""
	if not may_make():
		frappe.throw(
			_("Only a Dealer Manager or an Accounts Manager may pay a dealer's rebate balance as free goods"),
			frappe.PermissionError,
			title=_("Not Allowed"),
		)
	frappe.has_permission("Sales Order", "create", throw=True)
	record = frappe.get_doc("Dealer", dealer)
	record.check_permission("read")
	company = company or record.company
	price_list = price_list_of(company)
	lines = frappe.parse_json(items) if isinstance(items, str) else items
	day = today()
	delivery = frappe.utils.add_days(day, 7)
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": company,
			"customer": record.customer,
			"transaction_date": day,
			"delivery_date": delivery,
			"currency": rebate_account.account_currency(company),
			"selling_price_list": price_list,
			"ignore_pricing_rule": 1,
			"items": [
				{
					"item_code": line.get("item_code"),
					"qty": line.get("qty"),
					"delivery_date": delivery,
					"discount_percentage": 100,
					"rate": 0,
					**({"warehouse": line.get("warehouse")} if line.get("warehouse") else {}),
				}
				for line in lines
			],
		}
	)
	order.flags.dr_free_goods = True
	order.set(FLAG, 1)
	order.insert()
	return order.name
