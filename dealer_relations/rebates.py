"""Frappe side of year-end rebates: load eligible volumes set-based (one GROUP BY for all covered
dealers), apply the engine's rules, build and refresh settlements, post them to the books."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder import Case, Criterion
from frappe.query_builder.functions import Concat, DateFormat, GroupConcat, IfNull, Max, Min, Round, Sum
from frappe.utils import add_days, add_years, flt, fmt_money, getdate, now_datetime, today
from pypika import CustomFunction
from pypika.terms import ValueWrapper

from dealer_relations import rebate_account
from dealer_relations.db import insert_rows, reserve_names, run_query
from dealer_relations.engine.dealer import PROSPECT
from dealer_relations.engine.money import ZERO, dec
from dealer_relations.engine.postings import (
	check_credit_note_tax_setup,
	check_rebate_tax_rows,
	split_rebate_tax,
	tax_split_differs,
)
from dealer_relations.engine.rebates import (
	COLLECTED_AMOUNT,
	CREDIT_NOTE,
	QUANTITY,
	REBATE_ACCOUNT,
	TARGET_COMPLETION,
	CatalogueItem,
	DealerVolume,
	PolicyScope,
	RebateResult,
	RebateTerms,
	Slab,
	check_posting_setup,
	rebate_for,
	year_end_due,
)
from dealer_relations.engine.territory import TerritoryTree
from dealer_relations.postings import cancel_own_postings, make_party_journal_entry, party_amount, posted_for
from dealer_relations.runs import finish_job, start_run
from dealer_relations.setup.workflow import PENDING as PENDING_APPROVAL
from dealer_relations.utils import (
	dealers_per_job,
	enforce,
	get_company_settings,
	lock_dealers,
	speak_the_users_language,
	split,
	validate_company_accounts,
)

Least = CustomFunction("LEAST", ["first", "second"])

SETTLEMENT_SERIES = "RBS-.YYYY.-.#####"
DIVERSION_INCIDENT = "Diversion Incident"
# Fields the year-end run writes on a settlement; the controller computes the same ones on save.
AMOUNT_FIELDS = (
	"eligible_volume",
	"rebate_base",
	"prior_volume",
	"growth_percent",
	"target",
	"completion_percent",
	"slab_reached",
	"rate",
	"gross_rebate",
	"growth_bonus",
	"forfeit_percent",
	"diversion_deduction",
	"net_rebate",
)
# ...and the months, one JSON value per settlement (see monthly_volume_json).
COMPUTED_FIELDS = (*AMOUNT_FIELDS, "monthly_volume")
SLAB_FIELDS = ("slab", "min_value", "upper_value", "volume", "rate", "rebate")


# -- policy -----------------------------------------------------------------------------------------


def get_terms(policy) -> RebateTerms:
	precision = frappe.get_precision("Rebate Settlement", "net_rebate") or 2
	return RebateTerms(
		calculation=policy.calculation,
		slabs=tuple(
			Slab(dec(row.min_value), dec(row.rate), dec(row.fixed_amount))
			for row in sorted(policy.slabs, key=lambda r: r.idx)
		),
		minimum_volume=dec(policy.minimum_volume),
		cap=dec(policy.rebate_cap),
		growth_threshold=dec(policy.growth_threshold),
		growth_bonus_rate=dec(policy.growth_bonus_rate),
		precision=int(precision),
		basis=policy.basis,
	)


def get_policy_scope(policy) -> PolicyScope:
	return PolicyScope(
		name=policy.name,
		company=policy.company,
		from_date=getdate(policy.from_date),
		to_date=getdate(policy.to_date),
		item_groups=frozenset(row.item_group for row in policy.item_groups),
		brands=frozenset(row.brand for row in policy.brands),
		items=frozenset(row.item_code for row in policy.items),
		excluded_items=frozenset(row.item_code for row in policy.excluded_items),
	)


def load_scope_catalogue(scopes: list[PolicyScope]) -> tuple[TerritoryTree, dict[str, CatalogueItem]]:
	"""The Item Group tree and the catalogue entries the scopes' overlap depends on: the items they
	name and the items of the brands they name (two queries)."""
	groups = TerritoryTree(
		dict(frappe.get_all("Item Group", fields=["name", "parent_item_group"], as_list=True))
	)
	items = sorted({code for scope in scopes for code in scope.items})
	brands = sorted({brand for scope in scopes for brand in scope.brands})
	if not (items or brands):
		return groups, {}
	item = frappe.qb.DocType("Item")
	named = []
	if items:
		named.append(item.name.isin(items))
	if brands:
		named.append(item.brand.isin(brands))
	rows = (
		frappe.qb.from_(item).select(item.name, item.item_group, item.brand).where(Criterion.any(named)).run()
	)
	return groups, {code: CatalogueItem(group, brand) for code, group, brand in rows}


def covered_dealers(policy, only: Iterable[str] | None = None) -> dict[str, str]:
	"""{dealer: customer} for the policy's company: dealers in its tiers (not prospects, who do
	not buy yet) plus the dealers it names. One query."""
	tiers = [row.tier for row in policy.tiers if row.tier]
	named = [row.dealer for row in policy.dealers if row.dealer]
	if not tiers and not named:
		return {}
	dealer = frappe.qb.DocType("Dealer")
	covered = []
	if tiers:
		covered.append(dealer.tier.isin(tiers) & (dealer.status != PROSPECT))
	if named:
		covered.append(dealer.name.isin(named))
	query = (
		frappe.qb.from_(dealer)
		.select(dealer.name, dealer.customer)
		.where(dealer.company == policy.company)
		.where(Criterion.any(covered))
		.orderby(dealer.name)
	)
	if only is not None:
		only = list(only)
		if not only:
			return {}
		query = query.where(dealer.name.isin(only))
	return dict(query.run())


def in_scope_groups(policy) -> list[str]:
	"""The policy's item groups with all their child groups (nested set), one query."""
	groups = [row.item_group for row in policy.item_groups]
	if not groups:
		return []
	if getattr(policy, "_scope_groups", None) is not None:  # one lookup per run, not per query
		return policy._scope_groups
	node = frappe.qb.DocType("Item Group")
	scope = frappe.qb.DocType("Item Group").as_("scope")
	policy._scope_groups = (
		frappe.qb.from_(node)
		.join(scope)
		.on((node.lft >= scope.lft) & (node.rgt <= scope.rgt))
		.select(node.name)
		.distinct()
		.where(scope.name.isin(groups))
		.run(pluck=True)
	)
	return policy._scope_groups


