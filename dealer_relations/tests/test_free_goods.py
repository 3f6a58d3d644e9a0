"""Free goods (货补): a dealer's rebate balance paid as goods. The order reserves the goods' value at
the free-goods price list; each Delivery Note charges the goods' cost to rebate expense, writes Used
as Goods and releases the liability at the value; GL, stock ledger and the rebate ledger agree to
the cent; cancelling restores exactly; two orders cannot overdraw; a rep cannot set the flag or the
value."""

import time
from unittest.mock import patch

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice
from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

from dealer_relations import free_goods, rebate_account
from dealer_relations.free_goods import make_free_goods_order
from dealer_relations.postings import POSTED_FOR, POSTED_FOR_DOCTYPE
from dealer_relations.rebate_account import LEDGER, load_lots
from dealer_relations.tests.credit_utils import remove_committed
from dealer_relations.tests.diversion_factories import warehouse
from dealer_relations.tests.rebate_factories import PUMP, company_defaults, set_rebate_settings
from dealer_relations.tests.test_rebate_account import REP, RebateAccountTestCase
from dealer_relations.tests.test_rebate_deduction import money, order_doc
from dealer_relations.tests.utils import get_company, make_item, make_user, run_in_own_connections

MANAGER = "dr-fg-manager@example.com"
GOODS, UNPRICED = "DR-FG-GOODS", "DR-FG-UNPRICED"
PRICE_LIST = "DR Free Goods"
PRICE, COST = 150, 100  # the price list's value and the stock's valuation per unit
REFUSED = (frappe.ValidationError, frappe.PermissionError)


def make_price_list(name: str, currency: str) -> str:
	if not frappe.db.exists("Price List", name):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": name,
				"currency": currency,
				"selling": 1,
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
	return name


def receive(item_code: str, qty: int) -> None:
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": get_company(),
			"items": [{"item_code": item_code, "qty": qty, "t_warehouse": warehouse(), "basic_rate": COST}],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()


def lines(qty, item_code=GOODS):
	return [{"item_code": item_code, "qty": qty, "warehouse": warehouse()}]


def deliver(order_name: str, qty: float):
	note = make_delivery_note(order_name)
	note.items[0].qty = qty
	note.insert()
	note.submit()
	return note


class FreeGoodsTestCase(RebateAccountTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ["Dealer Manager", "Sales Manager", "Sales User"])
		for code in (GOODS, UNPRICED):
			make_item(code, is_stock_item=1, valuation_rate=COST)
		make_price_list(PRICE_LIST, company_defaults().default_currency)
		if not frappe.db.exists("Item Price", {"price_list": PRICE_LIST, "item_code": GOODS}):
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"price_list": PRICE_LIST,
					"item_code": GOODS,
					"price_list_rate": PRICE,
				}
			).insert(ignore_permissions=True)

	def setUp(self):
		super().setUp()
		set_rebate_settings(free_goods_price_list=PRICE_LIST)

	def free_order(self, dealer, qty, submit=True):
		with self.set_user(MANAGER):
			order = frappe.get_doc("Sales Order", make_free_goods_order(dealer.name, lines(qty)))
		if submit:
			order.submit()
		return order


