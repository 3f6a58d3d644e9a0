"""Tax (增值税) on rebates: a policy's rates on tax-inclusive sales (含税) make the eligible volume
each in-scope line's net amount plus its share of its invoice's VAT, returns netted; a rebate
credit note carries the company's 13 % VAT template (红字发票): on a tax-inclusive policy net + VAT
= the rebate, on a net policy VAT on top; GL balanced, Payment Ledger = grand total, cancel-safe;
the invoice deduction lowers the VAT base; the fields are finance's."""

from decimal import Decimal

import frappe
import frappe.client
from frappe.model.workflow import apply_workflow
from frappe.utils import flt, today

from dealer_relations.engine.postings import split_rebate_tax
from dealer_relations.rebates import load_volumes
from dealer_relations.tests.rebate_factories import (
	BRANDED,
	FOREIGN_COMPANY,
	PRODUCTS,
	PUMP,
	REBATE_ITEM,
	REBATE_TEST_IGNORE,
	VALVE,
	apply_tax_template,
	company_defaults,
	day,
	make_foreign_currency_dealer,
	make_invoice,
	make_items,
	make_payment,
	make_policy,
	make_rebate_dealer,
	make_return,
	make_settlement,
	make_vat_template,
	set_rebate_settings,
	setup_rebate_accounts,
)
from dealer_relations.tests.test_rebate_account import RebateAccountTestCase
from dealer_relations.tests.utils import FrappeTestCase, get_company, make_user

test_ignore = REBATE_TEST_IGNORE

ACCOUNTANT = "dr-tax-accountant@example.com"
APPROVER = "dr-tax-approver@example.com"
REP = "dr-tax-rep@example.com"
MANAGER = "dr-tax-manager@example.com"
REFUSED = (frappe.PermissionError, frappe.ValidationError)


def taxed_invoice(customer, lines, posting_date, template, deduction=0):
	"""A submitted invoice of ``lines`` carrying ``template``'s VAT rows."""
	invoice = apply_tax_template(make_invoice(customer, lines, posting_date, submit=False), template)
	invoice.rebate_deduction = deduction
	invoice.save(ignore_permissions=True)
	invoice.submit()
	return invoice


def gl(voucher_no: str, cancelled: int = 0) -> dict[str, float]:
	"""{account: debit − credit} of a voucher's GL Entries."""
	rows = frappe.get_all(
		"GL Entry",
		filters={"voucher_no": voucher_no, "is_cancelled": cancelled},
		fields=["account", "sum(debit) - sum(credit) as balance"],
		group_by="account",
	)
	return {row.account: flt(row.balance, 2) for row in rows}


def payment_ledger(voucher_no: str) -> float:
	return flt(
		frappe.get_all(
			"Payment Ledger Entry",
			filters={"voucher_no": voucher_no, "delinked": 0},
			fields=["sum(amount) as amount"],
		)[0].amount,
		2,
	)