def item_scope(policy, line) -> Criterion | None:
	"""Condition on Sales Invoice Item rows for the policy's item scope (None = every item). The
	company's Rebate Item is never volume: rebate credit notes must not shrink next year's sales."""
	include = []
	if groups := in_scope_groups(policy):
		include.append(line.item_group.isin(groups))
	if brands := [row.brand for row in policy.brands]:
		include.append(line.brand.isin(brands))
	if items := [row.item_code for row in policy.items]:
		include.append(line.item_code.isin(items))
	conditions = []
	if include:
		conditions.append(Criterion.any(include))
	excluded = [row.item_code for row in policy.excluded_items]
	if rebate_item := get_company_settings(policy.company).rebate_item:
		excluded.append(rebate_item)
	if excluded:
		# a line without an item code is not an excluded item (NOT IN would drop it)
		conditions.append(IfNull(line.item_code, "").notin(excluded))
	return Criterion.all(conditions) if conditions else None


# -- volumes ----------------------------------------------------------------------------------------


def load_volumes(
	policy, dealers: dict[str, str], as_of=None, from_date=None, to_date=None, cutoff=None
) -> dict[str, DealerVolume]:
	"""Eligible volume of every given dealer ({dealer: customer}) in the policy period (or up to
	``as_of`` for a running policy), with its months, last year's volume and forfeits.
	``from_date`` / ``to_date`` replay another period through the policy (the simulator), with
	``cutoff`` as its collection cut-off.

	A handful of GROUP BY queries whatever the number of dealers or invoices."""
	if not dealers:
		return {}
	from_date = getdate(from_date or policy.from_date)
	to_date = getdate(to_date or policy.to_date)
	if as_of:
		to_date = min(to_date, getdate(as_of))
	by_customer = {customer: dealer for dealer, customer in dealers.items()}
	volumes = {dealer: DealerVolume(dealer) for dealer in dealers}

	for customer, month, volume, amount in sum_volumes(
		policy, list(by_customer), from_date, to_date, as_of or cutoff
	):
		item = volumes[by_customer[customer]]
		item.volume += volume
		item.base = (item.base or ZERO) + amount
		item.by_month[month] = item.by_month.get(month, ZERO) + volume
	for item in volumes.values():
		if policy.basis != QUANTITY:
			item.base = None

	if dec(policy.growth_bonus_rate):
		prior_from = getdate(add_years(from_date, -1))
		prior_to = getdate(add_years(to_date, -1))
		cutoff = cutoff or policy.collection_cutoff_date
		prior_cutoff = add_years(cutoff, -1) if cutoff else None
		for item in volumes.values():
			item.prior_volume = ZERO
		for customer, _month, volume, _amount in sum_volumes(
			policy, list(by_customer), prior_from, prior_to, prior_cutoff
		):
			volumes[by_customer[customer]].prior_volume += volume

	for dealer, percent in load_forfeits(list(dealers), from_date, to_date).items():
		volumes[dealer].forfeit_percent = dec(percent)
	if policy.basis == TARGET_COMPLETION:
		targets = policy_targets(policy)
		for dealer, item in volumes.items():
			item.target = targets.get(dealer, ZERO)  # none set: the dealer earns nothing
	return volumes


def tax_inclusive(policy) -> bool:
	"""Whether the policy's rates are on tax-inclusive sales (含税)."""
	return bool(getattr(policy, "rebate_on_tax_inclusive", 0))


def line_amount(policy, invoice, line):
	"""A Sales Invoice Item's amount for the policy, in the company's currency: its net amount,
	or on a tax-inclusive policy its net amount plus its share of its invoice's taxes,

	    base_net_amount × (base_net_total + base_total_taxes_and_charges) / base_net_total

	An expression on the invoice and its line, so the volumes stay one GROUP BY. The share is
	proportional to the line's net amount: exact for the usual Chinese invoice, whose lines carry
	one VAT rate (13 %); on an invoice mixing rates through Item Tax Templates each line gets the
	invoice's average rate, which reading ``item_wise_tax_detail`` (JSON per tax row) would avoid
	at the price of a JSON join per row. The invoice's taxes and charges are what ERPNext totals
	(the additional discount, and so the rebate deduction, already lowered both), without the
	rounding adjustment; a return's share comes from the return's own totals, so it nets as today.
	An invoice whose net total is zero adds its lines as they are."""
	if not tax_inclusive(policy):
		return line.base_net_amount
	gross = invoice.base_net_total + invoice.base_total_taxes_and_charges
	return (
		Case()
		.when(invoice.base_net_total != 0, line.base_net_amount * gross / invoice.base_net_total)
		.else_(line.base_net_amount)
	)


def summed_amount(policy, invoice, line):
	"""Sum of ``line_amount``: to the cent on a tax-inclusive policy (the shares carry the
	division's digits), as stored otherwise."""
	if not tax_inclusive(policy):
		return Sum(line.base_net_amount)
	return Round(Sum(line_amount(policy, invoice, line)), 2)


def policy_targets(policy) -> dict[str, Decimal]:
	"""{dealer: target} of a Target Completion policy, from the document given (a draft's
	targets for the simulator, the submitted ones for the year-end run)."""
	return {row.dealer: dec(row.target) for row in policy.get("targets") or () if row.dealer}


