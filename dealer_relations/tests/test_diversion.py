"""Cross-region diversion on a real site: address territories, detection in each mode, tracing
by serial and by batch, the review workflow and who may move it, the penalty ladder's postings,
suspension, cancel reversal and recount, and what credit and rebates make of confirmed incidents."""

from __future__ import annotations

import frappe
import frappe.client
from frappe.model.workflow import apply_workflow
from frappe.utils import add_days, flt, today

from dealer_relations.benchmarks.queries import count_queries
from dealer_relations.tests.diversion_factories import (
	BATCH_ITEM,
	CHINA,
	EAST,
	MANAGER,
	NANJING,
	OTHER_REP,
	PLAIN_ITEM,
	REP,
	SERIAL_ITEM,
	SOUTH,
	SUZHOU,
	confirm,
	deliver,
	field_report,
	incident_for,
	make_address,
	make_diversion_dealer,
	make_items,
	make_territories,
	make_users,
	penalty_account,
	receive,
	set_diversion_settings,
)
from dealer_relations.tests.utils import FrappeTestCase, get_company

INCIDENT = "Diversion Incident"


def incidents_of(reference: str) -> list:
	return frappe.get_all(INCIDENT, filters={"reference_name": reference}, fields=["*"])


class DiversionTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_territories()
		make_users()
		make_items()
		cls.penalty_account = penalty_account()
		set_diversion_settings(
			diversion_detection="Open Incident", diversion_penalty_account=cls.penalty_account
		)

	def tearDown(self):
		frappe.set_user("Administrator")


class TestAddressTerritory(DiversionTestCase):
	def test_user_territory_is_kept_and_mapping_fills_the_rest(self):
		settings = frappe.get_single("Dealer Relations Settings")
		settings.set(
			"diversion_territory_rules",
			[{"state": "DR DV Province", "territory": EAST}, {"city": "DR DV Town", "territory": SUZHOU}],
		)
		settings.save()
		dealer = make_diversion_dealer()
		chosen = make_address(dealer.customer, territory=SOUTH, city="DR DV Town")
		self.assertEqual(frappe.db.get_value("Address", chosen, "territory"), SOUTH)
		by_city = make_address(dealer.customer, city="dr dv town", state="DR DV Province")
		self.assertEqual(frappe.db.get_value("Address", by_city, "territory"), SUZHOU)
		by_state = make_address(dealer.customer, city="Elsewhere", state="DR DV Province")
		self.assertEqual(frappe.db.get_value("Address", by_state, "territory"), EAST)
		unmapped = make_address(dealer.customer, city="Elsewhere")
		self.assertIsNone(frappe.db.get_value("Address", unmapped, "territory"))

	def test_a_rep_cannot_pick_or_keep_a_ship_to_territory_by_hand(self):
		"""The territory decides detection: through the API a rep can neither set it nor move the
		address away from it; the city's mapping decides. A Dealer Manager may set it."""
		settings = frappe.get_single("Dealer Relations Settings")
		settings.set("diversion_territory_rules", [{"city": "DR DV Town", "territory": SUZHOU}])
		settings.save()
		dealer = make_diversion_dealer()
		address = {
			"doctype": "Address",
			"address_title": dealer.customer,
			"address_type": "Shipping",
			"address_line1": "2 Test Road",
			"city": "DR DV Town",
			"country": frappe.db.get_value("Company", get_company(), "country"),
			"links": [{"link_doctype": "Customer", "link_name": dealer.customer}],
		}
		frappe.set_user(REP)
		with self.assertRaises(frappe.ValidationError):
			frappe.client.insert({**address, "territory": NANJING})
		name = frappe.client.insert(dict(address))["name"]
		self.assertEqual(frappe.db.get_value("Address", name, "territory"), SUZHOU)
		with self.assertRaises(frappe.ValidationError):
			frappe.client.set_value("Address", name, "territory", NANJING)
		frappe.client.set_value("Address", name, "city", "Far Away")
		self.assertIsNone(frappe.db.get_value("Address", name, "territory"))
		frappe.set_user(MANAGER)
		frappe.client.set_value("Address", name, "territory", NANJING)
		self.assertEqual(frappe.db.get_value("Address", name, "territory"), NANJING)


