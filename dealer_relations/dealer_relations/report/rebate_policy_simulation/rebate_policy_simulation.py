# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""What a rebate policy (typically next year's draft) would have cost over a past period, per
dealer tier, beside another policy (typically the current one): cost, cost as % of eligible
sales, and the dealers within 10 % of the next slab. Computed set-based, nothing written.
Finance and dealer managers only (the report's roles, checked again in the service)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html, flt

from dealer_relations.engine.rebates import COLLECTED_AMOUNT, NET_AMOUNT
from dealer_relations.simulation import (
	check_simulation_permission,
	compare_policy_for,
	default_policy,
	simulate_policies,
)
from dealer_relations.utils import as_text

BY_TIER = "By Tier"
NEAR_NEXT_SLAB = "Near Next Slab"
SIDES = ("draft", "compare")


def execute(filters=None):
	filters = frappe._dict(filters or {})
	check_simulation_permission()
	opened_bare = not filters.rebate_policy
	# Opened from the workspace: the latest draft policy against the current one.
	filters.rebate_policy = filters.rebate_policy or default_policy()
	if not filters.rebate_policy:
		return [], [], _("No rebate policy to simulate: create a draft Rebate Policy, then choose it here.")
	policy = frappe.get_doc("Rebate Policy", filters.rebate_policy)
	if opened_bare and not filters.compare_policy:
		filters.compare_policy = compare_policy_for(policy)
	compare = frappe.get_doc("Rebate Policy", filters.compare_policy) if filters.compare_policy else None
	check_simulation_permission(policy, compare)

	result = simulate_policies(policy, compare, filters.from_date, filters.to_date)
	precision = frappe.get_precision("Rebate Settlement", "net_rebate") or 2
	message = get_message(result)
	summary = get_summary(result, precision)
	if filters.view == NEAR_NEXT_SLAB:
		return near_columns(result), near_rows(result), message, None, summary
	rows = tier_rows(result, precision)
	return tier_columns(result), rows, message, get_chart(result, rows), summary


def side_label(side: str) -> str:
	return _("Draft") if side == "draft" else _("Compare")


def money_column(label, fieldname, width=140):
	return {
		"label": label,
		"fieldname": fieldname,
		"fieldtype": "Currency",
		"options": "currency",
		"width": width,
	}


def tier_columns(result):
	columns = [{"label": _("Tier"), "fieldname": "tier", "fieldtype": "Data", "width": 110}]
	for side, _simulated in zip(SIDES, result.sides, strict=False):
		label = side_label(side)
		columns += [
			{
				"label": _("Dealers ({0})").format(label),
				"fieldname": f"{side}_dealers",
				"fieldtype": "Int",
				"width": 110,
			},
			money_column(_("Eligible Sales ({0})").format(label), f"{side}_sales", 160),
			money_column(_("Rebate Cost ({0})").format(label), f"{side}_cost"),
			{
				"label": _("Cost % of Sales ({0})").format(label),
				"fieldname": f"{side}_percent",
				"fieldtype": "Percent",
				"width": 150,
			},
			{
				"label": _("Near Next Slab ({0})").format(label),
				"fieldname": f"{side}_near",
				"fieldtype": "Int",
				"width": 150,
			},
		]
	if len(result.sides) > 1:
		columns.append(money_column(_("Cost Difference"), "difference"))
	return columns


def tier_order(result) -> list[str]:
	tiers = {tier for side in result.sides for tier in side.simulation.tiers}
	return sorted(tiers, key=lambda tier: (not tier, result.tier_ranks.get(tier) or 0, tier))


def figure_values(side: str, figures, precision: int) -> dict:
	percent = figures.cost_percent if figures else None
	return {
		f"{side}_dealers": figures.dealers if figures else 0,
		f"{side}_sales": flt(figures.eligible_sales if figures else 0, precision),
		f"{side}_cost": flt(figures.cost if figures else 0, precision),
		f"{side}_percent": flt(percent, 2) if percent is not None else None,
		f"{side}_near": figures.near_next_slab if figures else 0,
	}


def tier_rows(result, precision: int) -> list[dict]:
	rows = []
	for tier in [*tier_order(result), None]:
		row = {
			"tier": (tier or _("No Tier")) if tier is not None else _("Total"),
			"currency": result.currency,
		}
		for side, simulated in zip(SIDES, result.sides, strict=False):
			sim = simulated.simulation
			row.update(figure_values(side, sim.total if tier is None else sim.tiers.get(tier), precision))
		if len(result.sides) > 1:
			row["difference"] = flt(row["draft_cost"] - row["compare_cost"], precision)
		if tier is None:
			row["bold"] = 1
		rows.append(row)
	return rows


def volume_type(policy) -> str:
	return "Currency" if policy.basis in (NET_AMOUNT, COLLECTED_AMOUNT) else "Float"


def near_columns(result):
	columns = [
		{"label": _("Dealer"), "fieldname": "dealer", "fieldtype": "Link", "options": "Dealer", "width": 150},
		{"label": _("Dealer Name"), "fieldname": "dealer_name", "fieldtype": "Data", "width": 200},
		{"label": _("Tier"), "fieldname": "tier", "fieldtype": "Link", "options": "Dealer Tier", "width": 70},
	]
	for side, simulated in zip(SIDES, result.sides, strict=False):
		label = side_label(side)
		kind = volume_type(simulated.policy)
		columns += [
			{
				"label": _("Volume ({0})").format(label),
				"fieldname": f"{side}_volume",
				"fieldtype": kind,
				"width": 140,
			},
			{
				"label": _("Slab Reached ({0})").format(label),
				"fieldname": f"{side}_slab",
				"fieldtype": "Int",
				"width": 130,
			},
			{
				"label": _("Next Slab ({0})").format(label),
				"fieldname": f"{side}_next_slab",
				"fieldtype": "Int",
				"width": 120,
			},
			{
				"label": _("Gap to Next Slab ({0})").format(label),
				"fieldname": f"{side}_gap",
				"fieldtype": kind,
				"width": 160,
			},
			{
				"label": _("Gap % ({0})").format(label),
				"fieldname": f"{side}_gap_percent",
				"fieldtype": "Percent",
				"width": 110,
			},
			money_column(_("Extra Rebate Unlocked ({0})").format(label), f"{side}_extra", 190),
		]
	return columns


def near_rows(result) -> list[dict]:
	"""Every dealer within 10 % of the next slab under either policy, nearest first; the other
	policy's volume and slab beside it."""
	near = [{item.dealer: item for item in side.simulation.near} for side in result.sides]
	dealers = {dealer for by_dealer in near for dealer in by_dealer}
	rows = []
	for dealer in dealers:
		info = result.dealers.get(dealer) or frappe._dict()
		row = {
			"dealer": dealer,
			"dealer_name": as_text(info.dealer_name),
			"tier": info.tier,
			"currency": result.currency,
		}
		gaps = []
		for side, simulated, by_dealer in zip(SIDES, result.sides, near, strict=False):
			outcome = simulated.simulation.results.get(dealer)
			if outcome is not None:
				row[f"{side}_volume"] = float(outcome.volume)
				row[f"{side}_slab"] = outcome.slab_reached
			if item := by_dealer.get(dealer):
				gaps.append(item.gap_percent)
				row.update(
					{
						f"{side}_next_slab": item.ahead.slab,
						f"{side}_gap": float(item.ahead.gap),
						f"{side}_gap_percent": flt(item.gap_percent, 2),
						f"{side}_extra": float(item.ahead.extra_rebate),
					}
				)
		rows.append((min(gaps), dealer, row))
	return [row for _gap, _dealer, row in sorted(rows, key=lambda item: (item[0], item[1]))]


def get_chart(result, rows):
	tiers = rows[:-1]
	return {
		"data": {
			"labels": [row["tier"] for row in tiers],
			"datasets": [
				{
					"name": _("Rebate Cost ({0})").format(side_label(side)),
					"values": [row[f"{side}_cost"] for row in tiers],
				}
				for side, _simulated in zip(SIDES, result.sides, strict=False)
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def get_summary(result, precision: int):
	summary = []
	totals = [side.simulation.total for side in result.sides]
	for side, total in zip(SIDES, totals, strict=False):
		label = side_label(side)
		percent = total.cost_percent
		summary += [
			{
				"label": _("Rebate Cost ({0})").format(label),
				"value": flt(total.cost, precision),
				"datatype": "Currency",
				"currency": result.currency,
				"indicator": "Blue" if side == "draft" else "Grey",
			},
			{
				"label": _("Cost % of Sales ({0})").format(label),
				"value": flt(percent, 2) if percent is not None else 0,
				"datatype": "Percent",
				"indicator": "Blue" if side == "draft" else "Grey",
			},
			{
				"label": _("Near Next Slab ({0})").format(label),
				"value": total.near_next_slab,
				"datatype": "Int",
				"indicator": "Orange",
			},
		]
	if len(totals) > 1:
		difference = flt(totals[0].cost - totals[1].cost, precision)
		summary.append(
			{
				"label": _("Cost Difference"),
				"value": difference,
				"datatype": "Currency",
				"currency": result.currency,
				"indicator": "Red" if difference > 0 else "Green",
			}
		)
	return summary


def get_message(result) -> str:
	"""Which policies were replayed over which period, in words (the filters may have been
	defaulted)."""
	names = [frappe.bold(escape_html(side.policy.name)) for side in result.sides]
	period = (frappe.format(result.from_date, "Date"), frappe.format(result.to_date, "Date"))
	if len(names) > 1:
		text = _(
			"Rebate Policy {0} (Draft) and {1} (Compare) replayed over the invoices of {2} to {3}; nothing is written."
		).format(names[0], names[1], *period)
	else:
		text = _("Rebate Policy {0} replayed over the invoices of {1} to {2}; nothing is written.").format(
			names[0], *period
		)
	near = result.sides[0].simulation.total.near_next_slab
	if near:
		text += " " + _("{0} dealers end within 10 % of the next slab: choose View {1} to list them.").format(
			near, frappe.bold(_(NEAR_NEXT_SLAB))
		)
	return text
