# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.utils import add_days, getdate, today

from dealer_relations.dealer_relations.report.dealer_visit_plan.dealer_visit_plan import execute
from dealer_relations.tests.utils import FrappeTestCase, make_dealer, make_user

REP = "dr-plan-rep@example.com"
OTHER_REP = "dr-plan-other@example.com"


class TestDealerVisitPlan(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])
		cls.overdue = cls.dealer("C", -5)
		cls.soon = cls.dealer("A", 3)
		cls.later = cls.dealer("B", 40)
		cls.suspended = cls.dealer("A", -10, status="Suspended")

	@classmethod
	def dealer(cls, tier, due_in_days, status="Active"):
		dealer = make_dealer(tier=tier, sales_rep=REP, territories=["All Territories"])
		frappe.db.set_value(
			"Dealer", dealer.name, {"status": status, "next_visit_due": add_days(today(), due_in_days)}
		)
		return dealer.name

	def plan(self, **filters):
		return execute(frappe._dict(sales_rep=REP, **filters))

	def test_overdue_first_then_due_soon_later_hidden(self):
		_columns, data, _m, chart, summary = self.plan()
		self.assertEqual([row.dealer for row in data], [self.overdue, self.soon])
		self.assertEqual([row.plan for row in data], ["Overdue", "Due Soon"])
		self.assertEqual([row.days_to_due for row in data], [-5, 3])
		self.assertEqual({s["label"]: s["value"] for s in summary}["Overdue"], 1)
		self.assertEqual(sum(chart["data"]["datasets"][0]["values"]), 1)

	def test_horizon_and_show_later(self):
		_c, data, _m, _chart, _s = self.plan(horizon_days=60)
		self.assertEqual([row.dealer for row in data], [self.overdue, self.soon, self.later])
		_c, data, _m, _chart, _s = self.plan(horizon_days=1, show_later=1)
		self.assertEqual([row.plan for row in data], ["Overdue", "Later", "Later"])
		with self.assertRaises(frappe.ValidationError):
			self.plan(horizon_days=-1)

	def test_tier_filter_and_suspended_left_out(self):
		_c, data, _m, _chart, _s = self.plan(tier="A", horizon_days=60)
		self.assertEqual([row.dealer for row in data], [self.soon])

	def test_rep_sees_only_own_plan(self):
		with self.set_user(OTHER_REP):
			_c, data, _m, _chart, _s = self.plan()
		self.assertEqual(data, [])
		with self.set_user(REP):
			_c, data, _m, _chart, _s = self.plan()
		self.assertEqual(len(data), 2)
		self.assertEqual(getdate(data[0].next_visit_due), getdate(add_days(today(), -5)))
