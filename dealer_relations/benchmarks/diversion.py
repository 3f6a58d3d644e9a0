"""Diversion: the detection hook's per-submit overhead on a dealer's Delivery Note shipped out of
region, beside its floor (the one indexed lookup any dealer check needs: the customer's dealer),
for a short and a long document; and tracing a serial number through the stock ledger.

Uses the site's dealers (run dealer_relations.demo.make_demo_data first); what it creates is
rolled back by the benchmark runner's savepoint.
"""

from __future__ import annotations

import frappe

from dealer_relations.benchmarks import Report, Row, timed
from dealer_relations.benchmarks.queries import count_queries
from dealer_relations.diversion import check_shipment, load_deliveries

ELSEWHERE = "DR Bench Elsewhere"


def run(report: Report, repeat: int = 200, **options) -> None:
	dealer = pick_dealer()
	if not dealer:
		print("No active dealer: run dealer_relations.demo.make_demo_data first.")
		return
	# The Dealer keeps this link; set it again in case a test site's uninstall cycle dropped it.
	frappe.db.set_value("Customer", dealer.customer, "dealer", dealer.name, update_modified=False)
	address = out_of_region_address(dealer.customer)
	item = frappe.db.get_value("Item", {"disabled": 0, "has_variants": 0}, "name")
	check_shipment(draft_note(dealer, address, item, 1))  # warm the settings cache
	floor, _ = timed(
		lambda: [frappe.db.get_value("Customer", dealer.customer, "dealer") for _ in range(repeat)]
	)
	for lines in (1, 50):
		note = draft_note(dealer, address, item, lines)
		with count_queries() as queries:
			check_shipment(note)
		seconds, _ = timed(lambda note=note: [check_shipment(note) for _ in range(repeat)])
		report.add(
			Row(
				f"diversion check on submit, {lines} line(s)",
				seconds / repeat,
				"customer's dealer lookup",
				floor / repeat,
				queries=len(queries),
				note="flagged" if note.flags.diversion else "not flagged",
			)
		)
	trace_serial(report)


def pick_dealer() -> frappe._dict | None:
	"""An active dealer that is not authorised at the tree's root (it could never divert)."""
	root = frappe.db.get_value("Territory", {"parent_territory": ("in", ("", None))}, "name")
	everywhere = frappe.get_all("Dealer Territory", filters={"territory": root}, pluck="parent")
	return frappe.db.get_value(
		"Dealer",
		{"status": "Active", "name": ("not in", everywhere or [""])},
		["name", "customer", "company"],
		as_dict=True,
		order_by="creation",
	)


def out_of_region_address(customer: str) -> str:
	root = frappe.db.get_value("Territory", {"parent_territory": ("in", ("", None))}, "name")
	if not frappe.db.exists("Territory", ELSEWHERE):
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": ELSEWHERE, "parent_territory": root}
		).insert(ignore_permissions=True)
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": customer,
			"address_type": "Shipping",
			"address_line1": "1 Benchmark Road",
			"city": "Benchmark",
			"country": frappe.db.get_value("Company", {}, "country") or "China",
			"territory": ELSEWHERE,
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	)
	address.insert(ignore_permissions=True)
	return address.name


def draft_note(dealer, address: str, item: str, lines: int):
	"""An in-memory Delivery Note: the hook reads only its header."""
	return frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"company": dealer.company,
			"customer": dealer.customer,
			"shipping_address_name": address,
			"items": [{"item_code": item, "qty": 1, "rate": 100}] * lines,
		}
	)


def trace_serial(report: Report) -> None:
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	serial = (
		frappe.qb.from_(entry)
		.join(bundle)
		.on(bundle.name == entry.parent)
		.select(entry.serial_no)
		.where(bundle.voucher_type == "Delivery Note")
		.where(bundle.docstatus == 1)
		.where(entry.serial_no.isnotnull())
		.limit(1)
		.run(pluck=True)
	)
	if not serial:
		print("No delivered serial number on this site: tracing not measured.")
		return
	seconds, _ = timed(load_deliveries, serials=serial, repeat=20)
	with count_queries() as queries:
		load_deliveries(serials=serial)
	report.add(Row("trace one serial number", seconds, queries=len(queries)))
