# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.utils import add_days, get_datetime, getdate, now_datetime, today

from dealer_relations.tests.utils import (
	EXTERNAL_TEST_IGNORE,
	FrappeTestCase,
	backdate_dealer,
	make_customer,
	make_dealer,
	make_territory,
	make_user,
	make_visit,
)

test_ignore = EXTERNAL_TEST_IGNORE

REP = "dr-visit-rep@example.com"
OTHER_REP = "dr-visit-other@example.com"
MANAGER = "dr-visit-manager@example.com"


def days_ago(days, hour=10):
	return get_datetime(add_days(today(), -days)).replace(hour=hour)


class TestDealerVisitLog(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])
		make_user(MANAGER, ["Dealer Manager", "Sales User"])
		make_territory("DR Visit City")

	def dealer(self, tier="B", rep=REP, age_days=365, **kwargs):
		dealer = make_dealer(tier=tier, sales_rep=rep, **kwargs)
		backdate_dealer(dealer.name, age_days)
		return dealer.name

	def dates(self, dealer):
		return frappe.db.get_value("Dealer", dealer, ["last_visit_date", "next_visit_due"])

	def test_new_dealer_is_due_one_interval_after_creation(self):
		dealer = make_dealer(tier="C")
		self.assertEqual(self.dates(dealer.name), (None, getdate(add_days(today(), 30))))
		dealer.tier = "A"
		dealer.save()
		self.assertEqual(self.dates(dealer.name)[1], getdate(add_days(today(), 7)))

	def test_visit_dates_follow_insert_edit_delete(self):
		dealer = self.dealer(tier="B")  # 14 days
		first = make_visit(dealer, days_ago(20))
		self.assertEqual(
			self.dates(dealer), (getdate(add_days(today(), -20)), getdate(add_days(today(), -6)))
		)
		second = make_visit(dealer, days_ago(3))
		self.assertEqual(self.dates(dealer), (getdate(add_days(today(), -3)), getdate(add_days(today(), 11))))
		second.visit_date = days_ago(10)
		second.save()
		self.assertEqual(self.dates(dealer), (getdate(add_days(today(), -10)), getdate(add_days(today(), 4))))
		second.delete()
		self.assertEqual(self.dates(dealer)[0], getdate(add_days(today(), -20)))
		first.delete()
		self.assertIsNone(self.dates(dealer)[0])

	def test_explicit_next_visit_date_only_when_earlier(self):
		dealer = self.dealer(tier="C")
		make_visit(dealer, days_ago(1), next_visit_date=add_days(today(), 5))
		self.assertEqual(self.dates(dealer)[1], getdate(add_days(today(), 5)))
		make_visit(dealer, days_ago(0, hour=0), next_visit_date=add_days(today(), 60))
		self.assertEqual(self.dates(dealer)[1], getdate(add_days(today(), 30)))

	def test_bad_dates_rejected(self):
		dealer = self.dealer(age_days=10)
		with self.assertRaisesRegex(frappe.ValidationError, "in the future"):
			make_visit(dealer, add_days(now_datetime(), 2))
		with self.assertRaisesRegex(frappe.ValidationError, "before the dealer was created"):
			make_visit(dealer, days_ago(30))
		with self.assertRaisesRegex(frappe.ValidationError, "must be after the Visit Date"):
			make_visit(dealer, days_ago(2), next_visit_date=add_days(today(), -3))
		self.assertFalse(frappe.db.exists("Dealer Visit Log", {"dealer": dealer}))
		self.assertIsNone(self.dates(dealer)[0])

	def test_missing_dealer_is_a_clear_mandatory_error(self):
		with self.assertRaises(frappe.MandatoryError):
			frappe.get_doc({"doctype": "Dealer Visit Log", "visit_type": "Routine"}).insert()

	def test_rep_logs_only_for_own_dealers(self):
		mine = self.dealer(rep=REP)
		theirs = self.dealer(rep=OTHER_REP)
		with self.set_user(REP):
			visit = make_visit(mine, days_ago(1))
			self.assertEqual(visit.sales_rep, REP)
			with self.assertRaisesRegex(frappe.ValidationError, "only for your own dealers"):
				make_visit(theirs, days_ago(1))
		with self.set_user(OTHER_REP):
			self.assertNotIn(visit.name, frappe.get_list("Dealer Visit Log", pluck="name"))
			self.assertFalse(frappe.has_permission("Dealer Visit Log", "read", visit.name))
		with self.set_user(MANAGER):
			on_behalf = make_visit(theirs, days_ago(1), sales_rep=OTHER_REP)
			self.assertEqual(on_behalf.sales_rep, OTHER_REP)
			self.assertIn(visit.name, frappe.get_list("Dealer Visit Log", pluck="name"))

	def test_terminated_dealer_cannot_be_visited(self):
		dealer = self.dealer()
		frappe.db.set_value("Dealer", dealer, "status", "Terminated")
		with self.assertRaisesRegex(frappe.ValidationError, "Terminated"):
			make_visit(dealer, days_ago(1))

	def test_follow_up_actions_become_todos_once(self):
		dealer = self.dealer()
		visit = make_visit(
			dealer,
			days_ago(1),
			sales_rep=REP,
			actions=[
				{"action": "Send the new price list", "due_date": add_days(today(), 3)},
				{"action": "Arrange display training"},
			],
		)
		todos = frappe.get_all(
			"ToDo",
			filters={"reference_type": "Dealer Visit Log", "reference_name": visit.name},
			fields=["allocated_to", "description", "dealer_followup", "status"],
		)
		self.assertEqual(len(todos), 2)
		self.assertEqual({t.allocated_to for t in todos}, {REP})
		self.assertEqual({t.dealer_followup for t in todos}, {"Visit Action"})
		visit.reload()
		self.assertTrue(all(row.todo for row in visit.actions))
		visit.outcome = "Agreed on a display refresh"
		visit.save()
		self.assertEqual(
			frappe.db.count("ToDo", {"reference_type": "Dealer Visit Log", "reference_name": visit.name}), 2
		)

	def test_off_site_check_in_is_flagged(self):
		customer = make_customer("DR Geo Co")
		dealer = make_dealer(customer, sales_rep=REP)
		backdate_dealer(dealer.name, 100)
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": "DR Geo Co",
				"address_type": "Billing",
				"address_line1": "1 Zhongshan Road",
				"city": "Nanjing",
				"country": frappe.db.get_value("Country", {}, "name"),
				"is_primary_address": 1,
				"dr_latitude": 32.0603,
				"dr_longitude": 118.7969,
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		).insert(ignore_permissions=True)
		near = make_visit(dealer.name, days_ago(2), checkin_latitude=32.0612, checkin_longitude=118.7969)
		self.assertFalse(near.is_off_site)
		self.assertAlmostEqual(near.distance_from_dealer, 100, delta=10)
		far = make_visit(dealer.name, days_ago(1), checkin_latitude=31.2989, checkin_longitude=120.5853)
		self.assertTrue(far.is_off_site)
		self.assertGreater(far.distance_from_dealer, 150_000)
		no_checkin = make_visit(dealer.name, days_ago(0, hour=0))
		self.assertFalse(no_checkin.is_off_site)
		self.assertFalse(no_checkin.distance_from_dealer)

	def test_timeline_lists_visits(self):
		from dealer_relations.visits import get_visit_timeline

		dealer = self.dealer()
		make_visit(dealer, days_ago(1), purpose="Quarterly review")
		items = get_visit_timeline("Dealer", dealer)
		self.assertEqual(len(items), 1)
		self.assertIn("Quarterly review", items[0]["content"])