class TestTaxInclusiveVolume(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		cls.vat = make_vat_template()

	def test_tax_inclusive_volume_adds_each_lines_share_of_its_invoices_vat(self):
		dealer = make_rebate_dealer()
		# 2 pumps in scope and a branded item out of it, 13 % VAT on both
		first = taxed_invoice(dealer.customer, [(PUMP, 2, 5_000), (BRANDED, 1, 5_000)], day(10), self.vat)
		# 999.99 net: VAT 130.00 (129.9987), so 1,129.99 with it
		second = taxed_invoice(dealer.customer, [(VALVE, 3, 333.33)], day(40), self.vat)
		untaxed = make_invoice(dealer.customer, [(PUMP, 1, 1_000)], day(70))
		# one pump back: the return's own VAT goes with it
		returned = make_return(first, {PUMP: 1}, day(20))
		self.assertEqual((returned.net_total, returned.total_taxes_and_charges), (-5_000, -650))

		in_scope_net = Decimal(10_000) + Decimal("999.99") - 5_000 + 1_000
		in_scope_gross = Decimal(11_300) + Decimal("1129.99") - 5_650 + 1_000
		# the same figures from the invoices themselves: in-scope lines × (net + taxes) / net
		from_documents = sum(
			row.base_net_amount * (doc.base_net_total + doc.base_total_taxes_and_charges) / doc.base_net_total
			for doc in (first, second, untaxed, returned)
			for row in doc.items
			if row.item_code != BRANDED
		)
		self.assertAlmostEqual(from_documents, float(in_scope_gross), places=6)

		volumes = {}
		for inclusive in (0, 1):
			for basis in ("Net Amount", "Quantity"):
				policy = make_policy(
					dealers=[dealer.name],
					item_groups=[{"item_group": PRODUCTS}],
					basis=basis,
					rebate_on_tax_inclusive=inclusive,
					do_not_save=True,
				)
				volumes[inclusive, basis] = load_volumes(policy, {dealer.name: dealer.customer})[dealer.name]
		self.assertEqual(volumes[0, "Net Amount"].volume, in_scope_net)
		self.assertEqual(volumes[1, "Net Amount"].volume, in_scope_gross)
		# by month, to the cent: January's invoice and return, February's, March's untaxed one
		self.assertEqual(
			dict(volumes[1, "Net Amount"].by_month),
			{
				str(day(10))[:7]: Decimal("5650.00"),
				str(day(40))[:7]: Decimal("1129.99"),
				str(day(70))[:7]: Decimal("1000.00"),
			},
		)
		# Quantity: the slabs on pieces either way, the rebate on the (tax-inclusive) amount
		self.assertEqual(volumes[0, "Quantity"].volume, volumes[1, "Quantity"].volume)
		self.assertEqual(volumes[0, "Quantity"].base, in_scope_net)
		self.assertEqual(volumes[1, "Quantity"].base, in_scope_gross)

	def test_collected_amount_on_a_tax_inclusive_policy_counts_the_vat_collected(self):
		dealer = make_rebate_dealer()
		paid = taxed_invoice(dealer.customer, [(PUMP, 2, 5_000)], day(10), self.vat)
		make_payment(paid, 11_300, day(30))  # all of it
		half = taxed_invoice(dealer.customer, [(VALVE, 1, 7_000)], day(40), self.vat)
		make_payment(half, 3_955, day(50))  # half of 7,910
		taxed_invoice(dealer.customer, [(VALVE, 1, 2_000)], day(60), self.vat)  # unpaid
		volumes = {}
		for inclusive in (0, 1):
			policy = make_policy(
				dealers=[dealer.name],
				item_groups=[{"item_group": PRODUCTS}],
				basis="Collected Amount",
				collection_cutoff_date=today(),
				rebate_on_tax_inclusive=inclusive,
				do_not_save=True,
			)
			volumes[inclusive] = load_volumes(policy, {dealer.name: dealer.customer})[dealer.name].volume
		# net: 10,000 + half of 7,000; tax-inclusive: 11,300 + half of 7,910
		self.assertEqual((volumes[0], volumes[1]), (Decimal("13500.00"), Decimal("15255.00")))


class TestRebateCreditNoteVAT(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		cls.expense = setup_rebate_accounts("Credit Note")
		cls.vat = make_vat_template()
		cls.vat_account = frappe.get_all(
			"Sales Taxes and Charges", filters={"parent": cls.vat}, pluck="account_head"
		)[0]
		cls.round_off = frappe.get_cached_value("Company", get_company(), "round_off_account")
		make_user(APPROVER, ["Accounts Manager"])

	def setUp(self):
		set_rebate_settings(
			rebate_posting_method="Credit Note",
			rebate_item=REBATE_ITEM,
			rebate_credit_note_taxes=1,
			rebate_taxes_and_charges=self.vat,
		)

	def tearDown(self):
		set_rebate_settings(rebate_posting_method="Journal Entry", rebate_credit_note_taxes=0)

	def approved(self, sales: float, inclusive: int, **policy_values):
		"""A dealer with ``sales`` of pumps (net, 13 % VAT on top) at 1 %, its settlement approved."""
		dealer = make_rebate_dealer()
		taxed_invoice(dealer.customer, [(PUMP, 1, sales)], day(9), self.vat)
		policy = make_policy(
			dealers=[dealer.name],
			item_groups=[{"item_group": PRODUCTS}],
			slabs=((0, 1),),
			rebate_on_tax_inclusive=inclusive,
			**policy_values,
		)
		settlement = apply_workflow(make_settlement(dealer.name, policy.name), "Submit for Approval")
		with self.set_user(APPROVER):
			settlement = apply_workflow(settlement, "Approve")
		settlement.reload()
		return dealer, settlement, frappe.get_doc("Sales Invoice", settlement.credit_note)

	def assert_red_letter(self, note, net: float, tax: float, gross: float, round_off: float = 0):
		"""The credit note credits the dealer ``gross``, debits rebate expense ``net`` and output
		VAT ``tax`` (and Round Off the rounding's cent); GL balanced; Payment Ledger = grand total."""
		self.assertEqual(
			(note.net_total, note.total_taxes_and_charges, note.grand_total), (-net, -tax, -gross)
		)
		self.assertEqual(note.taxes_and_charges, self.vat)
		entries = gl(note.name)
		expected = {
			company_defaults().default_receivable_account: -gross,
			self.expense: net,
			self.vat_account: tax,
		}
		if round_off:
			expected[self.round_off] = round_off
		self.assertEqual(entries, expected)
		self.assertEqual(flt(sum(entries.values()), 2), 0)
		self.assertEqual(payment_ledger(note.name), note.grand_total)

	def test_tax_inclusive_rebate_is_net_plus_vat(self):
		# 100,000 + 13 % = 113,000 of tax-inclusive sales: 1,130 rebate = 1,000 net + 130 VAT
		dealer, settlement, note = self.approved(100_000, inclusive=1)
		self.assertEqual((settlement.eligible_volume, settlement.net_rebate), (113_000, 1_130))
		self.assertTrue(all(row.included_in_print_rate for row in note.taxes))
		self.assertEqual(note.items[0].rate, 1_130)  # the rate is the gross
		self.assert_red_letter(note, 1_000, 130, 1_130)
		self.assert_cancel_reverses(settlement, note)

	def test_net_rebate_gets_vat_on_top(self):
		dealer, settlement, note = self.approved(100_000, inclusive=0)
		self.assertEqual((settlement.eligible_volume, settlement.net_rebate), (100_000, 1_000))
		self.assertFalse(any(row.included_in_print_rate for row in note.taxes))
		self.assert_red_letter(note, 1_000, 130, 1_130)
		self.assert_cancel_reverses(settlement, note)

	def test_tax_inclusive_rounding_cent_goes_to_round_off_and_the_dealer_gets_the_rebate(self):
		# capped at 11,300.30: net 10,000.27 (10,000.2655), VAT 1,300.04 (1,300.0351): 11,300.31,
		# so ERPNext credits Round Off 0.01 and the dealer is credited exactly 11,300.30
		split = split_rebate_tax(Decimal("11300.30"), [13], True)
		_dealer, settlement, note = self.approved(2_000_000, inclusive=1, rebate_cap=11_300.30)
		self.assertEqual(settlement.net_rebate, 11_300.30)
		self.assertEqual(
			(split.net, split.tax, split.round_off),
			(Decimal("10000.27"), Decimal("1300.04"), Decimal("-0.01")),
		)
		self.assert_red_letter(note, float(split.net), float(split.tax), 11_300.30, float(split.round_off))

	def test_a_template_with_an_actual_row_posts_nothing(self):
		template = frappe.copy_doc(frappe.get_doc("Sales Taxes and Charges Template", self.vat))
		template.title = f"DR Freight {frappe.generate_hash(length=5)}"
		template.append(
			"taxes",
			{
				"charge_type": "Actual",
				"account_head": self.vat_account,
				"description": "Freight",
				"tax_amount": 10,
			},
		)
		template.insert(ignore_permissions=True)
		set_rebate_settings(rebate_taxes_and_charges=template.name)
		with self.assertRaises(frappe.ValidationError) as refused:
			self.approved(100_000, inclusive=1)
		self.assertIn("On Net Total", str(refused.exception))

	def test_another_companys_template_is_refused_in_settings(self):
		other = frappe.get_all(
			"Sales Taxes and Charges Template",
			filters={"company": ("!=", get_company())},
			pluck="name",
			limit=1,
		)
		if not other:
			make_foreign_currency_dealer(7.0)
			other = [make_vat_template(FOREIGN_COMPANY)]
		with self.assertRaises(frappe.ValidationError) as refused:
			set_rebate_settings(rebate_taxes_and_charges=other[0])
		self.assertIn(other[0], str(refused.exception))

	def assert_cancel_reverses(self, settlement, note):
		settlement.flags.ignore_permissions = True
		settlement.cancel()
		self.assertEqual(frappe.db.get_value("Sales Invoice", note.name, "docstatus"), 2)
		self.assertEqual(gl(note.name), {})  # every entry marked cancelled, with its reversal
		self.assertEqual(flt(sum(gl(note.name, cancelled=1).values()), 2), 0)
		self.assertEqual(payment_ledger(note.name), 0)


class TestDeductionLowersVATBase(RebateAccountTestCase):
	def test_the_deduction_lowers_the_vat_on_a_13_percent_template(self):
		vat = make_vat_template()
		vat_account = frappe.get_all(
			"Sales Taxes and Charges", filters={"parent": vat}, pluck="account_head"
		)[0]
		dealer, _policy, _settlement = self.earn()  # 1,000 earned, at most 10 % of a document
		invoice = taxed_invoice(dealer.customer, [(PUMP, 1, 5_000)], today(), vat, deduction=500)
		# 5,000 − 500 = 4,500 net, VAT 585 (not 650), 5,085 receivable
		self.assertEqual(
			(
				invoice.discount_amount,
				invoice.net_total,
				invoice.total_taxes_and_charges,
				invoice.grand_total,
			),
			(500, 4_500, 585, 5_085),
		)
		self.assertEqual(gl(invoice.name)[vat_account], -585)
		self.assertEqual(payment_ledger(invoice.name), invoice.grand_total)


class TestTaxFieldRights(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		make_user(ACCOUNTANT, ["Rebate Accountant", "Accounts User"])
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(MANAGER, ["Dealer Manager", "Sales Manager", "Sales User"])
		cls.vat = make_vat_template()

	def test_only_finance_sets_the_tax_basis_of_a_policy(self):
		dealer = make_rebate_dealer(sales_rep=REP)
		policy = make_policy(dealers=[dealer.name], submit=False)
		for user in (REP, MANAGER):
			with self.subTest(user=user), self.set_user(user), self.assertRaises(REFUSED):
				frappe.client.set_value("Rebate Policy", policy.name, "rebate_on_tax_inclusive", 1)
		self.assertEqual(frappe.db.get_value("Rebate Policy", policy.name, "rebate_on_tax_inclusive"), 0)
		with self.set_user(ACCOUNTANT):
			frappe.client.set_value("Rebate Policy", policy.name, "rebate_on_tax_inclusive", 1)
		self.assertEqual(frappe.db.get_value("Rebate Policy", policy.name, "rebate_on_tax_inclusive"), 1)

	def test_a_dealer_manager_cannot_put_vat_on_rebate_credit_notes(self):
		set_rebate_settings(rebate_credit_note_taxes=0, rebate_taxes_and_charges=None)
		with self.set_user(MANAGER):
			settings = frappe.get_doc("Dealer Relations Settings").as_dict()
			row = next(r for r in settings.company_settings if r.company == get_company())
			row.rebate_credit_note_taxes, row.rebate_taxes_and_charges = 1, self.vat
			frappe.client.save(settings)
		stored = frappe.get_all(
			"Dealer Company Settings",
			filters={"company": get_company()},
			fields=["rebate_credit_note_taxes", "rebate_taxes_and_charges"],
		)[0]
		self.assertEqual((stored.rebate_credit_note_taxes, stored.rebate_taxes_and_charges), (0, None))
