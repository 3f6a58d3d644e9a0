"""Demo: a Target Completion policy (年度任务完成率) for the year after the demo period, its
targets filled from the demo period's volume plus growth, a floor for dealers who bought nothing,
and submitted. The year after does not overlap the demo's volume policy, so both can stand."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, add_years, getdate

from dealer_relations.demo.masters import TIER_PROFILE
from dealer_relations.rebate_targets import fill_targets_from_last_year

# below 60 % nothing; 60-100 %: 4 %; 100-120 %: 6 %; from 120 %: 8 % of the achieved volume
DEMO_TARGET_STEPS = ((60, 4), (100, 6), (120, 8))
DEMO_TARGET_GROWTH = 15
DEMO_TARGET_FLOOR = 50_000  # the target of a dealer who bought nothing in the demo period


def make_demo_target_policy(company: str, end) -> dict:
	start = getdate(add_days(end, 1))
	to_date = getdate(add_days(add_years(start, 1), -1))
	name = f"年度任务返利政策 {start.year}-{to_date.year}"
	if not frappe.db.exists("Rebate Policy", name):
		policy = frappe.get_doc(
			{
				"doctype": "Rebate Policy",
				"policy_name": name,
				"company": company,
				"from_date": start,
				"to_date": to_date,
				"basis": "Target Completion",
				"calculation": "Retroactive",
				"target_growth_percent": DEMO_TARGET_GROWTH,
				"slabs": [{"min_value": value, "rate": rate} for value, rate in DEMO_TARGET_STEPS],
				"tiers": [{"tier": tier} for tier in TIER_PROFILE],
				"item_groups": [{"item_group": "经销产品"}],
			}
		).insert(ignore_permissions=True)
		fill_targets_from_last_year(policy.name)  # the demo period is the policy's last year
		policy.reload()
		for row in policy.targets:
			if not row.target:
				row.target = DEMO_TARGET_FLOOR
		policy.save(ignore_permissions=True)
		policy.submit()
		frappe.db.commit()  # nosemgrep: demo data runs from `bench execute`
	return {
		"target_policy": name,
		"target_rows": frappe.db.count("Rebate Policy Target", {"parent": name}),
	}
