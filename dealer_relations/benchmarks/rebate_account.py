"""Spending the rebate account (返利池) on a Sales Invoice: applying the balance (the form's *Apply
Rebate Balance*), judging it on save, and judging and spending it on submit under the dealer's lock,
counted in queries and timed at two lengths of the dealer's ledger (its history padded with spent
lots of past years, rolled back); and the app's Sales Invoice handlers on a 5-line invoice with a
deduction beside the whole submit.

    bench --site SITE execute dealer_relations.benchmarks.run --kwargs "{'only': ['rebate_account']}"
"""

from __future__ import annotations

import time
from datetime import date

import frappe
from frappe.query_builder.functions import Max, Sum
from frappe.utils import add_days, getdate, today

from dealer_relations import rebate_account
from dealer_relations.benchmarks import Report, Row, timed
from dealer_relations.benchmarks.hooks import app_handlers, make_room, run_handlers
from dealer_relations.benchmarks.queries import count_queries
from dealer_relations.db import insert_records
from dealer_relations.engine.money import dec
from dealer_relations.engine.rebate_account import EARNED, USED_ON_INVOICE, Entry, Lot
from dealer_relations.rebate_account import LEDGER

LINES = 5
SAVEPOINT = "rebate_account_bench"


def run(report: Report, repeat: int = 20, ledger_lengths=(10, 10_000), **options) -> None:
	dealer = pick_dealer()
	if not dealer:
		print("No dealer with an unexpired rebate balance: load the demo data first (make_demo_data).")
		return
	items = items_in_scope(dealer.policy)
	if not items:
		print(f"No item in the scope of Rebate Policy {dealer.policy}.")
		return
	make_room(dealer)
	handlers = app_handlers()
	print(
		f"  dealer {dealer.name}: lot {dealer.lot} of {dealer.policy}, {dealer.entries} ledger entries; "
		f"handlers: {len(handlers)}"
	)
	counts = {}
	for length in ledger_lengths:
		frappe.db.savepoint(SAVEPOINT)
		try:
			entries = pad_ledger(dealer, int(length))
			counts[entries] = measure(report, handlers, dealer, items, entries, int(repeat))
		finally:
			frappe.db.rollback(save_point=SAVEPOINT)
	(few, few_q), (many, many_q) = list(counts.items())[0], list(counts.items())[-1]
	report.add(
		Row(
			"rebate queries: apply + save + submit",
			0,
			queries=many_q[-1],
			note=(
				f"ledger of {few:,} entries: {' / '.join(map(str, few_q))} q; of {many:,}: "
				f"{' / '.join(map(str, many_q))} q -> {'constant' if few_q == many_q else 'GROWS'}"
			),
		)
	)


def pick_dealer() -> frappe._dict | None:
	"""The dealer holding the largest unexpired lot in a company that posts to the account."""
	entry = frappe.qb.DocType(LEDGER)
	rows = (
		frappe.qb.from_(entry)
		.select(
			entry.dealer.as_("name"),
			entry.company,
			entry.rebate_settlement.as_("lot"),
			Max(entry.rebate_policy).as_("policy"),
			Sum(entry.amount).as_("free"),
		)
		.where(entry.expiry_date >= today())
		.groupby(entry.dealer, entry.company, entry.rebate_settlement)
		.orderby(Sum(entry.amount), order=frappe.qb.desc)
		.limit(1)
		.run(as_dict=True)
	)
	if not rows or dec(rows[0].free) <= 0:
		return None
	dealer = rows[0]
	dealer.customer = frappe.db.get_value("Dealer", dealer.name, "customer")
	dealer.entries = frappe.db.count(LEDGER, {"dealer": dealer.name})
	return dealer


def items_in_scope(policy_name: str) -> list[str]:
	from dealer_relations.rebates import in_scope_groups

	policy = frappe.get_doc("Rebate Policy", policy_name)
	filters = {"disabled": 0, "has_variants": 0, "is_sales_item": 1}
	if policy.item_groups:
		filters["item_group"] = ("in", in_scope_groups(policy))
	excluded = {row.item_code for row in policy.excluded_items}
	names = frappe.get_all("Item", filters=filters, pluck="name", limit=LINES + len(excluded))
	return [name for name in names if name not in excluded][:LINES]


def pad_ledger(dealer, length: int) -> int:
	"""History for the dealer so its ledger holds ``length`` entries: spent lots of past years
	(an Earned row and Used rows summing to nothing, in lots of 1,000 rows). Returns the count."""
	missing = length - frappe.db.count(LEDGER, {"dealer": dealer.name})
	dealer_name = frappe.db.get_value("Dealer", dealer.name, "dealer_name")
	records, number = [], 0
	while missing > 0:
		size = min(missing, 1_000)
		number += 1
		lot = Lot(f"BENCH-LOT-{number}", dealer.policy, date(getdate().year - 2, 12, 31), dec(10))
		rows = [Entry(lot.name, EARNED, dec(size - 1) or dec(1))]
		rows += [Entry(lot.name, USED_ON_INVOICE, dec(-1)) for _ in range(size - 1)]
		if size == 1:
			rows.append(Entry(lot.name, USED_ON_INVOICE, dec(-1)))
		records += rebate_account.ledger_records(
			rows,
			{lot.name: lot},
			dealer.name,
			dealer.company,
			"Rebate Settlement",
			lot.name,
			lot.expiry_date,
			dealer_name=dealer_name,
		)
		missing -= len(rows)
	insert_records(LEDGER, records)
	return frappe.db.count(LEDGER, {"dealer": dealer.name})


