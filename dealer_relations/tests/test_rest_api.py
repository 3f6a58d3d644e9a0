"""The REST API applies the same row-level access as the desk (it runs as a real HTTP request)."""

import frappe

from dealer_relations.tests.utils import RepAPITestCase

REP_1 = RepAPITestCase.rep


class TestDealerRestAPI(RepAPITestCase):
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