def sum_volumes(policy, customers: list[str], from_date, to_date, cutoff=None) -> Iterable[tuple]:
	"""(customer, month, volume, amount) of submitted Sales Invoices dated in the period, items in
	scope, returns and credit notes included (they are negative), taxes excluded (included, each
	line's share, on a tax-inclusive policy: see line_amount); amount only for the Quantity basis
	(zero otherwise).

	One GROUP BY per customer and month, packed by the database into one row per customer: reading
	tens of thousands of month rows through the driver cost more than the grouping itself."""
	if policy.basis == COLLECTED_AMOUNT:
		yield from sum_collected(
			policy, customers, from_date, to_date, cutoff or policy.collection_cutoff_date
		)
		return
	invoice = frappe.qb.DocType("Sales Invoice")
	line = frappe.qb.DocType("Sales Invoice Item")
	month = DateFormat(invoice.posting_date, "%Y-%m")
	by_month = (
		frappe.qb.from_(line)
		.join(invoice)
		.on(invoice.name == line.parent)
		.select(
			invoice.customer.as_("customer"),
			month.as_("month"),
			(Sum(line.stock_qty) if policy.basis == QUANTITY else summed_amount(policy, invoice, line)).as_(
				"volume"
			),
			(summed_amount(policy, invoice, line) if policy.basis == QUANTITY else ValueWrapper(0)).as_(
				"amount"
			),
		)
		.where(invoice.docstatus == 1)
		.where(invoice.company == policy.company)
		.where(invoice.customer.isin(customers))
		.where(invoice.posting_date[from_date:to_date])
		.groupby(invoice.customer, month)
	)
	if scope := item_scope(policy, line):
		by_month = by_month.where(scope)
	months = by_month.as_("months")
	if policy.basis == QUANTITY:
		packed = GroupConcat(Concat(months.month, " ", months.volume, " ", months.amount))
	else:
		packed = GroupConcat(Concat(months.month, " ", months.volume))
	query = frappe.qb.from_(months).select(months.customer, packed).groupby(months.customer)
	# no ORDER BY: the groups' order does not matter, and sorting thousands costs
	for customer, text in packed_rows(query):
		for packed_month in text.split(","):
			month_name, volume, *amount = packed_month.split(" ")
			yield customer, month_name, Decimal(volume), Decimal(amount[0]) if amount else ZERO


# MariaDB's per-statement variable: the statement and its setting travel in one round trip
PACKED_LIMIT = "SET STATEMENT group_concat_max_len = 16777216 FOR "


def packed_rows(query) -> list[tuple]:
	"""Rows of a query whose last column is a GROUP_CONCAT, groups in no particular order. A site
	with a short group_concat_max_len would get silently cut lists, so the statement allows 16 MiB
	(a dealer's months take a few hundred bytes)."""
	return run_query(query, " ORDER BY NULL", prefix=PACKED_LIMIT)


def sum_collected(policy, customers: list[str], from_date, to_date, cutoff) -> list[tuple]:
	"""Collected Amount (回款): for each invoice of the period, its in-scope net amount (net of
	its returns; tax-inclusive on such a policy, see line_amount) times the share of its receivable
	paid by ``cutoff`` according to the Payment Ledger, in cents; summed per customer and month by the database (one statement: the lines per
	invoice and the ledger per invoice, joined and grouped), so no invoice row reaches Python.

	What the app itself posted for rebates (settlement Journal Entries and credit notes) is not
	cash collected, even when reconciled against an invoice: neither the posting itself nor the
	part of a voucher's allocations that it funded (a reconciled credit note's Journal Entry, a
	Payment Entry taking a rebate credit note among its references)."""
	cutoff = getdate(cutoff or to_date)
	invoice = frappe.qb.DocType("Sales Invoice")
	line = frappe.qb.DocType("Sales Invoice Item")
	# A return counts against the invoice it returns.
	against = (
		Case()
		.when((invoice.is_return == 1) & (IfNull(invoice.return_against, "") != ""), invoice.return_against)
		.else_(invoice.name)
	)
	lines = (
		frappe.qb.from_(line)
		.join(invoice)
		.on(invoice.name == line.parent)
		.select(
			invoice.customer.as_("customer"),
			against.as_("against"),
			DateFormat(Min(invoice.posting_date), "%Y-%m").as_("month"),
			Sum(line_amount(policy, invoice, line)).as_("net"),
		)
		.where(invoice.docstatus == 1)
		.where(invoice.company == policy.company)
		.where(invoice.customer.isin(customers))
		.where(invoice.posting_date[from_date:to_date])
		.groupby(invoice.customer, against)
	)
	if scope := item_scope(policy, line):
		lines = lines.where(scope)

	ledger = frappe.qb.DocType("Payment Ledger Entry")
	settlement = frappe.qb.DocType("Rebate Settlement")
	period_invoices = (
		frappe.qb.from_(invoice)
		.select(invoice.name)
		.where(invoice.docstatus == 1)
		.where(invoice.is_return == 0)
		.where(invoice.company == policy.company)
		.where(invoice.customer.isin(customers))
		.where(invoice.posting_date[from_date:to_date])
	)
	rebate_postings = (
		frappe.qb.from_(settlement)
		.select(IfNull(settlement.journal_entry, settlement.credit_note))
		.where(settlement.docstatus == 1)
		.where(settlement.customer.isin(customers))
		.where(IfNull(settlement.journal_entry, settlement.credit_note).isnotnull())
	)
	# A voucher that allocates a rebate posting as well as invoices paid them partly with the rebate
	# (ERPNext's Payment Reconciliation of a rebate credit note writes a Journal Entry doing just
	# that, and a Payment Entry may take a credit note among its references): only its cash share
	# of what it allocates to invoices is collected.
	allocation = frappe.qb.DocType("Payment Ledger Entry").as_("allocation")
	to_rebate = allocation.against_voucher_no.isin(rebate_postings)
	to_invoice = (allocation.against_voucher_type == "Sales Invoice") & ~to_rebate & (allocation.amount < 0)
	allocating = (
		frappe.qb.from_(allocation)
		.select(allocation.voucher_no)
		.where(allocation.delinked == 0)
		.where(to_rebate)
		.where(allocation.voucher_no.notin(rebate_postings))
	)
	rebate_paid = Sum(Case().when(to_rebate, allocation.amount).else_(0))
	invoices_paid = ValueWrapper(0) - Sum(Case().when(to_invoice, allocation.amount).else_(0))
	cash_shares = (
		frappe.qb.from_(allocation)
		.select(
			allocation.voucher_no,
			Case()
			.when(invoices_paid > 0, ValueWrapper(1) - Least(ValueWrapper(1), rebate_paid / invoices_paid))
			.else_(0)
			.as_("cash_share"),
		)
		.where(allocation.delinked == 0)
		.where(allocation.voucher_no.isin(allocating))
		.groupby(allocation.voucher_no)
	).as_("cash_shares")
	is_invoice = ledger.voucher_type == "Sales Invoice"
	is_paid = ~is_invoice & (ledger.posting_date <= cutoff) & ledger.voucher_no.notin(rebate_postings)
	paid = Case().when(is_paid, ledger.amount * IfNull(cash_shares.cash_share, 1)).else_(0)
	shares = (
		frappe.qb.from_(ledger)
		.left_join(cash_shares)
		.on(cash_shares.voucher_no == ledger.voucher_no)
		.select(
			ledger.against_voucher_no.as_("invoice"),
			Sum(Case().when(is_invoice, ledger.amount).else_(0)).as_("receivable"),
			(ValueWrapper(0) - Sum(paid)).as_("collected"),
		)
		.where(ledger.delinked == 0)
		.where(ledger.against_voucher_type == "Sales Invoice")
		.where(ledger.against_voucher_no.isin(period_invoices))
		.groupby(ledger.against_voucher_no)
	).as_("shares")
	lines = lines.as_("lines")
	share = Least(ValueWrapper(1), shares.collected / shares.receivable)
	amount = Sum(Round(lines.net * share, 2))
	query = (
		frappe.qb.from_(lines)
		.join(shares)
		.on(shares.invoice == lines.against)
		.select(lines.customer, lines.month, amount, amount)
		.where(shares.receivable > 0)
		.where(shares.collected > 0)
		.groupby(lines.customer, lines.month)
	)
	return [(customer, month, dec(volume), dec(base)) for customer, month, volume, base in query.run()]