def draft(dealer, items, deduction=0):
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": dealer.company,
			"customer": dealer.customer,
			"posting_date": today(),
			"due_date": add_days(today(), 30),
			"rebate_deduction": deduction,
			"items": [{"item_code": items[i % len(items)], "qty": 10, "rate": 100} for i in range(LINES)],
		}
	)
	invoice.insert(ignore_permissions=True)
	return invoice


def measure(report: Report, handlers, dealer, items, entries: int, repeat: int) -> tuple[int, int, int]:
	"""(apply, save, submit) query counts on a 5-line invoice with a deduction; prints their times."""
	doc = draft(dealer, items)
	rebate_account.get_applicable_deduction(doc.as_dict())  # warm caches: count what every call runs
	with count_queries() as apply_queries:
		allowed = rebate_account.get_applicable_deduction(doc.as_dict())["rebate_deduction"]
	apply_seconds, _ = timed(rebate_account.get_applicable_deduction, doc.as_dict(), repeat=repeat)
	# a deduction every submit below can take again (each is rolled back, the whole-submit runs are not)
	deduction = min(allowed, 10)
	doc.rebate_deduction = deduction
	doc.save(ignore_permissions=True)
	rebate_account.validate_deduction(doc)
	with count_queries() as save_queries:
		rebate_account.validate_deduction(doc)
	save_seconds, _ = timed(rebate_account.validate_deduction, doc, repeat=repeat)

	def submit_check():
		frappe.db.savepoint("rebate_check")
		try:
			doc.docstatus, doc._action = 1, "submit"
			doc.flags.pop("locked_dealer", None)
			rebate_account.check_on_submit(doc)
		finally:
			frappe.db.rollback(save_point="rebate_check")
			doc.docstatus = 0

	submit_check()
	with count_queries() as submit_queries:
		submit_check()
	submit_seconds, _ = timed(submit_check, repeat=repeat)

	def judge_only():
		from dealer_relations.credit_check import load_dealer

		frappe.db.savepoint("rebate_check")
		try:
			load_dealer(doc.customer, lock=True)
			lots = rebate_account.spendable_lots(doc, dealer.name, lock=True)
			rebate_account.plan_document(doc, lots, lock=True)
		finally:
			frappe.db.rollback(save_point="rebate_check")

	judge_only()
	with count_queries() as judge_queries:
		judge_only()
	judge_seconds, _ = timed(judge_only, repeat=repeat)
	doc._judge = (judge_seconds, len(judge_queries))
	note = f"ledger of {entries:,} entries, deduction {deduction}"
	report.add(
		Row(
			f"apply rebate balance ({entries:,} entries)",
			apply_seconds,
			queries=len(apply_queries),
			note=note,
		)
	)
	report.add(
		Row(f"judge on save ({entries:,} entries)", save_seconds, queries=len(save_queries), note=note)
	)
	report.add(
		Row(
			f"judge + spend on submit ({entries:,} entries)",
			submit_seconds,
			queries=len(submit_queries),
			note=note + ", under the dealer's lock, with the release (in the invoice's GL)",
		)
	)
	hooks_share(report, handlers, dealer, items, doc, deduction, entries, repeat)
	return len(apply_queries), len(save_queries), len(submit_queries)


def hooks_share(report: Report, handlers, dealer, items, doc, deduction, entries: int, repeat: int) -> None:
	"""The app's Sales Invoice handlers on the invoice with a deduction (its release rows in the
	invoice's GL included) beside a whole 5-line submit with the same deduction."""

	def once():
		frappe.db.savepoint("rebate_hooks")
		try:
			run_handlers(handlers, doc)
		finally:
			frappe.db.rollback(save_point="rebate_hooks")
			doc.docstatus = 0

	savepoint_seconds, _ = timed(
		lambda: (frappe.db.savepoint("rebate_hooks"), frappe.db.rollback(save_point="rebate_hooks")),
		repeat=repeat,
	)
	hook_seconds = max(timed(once, repeat=repeat)[0] - savepoint_seconds, 1e-6)
	submits = []
	for _ in range(min(repeat, 8)):
		invoice = draft(dealer, items, deduction)
		start = time.perf_counter()
		invoice.submit()
		submits.append(time.perf_counter() - start)
	whole = min(submits)
	judge_seconds, judge_queries = doc._judge
	report.add(
		Row(
			f"judging alone on submit ({entries:,} entries)",
			judge_seconds,
			"whole SI submit (5 lines, deduction)",
			whole,
			target=0.05,
			queries=judge_queries,
			note=f"{judge_seconds / whole * 100:.1f}%: the dealer's lock, the live lots, the plan; no posting",
		)
	)
	report.add(
		Row(
			f"app's SI hooks with a deduction ({entries:,} entries)",
			hook_seconds,
			"whole SI submit (5 lines, deduction)",
			whole,
			target=0.05,
			note=f"{hook_seconds / whole * 100:.1f}% of {whole * 1000:.0f} ms, credit check and release rows included",
		)
	)
