"""What install sets up, and that uninstall's cleanup removes it (then install puts it back)."""

import json

import frappe

from dealer_relations.engine.dealer import APP_ROLES
from dealer_relations.setup.install import (
	PREEXISTING_ROLES_KEY,
	ROLE_PROFILES,
	after_install,
	before_uninstall,
)
from dealer_relations.tests.utils import FrappeTestCase


class TestInstall(FrappeTestCase):
	def test_install_created_everything(self):
		for role in APP_ROLES:
			self.assertTrue(frappe.db.exists("Role", role), role)
			self.assertTrue(frappe.db.get_value("Role", role, "desk_access"))
		self.assertTrue(frappe.db.exists("Custom Field", {"dt": "Customer", "fieldname": "dealer"}))
		self.assertTrue(frappe.get_meta("Customer").get_field("dealer").read_only)
		self.assertTrue(
			frappe.db.sql("show index from `tabCustomer` where Column_name = 'dealer'"),
			"Customer.dealer is indexed so ERPNext documents find their dealer in one lookup",
		)
		self.assertEqual(frappe.db.get_value("Dealer Tier", "C", "visit_interval_days"), 30)
		self.assertTrue(frappe.db.exists("Workspace", "Dealer Relations"))
		self.assert_desk_roles()
		self.assertEqual(frappe.db.get_single_value("Dealer Relations Settings", "default_tier"), "C")

	def assert_desk_roles(self):
		"""Reps and managers reach the visit reports; each reaches the workspace made for them."""
		for parenttype, parent, expected in (
			("Workspace", "Dealer Relations", {"Dealer Manager"}),
			("Workspace", "My Dealers", {"Dealer Sales Rep"}),
			("Report", "Dealer Visit Coverage", {"Dealer Manager", "Dealer Sales Rep"}),
			("Report", "Dealer Visit Plan", {"Dealer Manager", "Dealer Sales Rep"}),
		):
			roles = set(
				frappe.get_all("Has Role", {"parenttype": parenttype, "parent": parent}, pluck="role")
			)
			self.assertLessEqual(expected, roles, parent)
		for profile, roles in ROLE_PROFILES.items():
			self.assertLessEqual(
				set(roles), {row.role for row in frappe.get_doc("Role Profile", profile).roles}, profile
			)

	def test_install_is_idempotent(self):
		after_install()
		after_install()
		self.assertEqual(frappe.db.count("Custom Field", {"dt": "Customer", "fieldname": "dealer"}), 1)
		self.assertEqual(frappe.db.count("Dealer Tier", {"name": ("in", ["A", "B", "C"])}), 3)

	def test_uninstall_cleanup_then_reinstall(self):
		frappe.get_doc(
			{
				"doctype": "Property Setter",
				"doctype_or_field": "DocField",
				"doc_type": "Customer",
				"field_name": "dealer",
				"property": "hidden",
				"value": "1",
				"property_type": "Check",
			}
		).insert(ignore_permissions=True)
		before_uninstall()
		try:
			self.assertFalse(frappe.db.exists("Custom Field", {"dt": "Customer", "fieldname": "dealer"}))
			self.assertFalse(
				frappe.db.exists("Property Setter", {"doc_type": "Customer", "field_name": "dealer"})
			)
			self.assertFalse(frappe.db.has_column("Customer", "dealer"))
			self.assertIsNone(frappe.get_meta("Customer").get_field("dealer"))
			for role in APP_ROLES:
				self.assertFalse(frappe.db.exists("Role", role), role)
			for profile in ROLE_PROFILES:
				self.assertFalse(frappe.db.exists("Role Profile", profile), profile)
			# ERPNext still works without us: a customer can be created and read.
			customer = frappe.get_doc(
				{"doctype": "Customer", "customer_name": "DR Uninstalled Co", "customer_type": "Company"}
			).insert(ignore_permissions=True)
			self.assertEqual(
				frappe.db.get_value("Customer", customer.name, "customer_name"), "DR Uninstalled Co"
			)
		finally:
			after_install()
		self.assertTrue(frappe.db.has_column("Customer", "dealer"))
		for role in APP_ROLES:
			self.assertTrue(frappe.db.exists("Role", role), role)
		self.assert_desk_roles()

	def test_uninstall_keeps_roles_the_site_had_before(self):
		saved = frappe.db.get_default(PREEXISTING_ROLES_KEY)
		frappe.db.set_default(PREEXISTING_ROLES_KEY, json.dumps(["Credit Controller"]))
		try:
			before_uninstall()
			self.assertTrue(frappe.db.exists("Role", "Credit Controller"))
			self.assertFalse(frappe.db.exists("Role", "Dealer Manager"))
			self.assertIsNone(frappe.db.get_default(PREEXISTING_ROLES_KEY))
		finally:
			frappe.db.set_default(PREEXISTING_ROLES_KEY, saved)
			after_install()
