"""Frappe side of dealer visits: load visit data set-based, apply the engine's cadence rules, and
write the results (dealer visit dates, follow-up ToDos)."""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import get_datetime, getdate, today

from dealer_relations.engine.visits import (
	DEFAULT_VISIT_INTERVAL_DAYS,
	FOLLOWED_UP_STATUSES,
	is_overdue,
	next_visit_due,
)
from dealer_relations.utils import speak_the_users_language

OVERDUE_VISIT = "Overdue Visit"
VISIT_ACTION = "Visit Action"


def refresh_dealer_visit_dates(dealers: Iterable[str]) -> dict[str, tuple]:
	"""Recompute last_visit_date / next_visit_due of the given dealers from their visit logs.

	Three queries whatever the number of dealers: latest visit per dealer, the explicit next visit
	date of that latest visit, and the dealers' cadence. Returns {dealer: (last, due)}.
	"""
	dealers = sorted({d for d in dealers if d})
	if not dealers:
		return {}
	visit = frappe.qb.DocType("Dealer Visit Log")
	latest = dict(
		frappe.qb.from_(visit)
		.select(visit.dealer, Max(visit.visit_date))
		.where(visit.dealer.isin(dealers))
		.groupby(visit.dealer)
		.run()
	)
	explicit = {}
	if latest:
		rows = (
			frappe.qb.from_(visit)
			.select(visit.dealer, visit.visit_date, visit.next_visit_date)
			.where(visit.dealer.isin(list(latest)))
			.where(visit.visit_date.isin(list({v for v in latest.values()})))
			.run()
		)
		for dealer, visit_date, next_date in rows:
			if visit_date == latest.get(dealer) and next_date:
				current = explicit.get(dealer)
				explicit[dealer] = min(next_date, current) if current else next_date

	dealer = frappe.qb.DocType("Dealer")
	tier = frappe.qb.DocType("Dealer Tier")
	cadence = (
		frappe.qb.from_(dealer)
		.left_join(tier)
		.on(tier.name == dealer.tier)
		.select(
			dealer.name,
			dealer.creation,
			tier.visit_interval_days,
			dealer.last_visit_date,
			dealer.next_visit_due,
		)
		.where(dealer.name.isin(dealers))
		.run(as_dict=True)
	)
	result, changed = {}, {}
	for row in cadence:
		last = latest.get(row.name)
		due = next_visit_due(
			getdate(last) if last else None,
			row.visit_interval_days or DEFAULT_VISIT_INTERVAL_DAYS,
			getdate(explicit[row.name]) if row.name in explicit else None,
			since=getdate(row.creation),
		)
		last_date = getdate(last) if last else None
		result[row.name] = (last_date, due)
		if (row.last_visit_date, row.next_visit_due) != (last_date, due):
			changed[row.name] = {"last_visit_date": last_date, "next_visit_due": due}
	frappe.db.bulk_update("Dealer", changed, update_modified=False)
	return result


def refresh_tier_dealers(tier: str, chunk_size: int = 500) -> int:
	"""Background job: a tier's cadence changed, so every dealer of the tier gets a new due date.

	Chunked, three queries and one bulk update per chunk; progress is published to the user who
	changed the tier."""
	speak_the_users_language()
	dealers = frappe.get_all("Dealer", filters={"tier": tier}, pluck="name", order_by="name")
	for start in range(0, len(dealers), chunk_size):
		refresh_dealer_visit_dates(dealers[start : start + chunk_size])
		frappe.publish_progress(
			min(100, (start + chunk_size) * 100 / len(dealers)),
			title=_("Updating visit due dates"),
			description=_("Dealer Tier {0}").format(tier),
		)
	return len(dealers)


def close_overdue_todos(dealers: Iterable[str], status: str = "Closed") -> int:
	"""Close the open overdue-visit ToDos of dealers that are no longer overdue."""
	dealers = list({d for d in dealers if d})
	if not dealers:
		return 0
	names = frappe.get_all(
		"ToDo",
		filters={
			"reference_type": "Dealer",
			"reference_name": ("in", dealers),
			"dealer_followup": OVERDUE_VISIT,
			"status": "Open",
		},
		pluck="name",
	)
	for name in names:
		todo = frappe.get_doc("ToDo", name)
		todo.status = status
		todo.save(ignore_permissions=True)
	return len(names)


