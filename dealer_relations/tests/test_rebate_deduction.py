"""Spending the rebate account (返利池) on a dealer's orders and invoices: the deduction is the
document's discount on Net Total (the VAT base falls); an order reserves, its invoices use the
reservation (three invoices spend once in total); GL, Payment Ledger and the rebate ledger agree to
the cent; every refusal names the figure allowed; two connections cannot overdraw."""

import threading
import time
from unittest.mock import patch

import frappe
from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice
from frappe.utils import add_days, getdate, today

from dealer_relations import rebate_account
from dealer_relations.rebate_account import LEDGER, get_applicable_deduction, load_lots
from dealer_relations.tests.credit_utils import Request, remove_committed
from dealer_relations.tests.rebate_factories import (
	BRANDED,
	PUMP,
	company_defaults,
	day,
	make_account,
	make_invoice,
)
from dealer_relations.tests.test_rebate_account import OTHER_REP, REP, RebateAccountTestCase

REFUSED = (frappe.ValidationError, frappe.PermissionError)


def order_doc(customer, lines, deduction=0, tax_rate=0, transaction_date=None):
	"""A draft Sales Order as a client would send it: ``lines`` = [(item_code, qty, rate)]."""
	company = company_defaults()
	date = transaction_date or today()
	doc = {
		"doctype": "Sales Order",
		"company": company.name,
		"customer": customer,
		"transaction_date": date,
		"delivery_date": add_days(date, 7),
		"currency": company.default_currency,
		"rebate_deduction": deduction,
		"items": [
			{"item_code": code, "qty": qty, "rate": rate, "delivery_date": add_days(date, 7)}
			for code, qty, rate in lines
		],
	}
	if tax_rate:
		doc["taxes"] = [
			{
				"charge_type": "On Net Total",
				"account_head": make_account("DR VAT", "Liability", "Tax"),
				"description": "VAT 13%",
				"rate": tax_rate,
				"cost_center": company.cost_center,
			}
		]
	return doc


def money(amount) -> str:
	return frappe.utils.fmt_money(amount, currency=company_defaults().default_currency)


def bill(order_name, qty):
	"""An invoice of ``qty`` of the order's first line, submitted."""
	invoice = make_sales_invoice(order_name)
	invoice.items[0].qty = qty
	invoice.insert()
	invoice.submit()
	return invoice


