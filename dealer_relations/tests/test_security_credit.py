"""Issue 16, the credit check attacked through the entry points an API client uses: ERPNext's
*Update Items* on a submitted order, Delivery Notes, a pinned limit of 0, one customer ordering in
two companies, a foreign-currency dealer, rebate credit notes in the rating, and exposure read
while other transactions hold the rows it sums."""

import json
import threading
from unittest.mock import patch

import frappe
from erpnext.stock.doctype.delivery_note.delivery_note import DeliveryNote
from frappe.handler import execute_cmd
from frappe.utils import add_days, today

from dealer_relations.credit import get_exposure, load_config, pin_credit_limit, rate_chunk
from dealer_relations.dealer_relations.report.dealer_credit_exposure.dealer_credit_exposure import (
	execute as exposure_report,
)
from dealer_relations.engine.credit import RETURNS_RATIO, SALES_VOLUME
from dealer_relations.tests.credit_utils import (
	CLERK,
	CONTROLLER,
	ITEM,
	LIMIT,
	DealerCreditTestCase,
	Request,
	deliver_order,
	make_company,
	make_credit_dealer,
	make_credit_users,
	make_delivery_note,
	make_foreign_receivable,
	make_sales_invoice,
	make_sales_order,
	make_tier,
	overrides_for,
	remove_committed,
	set_credit_mode,
	set_exchange_rate,
)
from dealer_relations.tests.utils import FrappeTestCase, get_company

UPDATE_ITEMS = "erpnext.controllers.accounts_controller.update_child_qty_rate"


