"""The credit check on dealer Sales Orders and Sales Invoices: blocking, overriding, the audit
record, the three modes, ERPNext's own check, non-dealer customers, and its cost."""

import frappe
from frappe.utils import add_days, today

from dealer_relations.credit_check import before_submit
from dealer_relations.tests.credit_utils import (
	CLERK,
	CONTROLLER,
	LIMIT,
	DealerCreditTestCase,
	count_queries,
	make_credit_dealer,
	make_delivery_note,
	make_payment,
	make_sales_invoice,
	make_sales_order,
	overrides_for,
	set_credit_mode,
)
from dealer_relations.tests.utils import get_company, make_customer


def messages():
	return [str(m.get("message") if isinstance(m, dict) else m) for m in frappe.get_message_log()]


class TestCreditEnforcement(DealerCreditTestCase):
	def test_within_limit_submits(self):
		order = make_sales_order(self.customer, 6000)
		self.assertEqual(order.docstatus, 1)
		self.assertEqual(order.dealer, self.dealer.name)

	def test_over_limit_is_blocked_with_limit_exposure_and_shortfall(self):
		make_sales_invoice(self.customer, 8000)
		order = make_sales_order(self.customer, 5000, submit=False)
		with self.assertRaises(frappe.ValidationError) as info:
			order.submit()
		message = str(info.exception)
		currency = frappe.get_cached_value("Company", get_company(), "default_currency")
		for amount in (LIMIT, 13000, 3000):
			self.assertIn(frappe.utils.fmt_money(amount, currency=currency), message)
		self.assertIn("Credit Override Reason", message)
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "docstatus"), 0)

	def test_unbilled_orders_count_and_dealer_limit_beats_tier_default(self):
		make_sales_order(self.customer, 6000)
		second = make_sales_order(self.customer, 5000, submit=False)
		self.assertRaises(frappe.ValidationError, second.submit)
		frappe.db.set_value("Dealer", self.dealer.name, "credit_limit", 20000)
		second.reload()
		second.submit()

	def test_unallocated_advance_reduces_exposure(self):
		make_payment(customer=self.customer, amount=5000)
		order = make_sales_order(self.customer, 14000)
		self.assertEqual(order.docstatus, 1)

	def test_invoice_billing_an_order_is_not_counted_twice(self):
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as invoice_from_order

		order = make_sales_order(self.customer, 9000)
		invoice = invoice_from_order(order.name)
		invoice.insert()
		invoice.submit()
		self.assertEqual(invoice.docstatus, 1)

	def test_sales_invoice_over_limit_is_blocked(self):
		make_sales_invoice(self.customer, 7000)
		invoice = make_sales_invoice(self.customer, 4000, submit=False)
		self.assertRaises(frappe.ValidationError, invoice.submit)

	def test_credit_controller_overrides_and_it_is_recorded(self):
		make_sales_invoice(self.customer, 8000)
		frappe.set_user(CONTROLLER)
		order = make_sales_order(
			self.customer, 5000, submit=False, credit_override_reason="Dealer wired 5,000 today"
		)
		order.submit()
		frappe.set_user("Administrator")
		self.assertEqual(order.docstatus, 1)
		[record] = overrides_for(order.name)
		self.assertEqual(record.dealer, self.dealer.name)
		self.assertEqual(record.overridden_by, CONTROLLER)
		self.assertEqual(record.reference_doctype, "Sales Order")
		self.assertEqual(record.block_reason, "Over Credit Limit")
		self.assertEqual(record.override_reason, "Dealer wired 5,000 today")
		self.assertEqual(
			(
				record.credit_limit,
				record.exposure,
				record.shortfall,
				record.outstanding,
				record.document_amount,
			),
			(LIMIT, 13000, 3000, 8000, 5000),
		)
		self.assertTrue(record.overridden_on)

		from dealer_relations.dealer_relations.report.dealer_credit_overrides.dealer_credit_overrides import (
			execute as overrides_report,
		)

		_columns, rows, *_rest = overrides_report(frappe._dict(dealer=self.dealer.name))
		self.assertEqual(
			[(row.reference_name, row.overridden_by) for row in rows], [(order.name, CONTROLLER)]
		)

	def test_override_reason_from_someone_without_the_role(self):
		make_sales_invoice(self.customer, 8000)
		frappe.set_user(CLERK)
		order = make_sales_order(self.customer, 5000, submit=False)
		order.credit_override_reason = "Please let it through"
		self.assertRaisesRegex(frappe.ValidationError, "Only a Credit Controller", order.save)
		frappe.set_user(CONTROLLER)
		order.reload()
		order.credit_override_reason = "Approved by phone"
		order.save()
		frappe.set_user(CLERK)
		order.reload()
		with self.assertRaises(frappe.ValidationError) as info:
			order.submit()
		self.assertIn("not accepted", str(info.exception))
		frappe.set_user("Administrator")
		self.assertEqual(overrides_for(order.name), [])

	def test_suspended_and_terminated_dealers_are_blocked_even_for_a_controller(self):
		for status in ("Suspended", "Terminated"):
			dealer = make_credit_dealer(self.tier, status=status)
			frappe.set_user(CONTROLLER)
			order = make_sales_order(dealer.customer, 10, submit=False, credit_override_reason="urgent")
			self.assertRaisesRegex(frappe.ValidationError, status, order.submit)
			frappe.set_user("Administrator")

	def test_grade_policies(self):
		frappe.db.set_value("Dealer", self.dealer.name, {"credit_order_policy": "Block", "credit_grade": "D"})
		order = make_sales_order(self.customer, 100, submit=False)
		self.assertRaisesRegex(frappe.ValidationError, "blocks new orders", order.submit)
		frappe.db.set_value(
			"Dealer", self.dealer.name, {"credit_order_policy": "Require Credit Controller Approval"}
		)
		order.reload()
		self.assertRaisesRegex(frappe.ValidationError, "approval", order.submit)
		frappe.set_user(CONTROLLER)
		order.reload()
		order.credit_override_reason = "Known dealer, approved"
		order.submit()
		frappe.set_user("Administrator")
		self.assertEqual(overrides_for(order.name)[0].block_reason, "Grade Requires Approval")

	def test_save_warns_before_submit_blocks(self):
		make_sales_invoice(self.customer, 9000)
		frappe.clear_messages()
		make_sales_order(self.customer, 5000, submit=False)
		self.assertTrue(any("stopped when it is submitted" in m for m in messages()), messages())

	def test_warn_only_mode_lets_it_through_with_a_warning(self):
		set_credit_mode("Warn only")
		make_sales_invoice(self.customer, 9000)
		order = make_sales_order(self.customer, 5000, submit=False)
		frappe.clear_messages()
		order.submit()
		self.assertEqual(order.docstatus, 1)
		self.assertTrue(any("Dealer credit warning" in m for m in messages()), messages())
		self.assertEqual(overrides_for(order.name), [])

	def test_off_mode_leaves_it_to_erpnext(self):
		set_credit_mode("Off")
		make_sales_invoice(self.customer, 9000)
		order = make_sales_order(self.customer, 5000, submit=False)
		frappe.clear_messages()
		order.submit()
		self.assertEqual(order.docstatus, 1)
		self.assertFalse(any("credit" in m.lower() for m in messages()), messages())

	def set_erpnext_limit(self, customer, limit):
		frappe.get_doc(
			{
				"doctype": "Customer Credit Limit",
				"parent": customer,
				"parenttype": "Customer",
				"parentfield": "credit_limits",
				"company": get_company(),
				"credit_limit": limit,
			}
		).db_insert()

	def test_erpnext_check_stands_down_for_dealers_but_not_in_off_mode(self):
		self.set_erpnext_limit(self.customer, 100)
		order = make_sales_order(
			self.customer, 5000
		)  # within the dealer's limit: one judge, no ERPNext block
		self.assertEqual(order.docstatus, 1)
		set_credit_mode("Off")
		frappe.set_user(CLERK)  # not a credit controller in ERPNext's sense either
		second = make_sales_order(self.customer, 100, submit=False)
		self.assertRaisesRegex(frappe.ValidationError, "(?i)credit limit", second.submit)

	def test_customer_form_says_the_dealer_limit_applies(self):
		customer = frappe.get_doc("Customer", self.customer)
		customer.append("credit_limits", {"company": get_company(), "credit_limit": 500})
		frappe.clear_messages()
		customer.save(ignore_permissions=True)
		self.assertTrue(any("Dealer Credit Check is Off" in m for m in messages()), messages())

	def test_customers_that_are_not_dealers_are_untouched(self):
		customer = make_customer(frappe.generate_hash(length=8))
		make_sales_invoice(customer, 50000)
		order = make_sales_order(customer, 50000)
		self.assertEqual(order.docstatus, 1)
		self.assertFalse(order.get("dealer"))
		self.set_erpnext_limit(customer, 100)
		frappe.set_user(CLERK)
		second = make_sales_order(customer, 100, submit=False)
		self.assertRaisesRegex(frappe.ValidationError, "(?i)credit limit", second.submit)

	def test_submit_check_costs_constant_queries(self):
		def hook_queries(lines, invoices):
			dealer = make_credit_dealer(self.tier)
			frappe.db.set_value("Dealer", dealer.name, "credit_limit", 10**9)
			for i in range(invoices):
				make_sales_invoice(dealer.customer, 100, posting_date=add_days(today(), -i))
			order = make_sales_order(dealer.customer, 1000, lines=lines, submit=False)
			order.docstatus = 1
			order._action = "submit"
			with count_queries() as queries:
				before_submit(order)
			return queries

		hook_queries(lines=1, invoices=0)  # warm the settings and master caches
		small = hook_queries(lines=1, invoices=1)
		large = hook_queries(lines=20, invoices=6)
		self.assertEqual(len(small), len(large), "\n".join(large))
		# the dealer's lock, then the four sources of exposure in one statement as this transaction
		# sees them (the committed read beside it runs on a second connection, not counted here)
		self.assertLessEqual(len(small), 3, "\n".join(small))

	def test_the_one_statement_exposure_is_the_row_by_row_one(self):
		"""credit.EXPOSURE_SQL (constant SQL: every judged submit and the portal's home) reads what
		exposure_parts' queries read row by row: an invoice part paid, one open, an advance, an
		unbilled order and a delivery note made from no order."""
		from dealer_relations import credit

		dealer = make_credit_dealer()
		frappe.db.set_value("Dealer", dealer.name, "credit_limit", 10**9)
		paid = make_sales_invoice(dealer.customer, 300)
		make_payment(paid, 100)
		make_sales_invoice(dealer.customer, 700)
		make_payment(customer=dealer.customer, amount=250)
		make_sales_order(dealer.customer, 400)
		make_delivery_note(dealer.customer, 150)
		company = get_company()
		row_by_row = credit.exposure_from_rows(
			credit.read_committed_rows(credit.exposure_parts(dealer.customer, company))
		)
		self.assertEqual(
			(row_by_row.outstanding, row_by_row.unbilled_orders, row_by_row.unallocated_advances),
			(900, 550, 250),
		)
		self.assertEqual(credit.get_exposure(dealer.customer, company), row_by_row)
		self.assertEqual(credit.get_exposure(dealer.customer, company, lock=True), row_by_row)
