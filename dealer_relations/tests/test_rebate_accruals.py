"""Monthly rebate accrual (预提返利) and the year-end true-up, on last year's policy (every month of
it has ended): postings balanced and cancel-safe, a re-run posts nothing, a negative change, a
closed Accounting Period, the button refused to a rep, and the true-up to the cent."""

from __future__ import annotations

from datetime import date, timedelta

import frappe
from frappe.model.workflow import apply_workflow
from frappe.utils import flt, getdate, today

from dealer_relations import accruals
from dealer_relations.engine.accruals import month_end
from dealer_relations.tests.rebate_factories import (
	PRODUCTS,
	PUMP,
	REBATE_TEST_IGNORE,
	company_defaults,
	make_account,
	make_invoice,
	make_items,
	make_policy,
	make_rebate_dealer,
	make_return,
	make_settlement,
	set_rebate_settings,
	setup_rebate_accounts,
)
from dealer_relations.tests.utils import FrappeTestCase, make_user

test_ignore = REBATE_TEST_IGNORE

ACCOUNTANT = "dr-acc-accountant@example.com"
APPROVER = "dr-acc-approver@example.com"
REP = "dr-acc-rep@example.com"
LAST_YEAR = getdate(today()).year - 1


def month_of_last_year(month: int) -> date:
	return month_end(date(LAST_YEAR, month, 1))


def ensure_fiscal_year(year: int) -> None:
	if frappe.db.exists("Fiscal Year", {"year_start_date": date(year, 1, 1)}):
		return
	frappe.get_doc(
		{
			"doctype": "Fiscal Year",
			"year": f"DR {year}",
			"year_start_date": date(year, 1, 1),
			"year_end_date": date(year, 12, 31),
		}
	).insert(ignore_permissions=True)