class TestRebateDeduction(RebateAccountTestCase):
	def test_order_billed_in_three_invoices_spends_once_and_the_books_agree(self):
		dealer, _policy, settlement = self.earn()  # 1,000 earned, at most 10 % of a document
		order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 3, 3_000)], deduction=900, tax_rate=13))
		order.insert()
		# the deduction is the discount on Net Total: the VAT base falls with it
		self.assertEqual((order.discount_amount, order.apply_discount_on), (900, "Net Total"))
		self.assertEqual((order.net_total, order.total_taxes_and_charges), (8_100, 1_053))
		order.submit()
		self.assertEqual(rebate_account.reservation_of(order.name), {settlement.name: 900})

		invoices = [bill(order.name, 1) for _ in range(3)]
		self.assertEqual([i.rebate_deduction for i in invoices], [300, 300, 300])
		for invoice in invoices:
			self.assertEqual((invoice.net_total, invoice.total_taxes_and_charges), (2_700, 351))
		self.assertEqual(rebate_account.reservation_of(order.name), {})
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (100, 0))
		self.assert_books_agree(dealer, invoices)

		# a cancelled invoice gives its use back to the order and its liability release is undone
		invoices[2].cancel()
		self.assertEqual(rebate_account.reservation_of(order.name), {settlement.name: 300})
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].balance, 400)
		self.assert_books_agree(dealer, invoices[:2])
		# and the settlement cannot be cancelled while its balance is spent or reserved
		with self.assertRaises(frappe.ValidationError):
			settlement.cancel()

	def assert_books_agree(self, dealer, invoices):
		"""Rebate liability in the GL = the rebate ledger's balance; each invoice's receivable in the
		Payment Ledger = its grand total after the deduction; expense net of releases = balance."""
		rows = frappe.get_all(
			LEDGER,
			filters={"dealer": dealer.name},
			fields=["entry_type", "amount", "journal_entry", "voucher_no"],
		)
		ledger_balance = sum(row.amount for row in rows if row.entry_type != "Reserved")
		settlement = next(row.voucher_no for row in rows if row.entry_type == "Earned")
		# the dealer's postings: the settlement's and the invoices' releases, in the invoices' own GL
		# or Journal Entries (other tests' too are on these accounts)
		postings = {
			row.journal_entry or row.voucher_no for row in rows if row.entry_type == "Used on Invoice"
		}
		postings.add(frappe.db.get_value("Rebate Settlement", settlement, "journal_entry"))
		self.assertEqual(self.gl_balance(self.liability, list(postings)), ledger_balance)
		self.assertEqual(-self.gl_balance(self.expense, list(postings)), ledger_balance)
		for invoice in invoices:
			receivable = frappe.get_all(
				"Payment Ledger Entry",
				filters={"voucher_no": invoice.name, "delinked": 0},
				fields=["sum(amount) as amount"],
			)[0].amount
			self.assertEqual(receivable, invoice.grand_total)
			used = sum(
				frappe.get_all(
					LEDGER,
					filters={"voucher_no": invoice.name, "entry_type": "Used on Invoice"},
					pluck="amount",
				)
			)
			self.assertEqual(-used, invoice.rebate_deduction)

	def test_invoice_without_an_order_spends_free_balance(self):
		dealer, _policy, settlement = self.earn()
		invoice = make_invoice(dealer.customer, [(PUMP, 1, 5_000)], today(), tax_rate=13, submit=False)
		invoice.rebate_deduction = 500
		invoice.save()
		self.assertEqual((invoice.net_total, invoice.total_taxes_and_charges), (4_500, 585))
		invoice.submit()
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (500, 0))
		self.assert_books_agree(dealer, [invoice])
		invoice.cancel()
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].balance, 1_000)
		self.assert_books_agree(dealer, [])

	def test_cancelled_order_releases_its_reservation(self):
		dealer, _policy, settlement = self.earn()
		order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 1, 5_000)], deduction=500))
		order.insert()
		order.submit()
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].available(getdate()), 500)
		order.cancel()
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (1_000, 0))
		# the amendment deducts from the account again, judged anew
		amended = frappe.copy_doc(order)
		amended.amended_from, amended.docstatus = order.name, 0
		amended.insert()
		self.assertEqual((amended.rebate_deduction, amended.discount_amount), (500, 500))
		amended.submit()
		self.assertEqual(rebate_account.reservation_of(amended.name), {settlement.name: 500})

	def test_closed_order_gives_back_what_its_invoices_did_not_use(self):
		dealer, _policy, settlement = self.earn()
		order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 2, 3_000)], deduction=600))
		order.insert()
		order.submit()
		invoice = bill(order.name, 1)
		self.assertEqual(invoice.rebate_deduction, 300)
		order.reload()
		order.update_status("Closed")
		self.assertEqual(rebate_account.reservation_of(order.name), {})
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (700, 0))
		order.update_status("Closed")  # again: nothing more is written
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].reserved, 0)

	def test_return_of_an_invoice_billed_from_a_reserving_order(self):
		"""A return spends nothing and proposes nothing; the deduction stays spent (its price was lower)."""
		dealer, _policy, settlement = self.earn()
		order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 2, 3_000)], deduction=600))
		order.insert()
		order.submit()
		invoice = bill(order.name, 1)
		credit_note = make_sales_return(invoice.name)
		credit_note.insert()
		credit_note.submit()
		self.assertEqual((credit_note.rebate_deduction or 0, credit_note.grand_total), (0, -2_700))
		self.assertFalse(frappe.db.exists(LEDGER, {"voucher_no": credit_note.name}))
		lot = load_lots(dealer.name, dealer.company)[settlement.name]
		self.assertEqual((lot.balance, lot.reserved), (700, 300))

	def test_refusals_name_the_figure_allowed(self):
		dealer, policy, _settlement = self.earn()
		cases = (
			# 10 % of 9,000
			(order_doc(dealer.customer, [(PUMP, 3, 3_000)], deduction=901), "at most " + money(900)),
			# 10 % of 20,000 would be 2,000; the account holds 1,000
			(
				order_doc(dealer.customer, [(PUMP, 1, 20_000)], deduction=1_500),
				"available rebate balance " + money(1_000),
			),
			# a branded item outside the policy's groups
			(order_doc(dealer.customer, [(BRANDED, 1, 9_000)], deduction=100), "scope"),
			# an order dated after the balance expired
			(
				order_doc(
					dealer.customer,
					[(PUMP, 1, 9_000)],
					deduction=100,
					transaction_date=add_days(f"{getdate(policy.to_date).year + 1}-12-31", 1),
				),
				"expired",
			),
		)
		with self.set_user(REP):
			for doc, message in cases:
				with self.assertRaises(frappe.ValidationError) as refused:
					frappe.client.insert(doc)
				self.assertIn(message, str(refused.exception))
			# what the button proposes is what the rules allow
			self.assertEqual(
				get_applicable_deduction(order_doc(dealer.customer, [(PUMP, 3, 3_000)]))["rebate_deduction"],
				900,
			)
		invoice = make_invoice(dealer.customer, [(PUMP, 1, 1_000)], day(20))
		credit_note = make_sales_return(invoice.name)
		credit_note.rebate_deduction = 10
		with self.assertRaises(frappe.ValidationError) as on_return:
			credit_note.insert()
		self.assertIn("return", str(on_return.exception))
		self.assertEqual(frappe.db.count(LEDGER, {"dealer": dealer.name}), 1)


