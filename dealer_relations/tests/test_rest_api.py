"""The REST API applies the same row-level access as the desk (it runs as a real HTTP request)."""

import frappe
from frappe.tests.test_api import FrappeAPITestCase

from dealer_relations.tests.utils import make_customer, make_dealer, make_user

REP_1 = "dr-api-rep1@example.com"
REP_2 = "dr-api-rep2@example.com"


class TestDealerRestAPI(FrappeAPITestCase):
	"""Requests run in another thread with their own database connection, so fixtures are
	committed here and removed again in tearDownClass."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP_1, ["Dealer Sales Rep", "Sales User"])
		make_user(REP_2, ["Dealer Sales Rep", "Sales User"])
		cls.mine = make_dealer(make_customer("DR API Mine Co"), sales_rep=REP_1).name
		cls.theirs = make_dealer(make_customer("DR API Theirs Co"), sales_rep=REP_2).name
		user = frappe.get_doc("User", REP_1)
		cls.api_key = frappe.generate_hash(length=15)
		cls.api_secret = frappe.generate_hash(length=15)
		user.api_key = cls.api_key
		user.api_secret = cls.api_secret
		user.save(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in (cls.mine, cls.theirs):
			frappe.delete_doc("Dealer", name, force=True, ignore_permissions=True)
			frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
		for user in (REP_1, REP_2):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def headers(self):
		return {"Authorization": f"token {self.api_key}:{self.api_secret}"}

	def test_list_shows_only_own_dealers(self):
		response = self.get(
			self.resource("Dealer"),
			{"limit_page_length": 0, "fields": '["name", "sales_rep"]'},
			headers=self.headers(),
		)
		self.assertEqual(response.status_code, 200, response.data)
		rows = response.json["data"]
		names = {row["name"] for row in rows}
		self.assertIn(self.mine, names)
		self.assertNotIn(self.theirs, names)
		self.assertEqual({row["sales_rep"] for row in rows}, {REP_1})

	def test_cannot_read_or_update_someone_elses_dealer(self):
		self.assertEqual(
			self.get(self.resource("Dealer", self.mine), headers=self.headers()).status_code, 200
		)
		response = self.get(self.resource("Dealer", self.theirs), headers=self.headers())
		self.assertEqual(response.status_code, 403)
		response = self.put(
			self.resource("Dealer", self.theirs), {"notes": "mine now"}, headers=self.headers()
		)
		self.assertEqual(response.status_code, 403)
		self.assertNotEqual(frappe.db.get_value("Dealer", self.theirs, "notes"), "mine now")
