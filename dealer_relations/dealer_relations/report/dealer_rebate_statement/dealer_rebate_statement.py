# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""One dealer under one policy: volume month by month, the slab reached, the rebate, deductions
and the net — the figures its Rebate Settlement carries, explained so the dealer can check them.

Until the settlement is approved the figures come from the ledger as it is now; once approved,
from the settlement (what was posted), with a note when the ledger has moved since."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _

from dealer_relations.engine.money import ZERO, dec
from dealer_relations.engine.rebates import (
	QUANTITY,
	check_dealer_covered,
	next_slab,
	rebate_for,
	slab_index,
)
from dealer_relations.rebates import covered_dealers, get_terms, load_volumes, monthly_volume_rows
from dealer_relations.utils import enforce


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.rebate_policy or not filters.dealer:
		return [], [], _("Choose a Rebate Policy and a Dealer to see the dealer's statement.")
	policy = frappe.get_doc("Rebate Policy", filters.rebate_policy)
	policy.check_permission("read")
	frappe.get_doc("Dealer", filters.dealer).check_permission("read")
	covered = covered_dealers(policy, only=[filters.dealer])
	enforce(check_dealer_covered, filters.dealer, policy.name, covered)

	terms = get_terms(policy)
	volume = load_volumes(policy, covered, as_of=filters.as_of)[filters.dealer]
	result = rebate_for(terms, volume, with_breakdown=True)
	by_month, settled, ahead = volume.by_month, None, None
	if not filters.as_of and (settled := approved_settlement(policy.name, filters.dealer)):
		live_net = result.net_rebate
		result, by_month = settled_result(settled, policy), settled_months(settled)
	else:
		ahead = next_slab(terms, result, volume.prior_volume, volume.forfeit_percent)
	currency = frappe.get_cached_value("Company", policy.company, "default_currency")
	data, cumulative = [], ZERO
	# a Target Completion policy's slabs in this dealer's volume (none without a target)
	month_terms = terms.for_target(volume.target) if terms.on_target and volume.target else terms
	for month in sorted(by_month):
		cumulative += by_month[month]
		reached = slab_index(month_terms, cumulative) if cumulative > 0 else 0
		if terms.on_target and not volume.target:
			reached = 0
		data.append(
			{
				"month": month,
				"volume": float(by_month[month]),
				"cumulative_volume": float(cumulative),
				"slab": reached,
				"rate": float(terms.slabs[reached - 1].rate) if reached else 0,
			}
		)
	if data:
		data.append({"month": _("Total"), "volume": float(result.volume), "bold": 1})
	message = get_message(policy, result, ahead, volume.target)
	if settled:
		message = "<br>".join([settled_note(settled, live_net, currency), message])
	return (
		get_columns(policy),
		data,
		message,
		get_chart(data[:-1]),
		get_summary(policy, result, currency),
	)


def approved_settlement(policy: str, dealer: str):
	"""The dealer's approved (submitted) settlement under the policy, if any."""
	name = frappe.db.get_value(
		"Rebate Settlement", {"rebate_policy": policy, "dealer": dealer, "docstatus": 1}, "name"
	)
	return frappe.get_doc("Rebate Settlement", name) if name else None


def settled_result(settlement, policy) -> frappe._dict:
	"""The figures the settlement posted, shaped like the engine's result."""
	volume, gross, bonus = (
		dec(settlement.eligible_volume),
		dec(settlement.gross_rebate),
		dec(settlement.growth_bonus),
	)
	return frappe._dict(
		volume=volume,
		slab_reached=settlement.slab_reached,
		gross_rebate=gross,
		growth_bonus=bonus,
		diversion_deduction=dec(settlement.diversion_deduction),
		net_rebate=dec(settlement.net_rebate),
		below_minimum=bool(policy.minimum_volume) and volume < dec(policy.minimum_volume),
		capped=bool(policy.rebate_cap) and gross + bonus >= dec(policy.rebate_cap),
		breakdown=[
			frappe._dict(slab=row.slab, volume=row.volume, rate=row.rate, rebate=row.rebate)
			for row in settlement.slab_breakdown
		],
	)