def update_items(order, qty: float, rate: float | None = None):
	"""ERPNext's *Update Items* as the desk and an API client call it (/api/method/...)."""
	row = order.items[0]
	frappe.local.form_dict = frappe._dict(
		parent_doctype=order.doctype,
		parent_doctype_name=order.name,
		child_docname="items",
		trans_items=json.dumps(
			[
				{
					"docname": row.name,
					"item_code": row.item_code,
					"qty": qty,
					"rate": row.rate if rate is None else rate,
					"uom": row.uom,
					"conversion_factor": row.conversion_factor,
					"delivery_date": str(row.delivery_date),
				}
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


def report_row(dealer):
	_columns, rows, *_rest = exposure_report({"company": get_company()})
	return next(row for row in rows if row.dealer == dealer)


class TestSecurityCredit(DealerCreditTestCase):
	# -- finding 3: after-submit changes ---------------------------------------------------------

	def test_update_items_raising_an_order_over_the_limit_is_refused(self):
		order = make_sales_order(self.customer, 100)
		frappe.set_user(CLERK)
		with self.assertRaisesRegex(frappe.ValidationError, "exceed its credit limit"):
			update_items(order, qty=10000)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "base_grand_total"), 100)

	def test_update_items_is_refused_for_a_block_grade_or_suspended_dealer(self):
		order = make_sales_order(self.customer, 100)
		frappe.db.set_value("Dealer", self.dealer.name, {"credit_grade": "D", "credit_order_policy": "Block"})
		frappe.set_user(CLERK)
		with self.assertRaisesRegex(frappe.ValidationError, "blocks new orders"):
			update_items(order, qty=2)
		frappe.set_user("Administrator")
		frappe.db.set_value(
			"Dealer", self.dealer.name, {"credit_order_policy": "Allow", "status": "Suspended"}
		)
		frappe.set_user(CLERK)
		with self.assertRaisesRegex(frappe.ValidationError, "Suspended"):
			update_items(order, qty=2)

	def test_update_items_lowering_an_order_is_not_judged(self):
		order = make_sales_order(self.customer, 100)
		update_items(order, qty=5)
		frappe.db.set_value("Dealer", self.dealer.name, "status", "Suspended")
		frappe.set_user(CLERK)
		update_items(order, qty=2)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "base_grand_total"), 200)

	def test_update_items_over_the_limit_takes_a_credit_controllers_reason(self):
		order = make_sales_order(self.customer, 100)
		frappe.set_user(CLERK)
		# a Sales User cannot write the reason on the submitted order
		with self.assertRaisesRegex(frappe.ValidationError, "Only a Credit Controller"):
			frappe.client.set_value("Sales Order", order.name, "credit_override_reason", "big order")
		frappe.set_user(CONTROLLER)
		frappe.client.set_value("Sales Order", order.name, "credit_override_reason", "Bank guarantee")
		frappe.set_user(CLERK)
		# the controller's reason is not the clerk's to use
		with self.assertRaisesRegex(frappe.ValidationError, "Only a Credit Controller may override"):
			update_items(order, qty=150)
		frappe.set_user(CONTROLLER)
		update_items(order, qty=150)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "base_grand_total"), 15000)
		(record,) = overrides_for(order.name)
		self.assertEqual((record.overridden_by, record.document_amount), (CONTROLLER, 14900))

	def test_erpnext_update_items_called_directly_is_judged_too(self):
		"""Server code calling ERPNext's function (not the whitelisted override) meets the
		doc_event: the judgement does not depend on the entry point."""
		from erpnext.controllers.accounts_controller import update_child_qty_rate

		order = make_sales_order(self.customer, 100)
		row = order.items[0]
		frappe.set_user(CLERK)
		with self.assertRaisesRegex(frappe.ValidationError, "exceed its credit limit"):
			update_child_qty_rate(
				"Sales Order",
				json.dumps(
					[
						{
							"docname": row.name,
							"item_code": row.item_code,
							"qty": 10000,
							"rate": row.rate,
							"uom": row.uom,
							"conversion_factor": 1,
							"delivery_date": str(row.delivery_date),
						}
					]
				),
				order.name,
			)

	def test_invoice_line_claiming_an_order_it_does_not_bill_adds_its_amount(self):
		"""An invoice line adds nothing only for what it really bills of an order line exposure
		counts: a ``sales_order`` link the client sets on a line of 50,000 (no order line, or more
		than the order line has left) does not hide the line from the check."""
		order = make_sales_order(self.customer, 100)
		frappe.set_user(CLERK)
		claimed = make_sales_invoice(
			self.customer,
			0,
			submit=False,
			items=[{"item_code": ITEM, "qty": 500, "rate": 100, "sales_order": order.name}],
		)
		with self.assertRaisesRegex(frappe.ValidationError, "exceed its credit limit"):
			claimed.submit()
		line = order.items[0]
		overbilled = make_sales_invoice(
			self.customer,
			0,
			submit=False,
			items=[
				{
					"item_code": ITEM,
					"qty": 1,
					"rate": 50_000,
					"sales_order": order.name,
					"so_detail": line.name,
				}
			],
		)
		with self.assertRaisesRegex(frappe.ValidationError, "exceed its credit limit"):
			overbilled.submit()

	# -- finding 3: Delivery Notes not made from an order ----------------------------------------

	def test_delivery_note_not_against_an_order_counts_in_exposure_and_the_report(self):
		make_delivery_note(self.customer, 8000)
		exposure = get_exposure(self.customer, get_company())
		self.assertEqual(exposure.unbilled_orders, 8000)
		self.assertEqual(report_row(self.dealer.name).unbilled_orders, 8000)
		frappe.set_user(CLERK)
		order = make_sales_order(self.customer, 3000, submit=False)
		with self.assertRaisesRegex(frappe.ValidationError, "exceed its credit limit"):
			order.submit()

	def test_delivery_note_submit_is_judged(self):
		make_sales_invoice(self.customer, 8000)
		frappe.set_user(CLERK)
		note = make_delivery_note(self.customer, 3000, submit=False)
		with self.assertRaisesRegex(frappe.ValidationError, "exceed its credit limit"):
			note.submit()
		frappe.set_user("Administrator")
		frappe.db.set_value("Dealer", self.dealer.name, "status", "Suspended")
		frappe.set_user(CLERK)
		small = make_delivery_note(self.customer, 10, submit=False)
		with self.assertRaisesRegex(frappe.ValidationError, "Suspended"):
			small.submit()

	def test_delivery_note_counts_once_made_from_an_order_or_billed(self):
		from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_invoice as bill_note

		order = make_sales_order(self.customer, 4000)
		deliver_order(order)  # adds nothing: the order counts until billed
		self.assertEqual(get_exposure(self.customer, get_company()).total, 4000)
		note = make_delivery_note(self.customer, 3000)
		invoice = bill_note(note.name)
		invoice.items[0].qty = 1
		invoice.insert()
		invoice.submit()  # billing the note adds nothing either: it moves 3,000 to receivables
		exposure = get_exposure(self.customer, get_company())
		self.assertEqual((exposure.outstanding, exposure.unbilled_orders), (3000, 4000))

	# -- finding 12b: a pinned limit of 0 ---------------------------------------------------------

	def test_pinned_zero_limit_means_no_credit(self):
		frappe.set_user(CONTROLLER)
		pin_credit_limit(self.dealer.name, pin=1, limit=0, reason="Cash only until the audit")
		frappe.set_user(CLERK)
		order = make_sales_order(self.customer, 100, submit=False)
		with self.assertRaisesRegex(frappe.ValidationError, "exceed its credit limit"):
			order.submit()
		frappe.set_user("Administrator")
		row = report_row(self.dealer.name)
		self.assertEqual(row.credit_limit, 0)

	# -- finding 12a: the app's rebate credit notes are not returns -------------------------------

	def test_rebate_credit_note_is_not_a_return_in_the_rating(self):
		from frappe.model.workflow import apply_workflow

		from dealer_relations.tests.rebate_factories import (
			PUMP,
			make_invoice,
			make_items,
			make_policy,
			make_settlement,
			set_rebate_settings,
			setup_rebate_accounts,
			year_start,
		)

		make_items()
		setup_rebate_accounts()
		set_rebate_settings(rebate_posting_method="Credit Note")
		frappe.db.set_value("Dealer", self.dealer.name, "credit_limit", 10**9)
		make_invoice(self.customer, [(PUMP, 10, 10_000)], add_days(year_start(), 1))
		policy = make_policy(dealers=[self.dealer.name])
		settlement = make_settlement(self.dealer.name, policy.name)
		settlement = apply_workflow(apply_workflow(settlement, "Submit for Approval"), "Approve")
		settlement.reload()
		note = frappe.get_doc("Sales Invoice", settlement.credit_note)
		self.assertEqual((note.docstatus, note.is_return), (1, 1))
		as_of = max(frappe.utils.getdate(note.posting_date), frappe.utils.getdate(today()))
		rating = rate_chunk([self.dealer.name], load_config(), as_of)[self.dealer.name]
		factors = {factor.factor: factor for factor in rating.factors}
		self.assertEqual(factors[RETURNS_RATIO].value, 0)  # it was 6,000 of 100,000
		self.assertEqual(factors[SALES_VOLUME].value, 100_000)


