"""Rights held on the server, played by the attacking user through the entry points an API client
uses (frappe.client.*, the whitelisted-method handler, REST): field rights by permlevel, child
tables of row-restricted doctypes, incidents judged on the stored record, settings by owner."""

from __future__ import annotations

import frappe
import frappe.client
from frappe.utils import add_days, today

from dealer_relations.permissions import CHILD_TABLE_PARENTS, PARENT_QUERY_CONDITIONS
from dealer_relations.tests.utils import (
	FrappeTestCase,
	RepAPITestCase,
	get_company,
	make_customer,
	make_dealer,
	make_territory,
	make_user,
)

REP = "dr-sec-rep@example.com"
OTHER_REP = "dr-sec-rep2@example.com"
MANAGER = "dr-sec-manager@example.com"
CONTROLLER = "dr-sec-credit@example.com"
FINANCE = "dr-sec-finance@example.com"
ACCOUNTANT = "dr-sec-rebates@example.com"

CREDIT_FIELDS = {
	"credit_limit": 1e9,
	"credit_order_policy": "Allow",
	"pin_credit_limit": 1,
	"manual_credit_limit": 1e9,
	"credit_score": 99,
	"credit_grade": "AAA",
	"last_rated_on": today(),
	"manual_limit_reason": "mine",
}


def make_users() -> None:
	make_user(REP, ["Dealer Sales Rep", "Sales User"])
	make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])
	make_user(MANAGER, ["Dealer Manager", "Sales Manager", "Sales User"])
	make_user(CONTROLLER, ["Credit Controller", "Accounts User", "Sales User"])
	make_user(FINANCE, ["Accounts Manager"])


def call(cmd: str, **kwargs):
	"""A whitelisted method as frappe.handler.execute_cmd resolves it (the last override wins)."""
	overrides = frappe.get_hooks("override_whitelisted_methods", {}).get(cmd, [])
	method = frappe.get_attr(overrides[-1] if overrides else cmd)
	frappe.is_whitelisted(method)
	return frappe.call(method, **kwargs)


def put(doctype: str, name: str, **values) -> None:
	"""frappe.client.save of the stored document with ``values`` changed, as a form or API does."""
	doc = frappe.get_doc(doctype, name).as_dict()
	doc.update(values)
	frappe.client.save(doc)


def put_back(doctype: str, name: str, **values) -> str:
	"""``put``, which saves but must put ``values`` back; returns the message the user was shown."""
	frappe.clear_messages()
	put(doctype, name, **values)
	return " ".join(m.message for m in frappe.get_message_log())