class TestRebateDeductionOtherCompanyOrCurrency(RebateAccountTestCase):
	"""The account is kept per company in the company's currency: a document of the dealer in
	another company sees no balance; one in another currency cannot spend it."""

	def test_other_company_sees_nothing(self):
		from dealer_relations.tests.credit_utils import make_company

		other = make_company("DR Rebate CNY Co", "DRRCNY", "CNY", "China")
		dealer, _policy, _settlement = self.earn()
		doc = order_doc(dealer.customer, [(PUMP, 1, 9_000)], deduction=100)
		doc["company"], doc["currency"] = other, "CNY"
		with self.assertRaises(frappe.ValidationError) as refused:
			frappe.get_doc(doc).insert()
		self.assertIn("no rebate balance available", str(refused.exception))
		self.assertIn(frappe.utils.fmt_money(0, currency="CNY"), str(refused.exception))

	def test_other_currency_cannot_spend(self):
		"""A dealer billed in a foreign currency from the start (ERPNext keeps a customer to one
		currency per company): its balance, in the company's currency, is not spent on its orders."""
		from dealer_relations.engine.rebate_account import EARNED, Entry, Lot
		from dealer_relations.tests.credit_utils import make_foreign_receivable, set_exchange_rate
		from dealer_relations.tests.rebate_factories import make_rebate_dealer

		company = company_defaults()
		foreign = "EUR" if company.default_currency != "EUR" else "USD"
		set_exchange_rate(foreign, company.default_currency, 2)
		dealer = make_rebate_dealer(sales_rep=REP)
		make_foreign_receivable(dealer.customer, company.name, foreign)
		lot = Lot("DR-RB-LOT", "", getdate(add_days(today(), 300)), 100)
		rebate_account.write_entries(
			[Entry(lot.name, EARNED, 1_000)],
			{lot.name: lot},
			dealer.name,
			company.name,
			"Rebate Settlement",
			lot.name,
		)
		doc = order_doc(dealer.customer, [(PUMP, 1, 9_000)], deduction=100)
		doc["currency"], doc["conversion_rate"] = foreign, 2
		with self.assertRaises(frappe.ValidationError) as refused:
			frappe.get_doc(doc).insert()
		self.assertIn(f"kept in {company.default_currency}; a document in {foreign}", str(refused.exception))


