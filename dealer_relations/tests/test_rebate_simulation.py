"""Policy simulator: next year's draft replayed over this year's invoices beside the current
policy, figures against a hand calculation, nothing written, and reps refused through the report
runner, the report's execute and the Simulate button's method."""

from unittest.mock import patch

import frappe
from frappe.desk.query_report import run as run_report
from frappe.utils import add_years

from dealer_relations.dealer_relations.report.rebate_policy_simulation.rebate_policy_simulation import (
	execute,
)
from dealer_relations.simulation import REPORT, get_simulation_defaults
from dealer_relations.tests.rebate_factories import (
	BRANDED,
	PRODUCTS,
	PUMP,
	REBATE_TEST_IGNORE,
	VALVE,
	day,
	make_invoice,
	make_items,
	make_policy,
	make_rebate_dealer,
	make_return,
	setup_rebate_accounts,
	year_start,
)
from dealer_relations.tests.utils import FrappeTestCase, make_user

test_ignore = REBATE_TEST_IGNORE

REP = "dr-sim-rep@example.com"
ACCOUNTS_USER = "dr-sim-accounts@example.com"
ACCOUNTANT = "dr-sim-accountant@example.com"
# the current policy: 1 % from 0, 2 % from 100,000, 3 % from 200,000 (retroactive)
CURRENT = ((0, 1), (100_000, 2), (200_000, 3))
# next year's draft: 1.5 % from 0, 2.5 % from 100,000, 3.5 % from 150,000
DRAFT = ((0, 1.5), (100_000, 2.5), (150_000, 3.5))
WRITTEN = ("Rebate Settlement", "Rebate Settlement Slab", "GL Entry", "Journal Entry", "Sales Invoice")


def next_year(date):
	return add_years(date, 1)


