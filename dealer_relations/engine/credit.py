"""Credit rules: score a dealer from its payment and sales history, grade it, set its limit, and
judge whether a dealer document may be submitted against that limit.

Every score is explainable: it is the sum of factor points, and each factor keeps its raw value,
its weight and the points it earned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dealer_relations.engine.dealer import SUSPENDED, TERMINATED
from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.money import HUNDRED, TENTH, ZERO, flt_dec, round_half_up

# -- factors ---------------------------------------------------------------------------------------

ON_TIME_SHARE = "On-time Payment Share"
DAYS_LATE = "Average Days Late"
WORST_OVERDUE = "Worst Overdue Days"
RELATIONSHIP = "Relationship Months"
SALES_VOLUME = "Sales Last 12 Months"
SALES_TREND = "Sales Trend"
RETURNS_RATIO = "Returns Ratio"
DIVERSIONS = "Confirmed Diversions"


@dataclass(frozen=True)
class Factor:
	name: str  # stored on the rating, translated in the desk
	weight_field: str  # its weight in Dealer Relations Settings
	default_weight: Decimal


FACTORS: tuple[Factor, ...] = (
	Factor(ON_TIME_SHARE, "weight_on_time_share", Decimal(25)),
	Factor(DAYS_LATE, "weight_days_late", Decimal(15)),
	Factor(WORST_OVERDUE, "weight_worst_overdue", Decimal(15)),
	Factor(RELATIONSHIP, "weight_relationship", Decimal(10)),
	Factor(SALES_VOLUME, "weight_sales_volume", Decimal(10)),
	Factor(SALES_TREND, "weight_sales_trend", Decimal(5)),
	Factor(RETURNS_RATIO, "weight_returns_ratio", Decimal(10)),
	Factor(DIVERSIONS, "weight_diversions", Decimal(10)),
)
FACTOR_NAMES = tuple(f.name for f in FACTORS)
DEFAULT_WEIGHTS: Mapping[str, Decimal] = {f.name: f.default_weight for f in FACTORS}

# Where each factor earns all or none of its points (linear in between).
FULL_POINTS_DAYS_LATE, NO_POINTS_DAYS_LATE = 0, 60
NO_POINTS_OVERDUE_DAYS = 90
FULL_POINTS_RELATIONSHIP_MONTHS = 36
NO_POINTS_TREND, FULL_POINTS_TREND = Decimal("0.5"), Decimal("1.2")  # last 12 months / the 12 before
NO_POINTS_RETURNS_RATIO = Decimal("0.2")
NO_POINTS_DIVERSIONS = 3
# A dealer without the history a factor needs gets half its points: neither rewarded nor punished.
NEUTRAL = Decimal("0.5")
DEFAULT_FULL_POINTS_VOLUME = Decimal(1_200_000)

# -- grades and policies ---------------------------------------------------------------------------

ALLOW = "Allow"
REQUIRE_APPROVAL = "Require Credit Controller Approval"
BLOCK = "Block"
ORDER_POLICIES = (ALLOW, REQUIRE_APPROVAL, BLOCK)

ENFORCE = "Enforce"
WARN_ONLY = "Warn only"
OFF = "Off"
ENFORCEMENT_MODES = (ENFORCE, WARN_ONLY, OFF)

LIMIT_FROM_RATING = "Rating"
LIMIT_MANUAL = "Manual"


@dataclass(frozen=True)
class GradeBand:
	grade: str
	min_score: Decimal
	limit_multiple: Decimal  # credit limit = this many months of average sales
	order_policy: str = ALLOW


DEFAULT_GRADE_BANDS: tuple[GradeBand, ...] = (
	GradeBand("AAA", Decimal(90), Decimal(3), ALLOW),
	GradeBand("AA", Decimal(80), Decimal("2.5"), ALLOW),
	GradeBand("A", Decimal(70), Decimal(2), ALLOW),
	GradeBand("B", Decimal(60), Decimal("1.5"), ALLOW),
	GradeBand("C", Decimal(45), Decimal(1), REQUIRE_APPROVAL),
	GradeBand("D", Decimal(0), Decimal(0), BLOCK),
)


@dataclass(frozen=True)
class CreditConfig:
	weights: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
	bands: Sequence[GradeBand] = DEFAULT_GRADE_BANDS
	full_points_volume: Decimal = DEFAULT_FULL_POINTS_VOLUME


# -- validation of settings ------------------------------------------------------------------------


def check_weights(weights: Mapping[str, Decimal]) -> None:
	"""Weights are points out of 100: none negative, together exactly 100."""
	for factor in FACTORS:
		if Decimal(weights.get(factor.name) or 0) < 0:
			raise RuleViolation(
				_("Weight of {0} cannot be negative, got {1}"),
				(factor.name, weights.get(factor.name)),
				factor.weight_field,
				_("Invalid Credit Weights"),
				translate_args=True,
			)
	total = sum((Decimal(weights.get(f.name) or 0) for f in FACTORS), ZERO)
	if total != HUNDRED:
		raise RuleViolation(
			_("The credit factor weights must add up to 100, they add up to {0}"),
			(total.normalize() if total else 0,),
			FACTORS[0].weight_field,
			_("Invalid Credit Weights"),
		)


def check_grade_bands(bands: Sequence[GradeBand]) -> None:
	"""Bands run from the best grade to the worst, each starting below the one above (no overlap),
	and the last starts at 0 so every score has a grade."""
	if not bands:
		raise RuleViolation(
			_("Credit Grades: add at least one grade"), (), "credit_grades", _("Invalid Credit Grades")
		)
	seen = set()
	for idx, band in enumerate(bands, start=1):
		if not band.grade:
			raise RuleViolation(
				_("Credit Grades row #{0}: Grade is required"),
				(idx,),
				"credit_grades",
				_("Invalid Credit Grades"),
			)
		if band.grade in seen:
			raise RuleViolation(
				_("Credit Grades row #{0}: Grade {1} is listed more than once"),
				(idx, band.grade),
				"credit_grades",
				_("Invalid Credit Grades"),
			)
		seen.add(band.grade)
		if not (ZERO <= Decimal(band.min_score) <= HUNDRED):
			raise RuleViolation(
				_("Credit Grades row #{0}: Min Score must be between 0 and 100, got {1}"),
				(idx, band.min_score),
				"credit_grades",
				_("Invalid Credit Grades"),
			)
		if Decimal(band.limit_multiple) < 0:
			raise RuleViolation(
				_("Credit Grades row #{0}: Limit Multiple cannot be negative, got {1}"),
				(idx, band.limit_multiple),
				"credit_grades",
				_("Invalid Credit Grades"),
			)
		if band.order_policy not in ORDER_POLICIES:
			raise RuleViolation(
				_("Credit Grades row #{0}: Order Policy {1} is not valid"),
				(idx, band.order_policy),
				"credit_grades",
				_("Invalid Credit Grades"),
			)
		if idx > 1 and Decimal(band.min_score) >= Decimal(bands[idx - 2].min_score):
			raise RuleViolation(
				_(
					"Credit Grades row #{0}: Min Score {1} must be below the Min Score {2} of the row above; list grades from best to worst without overlap"
				),
				(idx, band.min_score, bands[idx - 2].min_score),
				"credit_grades",
				_("Invalid Credit Grades"),
			)
	if Decimal(bands[-1].min_score) != 0:
		raise RuleViolation(
			_("Credit Grades: the last grade must start at Min Score 0 so that every score has a grade"),
			(),
			"credit_grades",
			_("Invalid Credit Grades"),
		)


def check_manual_limit(pinned: bool, amount: Decimal | None, reason: str | None) -> None:
	"""A pinned limit is a Credit Controller's decision: never negative, never without a reason."""
	if not pinned:
		return
	if amount is None or Decimal(amount) < 0:
		raise RuleViolation(
			_("Manual Credit Limit cannot be negative, got {0}"),
			(amount,),
			"manual_credit_limit",
			_("Invalid Credit Limit"),
		)
	if not (reason or "").strip():
		raise RuleViolation(
			_("Manual Limit Reason is required when the credit limit is pinned"),
			(),
			"manual_limit_reason",
			_("Missing Reason"),
		)


