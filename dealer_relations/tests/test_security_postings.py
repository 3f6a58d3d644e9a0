"""Postings and money against a hostile user of the API: links to postings cannot be repointed
and a reversal cancels only what the app posted for that record; postings in the party account's
currency; rebate credit notes reconciled against invoices are not cash collected; two
confirmations of one dealer at once count each other; one invoice line earns at most one policy;
the liability card adds one currency."""

from __future__ import annotations

import time
from unittest.mock import patch

import frappe
from frappe.model.workflow import apply_workflow
from frappe.utils import flt, today

from dealer_relations import diversion
from dealer_relations.rebates import get_posting_setup, get_total_rebate_liability, make_credit_note
from dealer_relations.tests.diversion_factories import (
	MANAGER,
	NANJING,
	confirm,
	incident_for,
	make_diversion_dealer,
	make_territories,
	make_users,
	penalty_account,
	set_diversion_settings,
)
from dealer_relations.tests.diversion_factories import make_items as make_diversion_items
from dealer_relations.tests.rebate_factories import (
	FOREIGN_COMPANY,
	PUMP,
	REBATE_ITEM,
	REBATE_TEST_IGNORE,
	VALVE,
	company_defaults,
	day,
	make_account,
	make_customer_credit,
	make_foreign_currency_dealer,
	make_invoice,
	make_items,
	make_payment,
	make_policy,
	make_rebate_dealer,
	make_settlement,
	make_usd_invoice,
	set_rebate_settings,
	setup_rebate_accounts,
)
from dealer_relations.tests.utils import FrappeTestCase, make_user, run_in_own_connections

test_ignore = REBATE_TEST_IGNORE

INCIDENT = "Diversion Incident"
ACCOUNTANT = "dr-sp-accountant@example.com"
APPROVER = "dr-sp-approver@example.com"
USD_RATE = 7.0  # CNY per USD today (the invoices were billed at 7.1)


def unrelated_entry(amount: float = 1234) -> str:
	"""A company Journal Entry the app has nothing to do with (a customer's payment)."""
	cash = frappe.db.get_value("Company", company_defaults().name, "default_cash_account")
	return make_customer_credit(make_rebate_dealer().customer, amount, today(), cash).name


def attempt(change, *args) -> None:
	"""An attacker's change: refused, or dropped (a field above the user's permlevel) — the test
	then looks at what is stored."""
	try:
		change(*args)
	except frappe.ValidationError:
		frappe.clear_messages()


def docstatus(doctype: str, name: str) -> int:
	return frappe.db.get_value(doctype, name, "docstatus")


def gl_totals(voucher_no: str) -> tuple[float, float]:
	row = frappe.get_all(
		"GL Entry",
		filters={"voucher_no": voucher_no, "is_cancelled": 0},
		fields=["sum(debit) as debit", "sum(credit) as credit"],
	)[0]
	return flt(row.debit, 2), flt(row.credit, 2)