def load_forfeits(dealers: list[str], from_date, to_date) -> dict[str, Decimal]:
	"""The largest forfeit percent of each dealer's confirmed diversion incidents in the period.
	Wires itself up once the diversion feature (its Diversion Incident doctype) is installed."""
	if not dealers or not frappe.db.table_exists(DIVERSION_INCIDENT):
		return {}
	incident = frappe.qb.DocType(DIVERSION_INCIDENT)
	return dict(
		frappe.qb.from_(incident)
		.select(incident.dealer, Max(incident.rebate_forfeit_percent))
		.where(incident.docstatus == 1)
		.where(incident.dealer.isin(dealers))
		.where(incident.incident_date[from_date:to_date])
		.groupby(incident.dealer)
		.run()
	)


# -- settlements ------------------------------------------------------------------------------------


def settlement_values(terms: RebateTerms, volume: DealerVolume) -> tuple[dict, list[dict]]:
	"""(fields, slab rows) of a settlement, as the controller and the run store them."""
	result: RebateResult = rebate_for(terms, volume, with_breakdown=True)
	fields = {
		"eligible_volume": float(result.volume),
		"rebate_base": float(result.base),
		"prior_volume": float(volume.prior_volume or 0),
		"growth_percent": float(round(result.growth_percent, 2)) if result.growth_percent is not None else 0,
		"target": float(result.target or 0),
		"completion_percent": float(round(result.completion, 2)) if result.completion is not None else 0,
		"slab_reached": result.slab_reached,
		"rate": float(result.rate),
		"gross_rebate": float(result.gross_rebate),
		"growth_bonus": float(result.growth_bonus),
		"forfeit_percent": float(volume.forfeit_percent),
		"diversion_deduction": float(result.diversion_deduction),
		"net_rebate": float(result.net_rebate),
	}
	slabs = [
		{
			"slab": portion.slab,
			"min_value": float(portion.min_value),
			"upper_value": float(portion.upper) if portion.upper is not None else 0,
			"volume": float(portion.volume),
			"rate": float(portion.rate),
			"rebate": float(portion.rebate),
		}
		for portion in result.breakdown
	]
	fields["monthly_volume"] = monthly_volume_json(volume.by_month)
	return fields, slabs


def monthly_volume_json(by_month: dict[str, Decimal]) -> str:
	"""The period's months as one compact JSON list of {month, volume, cumulative_volume}.

	A settlement's months are a snapshot shown on its form and statement, never queried row by
	row: one value per settlement lets the year-end run write one row per dealer instead of a
	dozen, and lets a re-run compare a draft's months as one string. The same input always gives
	the same text."""
	months, cumulative = [], ZERO
	for month in sorted(by_month):
		cumulative += by_month[month]
		months.append(
			{"month": month, "volume": float(by_month[month]), "cumulative_volume": float(cumulative)}
		)
	return json.dumps(months, separators=(",", ":"))


def monthly_volume_rows(value: str | None) -> list[frappe._dict]:
	"""A settlement's stored months as rows (row.month, row.volume, row.cumulative_volume)."""
	return [frappe._dict(row) for row in json.loads(value or "[]")]


@frappe.whitelist()
def create_settlements(policy: str) -> dict:
	"""Form button: build or refresh the draft settlements of every covered dealer in background
	jobs of *Dealers per Background Job* dealers each; progress shows on the policy form. While the
	policy's last run is unfinished, the button finishes it: it queues the jobs not done that no
	live worker holds (a job a killed worker left), not a second run."""
	doc = frappe.get_doc("Rebate Policy", policy)
	doc.check_permission("read")
	frappe.has_permission("Rebate Settlement", "create", throw=True)
	ensure_submitted(doc)
	started = enqueue_year_end(policy)
	return {"dealers": len(covered_dealers(doc)), "jobs": started.queued, **started}


