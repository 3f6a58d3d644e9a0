# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe

from dealer_relations.tests.utils import (
	EXTERNAL_TEST_IGNORE,
	FrappeTestCase,
	make_customer,
	make_dealer,
	make_territory,
	make_user,
)

test_ignore = EXTERNAL_TEST_IGNORE

MANAGER = "dr-manager@example.com"
REP = "dr-rep@example.com"


class TestDealer(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ["Dealer Manager", "Sales User"])
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_territory("DR East", is_group=1)
		make_territory("DR Jiangsu", parent="DR East", is_group=1)
		make_territory("DR Nanjing", parent="DR Jiangsu")

	def test_new_dealer_links_customer_and_takes_defaults(self):
		customer = make_customer("DR Link Co")
		dealer = make_dealer(customer, tier=None)
		self.assertEqual(dealer.name, customer)
		self.assertEqual(dealer.dealer_name, "DR Link Co")
		self.assertEqual(dealer.status, "Prospect")
		self.assertEqual(dealer.tier, frappe.db.get_single_value("Dealer Relations Settings", "default_tier"))
		self.assertEqual(frappe.db.get_value("Customer", customer, "dealer"), dealer.name)

	def test_missing_customer_is_a_clear_error(self):
		# The dealer is named after its customer, so Frappe's naming says "Customer is required".
		with self.assertRaisesRegex(frappe.ValidationError, "Customer"):
			frappe.get_doc({"doctype": "Dealer", "tier": "B"}).insert()

	def test_one_dealer_per_customer(self):
		customer = make_customer("DR Twice Co")
		make_dealer(customer)
		with self.assertRaisesRegex(frappe.ValidationError, "already has Dealer"):
			make_dealer(customer)
		self.assertEqual(frappe.db.count("Dealer", {"customer": customer}), 1)

	def test_active_dealer_needs_a_territory(self):
		with self.set_user(MANAGER):
			with self.assertRaisesRegex(frappe.ValidationError, "Authorised Territories"):
				make_dealer(status="Active")
			dealer = make_dealer(status="Active", territories=["DR Jiangsu"])
			self.assertEqual(dealer.status, "Active")
			dealer.territories = []
			with self.assertRaisesRegex(frappe.ValidationError, "at least one territory"):
				dealer.save()
		self.assertEqual(len(frappe.get_doc("Dealer", dealer.name).territories), 1)

	def test_duplicate_territory_rejected_redundant_allowed(self):
		with self.assertRaisesRegex(frappe.ValidationError, "more than once"):
			make_dealer(territories=["DR Nanjing", "DR Nanjing"])
		dealer = make_dealer(territories=["DR Jiangsu", "DR Nanjing"])
		self.assertEqual(len(dealer.territories), 2)

	def test_sales_rep_must_be_enabled_desk_user(self):
		disabled = make_user("dr-disabled@example.com", ["Dealer Sales Rep"], enabled=0)
		website_user = make_user("dr-website@example.com")
		frappe.db.set_value("User", website_user, "user_type", "Website User")
		with self.assertRaisesRegex(frappe.ValidationError, "disabled"):
			make_dealer(sales_rep=disabled)
		with self.assertRaisesRegex(frappe.ValidationError, "desk"):
			make_dealer(sales_rep=website_user)
		self.assertTrue(make_dealer(sales_rep=REP).name)

	def test_only_manager_changes_lifecycle(self):
		with self.set_user(REP):
			dealer = make_dealer(territories=["DR Nanjing"])
			self.assertEqual(dealer.sales_rep, REP, "a rep's new dealer is assigned to them")
			dealer.status = "Active"
			dealer.save()  # status is the Dealer Manager's (permlevel 1): Frappe puts it back
		self.assertEqual(frappe.db.get_value("Dealer", dealer.name, "status"), "Prospect")
		with self.set_user(MANAGER):
			dealer = frappe.get_doc("Dealer", dealer.name)
			# a rep's territories are put back too (permlevel 1): the manager authorises them
			self.assertEqual(dealer.territories, [])
			dealer.append("territories", {"territory": "DR Nanjing"})
			for status in ("Active", "Suspended", "Active", "Terminated", "Prospect"):
				dealer.status = status
				dealer.save()
				self.assertEqual(frappe.db.get_value("Dealer", dealer.name, "status"), status)
			dealer.status = "Suspended"
			with self.assertRaisesRegex(frappe.ValidationError, "cannot change from"):
				dealer.save()

	def test_form_is_offered_the_engine_moves(self):
		dealer = make_dealer()
		dealer.run_method("onload")
		self.assertEqual(dealer.get_onload().status_moves, ["Active", "Terminated"])

	def test_rep_cannot_hand_dealer_to_someone_else(self):
		other = make_user("dr-other-rep@example.com", ["Dealer Sales Rep"])
		with self.set_user(REP):
			# the rep field is the Dealer Manager's (permlevel 1): a rep's new dealer is theirs
			self.assertEqual(make_dealer(sales_rep=other).sales_rep, REP)

	def test_status_history_is_tracked(self):
		with self.set_user(MANAGER):
			dealer = make_dealer(territories=["DR Nanjing"])
			dealer.status = "Active"
			dealer.save(ignore_version=False)  # Frappe skips versions in tests unless asked
		self.assertTrue(frappe.db.exists("Version", {"ref_doctype": "Dealer", "docname": dealer.name}))

	def test_delete_unlinks_customer(self):
		dealer = make_dealer()
		frappe.delete_doc("Dealer", dealer.name)
		self.assertIsNone(frappe.db.get_value("Customer", dealer.customer, "dealer"))

	def test_customer_rename_renames_dealer(self):
		customer = make_customer("DR Old Name Co")
		make_dealer(customer)
		frappe.rename_doc("Customer", customer, "DR New Name Co", force=True)
		self.assertFalse(frappe.db.exists("Dealer", customer))
		self.assertEqual(frappe.db.get_value("Dealer", "DR New Name Co", "customer"), "DR New Name Co")
		self.assertEqual(frappe.db.get_value("Customer", "DR New Name Co", "dealer"), "DR New Name Co")

	def test_errors_are_translated(self):
		customer = make_customer("DR Zh Co")
		make_dealer(customer)
		frappe.local.lang = "zh"
		try:
			with self.assertRaises(frappe.ValidationError) as caught:
				make_dealer(customer)
		finally:
			frappe.local.lang = "en"
		self.assertRegex(str(caught.exception), "[\u4e00-\u9fff]")
		self.assertIn("DR Zh Co", str(caught.exception))

	def test_dashboard_counts_customer_documents(self):
		from frappe.desk.notifications import get_open_count

		dealer = make_dealer()
		try:
			counts = get_open_count("Dealer", dealer.name)
		finally:
			# Frappe sets a 1-second statement timeout for these counts and leaves it on the
			# connection (a request ends there; a test run goes on with later, heavier tests)
			frappe.db.set_execution_timeout(0)
		items = {row["doctype"] for row in counts["count"]["external_links_found"]}
		self.assertIn("Sales Invoice", items)
