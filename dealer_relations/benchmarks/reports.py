"""Every Script Report of the app on the site's full data beside its main query alone.

The report list comes from the Report doctype (all standard Script Reports of the app's modules),
so a report another capability adds is measured without touching this file. The main query is
found by running the report once with its SQL recorded: the slowest statement is re-run alone as
the floor. Filters: the report's required filters (read from its .js) get the obvious value
(company, the latest rebate policy, the biggest dealer, the last twelve months); optional ones
only company and dates, so the report covers all dealers.

    bench --site SITE execute dealer_relations.benchmarks.run --kwargs "{'only': ['reports']}"
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from pathlib import Path

import frappe
from frappe.modules import get_module_path, scrub
from frappe.utils import add_months, today

from dealer_relations.benchmarks import Report, Row, timed, timed_pair
from dealer_relations.benchmarks.rebates import running_policy

APP = "dealer_relations"
SCOPE_FILTERS = ("company", "from_date", "to_date", "as_of", "report_date")


# a report about a Target Completion policy is given one (target_twin) instead of the running policy
TARGET_REPORTS = ("Dealer Target Completion",)
# a report of one dealer's rebate account is given a dealer whose ledger holds LEDGER_LENGTH entries
LEDGER_REPORTS = ("Dealer Rebate Account",)
LEDGER_LENGTH = 10_000
# every covered dealer's annual target in the target twin: completion then spreads from a few
# percent (the bulk data's small dealers) to well above 100 % (the biggest)
BENCH_TARGET = 500_000


def run(report: Report, repeat: int = 3, **options) -> None:
	values = filter_values()
	special = {}
	for name, module in app_script_reports():
		try:
			if name in TARGET_REPORTS and name not in special:
				special[name] = {**values, "rebate_policy": target_twin(values["rebate_policy"])}
			if name in LEDGER_REPORTS and name not in special:
				special[name] = {**values, "dealer": dealer_with_a_long_ledger()}
			measure(report, name, module, special.get(name, values), int(repeat))
		except Exception as error:  # a benchmark prints what failed and goes on
			frappe.db.rollback(save_point="dealer_relations_benchmark")
			frappe.db.savepoint("dealer_relations_benchmark")
			print(f"  {name}: failed: {error!r}")


def app_script_reports() -> list[tuple[str, str]]:
	modules = frappe.get_all("Module Def", filters={"app_name": APP}, pluck="name")
	return frappe.get_all(
		"Report",
		filters={"module": ("in", modules), "report_type": "Script Report", "is_standard": "Yes"},
		fields=["name", "module"],
		order_by="name",
		as_list=True,
	)


def target_twin(policy_name: str | None) -> str | None:
	"""The running policy again as a Target Completion policy (the demo's 60 / 100 / 120 % steps)
	with a target for every dealer it covers, written in the section's savepoint: the demo's own
	target policy is for the year after the data."""
	from dealer_relations.benchmarks.rebates import twin_policy
	from dealer_relations.db import insert_records
	from dealer_relations.demo.targets import DEMO_TARGET_STEPS
	from dealer_relations.rebates import covered_dealers

	if not policy_name:
		return None
	name = twin_policy(frappe.get_doc("Rebate Policy", policy_name)).name
	frappe.db.set_value("Rebate Policy", name, "basis", "Target Completion")
	frappe.db.delete("Rebate Policy Slab", {"parent": name})
	common = {"parenttype": "Rebate Policy", "docstatus": 1, "parent": name}
	insert_records(
		"Rebate Policy Slab",
		[
			{
				"name": frappe.generate_hash(length=10),
				**common,
				"parentfield": "slabs",
				"idx": idx,
				"min_value": value,
				"rate": rate,
			}
			for idx, (value, rate) in enumerate(DEMO_TARGET_STEPS, 1)
		],
	)
	dealers = covered_dealers(frappe.get_doc("Rebate Policy", name))
	insert_records(
		"Rebate Policy Target",
		[
			{
				"name": frappe.generate_hash(length=10),
				**common,
				"parentfield": "targets",
				"idx": idx,
				"dealer": dealer,
				"target": BENCH_TARGET,
			}
			for idx, dealer in enumerate(sorted(dealers), 1)
		],
	)
	frappe.clear_document_cache("Rebate Policy", name)
	return name


def dealer_with_a_long_ledger() -> str | None:
	"""The dealer holding the largest rebate-account lot, its ledger padded with spent lots of past
	years to LEDGER_LENGTH entries in the section's savepoint (as the rebate_account section does)."""
	from dealer_relations.benchmarks.rebate_account import pad_ledger, pick_dealer

	dealer = pick_dealer()
	if not dealer:
		return None
	pad_ledger(dealer, LEDGER_LENGTH)
	return dealer.name


def filter_values() -> dict:
	from dealer_relations.benchmarks.hooks import pick_dealers

	company = frappe.db.get_single_value("Global Defaults", "default_company") or frappe.db.get_value(
		"Company", {}, "name"
	)
	policy = running_policy()
	big, _small = pick_dealers()
	return {
		"company": company,
		"from_date": add_months(today(), -12),
		"to_date": today(),
		"as_of": today(),
		"as_of_date": today(),
		"report_date": today(),
		"rebate_policy": policy,
		"dealer": big.name if big else None,
	}


def report_filters(name: str, module: str) -> tuple[set[str], set[str]]:
	"""(all, required) fieldnames of the report's filters, read from its .js."""
	folder = Path(get_module_path(module)) / "report" / scrub(name)
	source = (folder / f"{scrub(name)}.js").read_text(encoding="utf-8") if folder.exists() else ""
	found, required = set(), set()
	# each filter's text runs from its fieldname to the next filter's
	for block in re.split(r"(?=fieldname:)", source)[1:]:
		field = re.match(r"fieldname:\s*[\"'](\w+)[\"']", block)
		if field:
			found.add(field.group(1))
			if re.search(r"reqd:\s*(1|true)", block):
				required.add(field.group(1))
	return found, required


@contextmanager
def recorded_queries():
	"""(seconds, final SQL) of every statement run inside the block."""
	recorded: list[tuple[float, str]] = []
	original = frappe.db.__class__.sql

	def recording_sql(db, query, *args, **kwargs):
		start = time.perf_counter()
		result = original(db, query, *args, **kwargs)
		recorded.append((time.perf_counter() - start, str(db.last_query or query)))
		return result

	frappe.db.__class__.sql = recording_sql
	try:
		yield recorded
	finally:
		frappe.db.__class__.sql = original


def measure(report: Report, name: str, module: str, values: dict, repeat: int) -> None:
	execute = frappe.get_attr(f"{APP}.{scrub(module)}.report.{scrub(name)}.{scrub(name)}.execute")
	known, required = report_filters(name, module)
	# company and dates scope every report; a report about one policy gets the latest policy
	wanted = set(SCOPE_FILTERS) | required | ({"rebate_policy"} & known)
	filters = frappe._dict({key: value for key, value in values.items() if value and key in wanted})
	missing = [key for key in required if not filters.get(key)]
	if missing:
		print(f"  {name}: no value for required filter(s) {', '.join(missing)}: skipped")
		return
	with recorded_queries() as queries:
		execute(filters)
	if not queries and "dealer" in known and values.get("dealer"):
		filters.dealer = values["dealer"]  # a one-dealer report shows nothing without its dealer
	execute(filters)  # warm caches
	with recorded_queries() as queries:
		result = execute(filters)
	rows = len(result[1]) if isinstance(result, list | tuple) and len(result) > 1 and result[1] else 0
	if not queries:
		seconds, _ = timed(execute, filters, repeat=repeat)
		report.add(Row(f"report: {name}", seconds, note=f"{rows} rows, no SQL"))
		return
	slowest = max(queries, key=lambda q: q[0])[1]
	seconds, floor, _ = timed_pair(lambda: execute(filters), lambda: frappe.db.sql(slowest), repeat=repeat)
	report.add(
		Row(
			f"report: {name}",
			seconds,
			"its main query alone",
			floor,
			target=2,
			queries=len(queries),
			note=f"{rows} rows; filters {', '.join(sorted(filters))}",
		)
	)