class TestFreeGoods(FreeGoodsTestCase):
	def test_order_delivered_in_two_notes_uses_the_balance_once_and_the_books_agree(self):
		dealer, _policy, settlement = self.earn()  # 1,000 earned
		receive(GOODS, 5)
		order = self.free_order(dealer, 5)
		self.assertEqual((order.rebate_free_goods, order.rebate_goods_value), (1, 750))
		self.assertEqual(
			(order.items[0].rate, order.items[0].rebate_goods_value, order.grand_total), (0, 750, 0)
		)
		self.assertEqual(rebate_account.reservation_of(order.name), {settlement.name: 750})

		first = deliver(order.name, 2)
		self.assertEqual(first.items[0].expense_account, self.expense)  # the goods' cost is rebate expense
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (700, 450))
		second = deliver(order.name, 3)
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (250, 0))
		used = frappe.get_all(
			LEDGER, filters={"dealer": dealer.name, "entry_type": "Used as Goods"}, pluck="amount"
		)
		self.assertEqual(sorted(used), [-450, -300])
		for note in (first, second):
			journal = frappe.db.get_value(
				LEDGER, {"voucher_no": note.name, "entry_type": "Used as Goods"}, "journal_entry"
			)
			self.assertEqual(
				frappe.db.get_value("Journal Entry", journal, [POSTED_FOR_DOCTYPE, POSTED_FOR]),
				("Delivery Note", note.name),
			)
		self.assert_books_agree(dealer, settlement, [first, second], delivered_qty=5)

		# cancelling a delivery gives its value back to the order and cancels its release
		second.reload()
		second.cancel()
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (700, 450))
		self.assert_books_agree(dealer, settlement, [first], delivered_qty=2)
		first.reload()
		first.cancel()
		order.reload()
		order.cancel()
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (1_000, 0))
		self.assert_books_agree(dealer, settlement, [], delivered_qty=0)

	def assert_books_agree(self, dealer, settlement, notes, delivered_qty):
		"""Liability in the GL = the ledger's balance; rebate expense = what is still owed plus the
		goods' cost (charged once, by the Delivery Notes' COGS on the rebate expense account); the
		stock ledger's cost = the expense the notes posted."""
		rows = frappe.get_all(
			LEDGER, filters={"dealer": dealer.name}, fields=["entry_type", "amount", "journal_entry"]
		)
		balance = sum(row.amount for row in rows if row.entry_type != "Reserved")
		postings = {row.journal_entry for row in rows if row.journal_entry} | {settlement.journal_entry}
		names = [name for name in postings if frappe.db.get_value("Journal Entry", name, "docstatus") == 1]
		self.assertEqual(self.gl_balance(self.liability, names), balance)
		cost = -sum(
			frappe.get_all(
				"Stock Ledger Entry",
				filters={"voucher_no": ("in", [n.name for n in notes] or [""]), "is_cancelled": 0},
				pluck="stock_value_difference",
			)
		)
		self.assertEqual(cost, delivered_qty * COST)
		goods_expense = -self.gl_balance(self.expense, [n.name for n in notes]) if notes else 0
		self.assertEqual(goods_expense, cost)
		self.assertEqual(-self.gl_balance(self.expense, names) + goods_expense, balance + cost)

	def test_closed_order_gives_back_what_was_not_delivered(self):
		dealer, _policy, settlement = self.earn()
		receive(GOODS, 2)
		order = self.free_order(dealer, 4)
		deliver(order.name, 1)
		order.reload()
		order.update_status("Closed")
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (850, 0))

	def test_amendment_keeps_the_flag_for_a_maker_only(self):
		dealer, _policy, settlement = self.earn()
		order = self.free_order(dealer, 2)
		order.cancel()
		amended = frappe.copy_doc(order)
		amended.amended_from, amended.docstatus = order.name, 0
		with self.set_user(REP), self.assertRaises(frappe.PermissionError):
			frappe.client.insert(amended.as_dict())
		with self.set_user(MANAGER):
			amended = frappe.get_doc(frappe.client.insert(amended.as_dict()))
		self.assertEqual((amended.rebate_free_goods, amended.rebate_goods_value), (1, 300))
		amended.submit()
		self.assertEqual(rebate_account.reservation_of(amended.name), {settlement.name: 300})

	def test_refusals_name_the_figure_allowed(self):
		dealer, _policy, _settlement = self.earn()
		with self.set_user(MANAGER):
			# 7 × 150 = 1,050 of the 1,000 available
			with self.assertRaises(frappe.ValidationError) as refused:
				make_free_goods_order(dealer.name, lines(7))
			self.assertIn("available rebate balance " + money(1_000), str(refused.exception))
			with self.assertRaises(frappe.ValidationError) as refused:
				make_free_goods_order(dealer.name, lines(1, UNPRICED))
			self.assertIn(
				f"{UNPRICED} has no price in the free-goods price list {PRICE_LIST}", str(refused.exception)
			)
			# goods without a cost to charge (PUMP is not a stock item)
			with self.assertRaises(frappe.ValidationError) as refused:
				make_free_goods_order(dealer.name, [{"item_code": PUMP, "qty": 1}])
			self.assertIn(f"{PUMP} is not a stock item", str(refused.exception))
			# a free line priced by hand
			order = frappe.get_doc("Sales Order", make_free_goods_order(dealer.name, lines(2)))
			order.items[0].update({"discount_percentage": 0, "rate": 10})
			with self.assertRaises(frappe.ValidationError) as refused:
				frappe.client.save(order.as_dict())
			self.assertIn("given at rate " + money(0), str(refused.exception))
			# a deduction on top of the goods
			order.reload()
			order.rebate_deduction = 10
			with self.assertRaises(frappe.ValidationError) as refused:
				order.save()
			self.assertIn("set Rebate Deduction to 0", str(refused.exception))
		# another currency: the company's free-goods price list in a foreign currency
		foreign = "EUR" if company_defaults().default_currency != "EUR" else "USD"
		set_rebate_settings(free_goods_price_list=make_price_list("DR Free Goods Foreign", foreign))
		with self.set_user(MANAGER), self.assertRaises(frappe.ValidationError) as refused:
			make_free_goods_order(dealer.name, lines(1))
		self.assertIn(
			f"kept in {company_defaults().default_currency}; free goods valued in {foreign}",
			str(refused.exception),
		)
		# another company: its own settings, its own (empty) account
		from dealer_relations.tests.credit_utils import make_company

		other = make_company("DR Rebate CNY Co", "DRRCNY", "CNY", "China")
		with self.set_user(MANAGER), self.assertRaises(frappe.ValidationError) as refused:
			make_free_goods_order(dealer.name, lines(1), company=other)
		self.assertIn("Free Goods Price List for company", str(refused.exception))
		self.assertEqual(frappe.db.count(LEDGER, {"dealer": dealer.name}), 1)  # the Earned entry only

	def test_return_stock_invoice_and_update_items_refused(self):
		dealer, _policy, _settlement = self.earn()
		receive(GOODS, 2)
		order = self.free_order(dealer, 2)
		# goods leave by Delivery Note only: an invoice that moves their stock is refused
		invoice = make_sales_invoice(order.name)
		invoice.update_stock = 1
		invoice.items[0].warehouse = warehouse()
		with self.assertRaises(frappe.ValidationError) as refused:
			invoice.insert()
		self.assertIn("deliver them with a Delivery Note", str(refused.exception))
		# a zero invoice that moves nothing is allowed and spends nothing
		invoice = make_sales_invoice(order.name)
		invoice.insert()
		invoice.submit()
		self.assertFalse(frappe.db.exists(LEDGER, {"voucher_no": invoice.name}))
		note = deliver(order.name, 2)
		returned = make_sales_return(note.name)
		with self.assertRaises(frappe.ValidationError) as refused:
			returned.insert()
		self.assertIn("not returned", str(refused.exception))
		from dealer_relations.overrides.sales_order import update_child_qty_rate

		items = [{"docname": order.items[0].name, "item_code": GOODS, "qty": 3, "rate": 0}]
		with self.assertRaises(frappe.ValidationError) as refused:
			update_child_qty_rate("Sales Order", frappe.as_json(items), order.name)
		self.assertIn("cancel and amend it", str(refused.exception))


