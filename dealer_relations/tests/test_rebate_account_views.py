"""What the Dealer form shows of the rebate account (返利池): the latest movements, read through a
whitelisted method for whoever may read the dealer (reps: their own dealers); and the Dealer Rebate
Account report as the form opens it (its filters from the route, the dealer shown by its title)."""

import frappe
import frappe.client
from frappe.desk.query_report import run as run_report
from frappe.handler import execute_cmd

from dealer_relations.rebate_account import LEDGER
from dealer_relations.tests.test_rebate_account import (
	ACCOUNTANT,
	APPROVER,
	OTHER_REP,
	REP,
	RebateAccountTestCase,
)

MOVEMENTS = "dealer_relations.rebate_account.get_dealer_movements"


def call(method, **kwargs):
	"""A whitelisted method as the desk and an API client call it (/api/method/...)."""
	frappe.local.form_dict = frappe._dict(kwargs)
	request = getattr(frappe.local, "request", None)
	frappe.local.request = frappe._dict(method="GET")  # the handler checks the HTTP method
	try:
		return execute_cmd(method)
	finally:
		frappe.local.form_dict = frappe._dict()
		frappe.local.request = request


class TestRebateAccountViews(RebateAccountTestCase):
	def adjust(self, dealer, settlement, amount):
		with self.set_user(APPROVER):
			draft = frappe.client.insert(
				{
					"doctype": "Rebate Account Adjustment",
					"dealer": dealer.name,
					"company": dealer.company,
					"rebate_settlement": settlement.name,
					"amount": amount,
					"reason": "Correction",
				}
			)
			return frappe.client.submit(frappe.get_doc("Rebate Account Adjustment", draft["name"]).as_dict())

	def test_latest_movements_for_the_dealers_rep_newest_first(self):
		dealer, _policy, settlement = self.earn()
		first = self.adjust(dealer, settlement, 10)
		second = self.adjust(dealer, settlement, -20)
		with self.set_user(REP):
			data = call(MOVEMENTS, dealer=dealer.name)
			self.assertEqual(data["company"], dealer.company)
			self.assertEqual(
				[(row.entry_type, row.amount, row.voucher_no) for row in data["movements"]],
				[
					("Adjusted", -20, second["name"]),
					("Adjusted", 10, first["name"]),
					("Earned", 1_000, settlement.name),
				],
			)
			latest = call(MOVEMENTS, dealer=dealer.name, limit=2)["movements"]
		self.assertEqual([row.voucher_no for row in latest], [second["name"], first["name"]])
		self.assertEqual(frappe.db.count(LEDGER, {"dealer": dealer.name}), 3)

	def test_another_rep_cannot_read_the_movements(self):
		dealer, _policy, _settlement = self.earn()
		with self.set_user(OTHER_REP), self.assertRaises(frappe.PermissionError):
			call(MOVEMENTS, dealer=dealer.name)
		with self.set_user(OTHER_REP), self.assertRaises(frappe.PermissionError):
			call(MOVEMENTS, dealer=dealer.name, company=dealer.company, limit=1000)

	def test_report_as_the_dealer_form_opens_it(self):
		"""The form routes to the report with company and dealer. A Dealer link shows the dealer's
		name (show_title_field_in_link), so the report's filter holds the dealer only once its title
		came back from get_link_title: the report's onload waits for it before the first run (the
		run before had no dealer and returned no rows). Here: the title is there for each role that
		opens the report, and the run with the route's filters returns the statement."""
		dealer, _policy, settlement = self.earn()
		self.assertTrue(frappe.get_meta("Dealer").show_title_field_in_link)
		for user in (REP, ACCOUNTANT):
			with self.set_user(user):
				title = call("frappe.desk.search.get_link_title", doctype="Dealer", docname=dealer.name)
				self.assertEqual(title, dealer.dealer_name)
				result = run_report(
					"Dealer Rebate Account",
					filters={"company": dealer.company, "dealer": dealer.name},
					are_default_filters=False,
				)
				self.assertEqual([row["voucher_no"] for row in result["result"]], [settlement.name])
				# what the run without the dealer (the bug) returned
				without = run_report("Dealer Rebate Account", filters={"company": dealer.company})
				self.assertEqual(without["result"], [])
		with self.set_user(OTHER_REP):
			result = run_report(
				"Dealer Rebate Account", filters={"company": dealer.company, "dealer": dealer.name}
			)
			self.assertEqual(result["result"], [])  # the ledger's row rules: not their dealer