# -- history to facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invoice:
	"""A receivable with its settlements (payments, credit notes) as (date, amount)."""

	amount: Decimal
	due_date: date
	payments: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class PaymentRecord:
	"""Amounts over the invoices due by the rating date (the Frappe side sums the Payment Ledger
	to the same figures)."""

	due_amount: Decimal = ZERO  # invoiced amount already due
	paid_on_time: Decimal = ZERO  # of it, settled on or before its due date
	late_amount_days: Decimal = ZERO  # amount x days late: settled late, or still open past due
	worst_overdue_days: int = 0  # oldest still-open due date, in days past due

	@property
	def on_time_share(self) -> Decimal | None:
		if self.due_amount <= 0:
			return None
		return min(HUNDRED, max(ZERO, self.paid_on_time * HUNDRED / self.due_amount))

	@property
	def average_days_late(self) -> Decimal | None:
		if self.due_amount <= 0:
			return None
		return max(ZERO, self.late_amount_days / self.due_amount)


def payment_record(invoices: Iterable[Invoice], as_of: date) -> PaymentRecord:
	"""Reference computation of a dealer's punctuality: settlements after ``as_of`` count as open."""
	due = on_time = late = ZERO
	worst = 0
	for invoice in invoices:
		if invoice.due_date > as_of:
			continue
		amount = Decimal(invoice.amount)
		due += amount
		settled = ZERO
		for paid_on, paid in invoice.payments:
			if paid_on > as_of:
				continue
			paid = min(Decimal(paid), amount - settled)
			if paid <= 0:
				continue
			settled += paid
			if paid_on <= invoice.due_date:
				on_time += paid
			else:
				late += paid * (paid_on - invoice.due_date).days
		open_amount = amount - settled
		if open_amount > 0:
			days = (as_of - invoice.due_date).days
			late += open_amount * days
			worst = max(worst, days)
	return PaymentRecord(due, on_time, late, worst)