class TestDetection(DiversionTestCase):
	def setUp(self):
		self.dealer = make_diversion_dealer(territories=[EAST])
		receive(PLAIN_ITEM, 100)

	def test_block_names_the_territory_and_the_authorised_regions(self):
		set_diversion_settings(diversion_detection="Block")
		address = make_address(self.dealer.customer, territory=SOUTH)
		note = deliver(self.dealer.customer, [(PLAIN_ITEM, 2, 500, None, None)], address, submit=False)
		with self.assertRaises(frappe.ValidationError) as info:
			note.submit()
		self.assertIn(SOUTH, str(info.exception))
		self.assertIn(EAST, str(info.exception))
		self.assertEqual(frappe.db.get_value("Delivery Note", note.name, "docstatus"), 0)
		self.assertFalse(incidents_of(note.name))

	def test_block_applies_to_stock_sales_invoices_too(self):
		set_diversion_settings(diversion_detection="Block")
		address = make_address(self.dealer.customer, territory=SOUTH)
		invoice = deliver(
			self.dealer.customer, [(PLAIN_ITEM, 1, 500, None, None)], address, "Sales Invoice", submit=False
		)
		self.assertRaises(frappe.ValidationError, invoice.submit)
		invoice.reload()
		invoice.update_stock = 0  # a plain invoice ships nothing: not judged
		invoice.items[0].warehouse = None
		invoice.save()
		invoice.submit()

	def test_open_incident_submits_and_records_the_shipment(self):
		set_diversion_settings(diversion_detection="Open Incident")
		address = make_address(self.dealer.customer, territory=SOUTH)
		note = deliver(
			self.dealer.customer,
			[(PLAIN_ITEM, 2, 500, None, None), (PLAIN_ITEM, 1, 300, None, None)],
			address,
		)
		self.assertEqual(note.docstatus, 1)
		[incident] = incidents_of(note.name)
		self.assertEqual(
			(incident.source, incident.reference_doctype, incident.dealer, incident.found_territory),
			("Automatic", "Delivery Note", self.dealer.name, SOUTH),
		)
		self.assertEqual((incident.docstatus, incident.workflow_state), (0, "Reported"))
		self.assertEqual(flt(incident.diverted_value), 1300)

	def test_stock_invoice_opens_an_incident_and_cancelling_dismisses_it(self):
		set_diversion_settings(diversion_detection="Open Incident")
		address = make_address(self.dealer.customer, territory=SOUTH)
		invoice = deliver(self.dealer.customer, [(PLAIN_ITEM, 1, 700, None, None)], address, "Sales Invoice")
		[incident] = incidents_of(invoice.name)
		self.assertEqual((incident.reference_doctype, flt(incident.diverted_value)), ("Sales Invoice", 700))
		note = deliver(self.dealer.customer, [(PLAIN_ITEM, 1, 10, None, None)], address)
		note.cancel()
		[dismissed] = incidents_of(note.name)
		self.assertEqual((dismissed.docstatus, dismissed.workflow_state), (0, "Dismissed"))

	def test_off_inside_subtree_and_unknown_territory_pass(self):
		set_diversion_settings(diversion_detection="Block")
		inside = make_address(self.dealer.customer, territory=NANJING)  # child of the authorised group
		self.assertEqual(
			deliver(self.dealer.customer, [(PLAIN_ITEM, 1, 10, None, None)], inside).docstatus, 1
		)
		unknown = make_address(self.dealer.customer)
		self.assertEqual(
			deliver(self.dealer.customer, [(PLAIN_ITEM, 1, 10, None, None)], unknown).docstatus, 1
		)
		self.assertEqual(deliver(self.dealer.customer, [(PLAIN_ITEM, 1, 10, None, None)]).docstatus, 1)
		set_diversion_settings(diversion_detection="Off")
		outside = make_address(self.dealer.customer, territory=SOUTH)
		note = deliver(self.dealer.customer, [(PLAIN_ITEM, 1, 10, None, None)], outside)
		self.assertEqual(note.docstatus, 1)
		self.assertFalse(incidents_of(note.name))

	def test_detection_costs_the_same_for_one_line_or_twenty(self):
		from dealer_relations.diversion import check_shipment

		set_diversion_settings(diversion_detection="Open Incident")
		address = make_address(self.dealer.customer, territory=SOUTH)
		costs = []
		for lines in (1, 20):
			note = deliver(
				self.dealer.customer, [(PLAIN_ITEM, 1, 10, None, None)] * lines, address, submit=False
			)
			check_shipment(note)  # warm the settings cache
			with count_queries() as queries:
				check_shipment(note)
			self.assertTrue(note.flags.diversion)
			costs.append(len(queries))
		self.assertEqual(costs[0], costs[1])
		self.assertEqual(costs[0], 1)  # one indexed lookup per document


