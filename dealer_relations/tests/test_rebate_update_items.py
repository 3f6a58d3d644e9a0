"""*Update Items* on a submitted Sales Order with a rebate deduction: the deduction is judged again
on the new lines (each policy's cap on the new in-scope base, the balance the order holds and what
is available), under the dealer's lock; refused with the figure allowed, the reservation moved when
another lot must pay. Called as the desk and an API client call it (/api/method/...)."""

import json

import frappe
from frappe.handler import execute_cmd
from frappe.model.workflow import apply_workflow

from dealer_relations import rebate_account
from dealer_relations.rebate_account import LEDGER
from dealer_relations.tests.rebate_factories import (
	BRAND,
	BRANDED,
	PUMP,
	day,
	make_invoice,
	make_policy,
	make_settlement,
)
from dealer_relations.tests.test_rebate_account import APPROVER, OTHER_REP, REP, RebateAccountTestCase
from dealer_relations.tests.test_rebate_deduction import bill, money, order_doc

UPDATE_ITEMS = "erpnext.controllers.accounts_controller.update_child_qty_rate"


def update_items(order, lines):
	"""ERPNext's *Update Items* through the whitelisted method: ``lines`` = [(row or None,
	item_code, qty, rate)] (None adds a line)."""
	frappe.local.form_dict = frappe._dict(
		parent_doctype=order.doctype,
		parent_doctype_name=order.name,
		child_docname="items",
		trans_items=json.dumps(
			[
				{
					"docname": row.name if row else None,
					"item_code": item_code,
					"qty": qty,
					"rate": rate,
					"uom": row.uom if row else "Nos",
					"conversion_factor": 1,
					"delivery_date": str(order.delivery_date),
				}
				for row, item_code, qty, rate in lines
			]
		),
	)
	request = getattr(frappe.local, "request", None)
	frappe.local.request = frappe._dict(method="POST")  # the handler checks the HTTP method
	try:
		return execute_cmd(UPDATE_ITEMS)
	finally:
		frappe.local.form_dict = frappe._dict()
		frappe.local.request = request


def refused_update(test, user, order, lines, refusal=frappe.ValidationError):
	"""*Update Items* as ``user``, expected refused; what the failed request wrote is rolled back,
	as the request's transaction is."""
	frappe.db.savepoint("update_items")
	try:
		with test.set_user(user), test.assertRaises(refusal) as refused:
			update_items(order, lines)
	finally:
		frappe.db.rollback(save_point="update_items")
	return str(refused.exception)


class TestRebateUpdateItems(RebateAccountTestCase):
	def ordered(self, customer, lines, deduction):
		order = frappe.get_doc(order_doc(customer, lines, deduction=deduction))
		order.insert()
		order.submit()
		return order

	def order_rows(self, order):
		return frappe.get_all(
			LEDGER,
			filters={"voucher_type": "Sales Order", "voucher_no": order.name},
			fields=["rebate_settlement", "amount"],
			order_by="creation asc, name asc",
		)

	def test_lines_cut_below_the_cap_are_refused_with_the_figure_allowed(self):
		dealer, _policy, settlement = self.earn()  # 1,000 at most 10 % of a document
		order = self.ordered(dealer.customer, [(PUMP, 3, 3_000)], 900)
		refusal = refused_update(self, REP, order, [(order.items[0], PUMP, 2, 3_000)])  # 10 % of 6,000
		self.assertIn("at most " + money(600), refusal)
		self.assertEqual(frappe.db.get_value("Sales Order Item", order.items[0].name, "qty"), 3)
		self.assertEqual(rebate_account.reservation_of(order.name), {settlement.name: 900})

	def test_lines_raised_keep_the_reservation_and_write_nothing(self):
		dealer, _policy, settlement = self.earn()
		order = self.ordered(dealer.customer, [(PUMP, 3, 3_000)], 900)
		before = self.order_rows(order)
		with self.set_user(REP):
			update_items(order, [(order.items[0], PUMP, 5, 3_000)])
		order.reload()
		self.assertEqual((order.total, order.discount_amount, order.rebate_deduction), (15_000, 900, 900))
		self.assertEqual(self.order_rows(order), before)
		self.assertEqual(rebate_account.reservation_of(order.name), {settlement.name: 900})

	def test_partly_billed_order_counts_what_its_invoices_used(self):
		dealer, _policy, settlement = self.earn()
		order = self.ordered(dealer.customer, [(PUMP, 3, 3_000)], 900)
		invoice = bill(order.name, 1)  # uses 300 of the reservation
		self.assertEqual(invoice.rebate_deduction, 300)
		order.reload()
		refusal = refused_update(self, REP, order, [(order.items[0], PUMP, 2, 3_000)])
		# the whole order's figures: 900 asked, 10 % of 6,000 allowed (300 of it already used)
		self.assertIn(money(900), refusal)
		self.assertIn("at most " + money(600), refusal)
		self.assertEqual(rebate_account.reservation_of(order.name), {settlement.name: 600})

	def test_reservation_moves_to_the_lot_whose_policy_now_covers_the_order(self):
		dealer, _policy, pumps_lot = self.earn()  # pumps: 10 %
		# a second lot of the dealer, from a brand policy allowing 20 %
		make_invoice(dealer.customer, [(BRANDED, 1, 50_000)], day(9))
		brand_policy = make_policy(
			dealers=[dealer.name], brands=[{"brand": BRAND}], slabs=((0, 2),), max_deduction_percent=20
		)
		brand_lot = apply_workflow(make_settlement(dealer.name, brand_policy.name), "Submit for Approval")
		with self.set_user(APPROVER):
			brand_lot = apply_workflow(brand_lot, "Approve")
		lots = rebate_account.load_lots(dealer.name, dealer.company)
		self.assertEqual((lots[pumps_lot.name].balance, lots[brand_lot.name].balance), (1_000, 1_000))

		order = self.ordered(dealer.customer, [(PUMP, 3, 3_000)], 900)
		self.assertEqual(rebate_account.reservation_of(order.name), {pumps_lot.name: 900})
		with self.set_user(REP):
			# pumps cut to 3,000 (10 %: 300) and a branded line of 5,000 added (20 %: 1,000)
			update_items(order, [(order.items[0], PUMP, 1, 3_000), (None, BRANDED, 1, 5_000)])
		self.assertEqual(
			rebate_account.reservation_of(order.name), {pumps_lot.name: 300, brand_lot.name: 600}
		)
		lots = rebate_account.load_lots(dealer.name, dealer.company)
		self.assertEqual((lots[pumps_lot.name].reserved, lots[brand_lot.name].reserved), (300, 600))
		# cancelling gives back exactly what the order holds now
		order.reload()
		order.cancel()
		self.assertEqual(rebate_account.reservation_of(order.name), {})
		lots = rebate_account.load_lots(dealer.name, dealer.company)
		self.assertEqual((lots[pumps_lot.name].reserved, lots[brand_lot.name].reserved), (0, 0))

	def test_another_rep_cannot_update_the_order(self):
		dealer, _policy, settlement = self.earn()
		order = self.ordered(dealer.customer, [(PUMP, 3, 3_000)], 900)
		refused_update(
			self,
			OTHER_REP,
			order,
			[(order.items[0], PUMP, 2, 3_000)],
			(frappe.PermissionError, frappe.ValidationError),
		)
		self.assertEqual(frappe.db.get_value("Sales Order Item", order.items[0].name, "qty"), 3)
		self.assertEqual(rebate_account.reservation_of(order.name), {settlement.name: 900})