@dataclass(frozen=True)
class CreditFacts:
	payments: PaymentRecord = PaymentRecord()
	relationship_months: int = 0
	sales_last_12: Decimal = ZERO  # net of returns
	sales_prior_12: Decimal = ZERO
	returns_last_12: Decimal = ZERO  # positive amount returned
	diversions_12m: int = 0


# -- scoring ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorScore:
	factor: str
	value: Decimal | None  # the raw figure (None: no history for it)
	weight: Decimal
	points: Decimal


@dataclass(frozen=True)
class Rating:
	score: Decimal
	grade: str
	order_policy: str
	credit_limit: Decimal
	average_monthly_sales: Decimal
	factors: tuple[FactorScore, ...]


def _clamp(value: Decimal) -> Decimal:
	return min(Decimal(1), max(ZERO, value))


def _falling(value: Decimal, zero_at: Decimal) -> Decimal:
	"""1 at 0, falling linearly to 0 at ``zero_at``."""
	return _clamp(1 - Decimal(value) / Decimal(zero_at))


def factor_fractions(facts: CreditFacts, full_points_volume: Decimal) -> dict[str, tuple]:
	"""{factor: (raw value, share of the factor's points earned 0..1)}."""
	payments = facts.payments
	share = payments.on_time_share
	days_late = payments.average_days_late
	gross = facts.sales_last_12 + facts.returns_last_12
	returns_ratio = facts.returns_last_12 / gross if gross > 0 else None
	if facts.sales_prior_12 > 0:
		trend = facts.sales_last_12 / facts.sales_prior_12
		trend_fraction = _clamp((trend - NO_POINTS_TREND) / (FULL_POINTS_TREND - NO_POINTS_TREND))
		trend_value = (trend - 1) * HUNDRED
	else:
		trend_value = None
		trend_fraction = NEUTRAL if facts.sales_last_12 > 0 else ZERO
	volume_fraction = (
		_clamp(facts.sales_last_12 / Decimal(full_points_volume))
		if Decimal(full_points_volume) > 0
		else Decimal(facts.sales_last_12 > 0)
	)
	return {
		ON_TIME_SHARE: (share, NEUTRAL if share is None else share / HUNDRED),
		DAYS_LATE: (days_late, NEUTRAL if days_late is None else _falling(days_late, NO_POINTS_DAYS_LATE)),
		WORST_OVERDUE: (
			Decimal(payments.worst_overdue_days),
			_falling(Decimal(payments.worst_overdue_days), NO_POINTS_OVERDUE_DAYS),
		),
		RELATIONSHIP: (
			Decimal(facts.relationship_months),
			_clamp(Decimal(facts.relationship_months) / FULL_POINTS_RELATIONSHIP_MONTHS),
		),
		SALES_VOLUME: (facts.sales_last_12, volume_fraction),
		SALES_TREND: (trend_value, trend_fraction),
		RETURNS_RATIO: (
			None if returns_ratio is None else returns_ratio * HUNDRED,
			NEUTRAL if returns_ratio is None else _falling(returns_ratio, NO_POINTS_RETURNS_RATIO),
		),
		DIVERSIONS: (
			Decimal(facts.diversions_12m),
			_falling(Decimal(facts.diversions_12m), NO_POINTS_DIVERSIONS),
		),
	}