def year_end_jobs(policy: str, size: int | None = None) -> list[dict]:
	"""The keyword arguments of each job of a chunked year-end run: the covered dealers in name
	order, ``size`` (the setting by default) per job."""
	names = list(covered_dealers(frappe.get_doc("Rebate Policy", policy)))
	return [{"policy": policy, "dealers": chunk} for chunk in split(names, size or dealers_per_job())]


def enqueue_year_end(policy: str, queue: str = "long", size: int | None = None, enqueue: bool = True):
	"""Split the year-end run into jobs on ``queue``: every worker listening on it (on any machine
	sharing the site's database and Redis) takes jobs, so several workers share one run. The run
	is recorded (Dealer Relations Run); while it is unfinished, calling this again resumes it."""
	return start_run(
		"Rebate Settlements",
		policy,
		lambda: year_end_jobs(policy, size),
		queue,
		reference=("Rebate Policy", policy),
		enqueue=enqueue,
	)


def get_submitted_policy(policy: str):
	return ensure_submitted(frappe.get_doc("Rebate Policy", policy))


def ensure_submitted(doc):
	"""Settlements come only from a submitted policy: a draft can still change, and a job queued
	before the policy was cancelled must write nothing."""
	if doc.docstatus != 1:
		frappe.throw(
			_("Rebate Policy {0} is not submitted: no settlements are created for it").format(doc.name),
			title=_("Invalid Rebate Policy"),
		)
	return doc


def run_year_end_job(
	policy: str, dealers: list[str], run: str | None = None, jobs: int = 1, job: int = 0
) -> dict[str, int]:
	"""One job of a chunked run: sum the volumes of its dealers (one GROUP BY over their
	invoices), write their settlements. Safe to run twice or beside another run: the dealers' rows
	are locked while it writes, and existing drafts are refreshed, not duplicated."""
	speak_the_users_language()
	doc = get_submitted_policy(policy)
	dealers = covered_dealers(doc, only=dealers)
	counts = write_settlements(doc, get_terms(doc), dealers, load_volumes(doc, dealers))
	# a job of a recorded run is done when the run's last job is; a lone job finishes its own run
	done, jobs = (finish_job(run, job) or (0, jobs)) if run else (jobs, jobs)
	frappe.publish_progress(
		done * 100 / jobs,
		title=_("Creating Rebate Settlements"),
		doctype="Rebate Policy",
		docname=policy,
		description=_("{0} of {1} jobs").format(done, jobs),
	)
	if done >= jobs:
		frappe.db.set_value(
			"Rebate Policy", policy, "settlements_created_on", now_datetime(), update_modified=False
		)
	return counts


def run_year_end(policy: str, chunk_size: int = 1000, load_size: int = 20_000) -> dict[str, int]:
	"""Background job: one draft settlement per covered dealer; drafts are refreshed, submitted
	and cancelled ones never touched, so re-running is safe.

	Volumes are summed for up to ``load_size`` dealers at a time (the GROUP BY costs about the
	same for a thousand dealers as for twenty thousand: it reads the period's invoice lines);
	settlements are written ``chunk_size`` at a time with progress on the policy form."""
	speak_the_users_language()
	doc = get_submitted_policy(policy)
	terms = get_terms(doc)
	dealers = covered_dealers(doc)
	names = list(dealers)
	counts = {"created": 0, "refreshed": 0, "unchanged": 0, "skipped": 0}
	volumes = {}
	for start in range(0, len(names), chunk_size):
		chunk = {name: dealers[name] for name in names[start : start + chunk_size]}
		if names[min(start + chunk_size, len(names)) - 1] not in volumes:
			batch = names[start : start + max(load_size, chunk_size)]
			volumes = load_volumes(doc, {name: dealers[name] for name in batch})
		result = write_settlements(doc, terms, chunk, volumes)
		for key in counts:
			counts[key] += result[key]
		frappe.publish_progress(
			min(100, (start + chunk_size) * 100 / len(names)),
			title=_("Creating Rebate Settlements"),
			doctype="Rebate Policy",
			docname=policy,
			description=_("{0} of {1} dealers").format(min(start + chunk_size, len(names)), len(names)),
		)
	frappe.db.set_value(
		"Rebate Policy", policy, "settlements_created_on", now_datetime(), update_modified=False
	)
	return counts


