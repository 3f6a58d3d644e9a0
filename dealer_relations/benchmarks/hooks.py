"""Submit-time overhead of every Sales Invoice handler the app registers in hooks.py (credit
check, diversion detection, whatever is added later) beside ERPNext's own check_credit_limit on
the same invoice and beside the whole submit; and the handlers' query count for a small and a big
invoice of a small and a big dealer, which must not grow with lines or history.

    bench --site SITE execute dealer_relations.benchmarks.run --kwargs "{'only': ['hooks']}"
"""

from __future__ import annotations

import time

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import add_days, today

from dealer_relations.benchmarks import Report, Row, timed
from dealer_relations.benchmarks.queries import count_queries

DOCTYPE = "Sales Invoice"
# the document events a submit fires, in the order Frappe fires them
SUBMIT_EVENTS = ("before_validate", "validate", "before_submit", "on_submit", "on_change")


def run(report: Report, repeat: int = 20, **options) -> None:
	handlers = app_handlers()
	if not handlers:
		print("The app registers no Sales Invoice handlers.")
		return
	print("  handlers: " + ", ".join(f"{event}: {path}" for event, path in handlers))
	big, small = pick_dealers()
	if not big:
		print("No dealer with invoices: load the demo data first (make_demo_data(size=200000)).")
		return
	make_room(big)
	make_room(small)
	overhead(report, handlers, big, int(repeat))
	query_counts(report, handlers, big, small)


def app_handlers() -> list[tuple[str, str]]:
	"""(event, dotted path) of the app's handlers for Sales Invoice (and "*"), in firing order."""
	doc_events = frappe.get_hooks("doc_events") or {}
	found = []
	for event in SUBMIT_EVENTS:
		for doctype in (DOCTYPE, "*"):
			paths = (doc_events.get(doctype) or {}).get(event) or []
			if isinstance(paths, str):
				paths = [paths]
			found += [(event, path) for path in paths if path.startswith("dealer_relations.")]
	return found


def pick_dealers() -> tuple[frappe._dict | None, frappe._dict | None]:
	"""The active dealers with the most and the fewest submitted invoices."""
	invoice = frappe.qb.DocType("Sales Invoice")
	dealer = frappe.qb.DocType("Dealer")
	query = (
		frappe.qb.from_(invoice)
		.join(dealer)
		.on(dealer.customer == invoice.customer)
		.select(dealer.name, dealer.customer, dealer.company, Count("*").as_("invoices"))
		.where(invoice.docstatus == 1)
		.where(dealer.status == "Active")
		.groupby(dealer.name, dealer.customer, dealer.company)
	)
	# ties broken by name: the same dealers on every run
	big = query.orderby(Count("*"), order=frappe.qb.desc).orderby(dealer.name).limit(1).run(as_dict=True)
	small = query.orderby(Count("*")).orderby(dealer.name).limit(1).run(as_dict=True)
	return (big[0] if big else None), (small[0] if small else None)


def make_room(dealer) -> None:
	"""Room under the dealer's limit and a Customer credit limit, so every check runs to its end and
	ERPNext's check_credit_limit has a limit to compare with (rolled back with the section)."""
	frappe.db.set_value("Dealer", dealer.name, {"credit_limit": 10**11, "credit_order_policy": "Allow"})
	frappe.get_doc(
		{
			"doctype": "Customer Credit Limit",
			"parent": dealer.customer,
			"parenttype": "Customer",
			"parentfield": "credit_limits",
			"company": dealer.company,
			"credit_limit": 10**11,
		}
	).db_insert()


def draft_invoice(dealer, lines: int):
	items = frappe.get_all(
		"Item", filters={"is_stock_item": 0, "disabled": 0, "has_variants": 0}, pluck="name", limit=lines
	)
	invoice = frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"company": dealer.company,
			"customer": dealer.customer,
			"posting_date": today(),
			"due_date": add_days(today(), 30),
			"items": [{"item_code": items[i % len(items)], "qty": 1, "rate": 100} for i in range(lines)],
		}
	)
	invoice.insert(ignore_permissions=True)
	return invoice


def run_handlers(handlers, doc) -> None:
	"""What a submit runs of the app: each handler with its event, the document as in the submit
	(its flags as fresh as a new request's), then the rows the app adds to the invoice's GL
	through ERPNext's regional override when it has a rebate deduction."""
	from dealer_relations.overrides.sales_invoice import make_regional_gl_entries

	doc.docstatus = 1
	doc._action = "submit"
	doc.flags.pop("locked_dealer", None)
	doc.flags.pop("rebate_release", None)
	for event, path in handlers:
		frappe.get_attr(path)(doc, event)
	if doc.doctype == "Sales Invoice" and doc.flags.rebate_release:
		make_regional_gl_entries([], doc)


def overhead(report: Report, handlers, dealer, repeat: int) -> None:
	from erpnext.selling.doctype.customer.customer import check_credit_limit

	doc = draft_invoice(dealer, 5)
	frappe.db.savepoint("hooks_bench")
	run_handlers(handlers, doc)  # warm caches
	frappe.db.rollback(save_point="hooks_bench")

	def once():
		frappe.db.savepoint("hooks_bench")
		try:
			run_handlers(handlers, doc)
		finally:
			frappe.db.rollback(save_point="hooks_bench")

	savepoint_seconds, _ = timed(
		lambda: (frappe.db.savepoint("hooks_bench"), frappe.db.rollback(save_point="hooks_bench")),
		repeat=repeat,
	)
	hook_seconds, _ = timed(once, repeat=repeat)
	hook_seconds = max(hook_seconds - savepoint_seconds, 1e-6)
	check_credit_limit(dealer.customer, dealer.company)
	erpnext_seconds, _ = timed(check_credit_limit, dealer.customer, dealer.company, repeat=repeat)
	report.add(
		Row(
			f"app's Sales Invoice hooks ({len(handlers)})",
			hook_seconds,
			"ERPNext check_credit_limit",
			erpnext_seconds,
			target=2,
			note=f"dealer {dealer.name}, {dealer.invoices} invoices, 5 lines",
		)
	)
	submits = []
	for _ in range(min(repeat, 8)):
		draft = draft_invoice(dealer, 5)
		start = time.perf_counter()
		draft.submit()
		submits.append(time.perf_counter() - start)
	whole = min(submits)
	report.add(
		Row(
			"hooks' share of a whole Sales Invoice submit",
			hook_seconds,
			"whole Sales Invoice submit (5 lines)",
			whole,
			target=0.05,
			note=f"{hook_seconds / whole * 100:.1f}% of {whole * 1000:.0f} ms",
		)
	)


def query_counts(report: Report, handlers, big, small) -> None:
	counts = {}
	for label, dealer, lines in (("small dealer, 1 line", small, 1), ("big dealer, 50 lines", big, 50)):
		doc = draft_invoice(dealer, lines)
		frappe.db.savepoint("hooks_bench")
		with count_queries() as queries:
			run_handlers(handlers, doc)
		frappe.db.rollback(save_point="hooks_bench")
		counts[label] = (len(queries), dealer.invoices)
	(small_label, (small_q, small_n)), (big_label, (big_q, big_n)) = counts.items()
	report.add(
		Row(
			"hooks' queries per submit",
			0,
			queries=big_q,
			note=(
				f"{small_label} ({small_n} invoices): {small_q} q; {big_label} ({big_n} invoices): {big_q} q"
				f" -> {'constant' if small_q == big_q else 'GROWS'}"
			),
		)
	)