class TestTracing(DiversionTestCase):
	def setUp(self):
		self.dealer = make_diversion_dealer(territories=[NANJING])
		self.other = make_diversion_dealer(territories=[SUZHOU])
		self.serials = [f"DR-DV-SN-{frappe.generate_hash(length=8)}" for _ in range(3)]
		receive(SERIAL_ITEM, 3, serial_no="\n".join(self.serials))

	def test_serial_traces_to_the_dealer_it_was_delivered_to(self):
		deliver(self.dealer.customer, [(SERIAL_ITEM, 2, 800, "\n".join(self.serials[:2]), None)])
		incident = field_report([(SERIAL_ITEM, 0, 800, "\n".join(self.serials[:2]), None)])
		self.assertEqual(incident.dealer, self.dealer.name)
		self.assertEqual(incident.items[0].qty, 2)
		self.assertEqual(flt(incident.diverted_value), 1600)
		self.assertEqual(incident.items[0].traced_to, self.dealer.name)

	def test_unknown_or_undelivered_serial_is_named(self):
		with self.assertRaises(frappe.ValidationError) as info:
			field_report([(SERIAL_ITEM, 1, 800, "DR-DV-NO-SUCH-SERIAL", None)])
		self.assertIn("DR-DV-NO-SUCH-SERIAL", str(info.exception))
		with self.assertRaises(frappe.ValidationError) as info:
			field_report([(SERIAL_ITEM, 1, 800, self.serials[2], None)])
		self.assertIn("cannot be traced", str(info.exception))

	def test_batch_to_several_dealers_needs_a_choice(self):
		batch = f"DR-DV-B-{frappe.generate_hash(length=6)}"
		receive(BATCH_ITEM, 10, batch_no=batch)
		deliver(self.dealer.customer, [(BATCH_ITEM, 4, 100, None, batch)])
		deliver(self.other.customer, [(BATCH_ITEM, 3, 100, None, batch)])
		with self.assertRaises(frappe.ValidationError) as info:
			field_report([(BATCH_ITEM, 2, 100, None, batch)])
		self.assertIn(self.dealer.name, str(info.exception))
		self.assertIn(self.other.name, str(info.exception))
		frappe.set_user(REP)  # a rep may file it without access to ERPNext's Batch list
		incident = field_report([(BATCH_ITEM, 2, 100, None, batch)], dealer=self.other.name)
		self.assertEqual(incident.dealer, self.other.name)
		frappe.set_user("Administrator")

		from dealer_relations.diversion import trace_numbers

		self.assertEqual(set(trace_numbers(batch_no=batch)["dealers"]), {self.dealer.name, self.other.name})

	def test_found_inside_the_dealers_own_territory_is_refused(self):
		deliver(self.dealer.customer, [(SERIAL_ITEM, 1, 800, self.serials[0], None)])
		with self.assertRaises(frappe.ValidationError) as info:
			field_report([(SERIAL_ITEM, 1, 800, self.serials[0], None)], found_territory=NANJING)
		self.assertIn("not diverted", str(info.exception))


