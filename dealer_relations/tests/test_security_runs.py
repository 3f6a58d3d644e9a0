"""Background runs as an API user sees them: a run's record is written only by the run's own code,
and resuming a run takes the right to create what its jobs write. Old finished runs are cleared
by Log Settings; an unfinished one stays."""

from __future__ import annotations

import frappe
from frappe.client import insert, set_value

from dealer_relations import rebates, runs
from dealer_relations.tests.rebate_factories import REBATE_TEST_IGNORE, make_policy, make_rebate_dealer
from dealer_relations.tests.utils import FrappeTestCase, make_user

EXTRA_TEST_RECORD_DEPENDENCIES = REBATE_TEST_IGNORE
test_ignore = REBATE_TEST_IGNORE


class TestRunSecurity(FrappeTestCase):
	def setUp(self):
		self.policy = make_policy(dealers=[make_rebate_dealer().name])
		# recorded, never queued: its one job counts as lost, as after a killed worker
		self.run = rebates.enqueue_year_end(self.policy.name, enqueue=False).run
		self.rep = make_user("dr-runs-rep@example.com", ["Dealer Sales Rep"])
		self.manager = make_user("dr-runs-manager@example.com", ["Dealer Manager"])
		self.controller = make_user("dr-runs-controller@example.com", ["Credit Controller"])
		self.accountant = make_user("dr-runs-accountant@example.com", ["Rebate Accountant"])

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_only_who_may_create_settlements_resumes_a_settlement_run(self):
		for attacker in (self.rep, self.manager, self.controller):
			frappe.set_user(attacker)
			self.assertRaises(frappe.PermissionError, runs.resume_run, self.run)
			latest = runs.get_latest_run("Rebate Settlements", "Rebate Policy", self.policy.name)
			self.assertFalse(latest and latest["can_resume"], attacker)
		frappe.set_user(self.accountant)
		latest = runs.get_latest_run("Rebate Settlements", "Rebate Policy", self.policy.name)
		self.assertEqual((latest["name"], latest["lost"], latest["can_resume"]), (self.run, 1, True))
		self.assertEqual(runs.resume_run(self.run)["requeued"], 1)

	def test_a_run_record_cannot_be_written_through_the_api(self):
		"""Marking a lost run finished would hide it from the form and from resuming."""
		frappe.set_user(self.manager)
		self.assertRaises(frappe.PermissionError, set_value, runs.RUN, self.run, "status", "Finished")
		self.assertRaises(
			frappe.PermissionError,
			insert,
			{"doctype": runs.RUN, "run_type": "Credit Rating", "scope": "x", "status": "Finished"},
		)
		frappe.set_user(self.rep)
		self.assertRaises(frappe.PermissionError, frappe.client.get, runs.RUN, self.run)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value(runs.RUN, self.run, "status"), "Running")

	def test_settlements_created_on_is_written_by_the_run_only(self):
		"""The daily job runs a policy that has fallen due and has no run yet: an approver who
		could stamp the date on a submitted policy would switch its year-end run off."""
		approver = make_user("dr-runs-approver@example.com", ["Accounts Manager"])
		frappe.set_user(approver)
		try:  # refused after submit, or dropped above the approver's permlevel: either holds
			set_value("Rebate Policy", self.policy.name, "settlements_created_on", "2026-01-01 00:00:00")
		except frappe.ValidationError:
			pass
		frappe.set_user("Administrator")
		stamped = frappe.db.get_value(
			"Rebate Policy", self.policy.name, ["docstatus", "settlements_created_on"]
		)
		self.assertEqual(stamped, (1, None))

	def test_log_settings_clears_old_finished_runs_and_keeps_unfinished_ones(self):
		from frappe.core.doctype.log_settings.log_settings import _supports_log_clearing

		from dealer_relations.dealer_relations.doctype.dealer_relations_run.dealer_relations_run import (
			DealerRelationsRun,
		)

		self.assertTrue(_supports_log_clearing(runs.RUN))
		finished = rebates.enqueue_year_end(
			make_policy(dealers=[make_rebate_dealer().name]).name, enqueue=False
		).run
		frappe.db.set_value(runs.RUN, finished, {"status": "Finished", "finished_on": "2020-01-01 00:00:00"})
		frappe.db.set_value(runs.RUN, self.run, "started_on", "2020-01-01 00:00:00")
		DealerRelationsRun.clear_old_logs(days=90)
		self.assertFalse(frappe.db.exists(runs.RUN, finished))
		self.assertFalse(frappe.db.exists(runs.RUN_JOB, {"parent": finished}))
		self.assertTrue(frappe.db.exists(runs.RUN, self.run), "an unfinished run stays until resumed")
