# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Invoices and returns -> settlement amounts -> Journal Entry lines and party -> cancel reverses;
the approval workflow and who may do what."""

import frappe
from frappe.model.workflow import WorkflowTransitionError, apply_workflow

from dealer_relations.demo.masters import ensure_fiscal_years
from dealer_relations.rebates import load_forfeits
from dealer_relations.tests.rebate_factories import (
	BRANDED,
	OTHER,
	PRODUCTS,
	PUMP,
	REBATE_TEST_IGNORE,
	VALVE,
	company_defaults,
	day,
	make_account,
	make_customer_credit,
	make_invoice,
	make_items,
	make_payment,
	make_policy,
	make_rebate_dealer,
	make_return,
	make_settlement,
	set_rebate_settings,
	setup_rebate_accounts,
)
from dealer_relations.tests.utils import FrappeTestCase, make_user

test_ignore = REBATE_TEST_IGNORE

ACCOUNTANT = "dr-rb-accountant@example.com"
APPROVER = "dr-rb-approver@example.com"
REP = "dr-rb-rep@example.com"
OTHER_REP = "dr-rb-other-rep@example.com"


class TestRebateSettlement(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		cls.expense = setup_rebate_accounts()
		make_user(ACCOUNTANT, ["Rebate Accountant", "Accounts User"])
		make_user(APPROVER, ["Accounts Manager"])
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])

	def setUp(self):
		set_rebate_settings(rebate_expense_account=self.expense, rebate_posting_method="Journal Entry")

	def dealer_with_sales(self, **kwargs):
		"""Eligible 200,000 exactly at slab 3 (3%): 100,000 pumps in January; 50,000 pumps and
		20,000 valves (a child group) in February with 13% VAT on top; 30,000 of a branded item
		outside the groups in March; 20,000 of an excluded item that never counts."""
		dealer = make_rebate_dealer(**kwargs)
		customer = dealer.customer
		january = make_invoice(customer, [(PUMP, 10, 10_000)], day(9))
		make_invoice(customer, [(PUMP, 5, 10_000), (VALVE, 10, 2_000)], day(40), tax_rate=13)
		make_invoice(customer, [(BRANDED, 1, 30_000), (OTHER, 20, 1_000)], day(70))
		return dealer, january

	def scoped_policy(self, dealer, **kwargs):
		return make_policy(
			dealers=[dealer],
			item_groups=[{"item_group": PRODUCTS}],
			brands=[{"brand": "DR RB Brand"}],
			excluded_items=[{"item_code": OTHER}],
			**kwargs,
		)

	def test_amounts_from_invoices_in_scope_net_of_returns_and_taxes(self):
		dealer, january = self.dealer_with_sales()
		policy = self.scoped_policy(dealer.name)
		settlement = make_settlement(dealer.name, policy.name)
		self.assertEqual(settlement.eligible_volume, 200_000)
		self.assertEqual((settlement.slab_reached, settlement.rate), (3, 3))
		self.assertEqual((settlement.gross_rebate, settlement.net_rebate), (6_000, 6_000))
		self.assertEqual(
			[(m.month, m.volume, m.cumulative_volume) for m in settlement.get_monthly_volume()],
			[
				(day(9).strftime("%Y-%m"), 100_000, 100_000),
				(day(40).strftime("%Y-%m"), 70_000, 170_000),
				(day(70).strftime("%Y-%m"), 30_000, 200_000),
			],
		)
		# One pump returned in April drops the dealer below 200,000: slab 2 on 190,000.
		make_return(january, {PUMP: 1}, day(100))
		settlement.save()
		self.assertEqual(settlement.eligible_volume, 190_000)
		self.assertEqual((settlement.slab_reached, settlement.net_rebate), (2, 3_800))
		self.assertEqual(settlement.get_monthly_volume()[-1].volume, -10_000)

	def test_incremental_breakdown_per_slab(self):
		dealer, _january = self.dealer_with_sales()
		policy = self.scoped_policy(dealer.name, calculation="Incremental")
		settlement = make_settlement(dealer.name, policy.name)
		# 100,000 x 1% + 100,000 x 2% + 0 x 3%
		self.assertEqual(settlement.gross_rebate, 3_000)
		self.assertEqual(
			[(row.slab, row.volume, row.rebate) for row in settlement.slab_breakdown],
			[(1, 100_000, 1_000), (2, 100_000, 2_000), (3, 0, 0)],
		)

	def test_collected_amount_counts_what_was_paid_by_the_cutoff(self):
		dealer = make_rebate_dealer()
		invoice = make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(9), tax_rate=13)  # 113,000
		make_payment(invoice, 56_500, day(30))  # half, before the cut-off
		make_payment(invoice, 11_300, day(100))  # after the cut-off
		policy = make_policy(dealers=[dealer.name], basis="Collected Amount", collection_cutoff_date=day(60))
		settlement = make_settlement(dealer.name, policy.name)
		self.assertEqual(settlement.eligible_volume, 50_000)  # half of the net, taxes excluded
		self.assertEqual(settlement.net_rebate, 500)

	def test_collected_amount_exactly_at_a_slab_reaches_it(self):
		# 90,000 net + 13% VAT = 101,700; a third paid: 29,999.99999... unrounded, 30,000.00 in cents
		dealer = make_rebate_dealer()
		invoice = make_invoice(dealer.customer, [(PUMP, 9, 10_000)], day(9), tax_rate=13)
		make_payment(invoice, 33_900, day(30))
		policy = make_policy(
			dealers=[dealer.name],
			basis="Collected Amount",
			collection_cutoff_date=day(60),
			slabs=((0, 1), (30_000, 2)),
		)
		settlement = make_settlement(dealer.name, policy.name)
		self.assertEqual((settlement.eligible_volume, settlement.slab_reached), (30_000, 2))
		self.assertEqual(settlement.net_rebate, 600)

	def test_collected_amount_leaves_out_the_apps_own_rebate_postings(self):
		# last year's rebate Journal Entry, reconciled against this year's invoice, is not cash
		dealer = make_rebate_dealer()
		company = company_defaults()
		invoice = make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(9))  # 100,000
		make_payment(invoice, 40_000, day(20))
		entry = make_customer_credit(
			dealer.customer, 10_000, day(25), self.expense, against_invoice=invoice.name
		)
		policy = make_policy(dealers=[dealer.name], basis="Collected Amount", collection_cutoff_date=day(60))
		before = make_settlement(dealer.name, policy.name, do_not_save=True)
		before.compute_rebate()
		self.assertEqual(before.eligible_volume, 50_000)  # an ordinary journal entry is cash here
		# the same entry as a settlement's posting (an earlier policy's approved settlement)
		earlier = frappe.get_doc(
			{
				"doctype": "Rebate Settlement",
				"dealer": dealer.name,
				"customer": dealer.customer,
				"rebate_policy": "DR earlier policy",
				"company": company.name,
				"posting_date": day(25),
				"journal_entry": entry.name,
				"docstatus": 1,
			}
		)
		earlier.db_insert()
		after = make_settlement(dealer.name, policy.name, do_not_save=True)
		after.compute_rebate()
		self.assertEqual(after.eligible_volume, 40_000)

	def test_a_rebate_credit_note_is_not_sales_volume(self):
		from dealer_relations.rebates import get_posting_setup, make_credit_note

		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(9))
		last_year_rebate = frappe._dict(
			company=company_defaults().name, customer=dealer.customer, posting_date=day(20)
		)
		setup = get_posting_setup(last_year_rebate.company, dealer.customer)
		note = make_credit_note(last_year_rebate, setup, 5_000, "last year's rebate")
		self.assertEqual(frappe.db.get_value("Sales Invoice", note, "grand_total"), -5_000)
		policy = make_policy(dealers=[dealer.name])  # no item scope: every item but the Rebate Item
		self.assertEqual(make_settlement(dealer.name, policy.name).eligible_volume, 100_000)

	def test_quantity_basis(self):
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 30, 1_000), (VALVE, 20, 500)], day(9))
		policy = make_policy(dealers=[dealer.name], basis="Quantity", slabs=((0, 1), (50, 2)))
		settlement = make_settlement(dealer.name, policy.name)
		self.assertEqual((settlement.eligible_volume, settlement.rebate_base), (50, 40_000))
		self.assertEqual((settlement.slab_reached, settlement.net_rebate), (2, 800))

	def test_growth_bonus_against_last_year(self):
		ensure_fiscal_years(company_defaults().name, day(-365), day(0))
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(-355))  # 100,000 last year
		make_invoice(dealer.customer, [(PUMP, 11, 10_000)], day(9))  # 110,000: +10%
		policy = make_policy(dealers=[dealer.name], growth_threshold=10, growth_bonus_rate=0.5)
		settlement = make_settlement(dealer.name, policy.name)
		self.assertEqual((settlement.prior_volume, settlement.growth_percent), (100_000, 10))
		self.assertEqual((settlement.gross_rebate, settlement.growth_bonus), (2_200, 550))
		self.assertEqual(settlement.net_rebate, 2_750)

	def test_approval_posts_a_balanced_journal_entry_and_cancel_reverses_it(self):
		dealer, _january = self.dealer_with_sales()
		policy = self.scoped_policy(dealer.name)
		with self.set_user(ACCOUNTANT):
			settlement = make_settlement(dealer.name, policy.name)
			self.assertEqual(settlement.workflow_state, "Draft")
			settlement = apply_workflow(settlement, "Submit for Approval")
			with self.assertRaises(WorkflowTransitionError):
				apply_workflow(settlement, "Approve")
		self.assertEqual(settlement.docstatus, 0)
		self.assertFalse(frappe.db.get_value("Rebate Settlement", settlement.name, "journal_entry"))

		with self.set_user(APPROVER):
			settlement = apply_workflow(settlement, "Approve")
		settlement.reload()
		self.assertEqual((settlement.docstatus, settlement.workflow_state), (1, "Approved"))
		entry = frappe.get_doc("Journal Entry", settlement.journal_entry)
		self.assertEqual(entry.docstatus, 1)
		lines = {row.account: row for row in entry.accounts}
		self.assertEqual(lines[self.expense].debit, 6_000)
		receivable = lines[company_defaults().default_receivable_account]
		self.assertEqual(
			(receivable.credit, receivable.party_type, receivable.party), (6_000, "Customer", dealer.customer)
		)
		gl = frappe.get_all(
			"GL Entry",
			filters={"voucher_no": entry.name, "is_cancelled": 0},
			fields=["sum(debit) as debit", "sum(credit) as credit"],
		)[0]
		self.assertEqual((gl.debit, gl.credit), (6_000, 6_000))

		with self.set_user(APPROVER):
			settlement = apply_workflow(settlement, "Cancel")
		self.assertEqual(frappe.db.get_value("Journal Entry", entry.name, "docstatus"), 2)
		self.assertEqual(frappe.db.get_value("Rebate Settlement", settlement.name, "docstatus"), 2)

	def test_credit_note_when_settings_say_so(self):
		set_rebate_settings(rebate_posting_method="Credit Note")
		dealer, _january = self.dealer_with_sales()
		policy = self.scoped_policy(dealer.name)
		settlement = make_settlement(dealer.name, policy.name)
		settlement = apply_workflow(apply_workflow(settlement, "Submit for Approval"), "Approve")
		settlement.reload()
		self.assertFalse(settlement.journal_entry)
		note = frappe.get_doc("Sales Invoice", settlement.credit_note)
		self.assertEqual((note.docstatus, note.is_return, note.customer), (1, 1, dealer.customer))
		self.assertEqual((note.grand_total, note.items[0].income_account), (-6_000, self.expense))
		apply_workflow(settlement, "Cancel")
		self.assertEqual(frappe.db.get_value("Sales Invoice", note.name, "docstatus"), 2)

	def test_credit_note_that_would_carry_taxes_is_refused(self):
		from unittest.mock import patch

		from erpnext.accounts.doctype.sales_invoice.sales_invoice import SalesInvoice

		set_rebate_settings(rebate_posting_method="Credit Note")
		dealer, _january = self.dealer_with_sales()
		policy = self.scoped_policy(dealer.name)
		settlement = apply_workflow(make_settlement(dealer.name, policy.name), "Submit for Approval")
		original = SalesInvoice.set_missing_values

		def with_a_tax_rule(invoice, *args, **kwargs):
			# what a Tax Rule or the item's tax template does to the note
			original(invoice, *args, **kwargs)
			if invoice.is_return and not invoice.get("taxes"):
				invoice.append(
					"taxes",
					{
						"charge_type": "On Net Total",
						"account_head": make_account("DR VAT", "Liability", "Tax"),
						"description": "VAT",
						"rate": 13,
					},
				)

		frappe.db.savepoint("before_approval")
		with patch.object(SalesInvoice, "set_missing_values", with_a_tax_rule):
			# without VAT on rebate credit notes the note carries none: refused, naming both figures
			with self.assertRaisesRegex(frappe.ValidationError, "would credit .*6,780.* instead of .*6,000"):
				apply_workflow(settlement, "Approve")
		frappe.db.rollback(save_point="before_approval")  # what the failed request does
		self.assertEqual(frappe.db.get_value("Rebate Settlement", settlement.name, "docstatus"), 0)
		self.assertFalse(frappe.db.get_value("Rebate Settlement", settlement.name, "credit_note"))

	def test_missing_account_refuses_approval_and_posts_nothing(self):
		dealer, _january = self.dealer_with_sales()
		policy = self.scoped_policy(dealer.name)
		settlement = apply_workflow(make_settlement(dealer.name, policy.name), "Submit for Approval")
		set_rebate_settings(rebate_expense_account=None)
		entries = frappe.db.count("Journal Entry")
		with self.assertRaisesRegex(frappe.ValidationError, "Rebate Expense Account"):
			apply_workflow(settlement, "Approve")
		self.assertEqual(frappe.db.get_value("Rebate Settlement", settlement.name, "docstatus"), 0)
		self.assertEqual(frappe.db.count("Journal Entry"), entries)

	def test_one_settlement_per_dealer_per_policy(self):
		dealer, _january = self.dealer_with_sales()
		policy = self.scoped_policy(dealer.name)
		first = make_settlement(dealer.name, policy.name)
		with self.assertRaisesRegex(frappe.ValidationError, first.name):
			make_settlement(dealer.name, policy.name)
		self.assertEqual(frappe.db.count("Rebate Settlement", {"rebate_policy": policy.name}), 1)

	def test_dealer_not_covered_and_draft_policy_are_refused(self):
		dealer, _january = self.dealer_with_sales()
		outsider = make_rebate_dealer()
		policy = self.scoped_policy(dealer.name)
		with self.assertRaisesRegex(frappe.ValidationError, "not covered"):
			make_settlement(outsider.name, policy.name)
		draft = make_policy(dealers=[outsider.name], submit=False)
		with self.assertRaisesRegex(frappe.ValidationError, "not submitted"):
			make_settlement(outsider.name, draft.name)
		self.assertFalse(frappe.db.exists("Rebate Settlement", {"dealer": outsider.name}))

	def test_rep_reads_only_own_dealers_settlements_and_cannot_create(self):
		mine, _ = self.dealer_with_sales(sales_rep=REP)
		theirs, _ = self.dealer_with_sales(sales_rep=OTHER_REP)
		policy = make_policy(dealers=[mine.name, theirs.name])
		own = make_settlement(mine.name, policy.name)
		other = make_settlement(theirs.name, policy.name)
		with self.set_user(REP):
			visible = set(frappe.get_list("Rebate Settlement", pluck="name", limit_page_length=0))
			self.assertIn(own.name, visible)
			self.assertNotIn(other.name, visible)
			self.assertTrue(frappe.has_permission("Rebate Settlement", "read", own.name))
			self.assertFalse(frappe.has_permission("Rebate Settlement", "read", other.name))
			self.assertFalse(frappe.has_permission("Rebate Settlement", "create"))
			with self.assertRaises(frappe.PermissionError):
				make_settlement(mine.name, policy.name)

	def test_confirmed_diversions_forfeit_part_of_the_rebate(self):
		from dealer_relations.tests.diversion_factories import (
			incident_for,
			make_territories,
			penalty_account,
			set_diversion_settings,
		)

		make_territories()
		set_diversion_settings(diversion_penalty_account=penalty_account())
		dealer, _ = self.dealer_with_sales()
		self.assertEqual(load_forfeits([dealer.name], day(0), day(364)), {})
		for days_ago in (3, 2, 1):  # the third offence forfeits 30% of the year-end rebate
			incident_for(dealer.name, 1000, days_ago=days_ago)
		self.assertEqual(float(load_forfeits([dealer.name], day(0), day(364))[dealer.name]), 30)
		settlement = make_settlement(dealer.name, self.scoped_policy(dealer.name).name)
		self.assertEqual((settlement.forfeit_percent, settlement.gross_rebate), (30, 6_000))
		self.assertEqual((settlement.diversion_deduction, settlement.net_rebate), (1_800, 4_200))