class TestPostingLinks(FrappeTestCase):
	"""Finding 4: a Dealer Manager (or a Rebate Accountant) cannot make a reversal cancel a
	company Journal Entry the app did not post for that record."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_territories()
		make_users()
		make_diversion_items()
		make_items()
		cls.penalty_account = penalty_account()
		cls.expense = setup_rebate_accounts()
		make_user(ACCOUNTANT, ["Rebate Accountant", "Accounts User"])
		make_user(APPROVER, ["Accounts Manager"])

	def setUp(self):
		set_diversion_settings(diversion_penalty_account=self.penalty_account)
		set_rebate_settings(rebate_expense_account=self.expense, rebate_posting_method="Journal Entry")

	def tearDown(self):
		frappe.set_user("Administrator")

	def fined_incident(self):
		dealer = make_diversion_dealer(territories=[NANJING])
		incident_for(dealer.name, 100_000, days_ago=30)  # a warning
		fined = incident_for(dealer.name, 100_000, days_ago=1)
		self.assertTrue(fined.journal_entry)
		return fined

	def test_manager_cannot_repoint_the_fine_and_cancelling_reverses_only_the_fine(self):
		fined = self.fined_incident()
		payment = unrelated_entry()
		with self.set_user(MANAGER):
			attempt(frappe.client.set_value, INCIDENT, fined.name, "journal_entry", payment)
			attempt(frappe.client.set_value, INCIDENT, fined.name, "offence_number", 1)  # nor the ladder
			doc = frappe.get_doc(INCIDENT, fined.name)
			doc.journal_entry = payment
			attempt(doc.save)
		self.assertEqual(frappe.db.get_value(INCIDENT, fined.name, "journal_entry"), fined.journal_entry)
		self.assertEqual(frappe.db.get_value(INCIDENT, fined.name, "offence_number"), 2)
		with self.set_user(MANAGER):
			apply_workflow(frappe.get_doc(INCIDENT, fined.name), "Cancel")
		self.assertEqual(docstatus("Journal Entry", fined.journal_entry), 2)
		self.assertEqual(docstatus("Journal Entry", payment), 1)

	def test_a_link_sent_with_a_new_incident_is_dropped(self):
		dealer = make_diversion_dealer(territories=[NANJING])
		payment = unrelated_entry()
		with self.set_user(MANAGER):
			incident = incident_for(
				dealer.name, 100_000, submit=False, journal_entry=payment, dealer_status_before="Active"
			)
			self.assertFalse(incident.journal_entry)
			incident = confirm(incident)  # a first offence: a warning, nothing posted
			self.assertFalse(incident.journal_entry)
			self.assertFalse(incident.dealer_status_before)
			apply_workflow(frappe.get_doc(INCIDENT, incident.name), "Cancel")
		self.assertEqual(docstatus("Journal Entry", payment), 1)

	def test_a_link_that_does_not_name_the_record_is_refused_at_cancel(self):
		# as a link repointed before this release would be: the entry's back-reference decides
		fined = self.fined_incident()
		payment = unrelated_entry()
		frappe.db.set_value(INCIDENT, fined.name, "journal_entry", payment)
		with self.set_user(MANAGER):
			with self.assertRaisesRegex(frappe.ValidationError, "was not posted by Dealer Relations"):
				apply_workflow(frappe.get_doc(INCIDENT, fined.name), "Cancel")
		self.assertEqual(docstatus("Journal Entry", payment), 1)
		self.assertEqual(docstatus(INCIDENT, fined.name), 1)

	def test_upgrade_gives_earlier_postings_their_back_reference_but_not_a_repointed_link(self):
		from dealer_relations.patches.v0_5 import posted_for_back_references

		fined = self.fined_incident()
		other = self.fined_incident()
		payment = unrelated_entry()
		for name in (fined.journal_entry, other.journal_entry):  # as posted before this release
			frappe.db.set_value("Journal Entry", name, {"dr_posted_for_doctype": None, "dr_posted_for": None})
		frappe.db.set_value(INCIDENT, other.name, "journal_entry", payment)  # repointed back then
		posted_for_back_references.execute()
		self.assertEqual(
			frappe.db.get_value("Journal Entry", fined.journal_entry, "dr_posted_for"), fined.name
		)
		self.assertFalse(frappe.db.get_value("Journal Entry", payment, "dr_posted_for"))

	def approved_settlement(self, **links):
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(10))  # 100,000: 2% = 2,000
		policy = make_policy(dealers=[dealer.name])
		with self.set_user(ACCOUNTANT):
			settlement = frappe.client.insert(
				{"doctype": "Rebate Settlement", "dealer": dealer.name, "rebate_policy": policy.name, **links}
			)
			self.assertFalse(settlement.get("journal_entry") or settlement.get("credit_note"))
			settlement = apply_workflow(
				frappe.get_doc("Rebate Settlement", settlement.name), "Submit for Approval"
			)
		with self.set_user(APPROVER):
			apply_workflow(settlement, "Approve")
		return frappe.get_doc("Rebate Settlement", settlement.name)

	def test_settlement_links_come_from_the_posting_only(self):
		payment = unrelated_entry()
		settlement = self.approved_settlement(journal_entry=payment, credit_note=None)
		self.assertNotEqual(settlement.journal_entry, payment)
		self.assertEqual(
			frappe.db.get_value(
				"Journal Entry", settlement.journal_entry, ["dr_posted_for_doctype", "dr_posted_for"]
			),
			("Rebate Settlement", settlement.name),
		)
		with self.set_user(APPROVER):
			attempt(frappe.client.set_value, "Rebate Settlement", settlement.name, "journal_entry", payment)
			self.assertNotEqual(
				frappe.db.get_value("Rebate Settlement", settlement.name, "journal_entry"), payment
			)
			apply_workflow(frappe.get_doc("Rebate Settlement", settlement.name), "Cancel")
		self.assertEqual(docstatus("Journal Entry", settlement.journal_entry), 2)
		self.assertEqual(docstatus("Journal Entry", payment), 1)

	def test_a_repointed_credit_note_link_is_refused_at_cancel(self):
		set_rebate_settings(rebate_posting_method="Credit Note")
		settlement = self.approved_settlement()
		other_note = make_invoice(make_rebate_dealer().customer, [(PUMP, 1, 500)], day(11))
		frappe.db.set_value("Rebate Settlement", settlement.name, "credit_note", other_note.name)
		with self.set_user(APPROVER):
			with self.assertRaisesRegex(frappe.ValidationError, "was not posted by Dealer Relations"):
				apply_workflow(frappe.get_doc("Rebate Settlement", settlement.name), "Cancel")
		self.assertEqual(docstatus("Sales Invoice", other_note.name), 1)
		self.assertEqual(docstatus("Sales Invoice", settlement.credit_note), 1)
		self.assertEqual(docstatus("Rebate Settlement", settlement.name), 1)


class TestPostingCurrency(FrappeTestCase):
	"""Finding 8: a USD dealer of a CNY company is credited and fined in USD at the day's rate;
	the entries balance in CNY."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		make_territories()
		make_diversion_items()
		cls.foreign = make_foreign_currency_dealer(USD_RATE)
		cls.expense = make_account("DR Rebate Expense", "Expense", "Expense Account", company=FOREIGN_COMPANY)
		cls.penalty = make_account(
			"DR Diversion Penalties", "Income", "Income Account", company=FOREIGN_COMPANY
		)
		set_diversion_settings(company=FOREIGN_COMPANY, diversion_penalty_account=cls.penalty)

	def settlement(self, method: str):
		set_rebate_settings(
			company=FOREIGN_COMPANY,
			rebate_expense_account=self.expense,
			rebate_posting_method=method,
			rebate_item=REBATE_ITEM,
		)
		foreign = make_foreign_currency_dealer(USD_RATE)
		# 10,000 USD at 7.1 = 71,000 CNY of volume: 1% = 710 CNY of rebate
		make_usd_invoice(foreign, [(PUMP, 10, 1_000)], day(10), 7.1)
		policy = make_policy(dealers=[foreign.dealer.name], company=FOREIGN_COMPANY)
		settlement = make_settlement(foreign.dealer.name, policy.name)
		self.assertEqual((settlement.currency, settlement.net_rebate), ("CNY", 710))
		settlement = apply_workflow(apply_workflow(settlement, "Submit for Approval"), "Approve")
		return foreign, frappe.get_doc("Rebate Settlement", settlement.name)

	# 710 CNY at 7.0 is 101.43 USD, worth 710.01 CNY
	USD, CNY = 101.43, 710.01

	def test_rebate_journal_entry_is_in_usd_at_the_days_rate(self):
		foreign, settlement = self.settlement("Journal Entry")
		entry = frappe.get_doc("Journal Entry", settlement.journal_entry)
		self.assertEqual(entry.multi_currency, 1)
		lines = {row.account: row for row in entry.accounts}
		receivable = lines[foreign.usd_receivable]
		self.assertEqual(
			(receivable.account_currency, flt(receivable.exchange_rate), receivable.party),
			("USD", USD_RATE, foreign.dealer.customer),
		)
		self.assertEqual(
			(flt(receivable.credit_in_account_currency), flt(receivable.credit)), (self.USD, self.CNY)
		)
		self.assertEqual(flt(lines[self.expense].debit), self.CNY)
		self.assertEqual(gl_totals(entry.name), (self.CNY, self.CNY))
		ledger = frappe.get_all(
			"GL Entry",
			filters={"voucher_no": entry.name, "account": foreign.usd_receivable, "is_cancelled": 0},
			fields=["account_currency", "credit_in_account_currency"],
		)
		self.assertEqual(
			[(row.account_currency, flt(row.credit_in_account_currency)) for row in ledger],
			[("USD", self.USD)],
		)

	def test_rebate_credit_note_is_in_usd_at_the_days_rate(self):
		foreign, settlement = self.settlement("Credit Note")
		note = frappe.get_doc("Sales Invoice", settlement.credit_note)
		self.assertEqual(
			(note.currency, flt(note.conversion_rate), note.debit_to),
			("USD", USD_RATE, foreign.usd_receivable),
		)
		self.assertEqual((flt(note.grand_total), flt(note.base_grand_total)), (-self.USD, -self.CNY))
		self.assertEqual(gl_totals(note.name), (self.CNY, self.CNY))

	def test_diversion_fine_is_in_usd_at_the_days_rate(self):
		foreign = make_foreign_currency_dealer(USD_RATE)
		kwargs = {"company": FOREIGN_COMPANY}
		incident_for(foreign.dealer.name, 100_000, days_ago=30, **kwargs)
		fined = incident_for(foreign.dealer.name, 100_000, days_ago=1, **kwargs)
		fine = flt(fined.penalty_amount)  # CNY
		self.assertGreater(fine, 0)
		usd = flt(fine / USD_RATE, 2)
		worth = flt(usd * USD_RATE, 2)
		entry = frappe.get_doc("Journal Entry", fined.journal_entry)
		lines = {row.account: row for row in entry.accounts}
		receivable = lines[foreign.usd_receivable]
		self.assertEqual((flt(receivable.debit_in_account_currency), flt(receivable.debit)), (usd, worth))
		self.assertEqual(flt(lines[self.penalty].credit), worth)
		self.assertEqual(gl_totals(entry.name), (worth, worth))
		self.assertEqual(entry.dr_posted_for, fined.name)