def write_settlements(policy, terms: RebateTerms, dealers: dict[str, str], volumes) -> dict[str, int]:
	"""Create or refresh the dealers' settlements under their row locks. The settlements already
	there are read with a locking read: it sees what another job committed while this one waited
	for the locks, which a plain read (the transaction's snapshot, taken when this job loaded its
	volumes) would miss, and the dealer would get a second settlement."""
	info = {row.name: row for row in lock_dealers(list(dealers), ("dealer_name", "customer", "sales_rep"))}
	settlement = frappe.qb.DocType("Rebate Settlement")
	existing = {
		row.dealer: row
		for row in (
			frappe.qb.from_(settlement)
			.select(
				settlement.name,
				settlement.dealer,
				settlement.docstatus,
				settlement.workflow_state,
				*(settlement[fieldname] for fieldname in COMPUTED_FIELDS),
			)
			.where(settlement.rebate_policy == policy.name)
			.where(settlement.dealer.isin(list(dealers)))
			.where(settlement.docstatus < 2)
			.for_update()
			.run(as_dict=True)
		)
	}
	new = [dealer for dealer in dealers if dealer not in existing]
	drafts, unchanged = [], 0
	now, user, posting_date = now_datetime(), frappe.session.user, today()
	currency = frappe.get_cached_value("Company", policy.company, "default_currency")
	names = dict(zip(new, reserve_names(SETTLEMENT_SERIES, len(new)), strict=True))
	parents, updates, slab_rows = [], [], []
	for dealer in dealers:
		fields, slabs = settlement_values(terms, volumes[dealer])
		if dealer in names:
			parent = names[dealer]
			parents.append(
				(
					parent,
					user,
					user,
					now,
					now,
					0,
					dealer,
					info[dealer].dealer_name,
					info[dealer].customer,
					info[dealer].sales_rep,
					policy.name,
					policy.company,
					currency,
					policy.from_date,
					policy.to_date,
					policy.basis,
					policy.calculation,
					posting_date,
					"Draft",
					*(fields[f] for f in COMPUTED_FIELDS),
				)
			)
		elif existing[dealer].docstatus == 0 and existing[dealer].workflow_state != PENDING_APPROVAL:
			# a settlement awaiting approval keeps the figures its approver is looking at
			parent = existing[dealer].name
			if is_unchanged(existing[dealer], fields):
				unchanged += 1
				continue
			drafts.append(parent)
			updates.append((parent, now, user, *(fields[f] for f in COMPUTED_FIELDS)))
		else:
			continue
		# the parent's name is unique, so its name and the row's place make a unique row name
		# (thousands of random hashes would cost more than the rows' insert)
		slab_rows += [
			(f"{parent}-s{idx}", parent, idx, *[row[fieldname] for fieldname in SLAB_FIELDS])
			for idx, row in enumerate(slabs, 1)
		]

	insert_rows(
		"Rebate Settlement",
		[
			"name",
			"owner",
			"modified_by",
			"creation",
			"modified",
			"docstatus",
			"dealer",
			"dealer_name",
			"customer",
			"sales_rep",
			"rebate_policy",
			"company",
			"currency",
			"from_date",
			"to_date",
			"basis",
			"calculation",
			"posting_date",
			"workflow_state",
			*COMPUTED_FIELDS,
		],
		parents,
	)
	if drafts:
		frappe.db.delete(
			"Rebate Settlement Slab", {"parent": ("in", drafts), "parenttype": "Rebate Settlement"}
		)
		# The drafts exist: each row updates its settlement's amounts in the same statement.
		insert_rows(
			"Rebate Settlement", ["name", "modified", "modified_by", *COMPUTED_FIELDS], updates, update=True
		)
	insert_rows(
		"Rebate Settlement Slab",
		["name", "parent", "idx", *SLAB_FIELDS],
		slab_rows,
		constants={
			"parenttype": "Rebate Settlement",
			"parentfield": "slab_breakdown",
			"owner": user,
			"modified_by": user,
			"creation": now,
			"modified": now,
			"docstatus": 0,
		},
	)
	return {
		"created": len(parents),
		"refreshed": len(drafts),
		"unchanged": unchanged,
		"skipped": len(dealers) - len(parents) - len(drafts) - unchanged,
	}


def is_unchanged(stored, fields: dict) -> bool:
	"""A draft whose amounts and months already match needs no write (re-runs stay cheap). The
	slab rows follow from the volume and the submitted policy's slabs, so they match too."""
	if any(abs((stored[fieldname] or 0) - fields[fieldname]) > 1e-6 for fieldname in AMOUNT_FIELDS):
		return False
	return stored.monthly_volume == fields["monthly_volume"]


def create_due_settlements() -> list[str]:
	"""Daily (when enabled in settings): run the year-end for submitted policies whose period
	and collection cut-off ended at least the configured days ago and that have not been run
	since (a run during the year, from the form, does not count as the year-end run)."""
	settings = frappe.get_cached_doc("Dealer Relations Settings")
	if not settings.auto_create_rebate_settlements:
		return []
	delay, day = settings.rebate_run_delay_days or 0, getdate(today())
	policies = frappe.get_all(
		"Rebate Policy",
		filters={"docstatus": 1, "to_date": ("<", add_days(day, -delay))},
		fields=["name", "to_date", "collection_cutoff_date", "settlements_created_on"],
	)
	ran = []
	for policy in policies:
		last_run = policy.settlements_created_on
		if not year_end_due(
			getdate(policy.to_date),
			getdate(policy.collection_cutoff_date) if policy.collection_cutoff_date else None,
			delay,
			getdate(last_run) if last_run else None,
			day,
		):
			continue
		if len(covered_dealers(frappe.get_doc("Rebate Policy", policy.name))) > dealers_per_job():
			enqueue_year_end(policy.name)  # several jobs, as many workers as listen
		else:
			run_year_end(policy.name)
		ran.append(policy.name)
	return ran


# -- posting ----------------------------------------------------------------------------------------


def validate_company_rebate_settings(settings) -> None:
	"""Dealer Relations Settings: each company's rebate accounts belong to that company and can
	take postings; the rebate item is a non-stock item. One query per kind, not per row."""
	rows = [row for row in settings.company_settings if row.company]
	validate_company_accounts(settings, "rebate_expense_account")
	validate_company_accounts(settings, "rebate_liability_account")
	validate_company_accounts(settings, "accrued_rebate_account")
	centers = dict(
		frappe.get_all(
			"Cost Center",
			filters={"name": ("in", [r.rebate_cost_center for r in rows if r.rebate_cost_center])},
			fields=["name", "company"],
			as_list=True,
		)
	)
	stock_items = set(
		frappe.get_all(
			"Item",
			filters={"name": ("in", [r.rebate_item for r in rows if r.rebate_item]), "is_stock_item": 1},
			pluck="name",
		)
	)
	templates = dict(
		frappe.get_all(
			"Sales Taxes and Charges Template",
			filters={
				"name": ("in", [r.rebate_taxes_and_charges for r in rows if r.rebate_taxes_and_charges])
			},
			fields=["name", "company"],
			as_list=True,
		)
	)
	for row in rows:
		if row.rebate_taxes_and_charges and templates.get(row.rebate_taxes_and_charges) != row.company:
			frappe.throw(
				_(
					"Company Settings row #{0}: Rebate Credit Note Tax Template {1} does not belong to Company {2}"
				).format(row.idx, frappe.bold(row.rebate_taxes_and_charges), row.company),
				title=_("Invalid Tax Template"),
			)
		if row.rebate_cost_center and centers.get(row.rebate_cost_center) != row.company:
			frappe.throw(
				_("Company Settings row #{0}: Rebate Cost Center {1} does not belong to Company {2}").format(
					row.idx, frappe.bold(row.rebate_cost_center), row.company
				),
				title=_("Invalid Cost Center"),
			)
		if row.rebate_item in stock_items:
			frappe.throw(
				_("Company Settings row #{0}: Rebate Item {1} must be a non-stock item").format(
					row.idx, frappe.bold(row.rebate_item)
				),
				title=_("Invalid Item"),
			)


