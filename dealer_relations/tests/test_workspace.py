"""Day one: role profiles give each user kind the ERPNext roles its work needs, each role gets a
workspace that fits it, and the workspace's cards and charts count only what the viewer may see."""

import json

import frappe
from frappe.desk.doctype.number_card.number_card import get_result

from dealer_relations.dashboards import dealers_by_region_and_tier, visits_per_month_by_tier
from dealer_relations.setup.install import ROLE_PROFILES
from dealer_relations.tests.utils import (
	FrappeTestCase,
	backdate_dealer,
	make_customer,
	make_dealer,
	make_territory,
	make_user,
	make_visit,
)

REP = "dr-ws-rep@example.com"
OTHER_REP = "dr-ws-rep2@example.com"
MANAGER = "dr-ws-manager@example.com"


def profile_user(email: str, profile: str) -> str:
	make_user(email)
	user = frappe.get_doc("User", email)
	user.role_profile_name = profile
	user.save(ignore_permissions=True)
	return email


class TestRoleProfilesAndWorkspaces(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		profile_user(REP, "Dealer Sales Rep")
		profile_user(OTHER_REP, "Dealer Sales Rep")
		profile_user(MANAGER, "Dealer Manager")
		region = make_territory("DR WS Region", is_group=1)
		city = make_territory("DR WS City", parent=region)
		other_region = make_territory("DR WS Other Region", is_group=1)
		other_city = make_territory("DR WS Other City", parent=other_region)
		cls.mine = make_dealer(
			make_customer("DR WS Mine Co"), sales_rep=REP, tier="A", status="Active", territories=[city]
		)
		cls.mine_prospect = make_dealer(make_customer("DR WS Prospect Co"), sales_rep=REP, tier="C")
		cls.theirs = make_dealer(
			make_customer("DR WS Theirs Co"),
			sales_rep=OTHER_REP,
			tier="B",
			status="Active",
			territories=[other_city],
		)
		for dealer in (cls.mine, cls.theirs):
			backdate_dealer(dealer.name, 30)
		with cls.set_user_for_class(REP):
			make_visit(cls.mine.name)
		with cls.set_user_for_class(OTHER_REP):
			make_visit(cls.theirs.name)
			make_visit(cls.theirs.name, visit_date=frappe.utils.add_days(frappe.utils.now_datetime(), -1))

	@classmethod
	def set_user_for_class(cls, user):
		return _as_user(user)

	def test_profiles_bundle_the_erpnext_roles(self):
		for name, roles in ROLE_PROFILES.items():
			profile_roles = {row.role for row in frappe.get_doc("Role Profile", name).roles}
			self.assertLessEqual(set(roles), profile_roles, name)
		self.assertLessEqual({"Dealer Sales Rep", "Sales User"}, set(frappe.get_roles(REP)))

	def test_rep_can_raise_orders_for_their_dealers(self):
		with self.set_user(REP):
			for doctype in ("Customer", "Territory", "Item"):
				self.assertTrue(frappe.has_permission(doctype, "read"), doctype)
			for doctype in ("Quotation", "Sales Order"):
				self.assertTrue(frappe.has_permission(doctype, "create"), doctype)
			self.assertFalse(frappe.has_permission("Dealer Relations Settings", "write"))

	def test_each_role_sees_its_workspace(self):
		from frappe.desk.desktop import get_workspace_sidebar_items

		def pages(user):
			with self.set_user(user):
				return {page.name for page in get_workspace_sidebar_items()["pages"]}

		self.assertIn("My Dealers", pages(REP))
		self.assertNotIn("Dealer Relations", pages(REP))
		self.assertIn("Dealer Relations", pages(MANAGER))

	def card(self, name, user):
		doc = frappe.get_doc("Number Card", name)
		filters = json.loads(doc.filters_json)
		with self.set_user(user):
			return get_result(doc.as_dict(), filters)

	def test_cards_count_only_the_viewers_dealers(self):
		for card in ("Active Dealers", "Visits This Month"):
			rep, manager = self.card(card, REP), self.card(card, MANAGER)
			self.assertGreaterEqual(rep, 1, card)
			self.assertGreater(manager, rep, card)
		with self.set_user(REP):
			mine = frappe.get_list("Dealer", filters={"status": "Active"}, pluck="name", limit_page_length=0)
		self.assertEqual(self.card("Active Dealers", REP), len(mine))
		self.assertNotIn(self.theirs.name, mine)

	def test_charts_count_only_the_viewers_dealers(self):
		with self.set_user(REP):
			regions = dealers_by_region_and_tier()
			visits = visits_per_month_by_tier()
		self.assertIn("DR WS Region", regions["labels"])
		self.assertNotIn("DR WS Other Region", regions["labels"])
		self.assertEqual(len(visits["labels"]), 12)
		rep_visits = sum(sum(dataset["values"]) for dataset in visits["datasets"])
		with self.set_user(MANAGER):
			manager = visits_per_month_by_tier()
			all_regions = dealers_by_region_and_tier()
		self.assertIn("DR WS Other Region", all_regions["labels"])
		self.assertGreaterEqual(sum(sum(d["values"]) for d in manager["datasets"]) - rep_visits, 2)


class _as_user:
	def __init__(self, user):
		self.user = user

	def __enter__(self):
		self.previous = frappe.session.user
		frappe.set_user(self.user)

	def __exit__(self, *exc):
		frappe.set_user(self.previous)
