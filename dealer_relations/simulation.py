"""Frappe side of the policy simulator (政策模拟): replay a past period through a rebate policy
(typically a draft) and, side by side, another (typically the current one), set-based: the
year-end run's own loaders (``covered_dealers``, ``load_volumes``) and rules
(``engine.simulation.simulate`` over ``calculate_rebates``), with the period's dates given
explicitly. Nothing is written: no settlement, not even a draft.

Who may simulate is the *Rebate Policy Simulation* report's roles (finance and dealer managers),
checked here as well as by Frappe's report runner, since the service is also called directly."""

from __future__ import annotations

import json
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import add_days, add_years, date_diff, getdate

from dealer_relations.engine.rebates import check_coverage, check_period, check_terms
from dealer_relations.engine.simulation import Simulation, simulate
from dealer_relations.rebates import covered_dealers, get_terms, load_volumes
from dealer_relations.utils import enforce

REPORT = "Rebate Policy Simulation"

# Policy fields that change only what the rules pay or whom they cover, not which volume a dealer
# has: two policies alike in every other field read the same volumes over the same period, so the
# simulator loads them once (a draft for next year usually differs from the current policy only
# here). A field not listed (one a later feature adds) keeps the two loads apart, which is always
# right, only slower.
RULE_FIELDS = frozenset(
	{
		"doctype",
		"policy_name",
		"from_date",
		"to_date",
		"collection_cutoff_date",  # replaced by the replayed period's cut-off
		"calculation",
		"slabs",
		"minimum_volume",
		"rebate_cap",
		"growth_threshold",
		"growth_bonus_rate",  # only whether there is one decides what is loaded
		"tiers",
		"dealers",
		"max_deduction_percent",
		"balance_valid_until",
		"settlements_created_on",
		"accrual_method",  # how the books accrue it during the year
		"amended_from",
		"currency",
	}
)


@dataclass
class SimulatedPolicy:
	policy: object  # the Rebate Policy document
	simulation: Simulation


@dataclass
class PolicySimulation:
	from_date: object
	to_date: object
	currency: str | None
	sides: list[SimulatedPolicy]  # the simulated policy first, then the one it is compared with
	dealers: dict[str, frappe._dict]  # name -> dealer_name, tier of every dealer either covers
	tier_ranks: dict[str, int]