class TestDealerFieldRights(FrappeTestCase):
	"""Credit figures are the Credit Controller's (permlevel 2), status, tier, territories and rep
	the Dealer Manager's (permlevel 1); a rep keeps the profile card."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_users()
		make_territory("DR Sec North")
		make_territory("DR Sec West")
		cls.dealer = make_dealer(
			make_customer("DR Sec Mine Co"), sales_rep=REP, territories=["DR Sec North"], tier="B"
		).name
		frappe.db.set_value("Dealer", cls.dealer, "credit_grade", "C")

	def setUp(self):
		frappe.db.set_value(
			"Dealer", self.dealer, {"tier": "B", "status": "Prospect", "sales_rep": REP, "credit_limit": 5000}
		)

	def stored(self, field):
		return frappe.db.get_value("Dealer", self.dealer, field)

	def test_rep_cannot_change_credit_fields(self):
		before = frappe.db.get_value("Dealer", self.dealer, list(CREDIT_FIELDS), as_dict=True)
		with self.set_user(REP):
			for field, value in CREDIT_FIELDS.items():
				with self.subTest(field=field):
					self.assertIn("Not changed", put_back("Dealer", self.dealer, **{field: value}))
			frappe.client.set_value("Dealer", self.dealer, "credit_limit", 1e9)
		self.assertEqual(
			frappe.db.get_value("Dealer", self.dealer, list(CREDIT_FIELDS), as_dict=True), before
		)

	def test_rep_cannot_change_manager_fields(self):
		with self.set_user(REP):
			for field, value in (("tier", "A"), ("status", "Active"), ("sales_rep", OTHER_REP)):
				with self.subTest(field=field):
					self.assertIn("Not changed", put_back("Dealer", self.dealer, **{field: value}))
			put_back("Dealer", self.dealer, territories=[{"territory": "DR Sec West"}])
		self.assertEqual(
			(self.stored("tier"), self.stored("status"), self.stored("sales_rep")), ("B", "Prospect", REP)
		)
		self.assertEqual(
			frappe.get_all("Dealer Territory", filters={"parent": self.dealer}, pluck="territory"),
			["DR Sec North"],
		)

	def test_rep_cannot_add_a_territory_row_through_the_child_doctype(self):
		with self.set_user(REP):
			frappe.client.insert(
				{
					"doctype": "Dealer Territory",
					"parenttype": "Dealer",
					"parent": self.dealer,
					"parentfield": "territories",
					"territory": "DR Sec West",
				}
			)
		self.assertEqual(
			frappe.get_all("Dealer Territory", filters={"parent": self.dealer}, pluck="territory"),
			["DR Sec North"],
		)

	def test_rep_edits_profile_and_reads_credit(self):
		with self.set_user(REP):
			doc = frappe.get_doc("Dealer", self.dealer)
			doc.product_lines = "Pumps"
			doc.append("key_people", {"person_name": "Wang Wei", "mobile_no": "13800000000"})
			doc.save()
			seen = frappe.client.get("Dealer", self.dealer)
		self.assertEqual(self.stored("product_lines"), "Pumps")
		self.assertEqual(seen["credit_limit"], 5000)
		self.assertEqual(seen["tier"], "B")

	def test_manager_changes_tier_but_not_credit(self):
		with self.set_user(MANAGER):
			put("Dealer", self.dealer, tier="A")
			self.assertIn("Credit Limit", put_back("Dealer", self.dealer, credit_limit=1e9))
		self.assertEqual((self.stored("tier"), self.stored("credit_limit")), ("A", 5000))

	def test_rep_creating_a_dealer_sets_no_credit_or_manager_field(self):
		with self.set_user(REP):
			doc = make_dealer(
				make_customer("DR Sec New Co"),
				tier="A",
				status="Active",
				sales_rep=REP,
				credit_limit=1e9,
				pin_credit_limit=1,
				manual_credit_limit=1e9,
				credit_order_policy="Allow",
				territories=["DR Sec West"],
			)
		stored = frappe.get_doc("Dealer", doc.name)
		default_tier = frappe.db.get_single_value("Dealer Relations Settings", "default_tier")
		self.assertEqual((stored.tier, stored.status, stored.sales_rep), (default_tier, "Prospect", REP))
		self.assertEqual(
			(stored.credit_limit, stored.pin_credit_limit, stored.manual_credit_limit), (0, 0, 0)
		)
		self.assertFalse(stored.credit_order_policy)
		self.assertEqual(stored.territories, [])

	def test_rep_saving_what_the_form_got_back_is_told_nothing(self):
		"""The dates the app sets after a save come back with the saved doc, so the next save
		sends nothing Frappe has to put back (and no message that would puzzle the rep)."""
		with self.set_user(REP):
			doc = make_dealer(make_customer("DR Sec Fresh Co"))
			self.assertTrue(doc.next_visit_due)
			doc.notes = "first visit planned"
			frappe.clear_messages()
			doc.save()
			self.assertFalse([m for m in frappe.get_message_log() if "Not changed" in m.message])

	def test_sales_user_cannot_unlink_customer_from_dealer(self):
		customer = frappe.db.get_value("Dealer", self.dealer, "customer")
		with self.set_user(REP):
			doc = frappe.get_doc("Customer", customer)
			doc.dealer = None
			doc.save()
		self.assertEqual(frappe.db.get_value("Customer", customer, "dealer"), self.dealer)


class TestTierLimitIsCredits(FrappeTestCase):
	"""A tier's default credit limit is the limit of every unrated dealer of the tier: the Credit
	Controller's, while rank and visit cadence stay the Dealer Manager's."""

	def test_dealer_manager_sets_cadence_not_limit_credit_controller_the_reverse(self):
		from dealer_relations.tests.credit_utils import make_tier

		make_users()
		tier = make_tier("DR Sec Tier", limit=10_000, rank=95)
		with self.set_user(MANAGER):
			self.assertIn(
				"Default Credit Limit",
				put_back("Dealer Tier", tier, default_credit_limit=1e9, visit_interval_days=12),
			)
		with self.set_user(CONTROLLER):
			put_back("Dealer Tier", tier, default_credit_limit=20_000, visit_interval_days=99)
		stored = frappe.db.get_value("Dealer Tier", tier, ["default_credit_limit", "visit_interval_days"])
		self.assertEqual(stored, (20_000, 12))


class TestRepRestPutOfCreditLimit(RepAPITestCase):
	"""A real HTTP request: the rep's PUT of their own dealer's credit limit is refused."""

	rep, other_rep = REP, OTHER_REP
	customers = ("DR Sec API Co", "DR Sec API Theirs Co")

	@classmethod
	def make_fixtures(cls):
		frappe.get_doc("Dealer", cls.theirs).append("key_people", {"person_name": "Li Na"}).db_insert()
		frappe.db.set_value("Dealer", cls.mine, "credit_limit", 5000)

	def test_put_credit_limit_is_refused(self):
		response = self.put(
			self.resource("Dealer", self.mine),
			{
				"credit_limit": 1e9,
				"pin_credit_limit": 1,
				"manual_credit_limit": 1e9,
				"notes": "met the owner",
			},
			headers=self.headers(),
		)
		# the rep's own fields are saved, the credit figures put back, and the rep is told so
		self.assertEqual(response.status_code, 200, response.data)
		self.assertEqual(response.json["data"]["credit_limit"], 5000)
		self.assertIn("Not changed", response.json.get("_server_messages", ""))
		frappe.db.rollback()  # read what the request committed
		stored = frappe.db.get_value(
			"Dealer",
			self.mine,
			["credit_limit", "pin_credit_limit", "manual_credit_limit", "notes"],
			as_dict=True,
		)
		self.assertEqual(
			(stored.credit_limit, stored.pin_credit_limit, stored.manual_credit_limit), (5000, 0, 0)
		)
		self.assertIn("met the owner", stored.notes)

	def test_rest_lists_and_counts_only_own_key_people(self):
		response = self.get(
			self.resource("Dealer Key Person"),
			{"parent": "Dealer", "fields": '["name", "parent"]', "limit_page_length": 0},
			headers=self.headers(),
		)
		self.assertEqual(response.status_code, 200, response.data)
		self.assertNotIn(self.theirs, {row["parent"] for row in response.json["data"]})
		response = self.get(
			self.method("frappe.client.get_count"),
			{"doctype": "Dealer", "filters": frappe.as_json({"name": self.theirs})},
			headers=self.headers(),
		)
		self.assertEqual(response.json["message"], 0, response.data)


class TestChildTablesFollowTheirParent(FrappeTestCase):
	"""Every child table of a row-restricted doctype lists, counts and returns values only for the
	parent rows the rep may see."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_users()
		make_territory("DR Sec North")
		cls.mine = make_dealer(make_customer("DR Sec Child Mine Co"), sales_rep=REP).name
		cls.theirs = make_dealer(
			make_customer("DR Sec Child Theirs Co"), sales_rep=OTHER_REP, territories=["DR Sec North"]
		).name
		cls.parents = {}  # child doctype -> (parent doctype, the other rep's parent row)
		for child, parent in CHILD_TABLE_PARENTS.items():
			if parent == "Dealer":
				cls.parents[child] = (parent, cls.theirs)
		frappe.get_doc("Dealer", cls.theirs).append("key_people", {"person_name": "Li Na"}).db_insert()
		rows = {
			"Dealer Visit Log": {
				"dealer": cls.theirs,
				"visit_date": frappe.utils.now_datetime(),
				"visit_type": "Routine",
				"sales_rep": OTHER_REP,
				"competitors": [{"brand": "Rival"}],
				"attendees": [{"full_name": "Li Na"}],
				"actions": [{"action": "Send price list"}],
			},
			"Dealer Credit Rating": {
				"dealer": cls.theirs,
				"rating_date": today(),
				"factors": [{"factor": "On-time Payment Share", "points": 20}],
			},
			"Diversion Incident": {
				"dealer": cls.theirs,
				"company": get_company(),
				"incident_date": today(),
				"source": "Field Report",
				"items": [{"item_code": "DR-SEC-ANY", "qty": 1, "rate": 10}],
			},
			"Rebate Settlement": {
				"dealer": cls.theirs,
				"rebate_policy": "DR-SEC-ANY",
				"posting_date": today(),
				"slab_breakdown": [{"slab": 1, "rate": 2}],
			},
		}
		for parent, values in rows.items():
			name = cls.insert_rows(parent, values)
			for child, child_parent in CHILD_TABLE_PARENTS.items():
				if child_parent == parent:
					cls.parents[child] = (parent, name)
		frappe.get_doc("Dealer", cls.mine).append("key_people", {"person_name": "Zhang San"}).db_insert()

	@staticmethod
	def insert_rows(doctype: str, values: dict) -> str:
		"""The parent and child rows as stored, without the controllers: only what is listed
		matters here, and no controller makes these records for another rep's dealer."""
		doc = frappe.get_doc({"doctype": doctype, **values})
		doc.name = frappe.generate_hash(length=10)
		doc.set_parent_in_children()
		doc.db_insert()
		for row in doc.get_all_children():
			row.db_insert()
		return doc.name

	def test_every_child_table_of_a_restricted_doctype_is_covered(self):
		hooks = frappe.get_hooks("permission_query_conditions")
		for parent in PARENT_QUERY_CONDITIONS:
			for df in frappe.get_meta(parent).get_table_fields():
				self.assertEqual(CHILD_TABLE_PARENTS.get(df.options), parent, df.options)
				self.assertTrue(hooks.get(df.options), df.options)
		self.assertEqual(set(self.parents), set(CHILD_TABLE_PARENTS))

	def test_rep_lists_counts_and_reads_no_other_reps_child_rows(self):
		for child, (parent, name) in self.parents.items():
			with self.subTest(child=child):
				self.assertTrue(frappe.db.exists(child, {"parent": name}))
				with self.set_user(REP):
					listed = frappe.client.get_list(
						child, parent=parent, fields=["name", "parent"], limit_page_length=0
					)
					self.assertNotIn(name, {row.parent for row in listed})
					value = frappe.client.get_value(child, "name", {"parent": name}, parent=parent)
					self.assertFalse(value)
					count = call(
						"frappe.client.get_count", doctype=child, filters={"parent": name}, parent=parent
					)
					self.assertEqual(count, 0)
				with self.set_user(OTHER_REP) if parent == "Dealer" else self.set_user(MANAGER):
					listed = frappe.client.get_list(
						child, parent=parent, fields=["parent"], limit_page_length=0
					)
					self.assertIn(name, {row.parent for row in listed})

	def test_rep_still_lists_own_child_rows(self):
		with self.set_user(REP):
			listed = frappe.client.get_list("Dealer Key Person", parent="Dealer", fields=["parent"])
		self.assertEqual({row.parent for row in listed}, {self.mine})

	def test_get_count_of_a_parent_counts_only_visible_rows(self):
		with self.set_user(REP):
			self.assertEqual(
				call("frappe.client.get_count", doctype="Dealer", filters={"name": self.theirs}), 0
			)
			self.assertEqual(
				call("frappe.client.get_count", doctype="Dealer", filters={"name": self.mine}), 1
			)
			with self.assertRaises(frappe.PermissionError):
				call("frappe.client.get_count", doctype="Dealer Key Person", filters={})
		with self.set_user(MANAGER):
			self.assertEqual(
				call("frappe.client.get_count", doctype="Dealer", filters={"name": self.theirs}), 1
			)


