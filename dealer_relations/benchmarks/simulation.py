"""Policy simulator: next year's draft replayed over the last period beside the current policy,
beside the single raw GROUP BY of the replayed period's eligible volume (target within 2x).

    bench --site SITE execute dealer_relations.benchmarks.run --kwargs "{'only': ['simulation']}"

Uses the newest draft Rebate Policy (the demo data makes one) and the newest submitted one; without
a draft, a draft for the year after the submitted policy is made for the run (rolled back with the
section's savepoint).
"""

from __future__ import annotations

from dealer_relations.benchmarks import Report, Row, timed_pair


def run(report: Report, policy: str | None = None, repeat: int = 3, **options) -> None:
	import frappe
	from frappe.query_builder.functions import Sum

	from dealer_relations.benchmarks.rebates import get_policy
	from dealer_relations.benchmarks.reports import recorded_queries
	from dealer_relations.dealer_relations.report.rebate_policy_simulation.rebate_policy_simulation import (
		execute,
	)
	from dealer_relations.rebates import covered_dealers, item_scope
	from dealer_relations.simulation import replay_period, simulate_policies

	current = get_policy(policy)
	draft = get_draft(current)
	from_date, to_date = replay_period(draft)
	customers = list(covered_dealers(draft).values())
	invoice = frappe.qb.DocType("Sales Invoice")
	line = frappe.qb.DocType("Sales Invoice Item")
	raw = (
		frappe.qb.from_(line)
		.join(invoice)
		.on(invoice.name == line.parent)
		.select(invoice.customer, Sum(line.base_net_amount))
		.where(invoice.docstatus == 1)
		.where(invoice.company == draft.company)
		.where(invoice.customer.isin(customers))
		.where(invoice.posting_date[from_date:to_date])
		.groupby(invoice.customer)
	)
	if scope := item_scope(draft, line):
		raw = raw.where(scope)
	floor_name = "raw GROUP BY of the period's eligible volume"
	period = f"replayed {from_date} .. {to_date}, {len(customers)} dealers"

	def measure(label, fn, target=2, note=""):
		with recorded_queries() as queries:
			fn()
		seconds, floor, _result = timed_pair(fn, raw.run, repeat=int(repeat))
		report.add(Row(label, seconds, floor_name, floor, target=target, queries=len(queries), note=note))

	measure(
		"simulation: draft vs current policy",
		lambda: simulate_policies(draft, current),
		note=f"{period}; same volume rules, loaded once",
	)
	measure("simulation: draft alone", lambda: simulate_policies(draft), note=period)
	filters = frappe._dict(rebate_policy=draft.name, compare_policy=current.name)
	measure("simulation report, by tier", lambda: execute(filters), note=period)
	near = frappe._dict(filters, view="Near Next Slab")
	rows = len(execute(near)[1])
	measure("simulation report, dealers near next slab", lambda: execute(near), note=f"{rows} rows")
	# A compared policy with other volume rules (here: another basis) reads its volumes apart: two
	# loads, so about twice the floor is the least it can cost.
	other = frappe.copy_doc(current)
	other.basis = "Quantity" if current.basis != "Quantity" else "Net Amount"
	measure(
		"simulation: draft vs a policy of another basis",
		lambda: simulate_policies(draft, other),
		target=None,
		note="two volume loads (floor x2 is the least)",
	)


def get_draft(current):
	"""The newest draft policy of the current one's company, else a draft for the year after it
	(same coverage and scope, half a point more at every slab)."""
	import frappe
	from frappe.utils import add_years

	name = frappe.db.get_value(
		"Rebate Policy", {"docstatus": 0, "company": current.company}, "name", order_by="modified desc"
	)
	if name:
		return frappe.get_doc("Rebate Policy", name)
	draft = frappe.copy_doc(current)
	draft.policy_name = f"{current.policy_name} (benchmark draft)"
	draft.from_date = add_years(current.from_date, 1)
	draft.to_date = add_years(current.to_date, 1)
	draft.settlements_created_on = None
	for slab in draft.slabs:
		slab.rate = min(100, (slab.rate or 0) + 0.5)
	draft.insert(ignore_permissions=True)
	return draft