def rebate_accounts(company: str, settings: frappe._dict | None = None) -> frappe._dict:
	"""The company's rebate expense and liability accounts and the cost center its rebate postings
	use (Dealer Relations Settings; the company's cost center by default), unchecked."""
	settings = settings or get_company_settings(company)
	return frappe._dict(
		expense_account=settings.rebate_expense_account,
		liability_account=settings.rebate_liability_account,
		cost_center=settings.rebate_cost_center or frappe.get_cached_value("Company", company, "cost_center"),
	)


def get_posting_setup(company: str, customer: str) -> frappe._dict:
	"""The company's rebate accounts for a settlement's posting, checked for the company's posting
	method (releasing or correcting a rebate-account balance: rebate_account.liability_setup)."""
	from erpnext.accounts.party import get_party_account

	settings = get_company_settings(company)
	setup = rebate_accounts(company, settings)
	setup.update(
		method=settings.rebate_posting_method or "Journal Entry",
		item=settings.rebate_item,
		receivable_account=get_party_account("Customer", customer, company) if customer else None,
	)
	enforce(
		check_posting_setup,
		company,
		setup.method,
		setup.expense_account,
		setup.receivable_account,
		setup.item,
		setup.liability_account,
	)
	if setup.method == CREDIT_NOTE and settings.rebate_credit_note_taxes:
		setup.taxes_template = settings.rebate_taxes_and_charges or frappe.db.get_value(
			"Sales Taxes and Charges Template", {"company": company, "is_default": 1, "disabled": 0}, "name"
		)
		enforce(check_credit_note_tax_setup, company, setup.taxes_template)
	return setup


def post_settlement(settlement) -> None:
	"""Post a submitted settlement's net rebate: a Journal Entry (debit rebate expense, credit the
	dealer's receivable), a credit note, or into the dealer's rebate account (debit rebate expense,
	credit the rebate liability, and an Earned entry), as the company's settings say; what touches
	the receivable is in its currency at the day's rate."""
	setup = get_posting_setup(settlement.company, settlement.customer)
	amount = settlement.net_rebate
	if amount <= 0:
		return
	remark = _("Year-end rebate {0} for Dealer {1} under Rebate Policy {2} ({3} to {4})").format(
		settlement.name,
		settlement.dealer_name or settlement.dealer,
		settlement.rebate_policy,
		frappe.format(settlement.from_date, "Date"),
		frappe.format(settlement.to_date, "Date"),
	)
	if setup.method == CREDIT_NOTE:
		settlement.db_set("credit_note", make_credit_note(settlement, setup, amount, remark))
	elif setup.method == REBATE_ACCOUNT:
		remark = _("{0}, paid into the dealer's rebate account").format(remark)
		settlement.db_set("journal_entry", make_liability_journal_entry(settlement, setup, amount, remark))
		rebate_account.earn(settlement, amount)
	else:
		settlement.db_set("journal_entry", make_journal_entry(settlement, setup, amount, remark))


def make_journal_entry(settlement, setup, amount, remark) -> str | None:
	return make_party_journal_entry(
		settlement,
		company=settlement.company,
		posting_date=settlement.posting_date,
		voucher_type="Credit Note",
		remark=remark,
		customer=settlement.customer,
		party_account=setup.receivable_account,
		party_side="credit",
		amount=amount,
		other_account=setup.expense_account,
		cost_center=setup.cost_center,
		# An unallocated credit the dealer's next invoices can use (冲抵货款).
		is_advance=True,
	)


def make_liability_journal_entry(settlement, setup, amount, remark) -> str:
	"""Debit rebate expense, credit the rebate liability (应付返利), in the company's currency: the
	dealer's rebate account holds the balance until it is spent."""
	entry = frappe.get_doc(
		{
			"doctype": "Journal Entry",
			"voucher_type": "Journal Entry",
			"company": settlement.company,
			"posting_date": settlement.posting_date,
			"user_remark": remark,
			"accounts": [
				{
					"account": setup.expense_account,
					"debit_in_account_currency": amount,
					"cost_center": setup.cost_center,
				},
				{
					"account": setup.liability_account,
					"credit_in_account_currency": amount,
					"cost_center": setup.cost_center,
				},
			],
			**posted_for(settlement),
		}
	)
	entry.flags.ignore_permissions = True  # the settlement's approval is the authorisation
	entry.insert()
	entry.submit()
	return entry.name