class TestFreeGoodsSecurity(FreeGoodsTestCase):
	def test_rep_cannot_set_the_flag_or_the_value(self):
		dealer, _policy, _settlement = self.earn()
		draft = self.free_order(dealer, 2, submit=False)
		with self.set_user(REP):
			# the button's method is for a Dealer Manager or Accounts Manager
			with self.assertRaises(frappe.PermissionError):
				make_free_goods_order(dealer.name, lines(1))
			# the flag sent with a new order
			doc = order_doc(dealer.customer, [(GOODS, 1, 0)])
			doc.update(rebate_free_goods=1, rebate_goods_value=150)
			doc["items"][0].update(warehouse=warehouse(), discount_percentage=100)
			with self.assertRaises(frappe.PermissionError):
				frappe.client.insert(doc)
			# the value sent on an ordinary order is not kept
			doc = order_doc(dealer.customer, [(PUMP, 1, 1_000)])
			doc["rebate_goods_value"] = 999
			saved = frappe.client.insert(doc)
			self.assertEqual(frappe.db.get_value("Sales Order", saved["name"], "rebate_goods_value"), 0)
			# the flag cleared or set on a stored order
			with self.assertRaises(frappe.PermissionError):
				frappe.client.set_value("Sales Order", draft.name, "rebate_free_goods", 0)
			with self.assertRaises(frappe.PermissionError):
				frappe.client.set_value("Sales Order", saved["name"], "rebate_free_goods", 1)
			# the value is the price list's, whatever is sent
			frappe.client.set_value("Sales Order", draft.name, "rebate_goods_value", 1)
			self.assertEqual(frappe.db.get_value("Sales Order", draft.name, "rebate_goods_value"), 300)
		self.assertEqual(frappe.db.count(LEDGER, {"dealer": dealer.name}), 1)


class TestFreeGoodsRace(FreeGoodsTestCase):
	"""Two free-goods orders worth 600 each of the 1,000 available, submitted at the same moment
	on two connections: the dealer's row lock lets one through; the other is told what is left."""

	def test_two_connections_cannot_overdraw(self):
		dealer, policy, settlement = self.earn()
		orders = [self.free_order(dealer, 4, submit=False).name for _ in range(2)]
		committed = [("Sales Order", name) for name in orders] + [
			("Rebate Settlement", settlement.name),
			("Journal Entry", settlement.journal_entry),
			("Rebate Policy", policy.name),
		]
		invoices = frappe.get_all("Sales Invoice", filters={"customer": dealer.customer}, pluck="name")
		committed += [("Sales Invoice", name) for name in invoices]
		committed += [("Dealer", dealer.name), ("Customer", dealer.customer)]
		frappe.db.commit()  # nosemgrep: the other connections must see the drafts and the balance
		original = free_goods.check_goods

		def slow_check(*args, **kwargs):
			spends = original(*args, **kwargs)
			time.sleep(1)  # widen the window between the check and the commit
			return spends

		try:
			with patch.object(free_goods, "check_goods", slow_check):
				outcome = run_in_own_connections(
					orders, lambda name: frappe.get_doc("Sales Order", name), lambda order: order.submit()
				)
			refused = [
				error
				for error in outcome.values()
				if isinstance(error, frappe.ValidationError)
				and "available rebate balance " + money(400) in str(error)
			]
			self.assertEqual((len(refused), list(outcome.values()).count(None)), (1, 1), outcome)
			lot = load_lots(dealer.name, dealer.company)[settlement.name]
			self.assertEqual((lot.balance, lot.reserved), (1_000, 600))
		finally:
			remove_committed(committed)
			frappe.db.delete(LEDGER, {"dealer": dealer.name})
			frappe.db.commit()  # nosemgrep: undo what this test committed