def check_simulation_permission(*policies) -> None:
	"""The report's roles may simulate (reps may not: a policy's cost is finance's figure), and
	only policies they may read."""
	if not frappe.get_cached_doc("Report", REPORT).is_permitted():
		frappe.throw(
			_(
				"Simulating rebate policies is for Rebate Accountants, Accounts Managers, Dealer Managers and System Managers"
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	for policy in policies:
		if policy is not None:
			policy.check_permission("read")


def replay_period(policy) -> tuple:
	"""The default period to replay: the policy's own period a year earlier (last year)."""
	return getdate(add_years(policy.from_date, -1)), getdate(add_years(policy.to_date, -1))


def replay_cutoff(policy, to_date):
	"""A collection cut-off as far after the replayed period's end as the policy's is after its
	own end (None without one)."""
	if not policy.collection_cutoff_date:
		return None
	return getdate(add_days(to_date, date_diff(policy.collection_cutoff_date, policy.to_date)))


def compare_policy_for(policy) -> str | None:
	"""What a policy is compared with by default (draft vs current): the submitted policy of the
	same company running today, else the one whose period is the latest (another than itself),
	among those the user may read. A policy already submitted for next year is not "current"."""
	filters = {"docstatus": 1, "company": policy.company, "name": ("!=", policy.name)}
	today = getdate()
	for period in ({"from_date": ("<=", today), "to_date": (">=", today)}, {}):
		found = frappe.get_list(
			"Rebate Policy",
			filters={**filters, **period},
			order_by="to_date desc, from_date desc, creation desc",
			pluck="name",
			limit_page_length=1,
		)
		if found:
			return found[0]
	return None


def default_policy() -> str | None:
	"""What the report shows when opened bare (from the workspace): the latest draft policy, or
	the latest submitted one when there is no draft."""
	for docstatus in (0, 1):
		found = frappe.get_list(
			"Rebate Policy",
			filters={"docstatus": docstatus},
			order_by="modified desc",
			pluck="name",
			limit_page_length=1,
		)
		if found:
			return found[0]
	return None


@frappe.whitelist()
def get_simulation_defaults(policy: str) -> dict:
	"""The *Simulate* button and the report's policy filter: the policy, the policy to compare
	it with and the period to replay."""
	doc = frappe.get_doc("Rebate Policy", policy)
	check_simulation_permission(doc)
	from_date, to_date = replay_period(doc)
	return {
		"rebate_policy": doc.name,
		"compare_policy": compare_policy_for(doc),
		"from_date": str(from_date),
		"to_date": str(to_date),
	}


def volume_key(policy, cutoff) -> str:
	"""What decides a policy's volumes over a given period (see RULE_FIELDS)."""
	values = {
		key: value
		for key, value in policy.as_dict(no_default_fields=True, no_child_table_fields=True).items()
		if key not in RULE_FIELDS and not key.startswith("_")
	}
	for key, value in values.items():
		if isinstance(value, list):  # a child table: its rows as a set, without marks like __unsaved
			values[key] = sorted(
				json.dumps(
					{k: v for k, v in row.items() if not k.startswith("_")}, sort_keys=True, default=str
				)
				for row in value
			)
	values["growth_bonus"] = bool(policy.growth_bonus_rate)
	values["replayed_cutoff"] = cutoff
	return json.dumps(values, sort_keys=True, default=str)


def check_simulable(policy) -> None:
	"""A draft may still be incomplete: simulate only one whose slabs and coverage make sense,
	with the same message its submit would give."""
	enforce(check_terms, get_terms(policy))
	enforce(
		check_coverage,
		[row.tier for row in policy.tiers],
		[row.dealer for row in policy.dealers],
	)


def simulate_policies(policy, compare=None, from_date=None, to_date=None) -> PolicySimulation:
	"""Replay ``from_date`` .. ``to_date`` (default: the policy's period a year earlier) through
	``policy`` and ``compare``. A few GROUP BY queries per distinct volume rule (one set when the
	two read the same volumes), the rules in memory; nothing written."""
	default_from, default_to = replay_period(policy)
	from_date, to_date = getdate(from_date or default_from), getdate(to_date or default_to)
	enforce(check_period, from_date, to_date)
	if compare is not None and compare.company != policy.company:
		frappe.throw(
			_("Rebate Policy {0} is for Company {1}: compare {2} with a policy of Company {3}").format(
				compare.name, compare.company, policy.name, policy.company
			),
			title=_("Invalid Filter"),
		)
	docs = [policy] if compare is None else [policy, compare]
	for doc in docs:
		check_simulable(doc)

	covered = [covered_dealers(doc) for doc in docs]
	# one load per distinct volume rule, for every dealer the policies sharing it cover
	cutoffs = [replay_cutoff(doc, to_date) for doc in docs]
	keys = [volume_key(doc, cutoff) for doc, cutoff in zip(docs, cutoffs, strict=True)]
	loads: dict[str, tuple] = {}
	for doc, dealers, cutoff, key in zip(docs, covered, cutoffs, keys, strict=True):
		loader, wanted, _cutoff = loads.get(key, (doc, {}, cutoff))
		loads[key] = (loader, {**wanted, **dealers}, cutoff)
	volumes_of = {
		key: load_volumes(loader, dealers, from_date=from_date, to_date=to_date, cutoff=cutoff)
		for key, (loader, dealers, cutoff) in loads.items()
	}

	everyone = sorted({dealer for dealers in covered for dealer in dealers})
	info = (
		{
			row.name: row
			for row in frappe.get_all(
				"Dealer",
				filters={"name": ("in", everyone)},
				fields=["name", "dealer_name", "tier"],
				limit_page_length=0,
			)
		}
		if everyone
		else {}
	)
	tier_of = {name: row.tier for name, row in info.items()}
	sides = []
	for doc, dealers, key in zip(docs, covered, keys, strict=True):
		mine = {dealer: volumes_of[key][dealer] for dealer in dealers}
		sides.append(SimulatedPolicy(doc, simulate(get_terms(doc), mine, tier_of)))
	return PolicySimulation(
		from_date=from_date,
		to_date=to_date,
		currency=frappe.get_cached_value("Company", policy.company, "default_currency"),
		sides=sides,
		dealers=info,
		tier_ranks=dict(frappe.get_all("Dealer Tier", fields=["name", "rank"], as_list=True)),
	)