class TestRebateSimulation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		setup_rebate_accounts()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(ACCOUNTS_USER, ["Accounts User"])
		make_user(ACCOUNTANT, ["Rebate Accountant"])
		# a: 95,000 in two invoices; b: 190,000; c: 120,000 less a 10,000 return, plus 50,000 of
		# an item outside the policies' scope (the products group)
		cls.a = make_rebate_dealer(tier="A")
		cls.b = make_rebate_dealer(tier="B")
		cls.c = make_rebate_dealer(tier="B")
		make_invoice(cls.a.customer, [(PUMP, 5, 10_000)], day(10))
		make_invoice(cls.a.customer, [(PUMP, 9, 5_000)], day(60))
		make_invoice(cls.b.customer, [(VALVE, 19, 10_000)], day(20))
		sold = make_invoice(cls.c.customer, [(PUMP, 12, 10_000), (BRANDED, 5, 10_000)], day(30))
		make_return(sold, {PUMP: 1}, day(50))
		dealers = [cls.a.name, cls.b.name, cls.c.name]
		scope = {"item_groups": [{"item_group": PRODUCTS}]}
		cls.older = make_policy(
			dealers=dealers,
			slabs=CURRENT,
			from_date=add_years(year_start(), -1),
			to_date=add_years(day(364), -1),
			**scope,
		)
		cls.current = make_policy(dealers=dealers, slabs=CURRENT, **scope)
		cls.draft = make_policy(
			dealers=dealers,
			slabs=DRAFT,
			submit=False,
			from_date=next_year(year_start()),
			to_date=next_year(day(364)),
			**scope,
		)

	def simulate(self, **filters):
		filters = {"rebate_policy": self.draft.name, "compare_policy": self.current.name, **filters}
		columns, data, message, chart, summary = execute(frappe._dict(filters))
		return columns, data, message, chart, summary

	def test_figures_per_tier_against_a_hand_calculation(self):
		columns, data, message, chart, summary = self.simulate()
		rows = {row["tier"]: row for row in data}
		a, b, total = rows["A"], rows["B"], rows["Total"]
		# current: a 1 % of 95,000; b 2 % of 190,000; c 2 % of 110,000
		self.assertEqual((a["compare_dealers"], a["compare_sales"], a["compare_cost"]), (1, 95_000, 950))
		self.assertEqual((b["compare_dealers"], b["compare_sales"], b["compare_cost"]), (2, 300_000, 6_000))
		# draft: a 1.5 % of 95,000; b 3.5 % of 190,000; c 2.5 % of 110,000
		self.assertEqual((a["draft_dealers"], a["draft_sales"], a["draft_cost"]), (1, 95_000, 1_425))
		self.assertEqual((b["draft_sales"], b["draft_cost"]), (300_000, 6_650 + 2_750))
		self.assertEqual((total["draft_cost"], total["compare_cost"]), (10_825, 6_950))
		self.assertEqual(total["difference"], 10_825 - 6_950)
		self.assertEqual(total["draft_percent"], round(10_825 * 100 / 395_000, 2))
		self.assertEqual(total["compare_percent"], round(6_950 * 100 / 395_000, 2))
		self.assertEqual(a["compare_percent"], 1.0)
		# within 10 % of the next slab: a (5,000 short of 100,000) under both; b (10,000 short of
		# 200,000) under the current policy only, it is at the draft's top slab
		self.assertEqual((a["draft_near"], b["draft_near"], total["draft_near"]), (1, 0, 1))
		self.assertEqual((a["compare_near"], b["compare_near"], total["compare_near"]), (1, 1, 2))
		self.assertEqual(chart["data"]["labels"], ["A", "B"])
		self.assertEqual([d["values"] for d in chart["data"]["datasets"]], [[1_425, 9_400], [950, 6_000]])
		figures = {row["label"]: row["value"] for row in summary}
		self.assertEqual(figures["Rebate Cost (Draft)"], 10_825)
		self.assertEqual(figures["Cost Difference"], 3_875)
		self.assertIn(self.draft.name, message)
		self.assertIn("Draft", [c["label"].split("(")[-1].rstrip(")") for c in columns])

	def test_dealers_near_the_next_slab(self):
		_columns, data, *_rest = self.simulate(view="Near Next Slab")
		# both 5 % short of their next slab (a under both policies, b under the current one): by name
		self.assertEqual([row["dealer"] for row in data], sorted([self.a.name, self.b.name]))
		a, b = sorted(data, key=lambda row: row["dealer"] != self.a.name)
		self.assertEqual((a["draft_next_slab"], a["draft_gap"], a["draft_extra"]), (2, 5_000, 2_500 - 1_425))
		self.assertEqual((a["compare_next_slab"], a["compare_gap"], a["compare_gap_percent"]), (2, 5_000, 5))
		self.assertEqual((b["compare_next_slab"], b["compare_gap"], b["compare_extra"]), (3, 10_000, 2_200))
		self.assertIsNone(b.get("draft_next_slab"))  # at the draft's top slab
		self.assertEqual(b["draft_slab"], 3)

	def test_explicit_period_and_no_compare(self):
		_columns, data, *_rest = self.simulate(compare_policy=None, from_date=day(0), to_date=day(40))
		rows = {row["tier"]: row for row in data}
		# only the invoices up to day 40: a 50,000, b 190,000, c 120,000 (its return came later)
		self.assertEqual(rows["A"]["draft_cost"], 750)
		self.assertEqual(rows["B"]["draft_cost"], 6_650 + 3_000)
		self.assertNotIn("compare_cost", rows["Total"])

	def test_a_compared_policy_of_another_scope_reads_its_own_volumes(self):
		broad = make_policy(dealers=[self.c.name], slabs=CURRENT, submit=False)  # every item
		_columns, data, *_rest = self.simulate(compare_policy=broad.name)
		rows = {row["tier"]: row for row in data}
		# c with the 50,000 outside the products group: 2 % of 160,000
		self.assertEqual((rows["B"]["compare_sales"], rows["B"]["compare_cost"]), (160_000, 3_200))
		self.assertEqual((rows["A"]["compare_dealers"], rows["A"]["compare_cost"]), (0, 0))
		self.assertEqual(rows["Total"]["draft_cost"], 10_825)

	def test_policies_reading_the_same_volumes_load_them_once(self):
		from dealer_relations import simulation

		with patch.object(simulation, "load_volumes", wraps=simulation.load_volumes) as loads:
			self.simulate()
		self.assertEqual(loads.call_count, 1)  # same scope and basis: one load for both
		broad = make_policy(dealers=[self.c.name], slabs=CURRENT, submit=False)
		with patch.object(simulation, "load_volumes", wraps=simulation.load_volumes) as loads:
			self.simulate(compare_policy=broad.name)
		self.assertEqual(loads.call_count, 2)

	def test_nothing_is_written(self):
		before = {doctype: frappe.db.count(doctype) for doctype in WRITTEN}
		writes = frappe.db.transaction_writes
		self.simulate()
		self.simulate(view="Near Next Slab")
		with self.set_user(ACCOUNTANT):
			run_report(
				REPORT, filters={"rebate_policy": self.draft.name, "compare_policy": self.current.name}
			)
		self.assertEqual(frappe.db.transaction_writes, writes)
		self.assertEqual({doctype: frappe.db.count(doctype) for doctype in WRITTEN}, before)
		self.assertEqual(frappe.db.get_value("Rebate Policy", self.draft.name, "docstatus"), 0)

	def test_simulate_button_defaults(self):
		defaults = get_simulation_defaults(self.draft.name)
		self.assertEqual(defaults["compare_policy"], self.current.name)  # the latest period
		self.assertEqual(defaults["from_date"], str(year_start()))
		self.assertEqual(defaults["to_date"], str(day(364)))
		# a submitted policy is compared with another one, never itself
		self.assertEqual(get_simulation_defaults(self.current.name)["compare_policy"], self.older.name)

	def test_the_draft_is_compared_with_the_policy_running_today(self):
		"""Draft vs current: a policy already submitted for next year is not the current one."""
		dealers = [self.a.name, self.b.name, self.c.name]
		next_year = make_policy(
			dealers=dealers,
			slabs=CURRENT,
			from_date=add_years(year_start(), 1),
			to_date=add_years(day(364), 1),
			item_groups=[{"item_group": PRODUCTS}],
		)
		try:
			self.assertEqual(get_simulation_defaults(self.draft.name)["compare_policy"], self.current.name)
			# with none running today, the latest period is the one compared
			self.assertEqual(get_simulation_defaults(self.current.name)["compare_policy"], next_year.name)
		finally:
			next_year.cancel()
			frappe.delete_doc("Rebate Policy", next_year.name, force=True)

	def test_finance_roles_run_it(self):
		with self.set_user(ACCOUNTANT):
			result = run_report(
				REPORT, filters={"rebate_policy": self.draft.name, "compare_policy": self.current.name}
			)
			self.assertEqual(result["result"][-1]["draft_cost"], 10_825)
			self.assertEqual(get_simulation_defaults(self.draft.name)["compare_policy"], self.current.name)

	def test_reps_and_other_readers_of_policies_are_refused(self):
		filters = {"rebate_policy": self.draft.name, "compare_policy": self.current.name}
		for user in (REP, ACCOUNTS_USER):  # both may read Rebate Policy
			with self.subTest(user=user), self.set_user(user):
				self.assertTrue(frappe.has_permission("Rebate Policy", "read"))
				with self.assertRaises(frappe.PermissionError):
					run_report(REPORT, filters=filters)
				with self.assertRaises(frappe.PermissionError):
					execute(frappe._dict(filters))
				with self.assertRaises(frappe.PermissionError):
					get_simulation_defaults(self.draft.name)

	def test_bad_filters_are_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "From Date"):
			self.simulate(from_date=day(40), to_date=day(0))
		incomplete = make_policy(dealers=[self.a.name], submit=False, do_not_save=True)
		incomplete.slabs = []
		incomplete.flags.ignore_mandatory = True
		incomplete.flags.ignore_validate = True
		incomplete.insert()
		with self.assertRaisesRegex(frappe.ValidationError, "Slabs"):
			self.simulate(rebate_policy=incomplete.name)