def score(
	facts: CreditFacts, config: CreditConfig = CreditConfig()
) -> tuple[Decimal, tuple[FactorScore, ...]]:
	"""Score 0..100 as the sum of each factor's weight times the share of its points earned."""
	rows = []
	for name, (value, fraction) in factor_fractions(facts, config.full_points_volume).items():
		weight = Decimal(config.weights.get(name) or 0)
		points = round_half_up(weight * fraction)
		rows.append(
			FactorScore(name, None if value is None else round_half_up(Decimal(value)), weight, points)
		)
	total = round_half_up(sum((row.points for row in rows), ZERO), TENTH)
	return min(HUNDRED, max(ZERO, total)), tuple(rows)


def grade_for(score_value: Decimal, bands: Sequence[GradeBand] = DEFAULT_GRADE_BANDS) -> GradeBand:
	"""The first band (best first) whose Min Score the score reaches."""
	for band in bands:
		if Decimal(score_value) >= Decimal(band.min_score):
			return band
	return bands[-1]


def average_monthly_sales(facts: CreditFacts) -> Decimal:
	"""Last 12 months' net sales per month of trading (a newer dealer is averaged over its months)."""
	months = min(12, max(1, facts.relationship_months))
	return round_half_up(max(ZERO, facts.sales_last_12 / months))


def limit_for(band: GradeBand, monthly_sales: Decimal, tier_default: Decimal) -> Decimal:
	"""The grade's multiple of average monthly sales, never below the tier's default limit."""
	rated = round_half_up(Decimal(band.limit_multiple) * Decimal(monthly_sales))
	return max(rated, Decimal(tier_default or 0))


def rate(facts: CreditFacts, tier_default: Decimal, config: CreditConfig = CreditConfig()) -> Rating:
	value, factors = score(facts, config)
	band = grade_for(value, config.bands)
	monthly = average_monthly_sales(facts)
	return Rating(
		value, band.grade, band.order_policy, limit_for(band, monthly, tier_default), monthly, factors
	)


def months_between(start: date, end: date) -> int:
	"""Whole months from ``start`` to ``end`` (0 when end is not after start)."""
	if end <= start:
		return 0
	months = (end.year - start.year) * 12 + end.month - start.month
	if end.day < start.day:
		months -= 1
	return max(0, months)


# -- enforcement -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
	"""What the dealer owes or has on order, in company currency."""

	outstanding: Decimal = ZERO  # open receivables
	unbilled_orders: Decimal = ZERO  # submitted Sales Orders not yet billed
	this_document: Decimal = ZERO
	unallocated_advances: Decimal = ZERO  # payments received and not yet set against an invoice

	@property
	def total(self) -> Decimal:
		return self.outstanding + self.unbilled_orders + self.this_document - self.unallocated_advances


def effective_limit(
	dealer_limit: Decimal | None, tier_default: Decimal | None, pinned: bool = False
) -> Decimal | None:
	"""The dealer's own limit; an unset (0) limit means its tier's default; no limit anywhere means
	None (unlimited). A pinned limit is a Credit Controller's decision and binds as it stands: a
	pinned 0 means no credit, never the tier's default or unlimited."""
	if pinned:
		return max(ZERO, Decimal(dealer_limit or 0))
	if dealer_limit and Decimal(dealer_limit) > 0:
		return Decimal(dealer_limit)
	if tier_default and Decimal(tier_default) > 0:
		return Decimal(tier_default)
	return None