class TestWorkflow(DiversionTestCase):
	def setUp(self):
		self.dealer = make_diversion_dealer(territories=[NANJING], sales_rep=REP)

	def test_rep_reports_and_only_a_manager_confirms_or_dismisses(self):
		frappe.set_user(REP)
		incident = field_report([(PLAIN_ITEM, 1, 500, None, None)], dealer=self.dealer.name)
		incident = apply_workflow(incident, "Submit for Review")
		self.assertEqual(incident.workflow_state, "Under Review")
		self.assertRaises(frappe.ValidationError, apply_workflow, incident, "Confirm")
		incident.reload()
		incident.workflow_state = "Dismissed"
		self.assertRaises(frappe.PermissionError, incident.save)
		frappe.set_user(MANAGER)
		incident = apply_workflow(frappe.get_doc(INCIDENT, incident.name), "Confirm")
		self.assertEqual((incident.docstatus, incident.workflow_state), (1, "Confirmed"))
		self.assertRaises(frappe.ValidationError, apply_workflow, incident, "Confirm")

	def test_manager_dismisses_and_reopens(self):
		incident = incident_for(self.dealer.name, submit=False)
		frappe.set_user(MANAGER)
		incident = apply_workflow(frappe.get_doc(INCIDENT, incident.name), "Submit for Review")
		incident = apply_workflow(incident, "Dismiss")
		self.assertEqual((incident.docstatus, incident.workflow_state), (0, "Dismissed"))
		incident = apply_workflow(incident, "Reopen")
		self.assertEqual(incident.workflow_state, "Under Review")

	def test_rep_sees_own_dealers_incidents_and_own_reports(self):
		theirs = make_diversion_dealer(territories=[SUZHOU], sales_rep=OTHER_REP)
		mine = incident_for(self.dealer.name, submit=False)
		other = incident_for(theirs.name, submit=False)
		frappe.set_user(REP)
		filed = field_report([(PLAIN_ITEM, 1, 5, None, None)], dealer=theirs.name)
		visible = set(frappe.get_list(INCIDENT, pluck="name", limit_page_length=0))
		self.assertIn(mine.name, visible)
		self.assertIn(filed.name, visible)
		self.assertNotIn(other.name, visible)
		self.assertFalse(frappe.has_permission(INCIDENT, "read", other.name))

		from dealer_relations.dealer_relations.report.diversion_incidents.diversion_incidents import execute

		rows = execute({"company": get_company()})[1]
		self.assertNotIn(other.name, {row.name for row in rows})

		import json

		from frappe.desk.doctype.number_card.number_card import get_result

		card = frappe.get_doc("Number Card", "Open Diversion Incidents")
		rep_count = get_result(card.as_dict(), json.loads(card.filters_json))
		frappe.set_user("Administrator")
		self.assertGreater(get_result(card.as_dict(), json.loads(card.filters_json)), rep_count)
		self.assertGreaterEqual(rep_count, 2)

	def test_one_shipment_is_confirmed_once(self):
		receive(PLAIN_ITEM, 10)
		set_diversion_settings(diversion_detection="Open Incident")
		note = deliver(
			self.dealer.customer,
			[(PLAIN_ITEM, 1, 100, None, None)],
			make_address(self.dealer.customer, territory=SOUTH),
		)
		[first] = incidents_of(note.name)
		copy = frappe.copy_doc(frappe.get_doc(INCIDENT, first.name))
		copy.insert()
		confirm(frappe.get_doc(INCIDENT, first.name))
		with self.assertRaises(frappe.ValidationError) as info:
			confirm(copy)
		self.assertIn(first.name, str(info.exception))


