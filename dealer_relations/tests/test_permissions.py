"""A Dealer Sales Rep sees and edits only their own dealers: lists, links, reports, documents."""

import frappe
from frappe.desk.reportview import get as reportview_get
from frappe.desk.search import search_link

from dealer_relations.tests.utils import FrappeTestCase, make_customer, make_dealer, make_user

REP_1 = "dr-perm-rep1@example.com"
REP_2 = "dr-perm-rep2@example.com"
MANAGER = "dr-perm-manager@example.com"
CONTROLLER = "dr-perm-credit@example.com"


class TestDealerRowLevelAccess(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP_1, ["Dealer Sales Rep", "Sales User"])
		make_user(REP_2, ["Dealer Sales Rep", "Sales User"])
		make_user(MANAGER, ["Dealer Manager"])
		make_user(CONTROLLER, ["Credit Controller", "Dealer Sales Rep"])
		cls.mine = make_dealer(make_customer("DR Perm Mine Co"), sales_rep=REP_1)
		cls.theirs = make_dealer(make_customer("DR Perm Theirs Co"), sales_rep=REP_2)
		cls.unassigned = make_dealer(make_customer("DR Perm Nobody Co"))

	def visible(self, user):
		with self.set_user(user):
			return set(frappe.get_list("Dealer", pluck="name", limit_page_length=0))

	def test_get_list_is_filtered_for_rep(self):
		visible = self.visible(REP_1)
		self.assertIn(self.mine.name, visible)
		self.assertNotIn(self.theirs.name, visible)
		self.assertNotIn(self.unassigned.name, visible)

	def test_manager_and_controller_see_all(self):
		for user in (MANAGER, CONTROLLER):
			self.assertLessEqual({self.mine.name, self.theirs.name, self.unassigned.name}, self.visible(user))

	def test_document_access(self):
		with self.set_user(REP_1):
			self.assertTrue(frappe.has_permission("Dealer", "read", self.mine.name))
			self.assertTrue(frappe.has_permission("Dealer", "write", self.mine.name))
			self.assertFalse(frappe.has_permission("Dealer", "read", self.theirs.name))
			self.assertFalse(frappe.has_permission("Dealer", "write", self.theirs.name))
			with self.assertRaises(frappe.PermissionError):
				frappe.get_doc("Dealer", self.theirs.name).check_permission("read")

	def test_rep_edits_own_dealer_but_not_others(self):
		with self.set_user(REP_1):
			mine = frappe.get_doc("Dealer", self.mine.name)
			mine.product_lines = "Pumps"
			mine.save()
			theirs = frappe.get_doc("Dealer", self.theirs.name)
			theirs.product_lines = "Valves"
			with self.assertRaises(frappe.PermissionError):
				theirs.save()
			# Claiming the dealer in the same save must not help.
			theirs.sales_rep = REP_1
			with self.assertRaises(frappe.PermissionError):
				theirs.save()
		self.assertEqual(frappe.db.get_value("Dealer", self.theirs.name, "sales_rep"), REP_2)

	def test_link_search_is_filtered(self):
		with self.set_user(REP_1):
			results = {row["value"] for row in search_link("Dealer", "DR Perm", page_length=50)}
		self.assertIn(self.mine.name, results)
		self.assertNotIn(self.theirs.name, results)

	def test_report_view_is_filtered(self):
		with self.set_user(REP_1):
			frappe.local.form_dict = frappe._dict(
				doctype="Dealer", fields=["`tabDealer`.`name`"], filters=[], start=0, page_length=500
			)
			result = reportview_get()
		names = {row[0] for row in result["values"]}
		self.assertIn(self.mine.name, names)
		self.assertNotIn(self.theirs.name, names)


class TestSettingsAccountsBelongToFinance(FrappeTestCase):
	"""Dealer Relations Settings: a Dealer Manager sets channel rules, but the accounts and rebate
	posting of each company (permlevel 1) are finance's: Accounts Manager edits them."""

	def test_dealer_manager_cannot_change_accounts_accounts_manager_can(self):
		from dealer_relations.tests.rebate_factories import make_account, set_rebate_settings
		from dealer_relations.tests.utils import get_company

		company = get_company()
		first = make_account("DR Perm Rebate A", "Expense", "Expense Account")
		second = make_account("DR Perm Rebate B", "Expense", "Expense Account")
		set_rebate_settings(company, rebate_expense_account=first)
		make_user(MANAGER, ["Dealer Manager"])
		finance = make_user("dr-perm-finance@example.com", ["Accounts Manager"])

		def change_to(user, account, enforcement):
			with self.set_user(user):
				settings = frappe.get_doc("Dealer Relations Settings")
				row = next(r for r in settings.company_settings if r.company == company)
				row.rebate_expense_account = account
				row.credit_enforcement = enforcement
				settings.save()
			return next(
				r
				for r in frappe.get_doc("Dealer Relations Settings").company_settings
				if r.company == company
			)

		row = change_to(MANAGER, second, "Warn only")
		# the account stays as finance set it (and credit enforcement as the Credit Controller did)
		self.assertEqual((row.credit_enforcement, row.rebate_expense_account), ("Enforce", first))
		row = change_to(finance, second, "Warn only")
		self.assertEqual((row.credit_enforcement, row.rebate_expense_account), ("Warn only", second))