class TestIncidentEditsJudgedOnStoredRecord(FrappeTestCase):
	"""After reporting, only a Dealer Manager changes what decides the penalty; a rep's rights on
	an incident come from its stored owner and dealer."""

	@classmethod
	def setUpClass(cls):
		from dealer_relations.tests.diversion_factories import make_diversion_dealer, make_items

		super().setUpClass()
		make_users()
		make_items()
		cls.accused = make_diversion_dealer(customer=make_customer("DR Sec Accused Co"), sales_rep=REP).name
		cls.other = make_diversion_dealer(customer=make_customer("DR Sec Other Co"), sales_rep=OTHER_REP).name

	def report(self, dealer: str):
		from dealer_relations.tests.diversion_factories import PLAIN_ITEM, field_report

		with self.set_user(MANAGER):
			return field_report(
				[(PLAIN_ITEM, 10, 100, None, None)], dealer=dealer, incident_date=add_days(today(), -3)
			)

	def test_accused_dealers_rep_cannot_lower_quantities_rates_or_move_the_date(self):
		incident = self.report(self.accused)
		row = incident.items[0].name
		attacks = (
			{"items": [{"name": row, "item_code": incident.items[0].item_code, "qty": 1, "rate": 100}]},
			{"items": [{"name": row, "item_code": incident.items[0].item_code, "qty": 10, "rate": 1}]},
			{"incident_date": add_days(today(), -400)},
			{"dealer": self.other},
		)
		with self.set_user(REP):
			for values in attacks:
				with self.subTest(values=values), self.assertRaises(frappe.PermissionError):
					put("Diversion Incident", incident.name, **values)
		stored = frappe.get_doc("Diversion Incident", incident.name)
		self.assertEqual((stored.items[0].qty, stored.items[0].rate, stored.diverted_value), (10, 100, 1000))
		self.assertEqual(
			(stored.incident_date, stored.dealer),
			(frappe.utils.getdate(incident.incident_date), self.accused),
		)

	def test_rep_cannot_reach_another_reps_incident_by_sending_their_own_dealer(self):
		incident = self.report(self.other)
		with self.set_user(REP):
			with self.assertRaises(frappe.PermissionError):
				put("Diversion Incident", incident.name, dealer=self.accused, description="not ours")
			self.assertFalse(frappe.has_permission("Diversion Incident", "write", doc=incident.name))
		self.assertEqual(frappe.db.get_value("Diversion Incident", incident.name, "dealer"), self.other)

	def test_rep_cannot_edit_under_review_nor_type_the_penalty(self):
		from frappe.model.workflow import apply_workflow

		incident = self.report(self.accused)
		with self.set_user(REP):
			self.assertIn("Not changed", put_back("Diversion Incident", incident.name, penalty_amount=1))
			put("Diversion Incident", incident.name, description="photos attached")
			apply_workflow(frappe.get_doc("Diversion Incident", incident.name), "Submit for Review")
			with self.assertRaises(frappe.PermissionError):
				put("Diversion Incident", incident.name, description="changed my mind")
		self.assertEqual(frappe.db.get_value("Diversion Incident", incident.name, "penalty_amount"), 0)
		with self.set_user(MANAGER):
			put("Diversion Incident", incident.name, incident_date=add_days(today(), -5))
		self.assertEqual(
			frappe.db.get_value("Diversion Incident", incident.name, "incident_date"),
			frappe.utils.getdate(add_days(today(), -5)),
		)

	def test_rep_report_cannot_set_source_reference_or_penalty(self):
		from dealer_relations.tests.diversion_factories import PLAIN_ITEM, field_report

		with self.set_user(OTHER_REP):
			incident = field_report(
				[(PLAIN_ITEM, 1, 100, None, None)],
				dealer=self.accused,
				source="Automatic",
				reference_doctype="Customer",
				reference_name="DR Sec Other Co",
				penalty_amount=1e6,
				reported_by=MANAGER,
			)
		stored = frappe.get_doc("Diversion Incident", incident.name)
		self.assertEqual((stored.source, stored.reported_by), ("Field Report", OTHER_REP))
		self.assertFalse(stored.reference_doctype or stored.reference_name or stored.penalty_amount)


