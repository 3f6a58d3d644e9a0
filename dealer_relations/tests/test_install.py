"""What install sets up, and that uninstall's cleanup removes it (then install puts it back)."""

import json

import frappe

from dealer_relations.engine.dealer import APP_ROLES
from dealer_relations.setup.install import (
	PREEXISTING_FIELDS_KEY,
	PREEXISTING_PROFILES_KEY,
	PREEXISTING_ROLES_KEY,
	ROLE_PROFILES,
	after_install,
	before_install,
	before_uninstall,
)
from dealer_relations.tests.utils import FrappeTestCase, make_territory


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

	def test_uninstall_keeps_an_address_territory_field_the_site_had_before(self):
		"""A site that made its own Address.territory (by hand or another app) keeps the field, its
		data and its own definition after our uninstall; our other fields go."""
		saved = {key: frappe.db.get_default(key) for key in (PREEXISTING_ROLES_KEY, PREEXISTING_PROFILES_KEY)}
		ours = frappe.db.get_value("Custom Field", {"dt": "Address", "fieldname": "territory"})
		frappe.delete_doc("Custom Field", ours, ignore_permissions=True, force=True)
		frappe.get_doc(
			{
				"doctype": "Custom Field",
				"dt": "Address",
				"fieldname": "territory",
				"label": "Sales Territory",
				"fieldtype": "Link",
				"options": "Territory",
				"insert_after": "city",
			}
		).insert(ignore_permissions=True)
		address = frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": "DR Site Field",
				"address_line1": "1 Road",
				"city": "Wuhan",
				"country": frappe.db.get_value("Country", {}, "name"),
				"territory": make_territory("DR Site Field Territory"),
			}
		)
		address.flags.ignore_mandatory = True
		address.insert(ignore_permissions=True)
		before_install()
		# this site is installed already: on a fresh one only the site's own field was there
		recorded = json.loads(frappe.db.get_default(PREEXISTING_FIELDS_KEY))
		frappe.db.set_default(
			PREEXISTING_FIELDS_KEY, json.dumps({"Address.territory": recorded["Address.territory"]})
		)
		after_install()
		self.assertEqual(frappe.get_meta("Address").get_field("territory").label, "Territory")
		try:
			before_uninstall()
			field = frappe.get_meta("Address").get_field("territory")
			self.assertIsNotNone(field, "uninstall dropped a field the site had before install")
			self.assertEqual((field.label, field.insert_after), ("Sales Territory", "city"))
			self.assertEqual(
				frappe.db.get_value("Address", address.name, "territory"), "DR Site Field Territory"
			)
			self.assertFalse(frappe.db.has_column("Customer", "dealer"))
			self.assertIsNone(frappe.db.get_default(PREEXISTING_FIELDS_KEY))
		finally:
			for key, value in saved.items():
				frappe.db.set_default(key, value)
			after_install()
			frappe.delete_doc("Address", address.name, ignore_permissions=True, force=True)
		self.assertEqual(frappe.get_meta("Address").get_field("territory").label, "Territory")
