"""Credit: the submit check beside ERPNext's own check_credit_limit and the whole submit, and a
rating run of every dealer beside the raw aggregate queries its factors need.

Uses the site's dealers (run dealer_relations.demo.make_demo_data first for realistic volumes);
everything it creates is rolled back by the benchmark runner's savepoint.
"""

from __future__ import annotations

import time

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import add_days, today

from dealer_relations.benchmarks import Report, Row, timed
from dealer_relations.benchmarks.hooks import make_room
from dealer_relations.benchmarks.queries import count_queries
from dealer_relations.credit import (
	CHUNK_SIZE,
	load_config,
	load_dealers,
	load_diversions,
	load_payment_records,
	load_sales,
	load_worst_overdue,
	run_rating,
)
from dealer_relations.overrides.sales_documents import check_on_submit


def run(report: Report, repeat: int = 20, **options) -> None:
	submit_overhead(report, int(repeat))
	rating_run(report)


def pick_dealer() -> frappe._dict | None:
	"""The dealer with the most invoices: the heaviest case for the exposure queries."""
	invoice = frappe.qb.DocType("Sales Invoice")
	dealer = frappe.qb.DocType("Dealer")
	rows = (
		frappe.qb.from_(invoice)
		.join(dealer)
		.on(dealer.customer == invoice.customer)
		.select(dealer.name, dealer.customer, dealer.company, Count("*").as_("invoices"))
		.where(invoice.docstatus == 1)
		.where(dealer.status == "Active")
		.groupby(dealer.name, dealer.customer, dealer.company)
		.orderby(Count("*"), order=frappe.qb.desc)
		.limit(1)
		.run(as_dict=True)
	)
	return rows[0] if rows else None


def draft_order(dealer, lines: int = 5):
	item = frappe.db.get_value("Item", {"is_stock_item": 0, "disabled": 0, "has_variants": 0}, "name")
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": dealer.company,
			"customer": dealer.customer,
			"transaction_date": today(),
			"delivery_date": add_days(today(), 7),
			"items": [{"item_code": item, "qty": 1, "rate": 100, "delivery_date": add_days(today(), 7)}]
			* lines,
		}
	)
	order.insert(ignore_permissions=True)
	return order


def submit_overhead(report: Report, repeat: int) -> None:
	from erpnext.selling.doctype.customer.customer import check_credit_limit

	dealer = pick_dealer()
	if not dealer:
		print("No dealer with invoices: run dealer_relations.demo.make_demo_data first.")
		return
	make_room(dealer)  # room under both limits: every check runs to its end, nothing is blocked

	order = draft_order(dealer)
	order.docstatus = 1
	order._action = "submit"
	check_on_submit(order)  # warm caches
	hook_seconds, _ = timed(check_on_submit, order, repeat=repeat)
	erpnext_seconds, _ = timed(check_credit_limit, dealer.customer, dealer.company, repeat=repeat)
	with count_queries() as hook_queries:
		check_on_submit(order)
	with count_queries() as erpnext_queries:
		check_credit_limit(dealer.customer, dealer.company)
	report.add(
		Row(
			"submit check (Sales Order, dealer)",
			hook_seconds,
			"ERPNext check_credit_limit",
			erpnext_seconds,
			target=2,
			queries=len(hook_queries),
			note=f"ERPNext: {len(erpnext_queries)} q; dealer {dealer.name} with {dealer.invoices} invoices",
		)
	)

	submits = []
	for _ in range(min(repeat, 10)):
		draft = draft_order(dealer)
		start = time.perf_counter()
		draft.submit()
		submits.append(time.perf_counter() - start)
	whole = min(submits)
	report.add(
		Row(
			"submit check share of a whole submit",
			hook_seconds,
			"whole Sales Order submit",
			whole,
			target=0.05,
			note=f"{hook_seconds / whole * 100:.1f}% of {whole * 1000:.0f} ms",
		)
	)


def raw_factor_queries(names: list[str], as_of) -> None:
	for start in range(0, len(names), CHUNK_SIZE):
		chunk = names[start : start + CHUNK_SIZE]
		dealers = load_dealers(chunk)
		customers = [d.customer for d in dealers.values()]
		load_payment_records(customers, as_of)
		load_worst_overdue(customers, as_of)
		load_sales(customers, as_of)
		load_diversions(chunk, as_of)


def raw_statements(names: list[str], as_of) -> list[str]:
	"""The SQL the factor loaders send, as sent (values bound), recorded from one run."""
	from dealer_relations.benchmarks.reports import recorded_queries

	with recorded_queries() as queries:
		raw_factor_queries(names, as_of)
	return [sql for _seconds, sql in queries]


def run_statements(statements: list[str]) -> None:
	for sql in statements:
		frappe.db.sql(sql)


def rating_run(report: Report) -> None:
	names = frappe.get_all("Dealer", pluck="name", order_by="name")
	if not names:
		print("No dealers to rate.")
		return
	as_of = frappe.utils.getdate(today())
	load_config()
	# the floor: the factors' aggregate queries alone, re-sent as recorded (no Python around them)
	raw_queries = raw_statements(names, as_of)
	raw_seconds, _ = timed(run_statements, raw_queries, repeat=7)
	rating_seconds, _ = timed(run_rating, names, None, as_of, repeat=7)
	with count_queries() as rating_queries:
		run_rating(names, None, as_of)
	report.add(
		Row(
			f"rate all dealers ({len(names)})",
			rating_seconds,
			"raw factor aggregate queries",
			raw_seconds,
			target=3,
			queries=len(rating_queries),
			note=f"raw: {len(raw_queries)} q",
		)
	)
