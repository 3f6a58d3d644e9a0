"""Target Completion policies (年度任务完成率): each covered dealer's annual target on the policy,
filled from last year's volume or imported from a sheet, checked on submit, and the completion
and gap to the next step that reps push with (Dealer form, Dealer Target Completion report).

The rebate itself goes through the same path as every policy (``rebates.load_volumes`` puts the
targets on each dealer's volume, ``engine.rebates.rebate_for`` maps the completion steps to volume),
so settlements, the liability report, the portal, accruals and the simulator need no special case."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_years, getdate, today

from dealer_relations.engine.money import ZERO
from dealer_relations.engine.rebates import (
	TARGET_COMPLETION,
	check_targets,
	next_slab,
	parse_target_rows,
	target_from_last_year,
)
from dealer_relations.rebates import accrued_rebates, covered_dealers, sum_volumes
from dealer_relations.utils import enforce

SHEET_EXTENSIONS = ("csv", "xlsx")


# -- the policy's targets ---------------------------------------------------------------------------


def validate_targets(policy) -> None:
	"""On save: one row per dealer (what a draft may still lack is checked on submit)."""
	if policy.basis != TARGET_COMPLETION:
		return
	seen = set()
	for row in policy.targets:
		if row.dealer in seen:
			frappe.throw(
				_("Targets row #{0}: Dealer {1} is listed more than once").format(
					row.idx, frappe.bold(row.dealer)
				),
				title=_("Duplicate Entry"),
			)
		seen.add(row.dealer)


def check_policy_targets(policy) -> None:
	"""Before submit: the covered dealers as they are now, against the rows (one query)."""
	if policy.basis != TARGET_COMPLETION:
		return
	enforce(
		check_targets,
		covered_dealers(policy),
		[(row.idx, row.dealer, row.target) for row in policy.targets],
	)


def editable_targets(policy: str):
	"""The draft Target Completion policy whose targets the session user may write: write on the
	stored policy and on the Targets field's permission level (Rebate Accountant, Accounts
	Manager); refused otherwise, before anything is read or written."""
	doc = frappe.get_doc("Rebate Policy", policy)
	doc.check_permission("write")
	if not doc.has_permlevel_access_to("targets", permission_type="write"):
		frappe.throw(
			_("Not permitted to change the targets of Rebate Policy {0}").format(doc.name),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if doc.docstatus != 0:
		frappe.throw(
			_("Rebate Policy {0} is submitted: its targets can no longer change").format(doc.name),
			title=_("Invalid Rebate Policy"),
		)
	if doc.basis != TARGET_COMPLETION:
		frappe.throw(
			_("Rebate Policy {0} has basis {1}: only a Target Completion policy has targets").format(
				doc.name, _(doc.basis)
			),
			title=_("Invalid Rebate Policy"),
		)
	return doc


def last_year_volumes(policy, dealers: dict[str, str]) -> dict[str, object]:
	"""{dealer: eligible volume} in the same scope over the policy's period one year earlier:
	one GROUP BY over all the dealers' invoices (``rebates.sum_volumes``)."""
	by_customer = {customer: dealer for dealer, customer in dealers.items()}
	volumes = dict.fromkeys(dealers, ZERO)
	if not by_customer:
		return volumes
	from_date = getdate(add_years(policy.from_date, -1))
	to_date = getdate(add_years(policy.to_date, -1))
	for customer, _month, volume, _amount in sum_volumes(policy, list(by_customer), from_date, to_date):
		volumes[by_customer[customer]] += volume
	return volumes


@frappe.whitelist(methods=["POST"])
def fill_targets_from_last_year(policy: str) -> dict:
	"""Form button: every covered dealer's target becomes last year's eligible volume plus the
	policy's Target Growth (%); the rows are rebuilt for the covered dealers (a dealer with no
	volume last year gets 0, which submit refuses until someone sets it)."""
	doc = editable_targets(policy)
	dealers = covered_dealers(doc)
	volumes = last_year_volumes(doc, dealers)
	precision = frappe.get_precision("Rebate Policy Target", "target") or 2
	doc.set("targets", [])
	without = 0
	for dealer in dealers:
		target = target_from_last_year(volumes[dealer], doc.target_growth_percent, int(precision))
		without += not target
		doc.append(
			"targets",
			{"dealer": dealer, "target": float(target), "last_year_volume": float(volumes[dealer])},
		)
	doc.save()
	return {"dealers": len(dealers), "without_volume": without}