class TestCollectedBasis(FrappeTestCase):
	"""Finding 11: a rebate credit note reconciled against this year's invoice through Payment
	Reconciliation (ERPNext writes a Journal Entry for it) is not cash collected."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		cls.expense = setup_rebate_accounts("Credit Note")

	def rebate_credit_note(self, dealer, amount: float) -> str:
		"""Last year's rebate, posted as a credit note by an approved settlement of an earlier
		policy."""
		company = company_defaults()
		earlier = frappe.get_doc(
			{
				"doctype": "Rebate Settlement",
				"name": f"DR-SP-{frappe.generate_hash(length=8)}",
				"dealer": dealer.name,
				"customer": dealer.customer,
				"rebate_policy": "DR earlier policy",
				"company": company.name,
				"posting_date": day(25),
				"docstatus": 1,
			}
		)
		earlier.db_insert()
		setup = get_posting_setup(company.name, dealer.customer)
		earlier.db_set("credit_note", make_credit_note(earlier, setup, amount, "last year's rebate"))
		return earlier.credit_note

	def collected(self, dealer) -> float:
		policy = make_policy(dealers=[dealer.name], basis="Collected Amount", collection_cutoff_date=today())
		settlement = make_settlement(dealer.name, policy.name, do_not_save=True)
		settlement.compute_rebate()
		return settlement.eligible_volume

	def test_a_reconciled_rebate_credit_note_is_not_collected(self):
		company = company_defaults()
		dealer = make_rebate_dealer()
		invoice = make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(9))  # 100,000
		make_payment(invoice, 40_000, day(20))
		note = self.rebate_credit_note(dealer, 10_000)
		reconciliation = frappe.get_doc(
			{
				"doctype": "Payment Reconciliation",
				"company": company.name,
				"party_type": "Customer",
				"party": dealer.customer,
				"receivable_payable_account": company.default_receivable_account,
			}
		)
		reconciliation.get_unreconciled_entries()
		invoices = [row.as_dict() for row in reconciliation.invoices if row.invoice_number == invoice.name]
		notes = [row.as_dict() for row in reconciliation.payments if row.reference_name == note]
		self.assertEqual((len(invoices), len(notes)), (1, 1))
		reconciliation.allocate_entries(frappe._dict(invoices=invoices, payments=notes))
		reconciliation.reconcile()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 50_000)
		self.assertEqual(self.collected(dealer), 40_000)  # the payment, not the rebate

	def test_a_payment_taking_a_rebate_credit_note_counts_its_cash_only(self):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		dealer = make_rebate_dealer()
		invoice = make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(9))  # 100,000
		note = self.rebate_credit_note(dealer, 10_000)
		# 40,000 of cash settles 50,000 of the invoice with the 10,000 rebate credit note
		payment = get_payment_entry("Sales Invoice", invoice.name, party_amount=40_000)
		payment.posting_date = day(20)
		payment.reference_no, payment.reference_date = frappe.generate_hash(length=8), day(20)
		payment.references[0].allocated_amount = 50_000
		payment.append(
			"references",
			{
				"reference_doctype": "Sales Invoice",
				"reference_name": note,
				"total_amount": -10_000,
				"outstanding_amount": -10_000,
				"allocated_amount": -10_000,
			},
		)
		payment.insert(ignore_permissions=True)
		payment.submit()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 50_000)
		self.assertEqual(self.collected(dealer), 40_000)


class TestDiversionConfirmationRace(FrappeTestCase):
	"""Finding 12c: two confirmations for one dealer from two connections at once: the dealer's
	row lock makes the second count the first (offences 1 and 2, not 1 and 1)."""

	def test_two_confirmations_at_once_are_offences_one_and_two(self):
		make_territories()
		make_users()
		make_diversion_items()
		set_diversion_settings(diversion_penalty_account=penalty_account())
		dealer = make_diversion_dealer(territories=[NANJING])
		names = []
		for _ in range(2):
			incident = incident_for(dealer.name, 1_000, days_ago=1, submit=False)
			names.append(apply_workflow(incident, "Submit for Review").name)
		frappe.db.commit()  # nosemgrep: the other connections must see the incidents
		original = diversion.offence_number

		def slow_offence_number(*args, **kwargs):
			number = original(*args, **kwargs)
			time.sleep(1)  # widen the window between counting and committing
			return number

		try:
			with patch.object(diversion, "offence_number", slow_offence_number):
				outcome = run_in_own_connections(
					names,
					lambda name: frappe.get_doc(INCIDENT, name),
					lambda incident: apply_workflow(incident, "Confirm"),
				)
			self.assertEqual(list(outcome.values()), [None, None], outcome)
			numbers = sorted(frappe.db.get_value(INCIDENT, name, "offence_number") for name in names)
			self.assertEqual(numbers, [1, 2])
		finally:
			frappe.db.rollback()
			for name in reversed(names):
				incident = frappe.get_doc(INCIDENT, name)
				if incident.docstatus == 1:
					incident.cancel()
			for name in names:
				frappe.delete_doc(INCIDENT, name, force=True, ignore_permissions=True)
			frappe.delete_doc("Dealer", dealer.name, force=True, ignore_permissions=True)
			frappe.delete_doc("Customer", dealer.customer, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: undo what this test committed


class TestOverlappingPolicies(FrappeTestCase):
	"""Finding 12d: an invoice line counts toward at most one policy of a dealer; a policy whose
	items overlap a running one for the same dealer is refused at submit, naming it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()

	def test_a_policy_for_some_of_the_same_items_is_refused(self):
		dealer = make_rebate_dealer().name
		everything = make_policy(dealers=[dealer])
		pumps = make_policy(dealers=[dealer], submit=False, items=[{"item_code": PUMP}])
		with self.assertRaisesRegex(frappe.ValidationError, everything.name):
			pumps.submit()
		self.assertEqual(docstatus("Rebate Policy", pumps.name), 0)

	def test_policies_for_different_items_run_side_by_side(self):
		dealer = make_rebate_dealer().name
		make_policy(dealers=[dealer], excluded_items=[{"item_code": PUMP}])  # everything but pumps
		pumps = make_policy(dealers=[dealer], items=[{"item_code": PUMP}])
		self.assertEqual(pumps.docstatus, 1)
		with self.assertRaises(frappe.ValidationError):
			make_policy(dealers=[dealer], items=[{"item_code": VALVE}])  # the first one's item