def settled_months(settlement) -> dict[str, Decimal]:
	return {row.month: dec(row.volume) for row in monthly_volume_rows(settlement.monthly_volume)}


def settled_note(settlement, live_net, currency) -> str:
	note = _("Settled by Rebate Settlement {0} (approved): the figures below are the settled ones.").format(
		frappe.utils.get_link_to_form("Rebate Settlement", settlement.name)
	)
	if dec(settlement.net_rebate) != live_net:
		note += " " + _(
			"The ledger now gives a net rebate of {0}: invoices, returns or payments recorded after "
			"the settlement are not in it."
		).format(frappe.format(float(live_net), {"fieldtype": "Currency", "options": currency}))
	return note


def get_columns(policy):
	volume_type = "Float" if policy.basis == QUANTITY else "Currency"
	return [
		{"label": _("Month"), "fieldname": "month", "fieldtype": "Data", "width": 110},
		{"label": _("Volume"), "fieldname": "volume", "fieldtype": volume_type, "width": 150},
		{
			"label": _("Cumulative Volume"),
			"fieldname": "cumulative_volume",
			"fieldtype": volume_type,
			"width": 160,
		},
		{"label": _("Slab Reached"), "fieldname": "slab", "fieldtype": "Int", "width": 110},
		{"label": _("Rate (%)"), "fieldname": "rate", "fieldtype": "Percent", "width": 100},
	]


def get_message(policy, result, ahead, target=None):
	lines = [
		_("Rebate Policy {0}: {1} to {2}, basis {3}, calculation {4}.").format(
			frappe.bold(policy.name),
			frappe.format(policy.from_date, "Date"),
			frappe.format(policy.to_date, "Date"),
			_(policy.basis),
			_(policy.calculation),
		)
	]
	if target is not None:
		lines.append(
			_("Target {0}: {1}% completed.").format(
				frappe.format(float(target), "Currency"),
				frappe.format(float(result.volume * 100 / target), "Float"),
			)
			if target > 0
			else _("The dealer has no target on this policy; no rebate is earned.")
		)
	if result.below_minimum:
		lines.append(
			_("The volume is below the policy's minimum of {0}; no rebate is earned.").format(
				frappe.format(policy.minimum_volume, "Float")
			)
		)
	for portion in result.breakdown:
		lines.append(
			_("Slab {0}: {1} at {2}% = {3}").format(
				portion.slab,
				frappe.format(float(portion.volume), "Float"),
				frappe.format(float(portion.rate), "Float"),
				frappe.format(float(portion.rebate), "Currency"),
			)
		)
	if result.capped:
		lines.append(_("The rebate is capped at {0}.").format(frappe.format(policy.rebate_cap, "Currency")))
	if ahead:
		lines.append(
			_("{0} more volume reaches slab {1} and adds {2} of rebate.").format(
				frappe.format(float(ahead.gap), "Float"),
				ahead.slab,
				frappe.format(float(ahead.extra_rebate), "Currency"),
			)
		)
	return "<br>".join(lines)


def get_chart(rows):
	return {
		"data": {
			"labels": [row["month"] for row in rows],
			"datasets": [
				{"name": _("Cumulative Volume"), "values": [row["cumulative_volume"] for row in rows]}
			],
		},
		"type": "line",
	}


def get_summary(policy, result, currency):
	def money(label, value, indicator="Blue"):
		return {
			"label": label,
			"value": float(value),
			"datatype": "Currency",
			"currency": currency,
			"indicator": indicator,
		}

	return [
		{
			"label": _("Eligible Volume"),
			"value": float(result.volume),
			"datatype": "Float" if policy.basis == QUANTITY else "Currency",
			"currency": currency,
			"indicator": "Blue",
		},
		{"label": _("Slab Reached"), "value": result.slab_reached, "datatype": "Int", "indicator": "Blue"},
		money(_("Gross Rebate"), result.gross_rebate),
		money(_("Growth Bonus"), result.growth_bonus, "Green"),
		money(_("Diversion Deduction"), result.diversion_deduction, "Red"),
		money(_("Net Rebate"), result.net_rebate, "Green"),
	]