class TestRebateDeductionRace(RebateAccountTestCase):
	"""Two orders for one dealer, each deducting 600 of the 1,000 available, submitted at the same
	moment on two connections: the dealer's row lock lets one through; the other is told what is left."""

	def test_two_connections_cannot_overdraw(self):
		dealer, policy, settlement = self.earn()
		orders = []
		for _ in range(2):
			order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 1, 6_000)], deduction=600))
			order.insert()
			orders.append(order.name)
		committed = [("Sales Order", name) for name in orders] + [
			("Rebate Settlement", settlement.name),
			("Journal Entry", settlement.journal_entry),
			("Rebate Policy", policy.name),
		]
		invoices = frappe.get_all("Sales Invoice", filters={"customer": dealer.customer}, pluck="name")
		committed += [("Sales Invoice", name) for name in invoices]
		committed += [("Dealer", dealer.name), ("Customer", dealer.customer)]
		frappe.db.commit()  # nosemgrep: the other connections must see the drafts and the balance
		barrier = threading.Barrier(2, timeout=30)
		original = rebate_account.plan_document

		def slow_plan(*args, **kwargs):
			planned = original(*args, **kwargs)
			time.sleep(1)  # widen the window between the check and the commit
			return planned

		def submit(name):
			order = frappe.get_doc("Sales Order", name)
			barrier.wait()
			order.submit()
			return "submitted"

		try:
			with patch.object(rebate_account, "plan_document", slow_plan):
				requests = [Request(submit, name) for name in orders]
				for request in requests:
					request.start()
				for request in requests:
					request.join(120)
			outcome = [
				"refused"
				if isinstance(request.outcome, frappe.ValidationError)
				and "available rebate balance " + money(400) in str(request.outcome)
				else request.outcome
				for request in requests
			]
			self.assertEqual(sorted(map(str, outcome)), ["refused", "submitted"], outcome)
			lot = load_lots(dealer.name, dealer.company)[settlement.name]
			self.assertEqual((lot.balance, lot.reserved), (1_000, 600))
		finally:
			remove_committed(committed)
			frappe.db.delete(LEDGER, {"dealer": dealer.name})
			frappe.db.commit()  # nosemgrep: undo what this test committed


class TestDealerRebateAccountReport(RebateAccountTestCase):
	def run_report(self, dealer, as_of=None):
		from frappe.desk.query_report import run

		return run(
			"Dealer Rebate Account",
			filters={"company": dealer.company, "dealer": dealer.name, "as_of_date": as_of or today()},
		)

	def test_statement_as_of_a_date_for_the_rep_of_the_dealer_only(self):
		dealer, _policy, settlement = self.earn()
		order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 1, 5_000)], deduction=500))
		order.insert()
		order.submit()
		with self.set_user(REP):
			report = self.run_report(dealer)
		self.assertEqual(
			[(row["balance"], row["reserved"]) for row in report["result"]], [(1_000, 0), (1_000, 500)]
		)
		summary = {item["label"]: item["value"] for item in report["report_summary"]}
		self.assertEqual((summary["Balance"], summary["Reserved"], summary["Available"]), (1_000, 500, 500))
		# before the settlement was posted there was nothing
		earlier = self.run_report(dealer, add_days(settlement.posting_date, -1))
		self.assertEqual(earlier["result"], [])
		with self.set_user(OTHER_REP):
			self.assertEqual(self.run_report(dealer)["result"], [])