PASS = "Pass"
BLOCKED_STATUS = "Dealer Status"
BLOCKED_POLICY = "Grade Policy Block"
NEEDS_APPROVAL = "Grade Requires Approval"
OVER_LIMIT = "Over Credit Limit"
OTHER_COMPANY = "Dealer of Another Company"


@dataclass(frozen=True)
class CreditDecision:
	reason: str  # PASS or why the document needs a Credit Controller
	exposure: Exposure
	limit: Decimal | None
	overridden: bool = False
	violation: RuleViolation | None = None  # set when the document must not be submitted
	override_refused: bool = False  # someone without the role filled in an override reason

	@property
	def blocked(self) -> bool:
		return self.violation is not None

	@property
	def shortfall(self) -> Decimal:
		if self.limit is None:
			return ZERO
		return max(ZERO, self.exposure.total - self.limit)


def judge_credit(
	dealer: str,
	status: str,
	grade: str | None,
	order_policy: str | None,
	limit: Decimal | None,
	exposure: Exposure,
	override_reason: str | None = None,
	is_credit_controller: bool = False,
	other_company: tuple[str, str] | None = None,
) -> CreditDecision:
	"""May this document be submitted? Status blocks cannot be overridden; a grade policy or an
	exceeded limit can, by a Credit Controller who gives a reason.

	``other_company``: (the dealer's company, the document's company) when they differ. A dealer's
	grade and limit are rated on its own company's history; in any other company it has no credit
	standing, so each of its documents there needs a Credit Controller's approval."""
	if status in (SUSPENDED, TERMINATED):
		return CreditDecision(
			BLOCKED_STATUS,
			exposure,
			limit,
			violation=RuleViolation(
				_(
					"Dealer {0} is {1}: its orders and invoices are blocked until a Dealer Manager reactivates it"
				),
				(dealer, status),
				"customer",
				_("Dealer Blocked"),
				translate_args=True,
			),
		)
	over_limit = limit is not None and exposure.total > limit
	if other_company:
		reason = OTHER_COMPANY
		violation = RuleViolation(
			_(
				"Dealer {0} is rated in company {1}, not in {2}: it has no credit standing in {2}, so a Credit Controller must approve its documents there"
			),
			(dealer, *other_company),
			"credit_override_reason",
			_("Credit Approval Required"),
		)
	elif order_policy == BLOCK:
		reason = BLOCKED_POLICY
		violation = RuleViolation(
			_("Credit grade {0} of Dealer {1} blocks new orders and invoices"),
			(grade, dealer),
			"credit_override_reason",
			_("Credit Blocked"),
		)
	elif over_limit:
		reason = OVER_LIMIT
		violation = RuleViolation(
			_("Dealer {0} would exceed its credit limit: limit {1}, exposure {2}, shortfall {3}"),
			(dealer, limit, exposure.total, exposure.total - limit),
			"credit_override_reason",
			_("Credit Limit Exceeded"),
		)
	elif order_policy == REQUIRE_APPROVAL:
		reason = NEEDS_APPROVAL
		violation = RuleViolation(
			_("Credit grade {0} of Dealer {1} requires a Credit Controller's approval"),
			(grade, dealer),
			"credit_override_reason",
			_("Credit Approval Required"),
		)
	else:
		return CreditDecision(PASS, exposure, limit)

	if (override_reason or "").strip():
		if is_credit_controller:
			return CreditDecision(reason, exposure, limit, overridden=True)
		return CreditDecision(reason, exposure, limit, violation=violation, override_refused=True)
	return CreditDecision(reason, exposure, limit, violation=violation)


OVERRIDE_REFUSED = _(
	"Only a Credit Controller may override it; your Credit Override Reason was not accepted."
)
HOW_TO_OVERRIDE = _("A Credit Controller may submit it by filling in Credit Override Reason.")