class TestPenaltyLadder(DiversionTestCase):
	def setUp(self):
		self.dealer = make_diversion_dealer(territories=[NANJING])
		set_diversion_settings(diversion_penalty_account=self.penalty_account)

	def test_first_offence_is_a_warning_second_posts_its_fine(self):
		first = incident_for(self.dealer.name, 100_000, days_ago=30)
		self.assertEqual((first.offence_number, flt(first.penalty_amount)), (1, 0))
		self.assertFalse(first.journal_entry)

		second = incident_for(self.dealer.name, 100_000, days_ago=1)
		self.assertEqual((second.offence_number, flt(second.penalty_amount)), (2, 5000))
		entry = frappe.get_doc("Journal Entry", second.journal_entry)
		self.assertEqual(entry.docstatus, 1)
		debit = next(row for row in entry.accounts if row.debit_in_account_currency)
		credit = next(row for row in entry.accounts if row.credit_in_account_currency)
		self.assertEqual(
			(debit.party_type, debit.party, flt(debit.debit)), ("Customer", self.dealer.customer, 5000)
		)
		self.assertEqual((credit.account, flt(credit.credit)), (self.penalty_account, 5000))

		# The incidents report opens for a manager who may not read Journal Entries (Frappe 15
		# refuses a whole report whose Link column points at an unreadable doctype).
		from frappe.desk.query_report import run

		with self.set_user(MANAGER):
			self.assertFalse(frappe.has_permission("Journal Entry", "read"))
			result = run("Diversion Incidents", filters={"dealer": self.dealer.name})
		rows = [row for row in result["result"] if isinstance(row, dict) and row.get("name")]
		self.assertIn(second.journal_entry, {row.get("journal_entry") for row in rows})

	def test_minimum_fine_and_missing_account_posts_nothing(self):
		incident_for(self.dealer.name, 1000, days_ago=10)
		second = incident_for(self.dealer.name, 1000, submit=False)
		set_diversion_settings(diversion_penalty_account=None)
		with self.assertRaises(frappe.ValidationError) as info:
			confirm(second)
		self.assertIn("Diversion Penalty Account", str(info.exception))
		self.assertEqual(frappe.db.get_value(INCIDENT, second.name, "docstatus"), 0)
		self.assertFalse(frappe.db.get_value(INCIDENT, second.name, "journal_entry"))
		set_diversion_settings(diversion_penalty_account=self.penalty_account)
		apply_workflow(frappe.get_doc(INCIDENT, second.name), "Confirm")  # still Under Review
		self.assertEqual(flt(frappe.db.get_value(INCIDENT, second.name, "penalty_amount")), 1000)

	def test_fourth_offence_suspends_and_cancel_reverses_and_recounts(self):
		incidents = [incident_for(self.dealer.name, 10_000, days_ago=days) for days in (90, 60, 30)]
		self.assertEqual([i.offence_number for i in incidents], [1, 2, 3])
		self.assertEqual(flt(incidents[2].rebate_forfeit_percent), 30)
		fourth = incident_for(self.dealer.name, 10_000, days_ago=1)
		self.assertEqual((fourth.offence_number, fourth.suspend_dealer), (4, 1))
		self.assertEqual(flt(fourth.penalty_amount), 10_000)
		self.assertEqual(frappe.db.get_value("Dealer", self.dealer.name, "status"), "Suspended")
		comments = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Dealer", "reference_name": self.dealer.name},
			pluck="content",
		)
		self.assertTrue(any(fourth.name in comment for comment in comments))

		fourth.cancel()
		self.assertEqual(frappe.db.get_value("Dealer", self.dealer.name, "status"), "Active")
		self.assertEqual(frappe.db.get_value("Journal Entry", fourth.journal_entry, "docstatus"), 2)

		frappe.get_doc(INCIDENT, incidents[1].name).cancel()
		self.assertEqual(frappe.db.get_value(INCIDENT, incidents[2].name, "offence_number"), 2)
		self.assertEqual(frappe.db.get_value(INCIDENT, incidents[0].name, "offence_number"), 1)

	def test_a_late_report_is_counted_in_date_order(self):
		later = incident_for(self.dealer.name, days_ago=10)
		same_day = incident_for(self.dealer.name, days_ago=10)
		self.assertEqual((later.offence_number, same_day.offence_number), (1, 2))
		earlier = incident_for(self.dealer.name, days_ago=20)  # reported and confirmed late
		self.assertEqual(earlier.offence_number, 1)
		self.assertEqual(frappe.db.get_value(INCIDENT, later.name, "offence_number"), 2)
		self.assertEqual(frappe.db.get_value(INCIDENT, same_day.name, "offence_number"), 3)

	def test_offences_outside_the_window_do_not_count(self):
		incident_for(self.dealer.name, days_ago=400)
		self.assertEqual(incident_for(self.dealer.name).offence_number, 1)

	def test_ladder_with_gaps_or_decreasing_penalties_is_refused(self):
		settings = frappe.get_single("Dealer Relations Settings")
		self.assertEqual(len(settings.diversion_penalty_ladder), 4)
		settings.diversion_penalty_ladder[2].offence_number = 5
		self.assertRaisesRegex(frappe.ValidationError, "Offence Number", settings.save)
		settings.reload()
		settings.diversion_penalty_ladder[3].fine_percent = 1
		self.assertRaisesRegex(frappe.ValidationError, "Fine %", settings.save)


class TestCreditAndRebates(DiversionTestCase):
	def test_confirmed_incidents_lower_the_rating_and_forfeit_the_rebate(self):
		from dealer_relations.credit import load_diversions
		from dealer_relations.rebates import load_forfeits

		dealer = make_diversion_dealer()
		self.assertEqual(load_diversions([dealer.name], frappe.utils.getdate()), {})
		for days in (50, 40, 30):
			incident_for(dealer.name, 1000, days_ago=days)
		incident_for(dealer.name, 1000, submit=False)  # reported, not confirmed: does not count
		self.assertEqual(load_diversions([dealer.name], frappe.utils.getdate()), {dealer.name: 3})
		forfeits = load_forfeits([dealer.name], add_days(today(), -60), today())
		self.assertEqual(flt(forfeits[dealer.name]), 30)

	def test_report_totals_and_chart_by_region(self):
		from dealer_relations.dealer_relations.report.diversion_incidents.diversion_incidents import execute

		dealer = make_diversion_dealer()
		incident_for(dealer.name, 100_000, days_ago=5)
		incident_for(dealer.name, 100_000, days_ago=4)
		columns, rows, _message, chart, summary = execute(
			{"company": get_company(), "dealer": dealer.name, "territory": CHINA}
		)
		self.assertEqual(len(rows), 2)
		self.assertTrue(all(row.repeat_offender for row in rows))
		self.assertEqual({row.region for row in rows}, {CHINA})
		self.assertIn(CHINA, chart["data"]["labels"])
		fines = next(item for item in summary if item["label"] == "Fines Levied")
		self.assertEqual(flt(fines["value"]), 5000)