class TestCreditAcrossCompanies(FrappeTestCase):
	"""One customer in two companies (finding 9) and a USD dealer of a CNY company (finding 8)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_credit_users()
		cls.tier = make_tier("DR Credit Tier", limit=LIMIT, rank=90)
		cls.cny = make_company("DR Credit CNY Co", "DRCNY", "CNY", "China")
		set_exchange_rate("USD", "CNY", 7)

	def setUp(self):
		set_credit_mode("Enforce")
		set_credit_mode("Enforce", self.cny)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_order_in_a_company_the_dealer_is_not_rated_in_needs_a_controller(self):
		dealer = make_credit_dealer(self.tier)  # rated in the test company
		frappe.set_user(CLERK)
		order = make_sales_order(dealer.customer, 100, submit=False, company=self.cny)
		with self.assertRaisesRegex(frappe.ValidationError, "no credit standing in DR Credit CNY Co"):
			order.submit()
		frappe.set_user(CONTROLLER)
		order.reload()
		order.credit_override_reason = "Group sister company, prepaid by guarantee"
		order.save()
		order.submit()
		frappe.set_user("Administrator")
		(record,) = overrides_for(order.name)
		self.assertEqual((record.company, record.block_reason), (self.cny, "Dealer of Another Company"))
		# its own company still judges on its own limit
		frappe.set_user(CLERK)
		self.assertEqual(make_sales_order(dealer.customer, 100).docstatus, 1)

	def test_usd_dealer_of_a_cny_company_is_judged_in_cny(self):
		"""Limit 10,000 CNY; an open invoice of 1,000 USD is 7,000 CNY; an order of 500 USD
		(3,500 CNY) exceeds the limit, one of 400 USD (2,800 CNY) does not."""
		dealer = make_credit_dealer(self.tier, company=self.cny)
		make_foreign_receivable(dealer.customer, self.cny, "USD")
		invoice = make_sales_invoice(
			dealer.customer, 1000, company=self.cny, currency="USD", conversion_rate=7
		)
		self.assertEqual((invoice.party_account_currency, invoice.base_grand_total), ("USD", 7000))
		exposure = get_exposure(dealer.customer, self.cny)
		self.assertEqual(exposure.outstanding, 7000)
		frappe.set_user(CLERK)
		order = make_sales_order(dealer.customer, 500, submit=False, company=self.cny, currency="USD")
		self.assertEqual(order.base_grand_total, 3500)
		with self.assertRaisesRegex(frappe.ValidationError, "exceed its credit limit") as refused:
			order.submit()
		self.assertIn("shortfall", str(refused.exception))
		self.assertIn("500.00", str(refused.exception))  # 10,500 - 10,000 CNY
		self.assertEqual(
			make_sales_order(dealer.customer, 400, company=self.cny, currency="USD").docstatus, 1
		)


class TestExposureUnderConcurrency(FrappeTestCase):
	"""Finding 7: rows another transaction holds count at their committed value, read without
	waiting; and the lock order that keeps it deadlock-free (finding 3's *Update Items* takes the
	dealer's lock first). The fixtures are committed for the other connections and removed
	afterwards."""

	def setUp(self):
		make_credit_users()
		set_credit_mode("Enforce")
		frappe.db.commit()  # nosemgrep: the other connections must see the settings and users
		self.dealer = make_credit_dealer(make_tier("DR Race Tier", limit=LIMIT, rank=92))
		self.committed = [("Dealer", self.dealer.name), ("Customer", self.dealer.customer)]

	def tearDown(self):
		remove_committed(reversed(self.committed))

	def keep(self, doc):
		self.committed.append((doc.doctype, doc.name))
		return doc

	def submit_elsewhere(self, name):
		frappe.get_doc("Sales Order", name).submit()
		return "submitted"

	def test_order_counts_an_order_a_delivery_note_is_being_made_from(self):
		"""While a Delivery Note against SO-1 is being submitted (it holds SO-1's row), SO-2 is
		judged with SO-1's unbilled 6,000 in its exposure."""
		first = self.keep(make_sales_order(self.dealer.customer, 6000))
		note = self.keep(deliver_order(first, submit=False))
		second = self.keep(make_sales_order(self.dealer.customer, 6000, submit=False))
		frappe.db.commit()  # nosemgrep: the other connections must see the documents
		holding, release = threading.Event(), threading.Event()
		update_billing_status = DeliveryNote.update_billing_status

		def hold_the_order(delivery_note, *args, **kwargs):
			# ERPNext's on_submit has updated SO-1's delivered quantities just before this
			update_billing_status(delivery_note, *args, **kwargs)
			holding.set()
			release.wait(30)

		delivery = Request(lambda: frappe.get_doc("Delivery Note", note.name).submit())
		order = Request(self.submit_elsewhere, second.name, user=CLERK)
		with patch.object(DeliveryNote, "update_billing_status", hold_the_order):
			delivery.start()
			self.assertTrue(holding.wait(30), delivery.outcome)
			order.start()
			order.join(3)  # it waits for the dealer's lock the delivery note holds, or is judged
			release.set()
			delivery.join(60)
			order.join(60)
		self.assertNotIsInstance(delivery.outcome, Exception, delivery.outcome)
		self.assertIsInstance(order.outcome, frappe.ValidationError, order.outcome)
		self.assertIn("exceed its credit limit", str(order.outcome))

	def test_rows_other_transactions_hold_count_at_their_committed_value_without_waiting(self):
		"""A transaction that never takes the dealer's lock holds SO-1 (an advance being recorded
		against it) and SI-1 (a payment being allocated to it, its outstanding already set to 0):
		SO-2 is judged on both at their committed value, at once, not after the holder ends."""
		first = self.keep(make_sales_order(self.dealer.customer, 6000))
		invoice = self.keep(make_sales_invoice(self.dealer.customer, 3000))
		second = self.keep(make_sales_order(self.dealer.customer, 2000, submit=False))
		frappe.db.commit()  # nosemgrep: the other connections must see the documents
		holding, release = threading.Event(), threading.Event()

		def hold_rows():
			frappe.db.sql("select name from `tabSales Order` where name = %s for update", first.name)
			frappe.db.sql(
				"update `tabSales Invoice` set outstanding_amount = 0 where name = %s", invoice.name
			)
			holding.set()
			release.wait(60)
			raise frappe.ValidationError("the payment is abandoned: roll back")

		holder = Request(hold_rows)
		order = Request(self.submit_elsewhere, second.name, user=CLERK)
		holder.start()
		try:
			self.assertTrue(holding.wait(30), holder.outcome)
			order.start()
			order.join(20)  # well below the lock wait timeout: it must not wait for the holder
			self.assertFalse(order.is_alive(), "the credit check waited for the rows' holder")
		finally:
			release.set()
			holder.join(60)
			order.join(60)
		self.assertIsInstance(order.outcome, frappe.ValidationError, order.outcome)
		self.assertIn("exceed its credit limit", str(order.outcome))
		self.assertEqual(frappe.db.get_value("Sales Order", second.name, "docstatus"), 0)

	def test_update_items_takes_the_dealers_lock_before_the_orders_rows(self):
		"""Lock order: *Update Items* waits for the dealer's lock before ERPNext locks the order's
		lines, as a submit does, so it cannot deadlock with an invoice billing the order."""
		order = self.keep(make_sales_order(self.dealer.customer, 100))
		frappe.db.commit()  # nosemgrep: the other connections must see the order
		holding, release = threading.Event(), threading.Event()

		def hold_the_dealer():
			frappe.db.sql("select name from `tabDealer` where name = %s for update", self.dealer.name)
			holding.set()
			release.wait(60)

		def lock_the_lines_at_once():
			return frappe.db.sql(
				"select name from `tabSales Order Item` where parent = %s for update nowait", order.name
			)

		holder = Request(hold_the_dealer)
		updater = Request(update_items, order, 2, user=CLERK)
		holder.start()
		try:
			self.assertTrue(holding.wait(30), holder.outcome)
			updater.start()
			updater.join(3)
			self.assertTrue(
				updater.is_alive(), f"Update Items did not wait for the dealer: {updater.outcome}"
			)
			lines = Request(lock_the_lines_at_once)
			lines.start()
			lines.join(30)
			self.assertNotIsInstance(lines.outcome, Exception, lines.outcome)
		finally:
			release.set()
			holder.join(60)
			updater.join(60)
		self.assertNotIsInstance(updater.outcome, Exception, updater.outcome)
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "base_grand_total"), 200)