def check_override_reason_author(
	reason_changed: bool, reason: str | None, is_credit_controller: bool
) -> None:
	"""Only a Credit Controller writes a Credit Override Reason."""
	if reason_changed and (reason or "").strip() and not is_credit_controller:
		raise RuleViolation(
			_("Only a Credit Controller may fill in Credit Override Reason"),
			(),
			"credit_override_reason",
			_("Not Permitted"),
		)


def carried_share(base: Decimal, amount: Decimal, left: Decimal | None) -> Decimal:
	"""What of lines worth ``amount`` (``base`` in the company's currency) only moves exposure
	already counted on the line they bill or deliver, which has ``left`` still open: the share of
	the base up to what is left, nothing when the line has nothing left (or the link is not one
	exposure counts: ``left`` None), never more than the base."""
	if amount <= 0 or not left or left <= 0:
		return ZERO
	return base * min(Decimal(1), left / amount)


# -- reading exposure under the dealer's lock ------------------------------------------------------

UNBILLED_PARTS = ("orders", "deliveries")


def exposure_from_sums(rows: Iterable[Sequence]) -> Exposure:
	"""The Exposure of the exposure statement's rows — (part, against type, against voucher,
	receivable, advanced, count, names): an invoice's amount counts as receivable when positive and
	as an advance when negative, summed by the database per part; a Payment Ledger voucher's balance
	(a row per voucher) the same way; unbilled orders and delivery notes as they are."""
	outstanding = unbilled = advances = ZERO
	for part, _type, _voucher, receivable, advanced, _count, _names in rows:
		receivable, advanced = flt_dec(receivable), flt_dec(advanced)
		if part == "ledger":  # one voucher's balance
			receivable, advanced = max(receivable, ZERO), min(receivable, ZERO)
		if part in UNBILLED_PARTS:
			unbilled += receivable
		else:
			outstanding += receivable
			advances -= advanced
	return Exposure(outstanding=outstanding, unbilled_orders=unbilled, unallocated_advances=advances)


def exposure_from_rows(rows: Mapping[str, Sequence[Sequence]]) -> Exposure:
	"""The same Exposure from the open rows one by one ({part: rows}: invoices (name, amount),
	ledger (name, amount, against type, against voucher), orders and deliveries (name, amount)), as
	the row-by-row read under the lock returns them."""
	balances = [flt_dec(row[1]) for row in rows["invoices"]]
	ledger: dict[tuple, Decimal] = {}
	for _name, amount, against_type, against_voucher in rows["ledger"]:
		key = (against_type, against_voucher)
		ledger[key] = ledger.get(key, ZERO) + flt_dec(amount)
	balances += ledger.values()
	return Exposure(
		outstanding=sum((v for v in balances if v > 0), ZERO),
		unbilled_orders=sum((flt_dec(row[1]) for part in UNBILLED_PARTS for row in rows[part]), ZERO),
		unallocated_advances=-sum((v for v in balances if v < 0), ZERO),
	)


# the open rows' names in one value, as the exposure statement concatenates them
NAME_SEPARATOR = "\n"


def names_by_part(rows: Iterable[Sequence]) -> dict[str, set[str]] | None:
	"""{part: the names of its open rows} of the exposure statement's rows — part first, then the
	count and the concatenated names last (a part may have several rows: the ledger's vouchers);
	None when a list was cut short (fewer distinct names than its count)."""
	found: dict[str, set[str]] = {}
	for row in rows:
		part, count, names = row[0], int(row[-2] or 0), row[-1]
		listed = set(names.split(NAME_SEPARATOR)) if count and names else set()
		if len(listed) != count:
			return None
		found.setdefault(part, set()).update(listed)
	return found


def nothing_held_elsewhere(here: Iterable[Sequence], committed: Iterable[Sequence]) -> bool:
	"""Whether every open row the committed read saw was read under the lock too, part by part:
	then no other transaction holds one and the locking read's sums are the exposure. A row only
	the committed read saw is held by another transaction (or no longer open here); a cut list
	proves nothing: either way the caller reads row by row."""
	read_here, read_committed = names_by_part(here), names_by_part(committed)
	if read_here is None or read_committed is None:
		return False
	return all(names <= read_here.get(part, set()) for part, names in read_committed.items())
