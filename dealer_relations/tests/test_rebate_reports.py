"""The statement shows the settlement's numbers; the liability report shows the gap to the next
slab (reps see their own dealers); the register lists settlements; the number card adds up."""

import frappe
from frappe.model.workflow import apply_workflow

from dealer_relations.dealer_relations.report.dealer_rebate_statement.dealer_rebate_statement import (
	execute as statement,
)
from dealer_relations.dealer_relations.report.rebate_liability.rebate_liability import (
	execute as liability,
)
from dealer_relations.dealer_relations.report.rebate_settlement_register.rebate_settlement_register import (
	execute as register,
)
from dealer_relations.rebates import get_total_rebate_liability, run_year_end
from dealer_relations.tests.rebate_factories import (
	PUMP,
	day,
	make_invoice,
	make_items,
	make_policy,
	make_rebate_dealer,
	setup_rebate_accounts,
)
from dealer_relations.tests.utils import FrappeTestCase, make_user

REP = "dr-rbr-rep@example.com"
OTHER_REP = "dr-rbr-other@example.com"


class TestRebateReports(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		setup_rebate_accounts()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])
		cls.near = make_rebate_dealer(sales_rep=REP)  # 95,000: 5,000 short of slab 2
		cls.far = make_rebate_dealer(sales_rep=OTHER_REP)  # 250,000: top slab
		make_invoice(cls.near.customer, [(PUMP, 5, 10_000)], day(10))
		make_invoice(cls.near.customer, [(PUMP, 9, 5_000)], day(45))
		make_invoice(cls.far.customer, [(PUMP, 25, 10_000)], day(10))
		cls.policy = make_policy(dealers=[cls.near.name, cls.far.name])
		run_year_end(cls.policy.name)

	def settlement(self, dealer):
		name = frappe.db.get_value("Rebate Settlement", {"dealer": dealer, "rebate_policy": self.policy.name})
		return frappe.get_doc("Rebate Settlement", name)

	def test_statement_matches_the_settlement(self):
		for dealer in (self.near, self.far):
			columns, data, message, chart, summary = statement(
				frappe._dict(rebate_policy=self.policy.name, dealer=dealer.name)
			)
			doc = self.settlement(dealer.name)
			figures = {row["label"]: row["value"] for row in summary}
			self.assertEqual(figures["Eligible Volume"], doc.eligible_volume)
			self.assertEqual(figures["Slab Reached"], doc.slab_reached)
			self.assertEqual(figures["Net Rebate"], doc.net_rebate)
			self.assertEqual(figures["Gross Rebate"], doc.gross_rebate)
			months = [(row["month"], row["volume"]) for row in data if row.get("bold") is None]
			self.assertEqual(months, [(m.month, m.volume) for m in doc.get_monthly_volume()])
		columns, data, message, chart, summary = statement(
			frappe._dict(rebate_policy=self.policy.name, dealer=self.near.name)
		)
		self.assertEqual(data[0]["cumulative_volume"], 50_000)
		self.assertEqual(data[-1]["volume"], 95_000)
		self.assertIn("5,000", message)  # more volume to reach slab 2

	def test_statement_refuses_a_dealer_outside_the_policy_or_the_reps_reach(self):
		outsider = make_rebate_dealer()
		with self.assertRaisesRegex(frappe.ValidationError, "not covered"):
			statement(frappe._dict(rebate_policy=self.policy.name, dealer=outsider.name))
		with self.set_user(REP), self.assertRaises(frappe.PermissionError):
			statement(frappe._dict(rebate_policy=self.policy.name, dealer=self.far.name))

	def test_reports_opened_without_filters_explain_or_default(self):
		"""No required filters in the desk (Frappe 15 throws when one is empty on open): the
		statement asks for its two choices, the liability shows the policy running today."""
		columns, data, message, *_rest = statement(frappe._dict())
		self.assertEqual((columns, data), ([], []))
		self.assertIn("Rebate Policy", message)
		from dealer_relations.dealer_relations.report.rebate_liability.rebate_liability import running_policy

		running = running_policy()
		_c, data, message, *_rest = liability(frappe._dict())
		if running:
			self.assertEqual(data, liability(frappe._dict(rebate_policy=running))[1])
		else:
			self.assertEqual(data, [])
			self.assertIn("Rebate Policy", message)

	def test_liability_shows_the_gap_and_what_it_unlocks(self):
		columns, data, _message, chart, summary = liability(frappe._dict(rebate_policy=self.policy.name))
		rows = {row["dealer"]: row for row in data}
		near = rows[self.near.name]
		# 95,000 at 1% = 950; at 100,000 the whole volume earns 2% = 2,000
		self.assertEqual((near["slab_reached"], near["accrued_rebate"]), (1, 950))
		self.assertEqual((near["next_slab"], near["gap"], near["extra_rebate"]), (2, 5_000, 1_050))
		far = rows[self.far.name]
		self.assertEqual((far["slab_reached"], far["accrued_rebate"], far["gap"]), (3, 7_500, None))
		self.assertEqual(data[0]["dealer"], self.near.name, "closest to the next slab first")

	def test_rep_sees_only_own_dealers_in_liability(self):
		with self.set_user(REP):
			_c, data, _m, _chart, _s = liability(frappe._dict(rebate_policy=self.policy.name))
		self.assertEqual([row["dealer"] for row in data], [self.near.name])
		with self.set_user(REP):
			self.assertEqual(get_total_rebate_liability()["value"], 950)  # their dealer's accrual only

	def test_finance_roles_open_the_rebate_reports_and_card(self):
		# the approver (Accounts Manager) and a finance clerk (Accounts User) hold no dealer role
		approver = make_user("dr-rbr-approver@example.com", ["Accounts Manager"])
		clerk = make_user("dr-rbr-clerk@example.com", ["Accounts User"])
		everyone = {self.near.name, self.far.name}
		with self.set_user(approver):
			_c, data, *_rest = liability(frappe._dict(rebate_policy=self.policy.name))
			self.assertEqual({row["dealer"] for row in data}, everyone)
			_c, data, *_rest = statement(frappe._dict(rebate_policy=self.policy.name, dealer=self.near.name))
			self.assertTrue(data)
			self.assertEqual(get_total_rebate_liability()["value"], 950 + 7_500)
		with self.set_user(clerk):
			_c, data, *_rest = register(frappe._dict(rebate_policy=self.policy.name))
			self.assertEqual({row.dealer for row in data}, everyone)

	def test_statement_of_an_approved_settlement_shows_what_was_settled(self):
		settled = self.settlement(self.far.name)
		if not settled.docstatus:  # another test of the class may have approved it already
			settled = apply_workflow(apply_workflow(settled, "Submit for Approval"), "Approve")
		make_invoice(self.far.customer, [(PUMP, 1, 10_000)], day(60))  # sold after the settlement
		_c, data, message, _chart, summary = statement(
			frappe._dict(rebate_policy=self.policy.name, dealer=self.far.name)
		)
		figures = {row["label"]: row["value"] for row in summary}
		self.assertEqual((figures["Eligible Volume"], figures["Net Rebate"]), (250_000, settled.net_rebate))
		months = [(row["month"], row["volume"]) for row in data if row.get("bold") is None]
		self.assertEqual(months, [(m.month, m.volume) for m in settled.get_monthly_volume()])
		self.assertIn(settled.name, message)
		self.assertIn("7,800", message)  # what the ledger gives now

	def test_register_and_number_card(self):
		_c, data, _m, _chart, summary = register(frappe._dict(rebate_policy=self.policy.name))
		self.assertEqual({row.dealer for row in data}, {self.near.name, self.far.name})
		before = get_total_rebate_liability()["value"]
		doc = self.settlement(self.far.name)
		apply_workflow(apply_workflow(doc, "Submit for Approval"), "Approve")
		_c, data, _m, _chart, summary = register(frappe._dict(rebate_policy=self.policy.name))
		figures = {row["label"]: row["value"] for row in summary}
		self.assertEqual(figures["Net Rebate Posted"], 7_500)
		self.assertEqual(figures["Net Rebate Awaiting Approval"], 950)
		self.assertTrue(next(row for row in data if row.dealer == self.far.name).posted_entry)
		# Once settled, the far dealer's rebate is no longer a liability.
		self.assertAlmostEqual(get_total_rebate_liability()["value"], before - 7_500)

	def test_statement_print_format_renders_in_english_and_chinese(self):
		doc = self.settlement(self.near.name)
		english = frappe.get_print("Rebate Settlement", doc.name, print_format="Dealer Rebate Statement")
		self.assertIn("Year-end Rebate Statement", english)
		self.assertIn(doc.get_monthly_volume()[0].month, english)
		self.assertIn("950.00", english)
		frappe.local.lang = "zh"
		frappe.local.lang_full_dict = None
		try:
			chinese = frappe.get_print("Rebate Settlement", doc.name, print_format="Dealer Rebate Statement")
		finally:
			frappe.local.lang = "en"
			frappe.local.lang_full_dict = None
		self.assertIn("年终返利对账单", chinese)
		self.assertIn("返利净额", chinese)