class TestLiabilityCard(FrappeTestCase):
	"""Finding 12f: the liability number card never adds CNY to USD."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		make_territories()
		cls.foreign = make_foreign_currency_dealer(USD_RATE)

	def test_the_card_adds_one_companys_currency(self):
		home = company_defaults()
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(10))  # 100,000 USD: 2% = 2,000
		home_policy = make_policy(dealers=[dealer.name])
		make_usd_invoice(self.foreign, [(PUMP, 10, 1_000)], day(10), 7.1)  # 71,000 CNY: 1% = 710
		foreign_policy = make_policy(dealers=[self.foreign.dealer.name], company=FOREIGN_COMPANY)
		home_card = get_total_rebate_liability({"company": home.name})
		foreign_card = get_total_rebate_liability([["Rebate Settlement", "company", "=", FOREIGN_COMPANY]])
		self.assertEqual(home_card["options"], home.default_currency)
		self.assertEqual(foreign_card["options"], "CNY")
		self.assertEqual(foreign_card["value"], 710)
		self.assertGreaterEqual(home_card["value"], 2_000)
		# without a filter: the user's default company, alone
		before = frappe.defaults.get_user_default("Company")
		frappe.defaults.set_user_default("company", FOREIGN_COMPANY)
		try:
			self.assertEqual(get_total_rebate_liability(), foreign_card)
		finally:
			frappe.defaults.set_user_default("company", before or "")

		# the settlement register's totals: one set per currency, never CNY added to USD
		from dealer_relations.dealer_relations.report.rebate_settlement_register import (
			rebate_settlement_register,
		)

		make_settlement(dealer.name, home_policy.name)
		make_settlement(self.foreign.dealer.name, foreign_policy.name)
		summary = rebate_settlement_register.execute({})[4]
		pending = {card["label"]: card for card in summary if "Awaiting Approval" in card["label"]}
		cny = pending["Net Rebate Awaiting Approval (CNY)"]
		self.assertEqual((cny["currency"], cny["value"]), ("CNY", 710))
		self.assertEqual(
			pending[f"Net Rebate Awaiting Approval ({home.default_currency})"]["currency"], "USD"
		)
