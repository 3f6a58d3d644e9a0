"""Rebate account (返利池): a settlement approved into the account posts Dr rebate expense / Cr rebate
liability and an Earned entry; cancelling reverses both; the ledger is append-only for everyone."""

import frappe
from frappe.model.workflow import apply_workflow
from frappe.utils import getdate

from dealer_relations.rebate_account import LEDGER, get_dealer_balance, load_lots
from dealer_relations.tests.rebate_factories import (
	PRODUCTS,
	PUMP,
	REBATE_TEST_IGNORE,
	company_defaults,
	day,
	make_account,
	make_invoice,
	make_items,
	make_policy,
	make_rebate_dealer,
	make_settlement,
	set_rebate_settings,
	setup_rebate_accounts,
)
from dealer_relations.tests.utils import FrappeTestCase, make_user

test_ignore = REBATE_TEST_IGNORE

ACCOUNTANT = "dr-ra-accountant@example.com"
APPROVER = "dr-ra-approver@example.com"
REP = "dr-ra-rep@example.com"
OTHER_REP = "dr-ra-other-rep@example.com"


class RebateAccountTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		cls.expense = setup_rebate_accounts()
		cls.liability = make_account("DR Rebate Liability", "Liability")
		make_user(ACCOUNTANT, ["Rebate Accountant", "Accounts User"])
		make_user(APPROVER, ["Accounts Manager"])
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])

	# the site's region as ERPNext reads it (erpnext.get_region): every country calls the app's
	# rows into a Sales Invoice's GL; one that is no Country (or no country at all) does not
	region = "China"

	def setUp(self):
		set_rebate_settings(
			rebate_expense_account=self.expense,
			rebate_liability_account=self.liability,
			rebate_posting_method="Rebate Account",
		)
		country = frappe.flags.country
		frappe.flags.country = self.region
		self.addCleanup(setattr, frappe.flags, "country", country)

	def earn(self, sales=100_000, max_deduction_percent=10, **policy_values):
		"""A dealer of REP with ``sales`` of pumps this year, settled at 1 % into the account."""
		dealer = make_rebate_dealer(sales_rep=REP)
		make_invoice(dealer.customer, [(PUMP, 1, sales)], day(9))
		policy = make_policy(
			dealers=[dealer.name],
			item_groups=[{"item_group": PRODUCTS}],
			slabs=((0, 1),),
			max_deduction_percent=max_deduction_percent,
			**policy_values,
		)
		settlement = make_settlement(dealer.name, policy.name)
		settlement = apply_workflow(settlement, "Submit for Approval")
		with self.set_user(APPROVER):
			settlement = apply_workflow(settlement, "Approve")
		settlement.reload()
		return dealer, policy, settlement

	def ledger(self, dealer):
		return frappe.get_all(
			LEDGER,
			filters={"dealer": dealer},
			fields=["entry_type", "amount", "voucher_type", "voucher_no", "expiry_date", "is_reversal"],
			order_by="creation asc",
		)

	def gl_balance(self, account, voucher_no=None):
		filters = {"account": account, "is_cancelled": 0}
		if voucher_no:
			filters["voucher_no"] = ("in", voucher_no) if isinstance(voucher_no, list) else voucher_no
		row = frappe.get_all(GL, filters=filters, fields=["sum(credit) - sum(debit) as balance"])[0]
		return row.balance or 0


GL = "GL Entry"
REFUSED = (frappe.PermissionError, frappe.ValidationError)


class TestRebateAccount(RebateAccountTestCase):
	def test_approval_into_the_account_posts_liability_and_earned_entry(self):
		dealer, policy, settlement = self.earn()
		self.assertEqual(settlement.net_rebate, 1_000)
		entry = frappe.get_doc("Journal Entry", settlement.journal_entry)
		lines = {row.account: row for row in entry.accounts}
		self.assertEqual((lines[self.expense].debit, lines[self.liability].credit), (1_000, 1_000))
		self.assertFalse(lines[self.liability].party)
		self.assertNotIn(company_defaults().default_receivable_account, lines)
		(earned,) = self.ledger(dealer.name)
		self.assertEqual(
			(earned.entry_type, earned.amount, earned.voucher_no), ("Earned", 1_000, settlement.name)
		)
		# no validity on the policy: the end of the year after its period
		self.assertEqual(earned.expiry_date, getdate(f"{getdate(policy.to_date).year + 1}-12-31"))
		self.assertEqual(self.gl_balance(self.liability, entry.name), 1_000)
		balance = get_dealer_balance(dealer.name)
		self.assertEqual((balance["balance"], balance["available"]), (1_000, 1_000))

	def test_policy_validity_sets_the_expiry(self):
		until = day(364 + 200)
		dealer, _policy, _settlement = self.earn(balance_valid_until=until)
		self.assertEqual(self.ledger(dealer.name)[0].expiry_date, getdate(until))
		self.assertEqual(get_dealer_balance(dealer.name)["expiring_90_days"], 0)

	def test_cancel_reverses_posting_and_entry(self):
		dealer, _policy, settlement = self.earn()
		settlement.flags.ignore_permissions = True
		settlement.cancel()
		self.assertEqual(frappe.db.get_value("Journal Entry", settlement.journal_entry, "docstatus"), 2)
		rows = self.ledger(dealer.name)
		self.assertEqual(
			[(r.entry_type, r.amount, r.is_reversal) for r in rows],
			[("Earned", 1_000, 0), ("Reversed", -1_000, 1)],
		)
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].balance, 0)
		self.assertEqual(self.gl_balance(self.liability, settlement.journal_entry), 0)

	def test_missing_liability_account_refused_before_anything_is_posted(self):
		set_rebate_settings(rebate_liability_account=None)
		entries, journals = frappe.db.count(LEDGER), frappe.db.count("Journal Entry")
		with self.assertRaises(frappe.ValidationError) as refused:
			self.earn()
		self.assertIn("Rebate Liability Account", str(refused.exception))
		self.assertEqual((frappe.db.count(LEDGER), frappe.db.count("Journal Entry")), (entries, journals))


class TestRebateExpiry(RebateAccountTestCase):
	def test_daily_expiry_is_idempotent(self):
		from dealer_relations.rebate_account import expire_balances

		dealer, _policy, settlement = self.earn()
		expiry = self.ledger(dealer.name)[0].expiry_date
		self.assertEqual(expire_balances(expiry), 0)  # on the date itself it is still good
		after = frappe.utils.add_days(expiry, 1)
		written = expire_balances(after)
		self.assertGreaterEqual(written, 1)
		rows = self.ledger(dealer.name)
		self.assertEqual([(r.entry_type, r.amount) for r in rows], [("Earned", 1_000), ("Expired", -1_000)])
		self.assertEqual(expire_balances(after), 0)
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].balance, 0)
		# an expired balance cannot be taken back by cancelling the settlement
		with self.assertRaises(frappe.ValidationError):
			settlement.cancel()
