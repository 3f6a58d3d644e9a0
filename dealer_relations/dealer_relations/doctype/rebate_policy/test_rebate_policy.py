# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Bad policies are refused with the field named; the year-end run builds one draft per covered
dealer, refreshes drafts and never touches submitted settlements."""

import frappe
from frappe.model.workflow import apply_workflow

from dealer_relations.rebates import create_due_settlements, run_year_end
from dealer_relations.tests.rebate_factories import (
	PUMP,
	REBATE_TEST_IGNORE,
	day,
	make_invoice,
	make_items,
	make_policy,
	make_rebate_dealer,
	setup_rebate_accounts,
)
from dealer_relations.tests.utils import FrappeTestCase, get_company, make_customer, make_user

test_ignore = REBATE_TEST_IGNORE

REP = "dr-rbp-rep@example.com"


def make_tier(name: str) -> str:
	if not frappe.db.exists("Dealer Tier", name):
		rank = (frappe.db.sql("select max(`rank`) from `tabDealer Tier`")[0][0] or 0) + 1
		frappe.get_doc(
			{"doctype": "Dealer Tier", "tier_name": name, "rank": rank, "visit_interval_days": 30}
		).insert(ignore_permissions=True)
	return name


def settle_new_dealer(tier_name: str, invoices=((2, 20),), **dealer_kwargs):
	"""A dealer in a tier of its own with invoices of (pumps, day), a policy for the tier, and the
	year-end run done: (dealer, policy, the run's settlement name)."""
	tier = make_tier(tier_name)
	dealer = make_rebate_dealer(tier=tier, **dealer_kwargs)
	for pumps, on_day in invoices:
		make_invoice(dealer.customer, [(PUMP, pumps, 10_000)], day(on_day))
	policy = make_policy(tiers=[tier])
	run_year_end(policy.name)
	return dealer, policy, frappe.db.get_value("Rebate Settlement", {"rebate_policy": policy.name}, "name")


class TestRebatePolicy(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		setup_rebate_accounts()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])

	def assert_refused(self, message, **kwargs):
		policy = make_policy(do_not_save=True, submit=False, **kwargs)
		with self.assertRaisesRegex(frappe.ValidationError, message):
			policy.insert()
		self.assertFalse(frappe.db.exists("Rebate Policy", policy.policy_name))

	def test_bad_input_is_refused_naming_the_field(self):
		dealer = make_rebate_dealer().name
		self.assert_refused("row #2: Min Value", dealers=[dealer], slabs=((100, 1), (50, 2)))
		self.assert_refused("row #2: Min Value", dealers=[dealer], slabs=((100, 1), (100, 2)))
		self.assert_refused("Rate must be between 0 and 100", dealers=[dealer], slabs=((0, 101),))
		self.assert_refused("Rate must be between 0 and 100", dealers=[dealer], slabs=((0, -1),))
		self.assert_refused("Slabs", dealers=[dealer], slabs=())
		self.assert_refused("From Date", dealers=[dealer], from_date=day(200), to_date=day(100))
		self.assert_refused("Covered Tiers or Covered Dealers", slabs=((0, 1),))

	def test_dealer_of_another_company_is_refused(self):
		dealer = make_rebate_dealer()
		other = frappe.db.get_value("Company", {"name": ("!=", get_company())}, "name")
		if not other:
			self.skipTest("the test site has a single company")
		self.assert_refused("belongs to Company", dealers=[dealer.name], company=other)

	def test_overlapping_policy_for_the_same_dealer_is_refused_at_submit(self):
		dealer = make_rebate_dealer().name
		make_policy(dealers=[dealer])
		second = make_policy(dealers=[dealer], from_date=day(180), submit=False)
		with self.assertRaisesRegex(frappe.ValidationError, "already covered by Rebate Policy"):
			second.submit()
		self.assertEqual(frappe.db.get_value("Rebate Policy", second.name, "docstatus"), 0)
		# Pumps are among the first policy's items: a pump line would earn both rebates.
		third = make_policy(dealers=[dealer], submit=False, items=[{"item_code": PUMP}])
		with self.assertRaisesRegex(frappe.ValidationError, "items in common"):
			third.submit()

	def test_year_end_run_is_idempotent_and_leaves_submitted_settlements_alone(self):
		tier = make_tier("DR RB Run Tier")
		dealers = [make_rebate_dealer(tier=tier, sales_rep=REP) for _ in range(3)]
		prospect = make_rebate_dealer(tier=tier)
		prospect.db_set("status", "Prospect")
		for index, dealer in enumerate(dealers):
			make_invoice(dealer.customer, [(PUMP, 5 * (index + 1), 10_000)], day(20))  # 50k, 100k, 150k
		policy = make_policy(tiers=[tier])

		self.assertEqual(
			run_year_end(policy.name, chunk_size=2),
			{"created": 3, "refreshed": 0, "unchanged": 0, "skipped": 0},
		)
		settlements = frappe.get_all(
			"Rebate Settlement",
			filters={"rebate_policy": policy.name},
			fields=["name", "dealer", "eligible_volume", "net_rebate", "workflow_state"],
		)
		by_dealer = {row.dealer: row for row in settlements}
		self.assertEqual(set(by_dealer), {d.name for d in dealers})
		self.assertEqual(
			[(by_dealer[d.name].eligible_volume, by_dealer[d.name].net_rebate) for d in dealers],
			[(50_000, 500), (100_000, 2_000), (150_000, 3_000)],
		)
		self.assertTrue(all(row.workflow_state == "Draft" for row in settlements))
		# The run writes exactly what the form computes on save.
		doc = frappe.get_doc("Rebate Settlement", by_dealer[dealers[1].name].name)
		self.assertEqual(len(doc.get_monthly_volume()), 1)
		self.assertEqual([(r.slab, r.volume, r.rebate) for r in doc.slab_breakdown], [(2, 100_000, 2_000)])
		doc.save()
		self.assertEqual((doc.eligible_volume, doc.net_rebate, len(doc.slab_breakdown)), (100_000, 2_000, 1))

		# Nothing changed: nothing is rewritten.
		self.assertEqual(
			run_year_end(policy.name), {"created": 0, "refreshed": 0, "unchanged": 3, "skipped": 0}
		)
		# Approve one, sell more to everyone, re-run: drafts follow, the approved one does not.
		approved = apply_workflow(apply_workflow(doc, "Submit for Approval"), "Approve")
		for dealer in dealers:
			make_invoice(dealer.customer, [(PUMP, 10, 10_000)], day(30))
		self.assertEqual(
			run_year_end(policy.name), {"created": 0, "refreshed": 2, "unchanged": 0, "skipped": 1}
		)
		self.assertEqual(frappe.db.count("Rebate Settlement", {"rebate_policy": policy.name}), 3)
		self.assertEqual(frappe.db.get_value("Rebate Settlement", approved.name, "net_rebate"), 2_000)
		first = frappe.get_doc("Rebate Settlement", by_dealer[dealers[0].name].name)
		self.assertEqual((first.eligible_volume, first.net_rebate), (150_000, 3_000))
		self.assertEqual([(r.slab, r.volume) for r in first.slab_breakdown], [(2, 150_000)])
		self.assertEqual(len(first.get_monthly_volume()), 2 if day(20).month != day(30).month else 1)
		self.assertTrue(frappe.db.get_value("Rebate Policy", policy.name, "settlements_created_on"))

	def test_patch_moves_month_rows_of_older_versions_into_the_settlement(self):
		from dealer_relations.patches.v0_4 import monthly_volume_as_json

		_dealer, _policy, name = settle_new_dealer("DR RB Patch Tier")
		frappe.db.set_value("Rebate Settlement", name, "monthly_volume", None)
		# the child table of v0.3, as a temporary table: MariaDB does not commit around temporary
		# DDL, but Frappe refuses every CREATE/DROP after writes, so its count is set aside
		writes = frappe.db.transaction_writes

		def temporary_ddl(query):
			frappe.db.transaction_writes = 0
			try:
				frappe.db.sql(query)
			finally:
				frappe.db.transaction_writes = writes

		temporary_ddl(
			"create temporary table `tabRebate Settlement Month` (name varchar(140) primary key, "
			"parent varchar(140), parenttype varchar(140), idx int, month varchar(140), "
			"volume decimal(21,9), cumulative_volume decimal(21,9))"
		)
		try:
			for row in (
				(f"{name}-m2", name, "Rebate Settlement", 2, "2026-02", -500, 1000),
				(f"{name}-m1", name, "Rebate Settlement", 1, "2026-01", 1500, 1500),
				("orphan-m1", "RBS-NO-SUCH", "Rebate Settlement", 1, "2026-01", 7, 7),
			):
				frappe.db.sql(
					"insert into `tabRebate Settlement Month` values (%s, %s, %s, %s, %s, %s, %s)", row
				)
			monthly_volume_as_json.copy_months()
		finally:
			temporary_ddl("drop temporary table if exists `tabRebate Settlement Month`")
		settlement = frappe.get_doc("Rebate Settlement", name)
		self.assertEqual(
			[(m.month, m.volume, m.cumulative_volume) for m in settlement.get_monthly_volume()],
			[("2026-01", 1500, 1500), ("2026-02", -500, 1000)],
		)
		self.assertFalse(frappe.db.exists("Rebate Settlement", "RBS-NO-SUCH"))
		monthly_volume_as_json.copy_months()  # again, with no child table left: nothing to do
		self.assertEqual(
			frappe.db.get_value("Rebate Settlement", name, "monthly_volume"), settlement.monthly_volume
		)

	def test_year_end_run_writes_names_as_typed_and_months_as_the_controller(self):
		# the run writes with its own multi-row INSERT: a "%" in a name must be stored as typed,
		# and its month rows must match what the settlement's own save computes
		typed = f"100% 泵业 O'Brien {frappe.generate_hash(length=4)}"
		_dealer, _policy, name = settle_new_dealer(
			"DR RB Percent Tier", invoices=((2, 20), (3, 50)), customer=make_customer(typed)
		)
		settlement = frappe.get_doc("Rebate Settlement", name)
		self.assertEqual(settlement.dealer_name, typed)
		written = [(row.month, row.volume, row.cumulative_volume) for row in settlement.get_monthly_volume()]
		self.assertEqual([row[1:] for row in written], [(20_000, 20_000), (30_000, 50_000)])
		stored = settlement.monthly_volume
		settlement.save()
		# the same text, not only the same numbers: a re-run compares the stored string
		self.assertEqual(settlement.monthly_volume, stored)
		self.assertEqual(frappe.db.get_value("Rebate Settlement", name, "monthly_volume"), stored)

	def test_create_settlements_needs_a_submitted_policy_and_permission(self):
		from dealer_relations.rebates import create_settlements

		dealer = make_rebate_dealer().name
		draft = make_policy(dealers=[dealer], submit=False)
		with self.assertRaises(frappe.ValidationError):
			create_settlements(draft.name)
		policy = make_policy(dealers=[dealer], items=[{"item_code": PUMP}])
		with self.set_user(REP), self.assertRaises(frappe.PermissionError):
			create_settlements(policy.name)
		started = create_settlements(policy.name)
		self.assertEqual((started["dealers"], started["jobs"], started["resumed"]), (1, 1, False))
		self.assertEqual(frappe.db.get_value("Dealer Relations Run", started["run"], "jobs_expected"), 1)

	def test_scheduled_run_after_the_period_ends_only_when_enabled(self):
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 1, 10_000)], day(5))
		policy = make_policy(dealers=[dealer.name], to_date=day(10))
		settings = frappe.get_single("Dealer Relations Settings")
		settings.auto_create_rebate_settlements = 0
		settings.save()
		self.assertEqual(create_due_settlements(), [])
		settings.auto_create_rebate_settlements = 1
		settings.rebate_run_delay_days = 0
		settings.save()
		self.assertIn(policy.name, create_due_settlements())
		self.assertEqual(frappe.db.count("Rebate Settlement", {"rebate_policy": policy.name}), 1)
		self.assertNotIn(policy.name, create_due_settlements())  # once
		# a run from the form during the year is not the year-end run: it still runs when due
		other = make_rebate_dealer()
		make_invoice(other.customer, [(PUMP, 1, 10_000)], day(5))
		early = make_policy(dealers=[other.name], to_date=day(10))
		run_year_end(early.name)
		frappe.db.set_value("Rebate Policy", early.name, "settlements_created_on", day(8))
		self.assertIn(early.name, create_due_settlements())
		self.assertNotIn(early.name, create_due_settlements())

	def test_rerun_leaves_settlements_awaiting_approval_and_refuses_a_cancelled_policy(self):
		from dealer_relations.rebates import run_year_end_job

		dealer, policy, name = settle_new_dealer("DR RB Pending Tier", invoices=((1, 20),))
		apply_workflow(frappe.get_doc("Rebate Settlement", name), "Submit for Approval")
		make_invoice(dealer.customer, [(PUMP, 1, 10_000)], day(30))
		# the approver keeps looking at the figures that were sent
		self.assertEqual(
			run_year_end(policy.name), {"created": 0, "refreshed": 0, "unchanged": 0, "skipped": 1}
		)
		self.assertEqual(frappe.db.get_value("Rebate Settlement", name, "eligible_volume"), 10_000)
		# sent back to the accountant (the save recomputes it), it follows later sales again
		apply_workflow(frappe.get_doc("Rebate Settlement", name), "Reject")
		self.assertEqual(frappe.db.get_value("Rebate Settlement", name, "eligible_volume"), 20_000)
		make_invoice(dealer.customer, [(PUMP, 1, 10_000)], day(40))
		self.assertEqual(run_year_end(policy.name)["refreshed"], 1)
		self.assertEqual(frappe.db.get_value("Rebate Settlement", name, "eligible_volume"), 30_000)
		# a job queued before the policy was cancelled writes nothing
		policy.reload()
		policy.cancel()
		with self.assertRaises(frappe.ValidationError):
			run_year_end_job(policy.name, [dealer.name])