def create_overdue_todos(as_of=None) -> dict[str, int]:
	"""Daily: one open ToDo per overdue dealer for its rep; idempotent across re-runs.

	Set-based: one query finds the overdue dealers, one the ToDos already open for them. ToDos of
	dealers no longer overdue (visited, suspended, reassigned) are closed.
	"""
	if not frappe.db.get_single_value("Dealer Relations Settings", "create_overdue_todos"):
		return {"created": 0, "closed": 0}
	as_of = getdate(as_of or today())
	dealer = frappe.qb.DocType("Dealer")
	candidates = (
		frappe.qb.from_(dealer)
		.select(dealer.name, dealer.dealer_name, dealer.sales_rep, dealer.status, dealer.next_visit_due)
		.where(dealer.status.isin(list(FOLLOWED_UP_STATUSES)))
		.where(dealer.sales_rep.isnotnull())
		.where(dealer.next_visit_due < as_of)
		.run(as_dict=True)
	)
	overdue = {
		row.name: row for row in candidates if is_overdue(getdate(row.next_visit_due), as_of, row.status)
	}
	todo = frappe.qb.DocType("ToDo")
	open_todos = (
		frappe.qb.from_(todo)
		.select(todo.name, todo.reference_name, todo.allocated_to)
		.where(todo.reference_type == "Dealer")
		.where(todo.dealer_followup == OVERDUE_VISIT)
		.where(todo.status == "Open")
		.run(as_dict=True)
	)
	have = {(t.reference_name, t.allocated_to) for t in open_todos}
	stale = [
		t.name
		for t in open_todos
		if t.reference_name not in overdue or overdue[t.reference_name].sales_rep != t.allocated_to
	]
	created = 0
	for name, row in overdue.items():
		if (name, row.sales_rep) in have:
			continue
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": row.sales_rep,
				"reference_type": "Dealer",
				"reference_name": name,
				"dealer_followup": OVERDUE_VISIT,
				"date": row.next_visit_due,
				"priority": "High",
				"description": _("Visit overdue: {0} was due for a visit on {1}").format(
					row.dealer_name or name, frappe.format(row.next_visit_due, "Date")
				),
			}
		).insert(ignore_permissions=True)
		created += 1
	for name in stale:
		doc = frappe.get_doc("ToDo", name)
		doc.status = "Closed"
		doc.save(ignore_permissions=True)
	return {"created": created, "closed": len(stale)}


def create_action_todos(visit) -> None:
	"""Turn each follow-up action of a visit into a ToDo for the visit's rep (once)."""
	for row in visit.actions:
		if row.todo or not row.action:
			continue
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": visit.sales_rep,
				"reference_type": visit.doctype,
				"reference_name": visit.name,
				"dealer_followup": VISIT_ACTION,
				"date": row.due_date,
				"description": row.action,
			}
		).insert(ignore_permissions=True)
		row.db_set({"todo": todo.name, "todo_status": todo.status}, update_modified=False)


def get_dealer_location(dealer: str, customer: str | None = None) -> tuple[float, float] | None:
	"""Coordinates of the dealer's address (its own or its customer's), primary address first."""
	address = frappe.qb.DocType("Address")
	link = frappe.qb.DocType("Dynamic Link")
	parties = [("Dealer", dealer)] + ([("Customer", customer)] if customer else [])
	condition = None
	for link_doctype, link_name in parties:
		clause = (link.link_doctype == link_doctype) & (link.link_name == link_name)
		condition = clause if condition is None else condition | clause
	rows = (
		frappe.qb.from_(address)
		.join(link)
		.on((link.parent == address.name) & (link.parenttype == "Address"))
		.select(address.dr_latitude, address.dr_longitude)
		.where(condition)
		.where(address.disabled == 0)
		.where(address.dr_latitude.isnotnull() & address.dr_longitude.isnotnull())
		.where((address.dr_latitude != 0) | (address.dr_longitude != 0))
		.orderby(address.is_primary_address, order=frappe.qb.desc)
		.orderby(address.is_shipping_address, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	return (float(rows[0][0]), float(rows[0][1])) if rows else None


def get_visit_timeline(doctype: str, docname: str) -> list[dict]:
	"""Dealer form timeline: the dealer's recent visits as cards (additional_timeline_content)."""
	if not frappe.has_permission("Dealer Visit Log", "read"):
		return []
	visits = frappe.get_list(
		"Dealer Visit Log",
		filters={"dealer": docname},
		fields=["name", "visit_date", "visit_type", "sales_rep", "purpose", "outcome", "is_off_site"],
		order_by="visit_date desc",
		limit_page_length=20,
	)
	items = []
	for visit in visits:
		title = _("{0} visit by {1}").format(_(visit.visit_type), frappe.utils.get_fullname(visit.sales_rep))
		body = frappe.utils.escape_html(visit.outcome or visit.purpose or "")
		off_site = (
			f' <span class="indicator-pill orange">{_("Off-site Check-in")}</span>'
			if visit.is_off_site
			else ""
		)
		items.append(
			{
				"icon": "map-pin",
				"is_card": True,
				"creation": str(get_datetime(visit.visit_date)),
				"content": (
					f'<a href="/app/dealer-visit-log/{visit.name}"><b>{frappe.utils.escape_html(title)}</b></a>'
					f"{off_site}<div class='text-muted small'>{body}</div>"
				),
			}
		)
	return items
