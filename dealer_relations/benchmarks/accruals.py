"""Monthly rebate accrual: one policy's month accrued for every covered dealer (year-to-date volume,
the engine, the change since what is booked, one Journal Entry, the dealers' entries) beside the
single raw GROUP BY of their year-to-date eligible volume (target within 2x).

    bench --site SITE execute dealer_relations.benchmarks.run --kwargs "{'only': ['accruals']}"

Uses a twin of the newest submitted Rebate Policy (so no month is accrued yet) inside the
section's savepoint, each timed accrual rolled back to the same start.
"""

from __future__ import annotations

from dealer_relations.benchmarks import Report, Row, timed


def run(report: Report, policy: str | None = None, **options) -> None:
	import frappe
	from frappe.query_builder.functions import Sum
	from frappe.utils import add_days, getdate, today

	from dealer_relations.accruals import accrue
	from dealer_relations.benchmarks.rebates import get_policy, twin_policy
	from dealer_relations.demo.masters import make_accrual_settings
	from dealer_relations.engine.accruals import last_ended_month, month_end
	from dealer_relations.rebates import covered_dealers, item_scope

	source = get_policy(policy)
	make_accrual_settings(source.company)
	twin = twin_policy(source)
	from_date, to_date = getdate(twin.from_date), getdate(twin.to_date)
	as_of = last_ended_month(from_date, to_date, getdate(today())) or to_date
	previous = getdate(add_days(as_of.replace(day=1), -1))
	dealers = covered_dealers(twin)
	customers = list(dealers.values())
	invoice = frappe.qb.DocType("Sales Invoice")
	line = frappe.qb.DocType("Sales Invoice Item")
	raw = (
		frappe.qb.from_(line)
		.join(invoice)
		.on(invoice.name == line.parent)
		.select(invoice.customer, Sum(line.base_net_amount))
		.where(invoice.docstatus == 1)
		.where(invoice.company == twin.company)
		.where(invoice.customer.isin(customers))
		.where(invoice.posting_date[from_date:as_of])
		.groupby(invoice.customer)
	)
	if scope := item_scope(twin, line):
		raw = raw.where(scope)

	def measure(label: str, booked_before: bool) -> None:
		best = floor = result = None
		for _attempt in range(5):
			floor_seconds, _ = timed(raw.run, min_seconds=0)
			frappe.db.savepoint("accruals_month")
			if booked_before and previous >= from_date:
				accrue(twin.name, min(month_end(previous), to_date))
			seconds, result = timed(accrue, twin.name, as_of, min_seconds=0)
			frappe.db.rollback(save_point="accruals_month")
			best = seconds if best is None else min(best, seconds)
			floor = floor_seconds if floor is None else min(floor, floor_seconds)
		changed = frappe._dict(result)
		report.add(
			Row(
				label,
				best,
				"raw GROUP BY of year-to-date volume",
				floor,
				target=2,
				note=f"{len(dealers)} dealers, {changed.month}, change {changed.change:,.2f}, "
				f"method {twin.get('accrual_method') or 'Conservative'}",
			)
		)

	measure("monthly accrual: first month, every dealer", booked_before=False)
	measure("monthly accrual: next month, change since booked", booked_before=True)