def make_credit_note(settlement, setup, amount, remark) -> str | None:
	"""A return Sales Invoice of one Rebate Item line, in the receivable's currency at the day's
	rate (a USD dealer of a CNY company is credited the rebate's worth in USD).

	With VAT on rebate credit notes (红字发票) it carries the template's rows: on a tax-inclusive
	policy the line's rate is the rebate with the VAT in it (the rows' Included in Print Rate),
	so the dealer is credited exactly the rebate and output VAT falls by its tax part; on a net
	policy the line is the rebate and the VAT is added on top. Without, the credit is the net
	rebate to the cent. Either way what ERPNext computed is checked against the engine's split
	before submit, so an Item Tax Template or a rule that changed the taxes posts nothing."""
	credit = party_amount(settlement.company, setup.receivable_account, amount, settlement.posting_date)
	if credit.amount <= 0:
		return None  # less than a cent of the dealer's currency: nothing to credit
	inclusive = bool(
		frappe.db.get_value("Rebate Policy", settlement.rebate_policy, "rebate_on_tax_inclusive")
	)
	rows = credit_note_tax_rows(setup, inclusive)
	precision = frappe.get_precision("Sales Invoice", "grand_total") or 2
	split = split_rebate_tax(
		credit.amount, [row["rate"] for row in rows], inclusive and bool(rows), precision
	)
	note = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"is_return": 1,
			"company": settlement.company,
			"customer": settlement.customer,
			"set_posting_time": 1,
			"posting_date": settlement.posting_date,
			"debit_to": setup.receivable_account,
			"currency": credit.currency,
			"conversion_rate": float(credit.rate),
			"ignore_pricing_rule": 1,
			# the credit is the rebate to the cent: no rounding
			"disable_rounded_total": 1,
			"taxes_and_charges": setup.get("taxes_template") or "",
			"taxes": rows,
			"remarks": remark,
			"items": [
				{
					"item_code": setup.item,
					"qty": -1,
					"rate": float(split.gross if inclusive and rows else split.net),
					"income_account": setup.expense_account,
					"cost_center": setup.cost_center,
				}
			],
			**posted_for(settlement),
		}
	)
	note.flags.ignore_permissions = True
	note.insert()
	posted = [-flt(row.tax_amount_after_discount_amount, precision) for row in note.taxes]
	differs = tax_split_differs(
		split, -note.net_total, posted, -note.grand_total, inclusive and bool(rows), precision
	)
	if differs or note.currency != credit.currency:
		# an Item Tax Template on the Rebate Item, or taxes it added: the dealer would be credited
		# another amount, or output VAT would fall by another
		frappe.throw(
			_(
				"The rebate credit note would credit {0} (net {1}, taxes {2}) instead of {3} (net {4}, taxes {5}): "
				"the taxes of Rebate Item {6} differ from the rebate's. Remove its Item Tax Template or tax rule, "
				"or post rebates as a Journal Entry."
			).format(
				fmt_money(-note.grand_total, currency=note.currency),
				fmt_money(-note.net_total, currency=note.currency),
				fmt_money(sum(posted), currency=note.currency),
				fmt_money(split.gross, currency=credit.currency),
				fmt_money(split.net, currency=credit.currency),
				fmt_money(split.tax, currency=credit.currency),
				frappe.bold(setup.item),
			),
			title=_("Rebate Credit Note"),
		)
	note.submit()
	return note.name


def credit_note_tax_rows(setup, inclusive: bool) -> list[dict]:
	"""The rows of the company's rebate tax template for a rebate credit note (none without VAT
	on rebate credit notes), each charged on the net total, inside the rate when ``inclusive``."""
	template = setup.get("taxes_template")
	if not template:
		return []
	from erpnext.controllers.accounts_controller import get_taxes_and_charges

	rows = get_taxes_and_charges("Sales Taxes and Charges Template", template) or []
	enforce(check_rebate_tax_rows, template, [row.get("charge_type") for row in rows])
	return [
		{
			"charge_type": row["charge_type"],
			"account_head": row["account_head"],
			"description": row.get("description") or row["account_head"],
			"rate": row.get("rate") or 0,
			"cost_center": row.get("cost_center") or setup.cost_center,
			"included_in_print_rate": 1 if inclusive else 0,
		}
		for row in rows
	]


def settlement_postings(settlement) -> list[tuple[str, str | None]]:
	return [("Journal Entry", settlement.journal_entry), ("Sales Invoice", settlement.credit_note)]


def reverse_settlement(settlement) -> None:
	"""Cancel what the app posted for the settlement (never what a changed link points to); refused
	first when what it paid into the rebate account was already reserved, spent or expired."""
	rebate_account.check_settlement_cancellable(settlement)
	cancel_own_postings(settlement, settlement_postings(settlement))
	rebate_account.reverse_voucher("Rebate Settlement", settlement.name)


# -- running policies (liability) -------------------------------------------------------------------


def accrued_rebates(policy, as_of=None, dealers: dict[str, str] | None = None):
	"""{dealer: (DealerVolume, RebateResult)} for a policy's period up to ``as_of``."""
	if dealers is None:
		dealers = covered_dealers(policy)
	terms = get_terms(policy)
	volumes = load_volumes(policy, dealers, as_of=as_of or today())
	return terms, {dealer: (item, rebate_for(terms, item)) for dealer, item in volumes.items()}


@frappe.whitelist()
def get_total_rebate_liability(filters=None) -> dict:
	"""Number card: net rebate accrued so far, and not yet posted, under every submitted policy of
	one company that has started (running policies, and ended ones awaiting settlement), in that
	company's currency: the card's Company filter, else the user's default company (amounts of
	companies in different currencies are never added). Reps get the total of their own dealers."""
	frappe.has_permission("Rebate Policy", "read", throw=True)
	company = liability_company(filters)
	policies = frappe.get_list(
		"Rebate Policy",
		filters={"docstatus": 1, "from_date": ("<=", today()), "company": company},
		pluck="name",
	)
	total = ZERO
	for name in policies:
		policy = frappe.get_doc("Rebate Policy", name)
		settled = set(
			frappe.get_all(
				"Rebate Settlement", filters={"rebate_policy": name, "docstatus": 1}, pluck="dealer"
			)
		)
		covered = covered_dealers(policy)
		# Row-level access as in the Dealer list: a rep's card adds up their own dealers.
		permitted = set(
			frappe.get_list(
				"Dealer", filters={"name": ("in", list(covered))}, pluck="name", limit_page_length=0
			)
		)
		dealers = {d: c for d, c in covered.items() if d not in settled and d in permitted}
		_terms, accrued = accrued_rebates(policy, dealers=dealers)
		total += sum((result.net_rebate for _volume, result in accrued.values()), ZERO)
	currency = frappe.get_cached_value("Company", company, "default_currency") if company else None
	return {"value": float(total), "fieldtype": "Currency", "options": currency}


def liability_company(filters) -> str | None:
	"""The company a number card's filters name ({"company": ...} or [[doctype, "company", "=",
	...]]), else the user's default company, else the site's."""
	filters = frappe.parse_json(filters) if isinstance(filters, str) else filters
	company = None
	if isinstance(filters, dict):
		company = filters.get("company")
	elif isinstance(filters, list):
		company = next(
			(row[-1] for row in filters if isinstance(row, list | tuple) and "company" in row[:2]), None
		)
	return (
		company
		or frappe.defaults.get_user_default("Company")
		or frappe.db.get_single_value("Global Defaults", "default_company")
	)