class TestSettingsSegregationOfDuties(FrappeTestCase):
	"""Credit enforcement, grades and weights are the Credit Controller's (or Accounts Manager's);
	the diversion ladder, detection and channel settings the Dealer Manager's; the accounts
	finance's. A change by another role is dropped (Frappe's permlevel rule)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_users()
		cls.company = get_company()
		settings = frappe.get_doc("Dealer Relations Settings")
		if not any(row.company == cls.company for row in settings.company_settings):
			settings.append("company_settings", {"company": cls.company})
			settings.save(ignore_permissions=True)

	def stored(self):
		settings = frappe.get_doc("Dealer Relations Settings")
		row = next(r for r in settings.company_settings if r.company == self.company)
		return frappe._dict(
			credit_enforcement=row.credit_enforcement,
			diversion_detection=row.diversion_detection,
			weight_on_time_share=settings.weight_on_time_share,
			weight_days_late=settings.weight_days_late,
			fine=settings.diversion_penalty_ladder[0].fine_percent,
			window=settings.diversion_window_months,
			grades=[(g.grade, g.min_score) for g in settings.credit_grades],
		)

	def test_dealer_manager_cannot_switch_credit_off_or_rewrite_grades(self):
		before = self.stored()
		with self.set_user(MANAGER):
			settings = frappe.get_doc("Dealer Relations Settings")
			next(r for r in settings.company_settings if r.company == self.company).credit_enforcement = "Off"
			settings.weight_on_time_share, settings.weight_days_late = (
				settings.weight_on_time_share + 5,
				settings.weight_days_late - 5,
			)
			settings.credit_grades[0].min_score = 0
			settings.save()
		after = self.stored()
		self.assertEqual(
			(after.credit_enforcement, after.weight_on_time_share, after.grades),
			(before.credit_enforcement, before.weight_on_time_share, before.grades),
		)

	def test_credit_controller_sets_credit_but_not_diversion(self):
		before = self.stored()
		with self.set_user(CONTROLLER):
			settings = frappe.get_doc("Dealer Relations Settings")
			row = next(r for r in settings.company_settings if r.company == self.company)
			row.credit_enforcement, row.diversion_detection = "Warn only", "Off"
			settings.diversion_window_months = 1
			settings.diversion_penalty_ladder[0].fine_percent = 0
			settings.save()
		after = self.stored()
		self.assertEqual(after.credit_enforcement, "Warn only")
		self.assertEqual(
			(after.diversion_detection, after.window, after.fine),
			(before.diversion_detection, before.window, before.fine),
		)

	def test_only_a_user_with_every_level_removes_a_company_row(self):
		for user in (MANAGER, CONTROLLER, FINANCE):
			with self.subTest(user=user), self.set_user(user):
				settings = frappe.get_doc("Dealer Relations Settings")
				settings.company_settings = [
					r for r in settings.company_settings if r.company != self.company
				]
				with self.assertRaises(frappe.PermissionError):
					settings.save()
		self.assertTrue(self.stored().credit_enforcement)

	def test_dealer_manager_sets_diversion_accounts_manager_sets_credit(self):
		with self.set_user(MANAGER):
			settings = frappe.get_doc("Dealer Relations Settings")
			next(
				r for r in settings.company_settings if r.company == self.company
			).diversion_detection = "Off"
			settings.diversion_window_months = 6
			settings.save()
		with self.set_user(FINANCE):
			settings = frappe.get_doc("Dealer Relations Settings")
			next(
				r for r in settings.company_settings if r.company == self.company
			).credit_enforcement = "Warn only"
			settings.save()
		after = self.stored()
		self.assertEqual(
			(after.diversion_detection, after.window, after.credit_enforcement), ("Off", 6, "Warn only")
		)


class TestSettlementEditsFollowTheWorkflow(FrappeTestCase):
	"""Pending approval, only the approver edits a settlement; its posted links are the app's."""

	def test_accountant_cannot_edit_a_pending_settlement_nor_type_its_posting(self):
		from frappe.model.workflow import apply_workflow

		from dealer_relations.tests.rebate_factories import make_policy, make_rebate_dealer, make_settlement

		make_users()
		make_user(ACCOUNTANT, ["Rebate Accountant", "Accounts User"])
		dealer = make_rebate_dealer(customer=make_customer("DR Sec Rebate Co")).name
		policy = make_policy(dealers=[dealer]).name
		with self.set_user(ACCOUNTANT):
			name = make_settlement(dealer, policy).name
			message = put_back(
				"Rebate Settlement", name, journal_entry="ACC-JV-ANY", credit_note="ACC-SINV-ANY"
			)
			self.assertIn("Journal Entry", message)
			apply_workflow(frappe.get_doc("Rebate Settlement", name), "Submit for Approval")
			with self.assertRaises(frappe.PermissionError):
				put("Rebate Settlement", name, remarks="a larger rebate, please")
		with self.set_user(FINANCE):
			put("Rebate Settlement", name, remarks="checked")
		stored = frappe.db.get_value("Rebate Settlement", name, ["remarks", "journal_entry", "credit_note"])
		self.assertEqual(stored, ("checked", None, None))