class TestRebateDeductionQueries(RebateAccountTestCase):
	"""Judging and writing a deduction on submit reads as much whatever the ledger's length."""

	def queries_to_spend(self, extra_entries: int) -> int:
		from contextlib import contextmanager

		from dealer_relations.engine.rebate_account import ADJUSTED, Entry

		dealer, _policy, settlement = self.earn()
		lots = load_lots(dealer.name, dealer.company)
		history = [Entry(settlement.name, ADJUSTED, sign) for _ in range(extra_entries) for sign in (1, -1)]
		rebate_account.write_entries(
			history, lots, dealer.name, dealer.company, "Rebate Settlement", settlement.name
		)
		order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 1, 5_000)], deduction=500))
		order.insert()
		count = []

		@contextmanager
		def counting():
			original = frappe.db.__class__.sql

			def sql(*args, **kwargs):
				count.append(1)
				return original(*args, **kwargs)

			frappe.db.__class__.sql = sql
			try:
				yield
			finally:
				frappe.db.__class__.sql = original

		with counting():
			rebate_account.check_on_submit(order)
		self.assertEqual(rebate_account.reservation_of(order.name), {settlement.name: 500})
		return len(count)

	def test_constant_number_of_queries(self):
		few, many = self.queries_to_spend(5), self.queries_to_spend(500)
		self.assertEqual(few, many)
		self.assertLessEqual(few, 20)  # 15 on ERPNext 15.90 for an order of one line and one lot


def earlier_regional_gl_entries(gl_entries, doc):
	"""Another app's override of make_regional_gl_entries for the same region (tests only)."""
	doc.flags.earlier_override_called = True
	return gl_entries