class TestRebateAccruals(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_fiscal_year(LAST_YEAR)
		make_items()
		cls.expense = setup_rebate_accounts()
		cls.accrued = make_account("DR Accrued Rebates", "Liability")
		make_user(ACCOUNTANT, ["Rebate Accountant", "Accounts User"])
		make_user(APPROVER, ["Accounts Manager"])
		make_user(REP, ["Dealer Sales Rep", "Sales User"])

	def setUp(self):
		set_rebate_settings(
			rebate_expense_account=self.expense,
			accrued_rebate_account=self.accrued,
			rebate_posting_method="Journal Entry",
		)

	def tearDown(self):
		frappe.set_user("Administrator")

	# -- helpers ----------------------------------------------------------------------------------

	def policy_for(self, dealer, **values):
		"""Last year's policy: 1 % from 0, 2 % from 100,000, 3 % from 200,000 (retroactive)."""
		values.setdefault("from_date", date(LAST_YEAR, 1, 1))
		values.setdefault("to_date", date(LAST_YEAR, 12, 31))
		return make_policy(dealers=[dealer.name], item_groups=[{"item_group": PRODUCTS}], **values)

	def accrue_months(self, policy, months):
		return [accruals.accrue(policy.name, month_of_last_year(month)) for month in months]

	def gl(self, vouchers, account):
		"""Debit minus credit on ``account`` over the submitted ``vouchers``."""
		vouchers = [v for v in vouchers if v]
		if not vouchers:
			return 0.0
		rows = frappe.get_all(
			"GL Entry",
			filters={"voucher_no": ("in", vouchers), "account": account, "is_cancelled": 0},
			fields=["sum(debit) as debit", "sum(credit) as credit"],
		)
		return flt((rows[0].debit or 0) - (rows[0].credit or 0), 2)

	def assert_balanced(self, journal_entry):
		rows = frappe.get_all(
			"GL Entry",
			filters={"voucher_no": journal_entry, "is_cancelled": 0},
			fields=["sum(debit) as debit", "sum(credit) as credit"],
		)
		self.assertEqual(flt(rows[0].debit, 2), flt(rows[0].credit, 2))
		self.assertGreater(flt(rows[0].debit, 2), 0)

	def approve(self, settlement):
		settlement = apply_workflow(settlement, "Submit for Approval")
		frappe.set_user(APPROVER)
		settlement = apply_workflow(settlement, "Approve")
		frappe.set_user("Administrator")
		settlement.reload()
		return settlement

	# -- the year ---------------------------------------------------------------------------------

	def test_eleven_months_then_the_true_up_to_the_cent(self):
		"""15,000 a month for ten months (150,000: 2 %), 60,000 in November: 210,000 reaches 3 %,
		so November books the jump for the whole year. Approving the settlement reverses what was
		accrued and posts the earned figure: the year's expense is the settled rebate."""
		dealer = make_rebate_dealer()
		for month in range(1, 11):
			make_invoice(dealer.customer, [(PUMP, 1, 15_000)], date(LAST_YEAR, month, 10))
		make_invoice(dealer.customer, [(PUMP, 1, 60_000)], date(LAST_YEAR, 11, 10))
		policy = self.policy_for(dealer)

		results = self.accrue_months(policy, range(1, 12))
		self.assertEqual(len(frappe.get_all(accruals.ACCRUAL, filters={"rebate_policy": policy.name})), 11)
		self.assertEqual(results[0]["change"], 150.0)  # 1 % of 15,000
		self.assertEqual(results[6]["change"], 2_100.0 - 900.0)  # July: 105,000 reaches 2 %
		self.assertEqual(results[10]["change"], 6_300.0 - 3_000.0)  # November: 210,000 at 3 %
		self.assertEqual(results[10]["posting_date"], str(month_of_last_year(11)))
		journal_entries = [r["journal_entry"] for r in results]
		for journal_entry in journal_entries:
			self.assert_balanced(journal_entry)
		self.assertEqual(self.gl(journal_entries, self.accrued), -6_300.0)
		self.assertEqual(accruals.booked(policy.name), {dealer.name: 6_300})

		# a month accrued again posts nothing
		again = accruals.accrue(policy.name, month_of_last_year(11))
		self.assertEqual((again["posted"], again["reason"]), (False, "already_accrued"))
		self.assertEqual(
			frappe.db.count(
				"Journal Entry",
				{
					"dr_posted_for_doctype": accruals.ACCRUAL,
					"docstatus": 1,
					"dr_posted_for": ("in", [r["accrual"] for r in results]),
				},
			),
			11,
		)

		settlement = self.approve(make_settlement(dealer.name, policy.name))
		self.assertEqual(settlement.net_rebate, 6_300)
		true_up = frappe.get_all(
			accruals.ENTRY,
			filters={"voucher_no": settlement.name},
			fields=["change", "journal_entry", "accrued"],
		)
		self.assertEqual([(r.change, r.accrued) for r in true_up], [(-6_300, 0)])
		self.assert_balanced(true_up[0].journal_entry)
		vouchers = [*journal_entries, true_up[0].journal_entry, settlement.journal_entry]
		self.assertEqual(self.gl(vouchers, self.expense), settlement.net_rebate)
		self.assertEqual(self.gl(vouchers, self.accrued), 0.0)
		self.assertEqual(accruals.booked(policy.name), {})

		# December after the settlement: the dealer is settled, nothing more is accrued
		december = accruals.accrue(policy.name, month_of_last_year(12))
		self.assertEqual((december["posted"], december["change"]), (False, 0.0))

		# cancelling the settlement cancels the true-up and books the accrual again
		settlement.cancel()
		self.assertEqual(frappe.db.get_value("Journal Entry", true_up[0].journal_entry, "docstatus"), 2)
		self.assertEqual(accruals.booked(policy.name), {dealer.name: 6_300})
		self.assertEqual(self.gl(vouchers, self.accrued), -6_300.0)
		self.assertEqual(self.gl(vouchers, self.expense), 6_300.0)
		accruals.reverse_true_up(settlement)  # nothing happens twice
		self.assertEqual(
			frappe.db.count(accruals.ENTRY, {"voucher_no": settlement.name, "is_reversal": 1}), 1
		)

	def test_volume_falling_back_posts_a_negative_change(self):
		dealer = make_rebate_dealer()
		invoice = make_invoice(dealer.customer, [(PUMP, 4, 30_000)], date(LAST_YEAR, 1, 10))
		policy = self.policy_for(dealer)
		january = accruals.accrue(policy.name, month_of_last_year(1))
		self.assertEqual(january["change"], 2_400.0)  # 120,000 at 2 %
		make_return(invoice, {PUMP: 1}, date(LAST_YEAR, 2, 10))  # 90,000: back to 1 %
		february = accruals.accrue(policy.name, month_of_last_year(2))
		self.assertEqual(february["change"], 900.0 - 2_400.0)
		self.assert_balanced(february["journal_entry"])
		# the sides reversed: Dr accrued liability / Cr rebate expense
		self.assertEqual(self.gl([february["journal_entry"]], self.accrued), 1_500.0)
		self.assertEqual(self.gl([february["journal_entry"]], self.expense), -1_500.0)
		entry = frappe.get_all(
			accruals.ENTRY,
			filters={"voucher_no": february["accrual"]},
			fields=["dealer", "volume", "accrued", "change"],
		)
		self.assertEqual(
			[(r.dealer, r.volume, r.accrued, r.change) for r in entry], [(dealer.name, 90_000, 900, -1_500)]
		)

	def test_projected_method_charges_the_years_rate(self):
		"""60,000 in January projects to about 700,000 (3 %): the projected method books 3 % of the
		60,000, the conservative one 1 %."""
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 1, 60_000)], date(LAST_YEAR, 1, 10))
		projected = self.policy_for(dealer, accrual_method="Projected")
		result = accruals.accrue(projected.name, month_of_last_year(1))
		self.assertEqual(result["total_accrued"], 1_800.0)
		self.assertEqual(
			frappe.db.get_value(accruals.ACCRUAL, result["accrual"], "accrual_method"), "Projected"
		)

	def test_a_closed_accounting_period_moves_the_posting(self):
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 1, 50_000)], date(LAST_YEAR, 3, 10))
		policy = self.policy_for(dealer)
		company = company_defaults().name
		period = frappe.get_doc(
			{
				"doctype": "Accounting Period",
				"period_name": f"DR Accrual Closed {LAST_YEAR}-03",
				"company": company,
				"start_date": date(LAST_YEAR, 3, 1),
				"end_date": date(LAST_YEAR, 3, 31),
				"closed_documents": [{"document_type": "Journal Entry", "closed": 1}],
			}
		).insert(ignore_permissions=True)
		self.addCleanup(
			frappe.delete_doc, "Accounting Period", period.name, force=True, ignore_permissions=True
		)
		result = accruals.accrue(policy.name, month_of_last_year(3))
		self.assertEqual(result["posting_date"], str(date(LAST_YEAR, 4, 1)))
		self.assertIn(period.name, result["note"])
		self.assertEqual(
			frappe.db.get_value("Journal Entry", result["journal_entry"], "posting_date"),
			date(LAST_YEAR, 4, 1),
		)
		self.assertEqual(frappe.db.get_value(accruals.ACCRUAL, result["accrual"], "note"), result["note"])
		self.assert_balanced(result["journal_entry"])

	def test_missing_account_is_refused_before_anything_is_written(self):
		dealer = make_rebate_dealer()
		policy = self.policy_for(dealer)
		set_rebate_settings(accrued_rebate_account=None)
		self.assertRaises(frappe.ValidationError, accruals.accrue, policy.name, month_of_last_year(1))
		self.assertFalse(frappe.db.exists(accruals.ACCRUAL, {"rebate_policy": policy.name}))

	def test_the_monthly_job_accrues_the_month_just_ended_once(self):
		"""A policy running since the first of last month: the job on any day of this month
		accrues last month as of its end; running it again posts nothing."""
		from unittest.mock import patch

		from frappe.utils import add_months, get_first_day

		dealer = make_rebate_dealer()
		first = getdate(get_first_day(add_months(today(), -1)))
		make_invoice(dealer.customer, [(PUMP, 1, 50_000)], first)
		policy = self.policy_for(
			dealer, from_date=first, to_date=getdate(add_months(first, 12)) - timedelta(days=1)
		)
		# the job commits per policy: here the test's transaction is kept (and rolled back at the end)
		with patch.object(frappe.db, "commit"), patch.object(frappe.db, "rollback"):
			self.assertIn(policy.name, accruals.accrue_running_policies())
			month = frappe.get_all(
				accruals.ACCRUAL, filters={"rebate_policy": policy.name}, fields=["as_of", "total_change"]
			)
			self.assertEqual([(m.as_of, m.total_change) for m in month], [(month_end(first), 500)])
			accruals.accrue_running_policies()
		self.assertEqual(frappe.db.count(accruals.ACCRUAL, {"rebate_policy": policy.name}), 1)

	# -- who may accrue ---------------------------------------------------------------------------

	def test_the_button_accrues_for_the_accountant_and_refuses_a_rep(self):
		dealer = make_rebate_dealer(sales_rep=REP)
		make_invoice(dealer.customer, [(PUMP, 1, 50_000)], date(LAST_YEAR, 6, 10))
		policy = self.policy_for(dealer)
		frappe.set_user(REP)
		self.assertRaises(frappe.PermissionError, accruals.accrue_rebates, policy.name)
		self.assertRaises(
			frappe.PermissionError,
			frappe.client.insert,
			{"doctype": accruals.ACCRUAL, "rebate_policy": policy.name, "month": "2000-01"},
		)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists(accruals.ACCRUAL, {"rebate_policy": policy.name}))
		frappe.set_user(ACCOUNTANT)
		result = accruals.accrue_rebates(policy.name)  # the period is over: its last month
		frappe.set_user("Administrator")
		self.assertEqual((result["month"], result["change"]), (f"{LAST_YEAR}-12", 500.0))
		self.assert_balanced(result["journal_entry"])

	def test_accrual_records_cannot_be_edited(self):
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 1, 50_000)], date(LAST_YEAR, 1, 10))
		policy = self.policy_for(dealer)
		result = accruals.accrue(policy.name, month_of_last_year(1))
		record = frappe.get_doc(accruals.ACCRUAL, result["accrual"])
		record.total_change = 0
		self.assertRaises(frappe.ValidationError, record.save, ignore_permissions=True)
		self.assertRaises(frappe.ValidationError, record.delete, ignore_permissions=True)

	def test_liability_report_shows_the_books(self):
		from dealer_relations.dealer_relations.report.rebate_liability.rebate_liability import execute

		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 1, 50_000)], date(LAST_YEAR, 1, 10))
		policy = self.policy_for(dealer)
		accruals.accrue(policy.name, month_of_last_year(1))
		_columns, data, *_rest = execute(
			{"rebate_policy": policy.name, "as_of": str(date(LAST_YEAR, 12, 31))}
		)
		row = next(r for r in data if r["dealer"] == dealer.name)
		self.assertEqual(
			(row["accrued_in_books"], row["earned"], row["paid"], row["balance"]), (500.0, 0.0, 0.0, 0.0)
		)
		settlement = self.approve(make_settlement(dealer.name, policy.name))
		_columns, data, *_rest = execute({"rebate_policy": policy.name})
		row = next(r for r in data if r["dealer"] == dealer.name)
		self.assertEqual(
			(row["accrued_in_books"], row["earned"], row["paid"]),
			(0.0, settlement.net_rebate, settlement.net_rebate),
		)
