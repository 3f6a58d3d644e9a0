"""The daily overdue job: one open ToDo per overdue dealer, no duplicates, closed by a visit."""

import frappe
from frappe.utils import add_days, get_datetime, today

from dealer_relations.tests.utils import FrappeTestCase, backdate_dealer, make_dealer, make_user, make_visit
from dealer_relations.visits import OVERDUE_VISIT, create_overdue_todos

REP = "dr-overdue-rep@example.com"
REP_2 = "dr-overdue-rep2@example.com"


def open_todos(dealer):
	return frappe.get_all(
		"ToDo",
		filters={
			"reference_type": "Dealer",
			"reference_name": dealer,
			"dealer_followup": OVERDUE_VISIT,
			"status": "Open",
		},
		fields=["name", "allocated_to"],
	)


class TestOverdueFollowUp(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(REP_2, ["Dealer Sales Rep", "Sales User"])
		frappe.db.set_single_value("Dealer Relations Settings", "create_overdue_todos", 1)

	def overdue_dealer(self, status="Active", **kwargs):
		dealer = make_dealer(sales_rep=REP, tier="A", territories=["All Territories"], **kwargs)
		if status != "Prospect":
			frappe.db.set_value("Dealer", dealer.name, "status", status)
		backdate_dealer(dealer.name, 60)
		frappe.db.set_value("Dealer", dealer.name, "next_visit_due", add_days(today(), -3))
		return dealer.name

	def test_one_todo_per_overdue_dealer_and_reruns_add_none(self):
		dealer = self.overdue_dealer()
		create_overdue_todos()
		todos = open_todos(dealer)
		self.assertEqual(len(todos), 1)
		self.assertEqual(todos[0].allocated_to, REP)
		create_overdue_todos()
		create_overdue_todos()
		self.assertEqual(len(open_todos(dealer)), 1)

	def test_suspended_terminated_and_not_due_are_left_out(self):
		suspended = self.overdue_dealer(status="Suspended")
		terminated = self.overdue_dealer(status="Terminated")
		prospect = self.overdue_dealer(status="Prospect")
		due_today = self.overdue_dealer()
		frappe.db.set_value("Dealer", due_today, "next_visit_due", today())
		create_overdue_todos()
		self.assertEqual(open_todos(suspended), [])
		self.assertEqual(open_todos(terminated), [])
		self.assertEqual(open_todos(due_today), [])
		self.assertEqual(len(open_todos(prospect)), 1)

	def test_visit_closes_the_todo(self):
		dealer = self.overdue_dealer()
		create_overdue_todos()
		todo = open_todos(dealer)[0].name
		with self.set_user(REP):
			make_visit(dealer, get_datetime(add_days(today(), -1)).replace(hour=9))
		self.assertEqual(open_todos(dealer), [])
		self.assertEqual(frappe.db.get_value("ToDo", todo, "status"), "Closed")
		create_overdue_todos()
		self.assertEqual(open_todos(dealer), [])

	def test_reassigned_dealer_moves_the_todo(self):
		dealer = self.overdue_dealer()
		create_overdue_todos()
		frappe.db.set_value("Dealer", dealer, "sales_rep", REP_2)
		result = create_overdue_todos()
		self.assertGreaterEqual(result["closed"], 1)
		self.assertEqual([t.allocated_to for t in open_todos(dealer)], [REP_2])

	def test_switch_in_settings(self):
		dealer = self.overdue_dealer()
		frappe.db.set_single_value("Dealer Relations Settings", "create_overdue_todos", 0)
		try:
			self.assertEqual(create_overdue_todos(), {"created": 0, "closed": 0})
			self.assertEqual(open_todos(dealer), [])
		finally:
			frappe.db.set_single_value("Dealer Relations Settings", "create_overdue_todos", 1)

	def test_job_is_registered_daily(self):
		self.assertIn(
			"dealer_relations.visits.create_overdue_todos", frappe.get_hooks("scheduler_events")["daily"]
		)