class TestReleaseInTheInvoicesGL(RebateAccountTestCase):
	"""The deduction's liability is released in the Sales Invoice's own GL (ERPNext's regional
	override, listed for every country): reversed with it, rebuilt by a repost; a Journal Entry only
	where ERPNext would not call the app (no country, or another app's override wins)."""

	assert_books_agree = TestRebateDeduction.assert_books_agree

	def deduct(self, dealer, amount=500):
		invoice = make_invoice(dealer.customer, [(PUMP, 1, 5_000)], today(), tax_rate=13, submit=False)
		invoice.rebate_deduction = amount
		invoice.save()
		invoice.submit()
		return invoice

	def release_rows(self, invoice):
		return {
			row.account: (row.debit, row.credit)
			for row in frappe.get_all(
				"GL Entry",
				filters={
					"voucher_type": "Sales Invoice",
					"voucher_no": invoice.name,
					"account": ("in", [self.liability, self.expense]),
					"is_cancelled": 0,
				},
				fields=["account", "sum(debit) as debit", "sum(credit) as credit"],
				group_by="account",
			)
		}

	def test_the_invoices_gl_releases_the_liability_and_a_repost_keeps_it(self):
		dealer, _policy, _settlement = self.earn()
		journals = frappe.db.count("Journal Entry")
		invoice = self.deduct(dealer)
		self.assertEqual(frappe.db.count("Journal Entry"), journals)  # no document of its own
		self.assertEqual(self.release_rows(invoice), {self.liability: (500, 0), self.expense: (0, 500)})
		used = frappe.get_all(
			LEDGER, filters={"voucher_no": invoice.name}, fields=["entry_type", "amount", "journal_entry"]
		)
		self.assertEqual(
			[(row.entry_type, row.amount, row.journal_entry) for row in used],
			[("Used on Invoice", -500, None)],
		)
		self.assert_books_agree(dealer, [invoice])

		# ERPNext's Repost Accounting Ledger rebuilds the invoice's GL from the document: the
		# release is rebuilt with it, once
		from erpnext.accounts.doctype.repost_accounting_ledger.repost_accounting_ledger import start_repost

		settings = frappe.get_doc("Repost Accounting Ledger Settings")
		if not any(row.document_type == "Sales Invoice" and row.allowed for row in settings.allowed_types):
			settings.append("allowed_types", {"document_type": "Sales Invoice", "allowed": 1})
			settings.save()
		repost = frappe.get_doc(
			{
				"doctype": "Repost Accounting Ledger",
				"company": invoice.company,
				"delete_cancelled_entries": 1,
				"vouchers": [{"voucher_type": "Sales Invoice", "voucher_no": invoice.name}],
			}
		).insert()
		repost.submit()
		start_repost(repost.name)
		self.assertEqual(self.release_rows(invoice), {self.liability: (500, 0), self.expense: (0, 500)})
		self.assert_books_agree(dealer, [invoice])

		invoice.reload()
		invoice.cancel()
		self.assertEqual(self.release_rows(invoice), {})
		self.assert_books_agree(dealer, [])

	def test_no_country_releases_by_journal_entry_and_a_repost_does_not_release_twice(self):
		frappe.flags.country = "No Such Country"  # erpnext.get_region(): no override is called
		dealer, _policy, _settlement = self.earn()
		invoice = self.deduct(dealer)
		journal = frappe.db.get_value(LEDGER, {"voucher_no": invoice.name}, "journal_entry")
		self.assertTrue(journal)
		# a posting the app made names what it was made for, as every other
		self.assertEqual(
			frappe.db.get_value("Journal Entry", journal, ["dr_posted_for_doctype", "dr_posted_for"]),
			("Sales Invoice", invoice.name),
		)
		self.assertEqual(self.release_rows(invoice), {})
		self.assert_books_agree(dealer, [invoice])
		# the invoice rebuilt where the app is called (the site got its country since): its Used
		# entry is covered by the Journal Entry, so no second release
		frappe.flags.country = self.region
		self.assertEqual(rebate_account.released_amount(invoice), 0)
		invoice.cancel()
		self.assertEqual(frappe.db.get_value("Journal Entry", journal, "docstatus"), 2)
		self.assert_books_agree(dealer, [])

	def test_another_apps_override_for_the_region(self):
		ours = rebate_account.APP_SALES_INVOICE_GL
		theirs = f"{__name__}.earlier_regional_gl_entries"
		dealer, _policy, _settlement = self.earn()
		# installed before this app: it is still called, and the release is in the GL
		with patch.object(rebate_account, "regional_chain", return_value=[theirs, ours]):
			self.assertTrue(rebate_account.released_in_invoice_gl())
			invoice = make_invoice(dealer.customer, [(PUMP, 1, 5_000)], today(), submit=False)
			invoice.rebate_deduction = 300
			invoice.save()
			invoice.flags.rebate_release = rebate_account.liability_setup(invoice.company)
			rows = rebate_account.release_in_invoice_gl([], invoice)
			self.assertTrue(invoice.flags.earlier_override_called)
			self.assertEqual(
				{(row.account, row.debit, row.credit) for row in rows},
				{(self.liability, 300, 0), (self.expense, 0, 300)},
			)
		# installed after it: ERPNext calls theirs only, so the release is a Journal Entry
		with patch.object(rebate_account, "regional_chain", return_value=[ours, theirs]):
			self.assertFalse(rebate_account.released_in_invoice_gl())
			invoice = self.deduct(dealer, 300)
		self.assertTrue(frappe.db.get_value(LEDGER, {"voucher_no": invoice.name}, "journal_entry"))
		self.assert_books_agree(dealer, [invoice])

	def test_the_app_is_listed_for_every_country(self):
		overrides = frappe.get_hooks("regional_overrides")
		for country in frappe.get_all("Country", pluck="name"):
			self.assertEqual(
				overrides[country][rebate_account.SALES_INVOICE_GL][-1], rebate_account.APP_SALES_INVOICE_GL
			)