@frappe.whitelist(methods=["POST"])
def import_targets(policy: str, file: str) -> dict:
	"""Form button: targets from an uploaded CSV or XLSX (a File the user may read) whose first
	row names the columns dealer and target. Every row is checked first (unknown dealer, bad
	number, negative target: refused with the row number) and nothing is written on an error;
	then the listed dealers' targets are set and the other rows kept."""
	doc = editable_targets(policy)
	sheet = frappe.get_doc("File", file)
	sheet.check_permission("read")
	extension = (sheet.file_name or sheet.file_url or "").rsplit(".", 1)[-1].lower()
	if extension not in SHEET_EXTENSIONS:
		frappe.throw(
			_("File {0} is not a CSV or XLSX file").format(frappe.bold(sheet.file_name)),
			title=_("Invalid File"),
		)
	rows = read_sheet(sheet.get_content(), extension)
	precision = int(frappe.get_precision("Rebate Policy Target", "target") or 2)
	targets = enforce(parse_target_rows, rows, covered_dealers(doc), precision)
	existing = {row.dealer: row for row in doc.targets}
	for dealer, target in targets.items():
		if dealer in existing:
			existing[dealer].target = float(target)
		else:
			doc.append("targets", {"dealer": dealer, "target": float(target)})
	doc.save()
	return {"imported": len(targets)}


def read_sheet(content, extension: str) -> list[list]:
	from frappe.utils.csvutils import read_csv_content
	from frappe.utils.xlsxutils import read_xlsx_file_from_attached_file

	if isinstance(content, str):
		content = content.encode("utf-8")
	if extension == "xlsx":
		return read_xlsx_file_from_attached_file(fcontent=content)
	return read_csv_content(content)


# -- completion (reps) ------------------------------------------------------------------------------


def completion_rows(policy, dealers: dict[str, str], as_of=None) -> dict[str, dict]:
	"""{dealer: figures} under a Target Completion policy up to ``as_of``: target, volume so far,
	completion %, rate reached, rebate so far, the next completion step, the volume still missing
	and the rebate it adds. The set-based loader, then the engine per dealer in memory."""
	terms, accrued = accrued_rebates(policy, as_of, dealers)
	rows = {}
	for dealer, (volume, result) in accrued.items():
		ahead = next_slab(terms, result, volume.prior_volume, volume.forfeit_percent)
		rows[dealer] = {
			"target": float(result.target or 0),
			"achieved": float(result.volume),
			"completion": float(round(result.completion, 2)) if result.completion is not None else None,
			"rate": float(result.rate),
			"rebate": float(result.net_rebate),
			"next_step": float(ahead.completion) if ahead and ahead.completion is not None else None,
			"gap": float(ahead.gap) if ahead else None,
			"extra_rebate": float(ahead.extra_rebate) if ahead else None,
		}
	return rows


def running_target_policies(company: str | None = None, as_of=None) -> list[str]:
	"""Submitted Target Completion policies whose period includes ``as_of`` (today), newest first."""
	filters = {
		"docstatus": 1,
		"basis": TARGET_COMPLETION,
		"from_date": ("<=", as_of or today()),
		"to_date": (">=", as_of or today()),
	}
	if company:
		filters["company"] = company
	return frappe.get_all("Rebate Policy", filters=filters, pluck="name", order_by="from_date desc")


@frappe.whitelist()
def get_dealer_target_completion(dealer: str) -> list[dict]:
	"""Dealer form: the dealer's completion under each running Target Completion policy. Only for
	a user who may read the stored Dealer (a rep: their own dealers) and Rebate Policies."""
	doc = frappe.get_doc("Dealer", dealer)
	doc.check_permission("read")
	if not frappe.has_permission("Rebate Policy", "read"):
		return []
	out = []
	for name in running_target_policies(doc.company):
		policy = frappe.get_doc("Rebate Policy", name)
		covered = covered_dealers(policy, only=[doc.name])
		if not covered:
			continue
		figures = completion_rows(policy, covered)[doc.name]
		out.append(
			{
				"policy": policy.name,
				"policy_name": policy.policy_name,
				"from_date": policy.from_date,
				"to_date": policy.to_date,
				"currency": frappe.get_cached_value("Company", policy.company, "default_currency"),
				**figures,
			}
		)
	return out
