"""Workspace charts. Each counts only what the viewer may read (a rep sees their own dealers), so
none is cached across users the way Frappe's ``cache_source`` would."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count, DateFormat
from frappe.utils import add_months, get_first_day, getdate, today

from dealer_relations.engine.territory import count_by_region_and_tier
from dealer_relations.utils import get_territory_tree, permitted_dealers

CHART_MONTHS = 12


@frappe.whitelist()
def visits_per_month_by_tier(**kwargs) -> dict:
	"""Visit logs of the last twelve months, one dataset per dealer tier."""
	frappe.has_permission("Dealer Visit Log", "read", throw=True)
	start = get_first_day(add_months(getdate(today()), -(CHART_MONTHS - 1)))
	months = [add_months(start, offset).strftime("%Y-%m") for offset in range(CHART_MONTHS)]
	log = frappe.qb.DocType("Dealer Visit Log")
	month = DateFormat(log.visit_date, "%Y-%m")
	rows = (
		frappe.qb.from_(log)
		.select(month.as_("month"), log.tier, Count("*").as_("visits"))
		.where(log.visit_date >= start)
		.where(log.dealer.isin(permitted_dealers()))
		.groupby(month, log.tier)
	).run(as_dict=True)
	counts = {(row.month, row.tier): row.visits for row in rows}
	return {
		"labels": months,
		"datasets": [
			{"name": _tier_label(tier), "values": [counts.get((m, tier), 0) for m in months]}
			for tier in _tiers_present({row.tier for row in rows})
		],
	}


@frappe.whitelist()
def dealers_by_region_and_tier(**kwargs) -> dict:
	"""Dealers that are not terminated, per top-level region of their authorised territories,
	one dataset per tier."""
	frappe.has_permission("Dealer", "read", throw=True)
	dealer = frappe.qb.DocType("Dealer")
	territory = frappe.qb.DocType("Dealer Territory")
	rows = (
		frappe.qb.from_(dealer)
		.join(territory)
		.on((territory.parent == dealer.name) & (territory.parenttype == "Dealer"))
		.select(dealer.name, dealer.tier, territory.territory)
		.where(dealer.status != "Terminated")
		.where(dealer.name.isin(permitted_dealers()))
	).run()
	counts = count_by_region_and_tier(rows, get_territory_tree())
	regions = sorted(counts)
	tiers = _tiers_present({tier for by_tier in counts.values() for tier in by_tier})
	return {
		"labels": regions,
		"datasets": [
			{"name": _tier_label(tier), "values": [counts[region].get(tier, 0) for region in regions]}
			for tier in tiers
		],
	}


def _tiers_present(present: set) -> list:
	"""Tiers in rank order, then a dataset for dealers without a tier if there are any."""
	ranked = frappe.get_all("Dealer Tier", order_by="`rank` asc", pluck="name")
	return [tier for tier in ranked if tier in present] + ([None] if None in present else [])


def _tier_label(tier: str | None) -> str:
	return _("Tier {0}").format(tier) if tier else _("No Tier")
