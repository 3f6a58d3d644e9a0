"""Year-end tiered rebate rules (年终返利): policy sanity, the rebate a volume earns, the growth
bonus, caps and minimums, diversion forfeits, and what the next slab would unlock.

A *Target Completion* policy (年度任务完成率) has its slabs in percent of each dealer's annual
target: for a dealer the slabs become volumes (target × percent), so retroactive and incremental
rates, the breakdown and the next slab's gap all work in the dealer's volume as for any policy.

Money is Decimal and rounded to the cent (half up) once per component, so a settlement, the
statement report and the posted Journal Entry all show the same figures.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.money import HUNDRED, ZERO, cents, dec, round_half_up
from dealer_relations.engine.territory import TerritoryTree

RETROACTIVE = "Retroactive"
INCREMENTAL = "Incremental"
CALCULATIONS = (RETROACTIVE, INCREMENTAL)

NET_AMOUNT = "Net Amount"
QUANTITY = "Quantity"
COLLECTED_AMOUNT = "Collected Amount"
TARGET_COMPLETION = "Target Completion"  # slabs in % of the dealer's target, volume in net amount
BASES = (NET_AMOUNT, QUANTITY, COLLECTED_AMOUNT, TARGET_COMPLETION)

JOURNAL_ENTRY = "Journal Entry"
CREDIT_NOTE = "Credit Note"
REBATE_ACCOUNT = "Rebate Account"  # paid into the dealer's rebate account (返利池), spent on later orders
POSTING_METHODS = (JOURNAL_ENTRY, CREDIT_NOTE, REBATE_ACCOUNT)

# -- policy -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slab:
	"""From ``min_value`` of volume on, ``rate`` percent of the rebate base, plus a one-off
	``fixed_amount`` when this is the highest slab reached."""

	min_value: Decimal
	rate: Decimal
	fixed_amount: Decimal = ZERO


@dataclass(frozen=True)
class RebateTerms:
	calculation: str
	slabs: tuple[Slab, ...]
	minimum_volume: Decimal = ZERO  # below it nothing is earned (0 = no minimum)
	cap: Decimal = ZERO  # the most a dealer can earn before deductions (0 = no cap)
	growth_threshold: Decimal = ZERO  # percent growth over the prior period needed for the bonus
	growth_bonus_rate: Decimal = ZERO  # extra percent of the rebate base (0 = no bonus)
	precision: int = 2
	basis: str = NET_AMOUNT  # TARGET_COMPLETION: slab minimums are percents of each dealer's target

	@property
	def on_target(self) -> bool:
		return self.basis == TARGET_COMPLETION

	def for_target(self, target: Decimal) -> RebateTerms:
		"""The same terms with the slabs in volume for a dealer whose target is ``target``: a slab
		from 60 % starts at 60 % of the target. Exact in Decimal, so a volume of exactly 60 % of the
		target reaches the slab. Cached per target (dealers often share round targets)."""
		cache = self._per_target
		if target not in cache:
			# every other term as it is (replace() keeps fields added later), slabs in volume
			cache[target] = replace(
				self,
				slabs=tuple(
					replace(slab, min_value=target * slab.min_value / HUNDRED) for slab in self.slabs
				),
				basis=NET_AMOUNT,
			)
		return cache[target]

	def __post_init__(self):
		object.__setattr__(self, "_per_target", {})
		# Derived once: the hot path (100,000 dealers) only bisects and multiplies.
		object.__setattr__(self, "_mins", [slab.min_value for slab in self.slabs])
		object.__setattr__(self, "_cent", cents(self.precision))
		# incremental: what the full slabs below slab k earn (times 100), summed once here
		below, total = [], ZERO
		for idx, slab in enumerate(self.slabs):
			below.append(total)
			if idx + 1 < len(self.slabs):
				total += (self.slabs[idx + 1].min_value - slab.min_value) * slab.rate
		object.__setattr__(self, "_below", below)


def check_period(from_date: date | None, to_date: date | None) -> None:
	if from_date and to_date and from_date > to_date:
		raise RuleViolation(
			_("From Date {0} must be on or before To Date {1}"),
			(from_date, to_date),
			"from_date",
			_("Invalid Period"),
		)


def check_slabs(slabs: list[Slab]) -> None:
	"""Slabs listed from lowest to highest, no two starting at the same volume, rates within
	0-100 and never lower than the slab below (a higher slab that paid less would make a dealer
	lose rebate by buying more)."""
	if not slabs:
		raise RuleViolation(
			_("Slabs: add at least one slab with a Min Value and a Rate"), (), "slabs", _("Missing Slabs")
		)
	for idx, slab in enumerate(slabs, start=1):
		if slab.rate < 0 or slab.rate > 100:
			raise RuleViolation(
				_("Slabs row #{0}: Rate must be between 0 and 100 percent, got {1}"),
				(idx, slab.rate),
				"slabs",
				_("Invalid Slab"),
			)
		if slab.min_value < 0:
			raise RuleViolation(
				_("Slabs row #{0}: Min Value cannot be negative, got {1}"),
				(idx, slab.min_value),
				"slabs",
				_("Invalid Slab"),
			)
		if slab.fixed_amount < 0:
			raise RuleViolation(
				_("Slabs row #{0}: Fixed Amount cannot be negative, got {1}"),
				(idx, slab.fixed_amount),
				"slabs",
				_("Invalid Slab"),
			)
		if idx == 1:
			continue
		previous = slabs[idx - 2]
		if slab.min_value <= previous.min_value:
			raise RuleViolation(
				_(
					"Slabs row #{0}: Min Value {1} must be greater than {2} in row #{3}; list slabs from lowest to highest without overlaps"
				),
				(idx, slab.min_value, previous.min_value, idx - 1),
				"slabs",
				_("Overlapping Slabs"),
			)
		if slab.rate < previous.rate:
			raise RuleViolation(
				_("Slabs row #{0}: Rate {1} is lower than {2} in row #{3}; a higher slab cannot pay less"),
				(idx, slab.rate, previous.rate, idx - 1),
				"slabs",
				_("Invalid Slab"),
			)
		if slab.fixed_amount < previous.fixed_amount:
			raise RuleViolation(
				_(
					"Slabs row #{0}: Fixed Amount {1} is lower than {2} in row #{3}; a higher slab cannot pay less"
				),
				(idx, slab.fixed_amount, previous.fixed_amount, idx - 1),
				"slabs",
				_("Invalid Slab"),
			)


def check_terms(terms: RebateTerms) -> None:
	if terms.calculation not in CALCULATIONS:
		raise RuleViolation(
			_("Calculation {0} is not one of Retroactive, Incremental"),
			(terms.calculation,),
			"calculation",
			_("Invalid Policy"),
		)
	check_slabs(list(terms.slabs))
	for fieldname, label, value in (
		("minimum_volume", _("Minimum Volume"), terms.minimum_volume),
		("cap", _("Rebate Cap"), terms.cap),
		("growth_threshold", _("Growth Threshold (%)"), terms.growth_threshold),
	):
		if value < 0:
			raise RuleViolation(
				_("{0} cannot be negative, got {1}"), (label, value), fieldname, _("Invalid Policy"), True
			)
	if terms.growth_bonus_rate < 0 or terms.growth_bonus_rate > 100:
		raise RuleViolation(
			_("Growth Bonus (%) must be between 0 and 100, got {0}"),
			(terms.growth_bonus_rate,),
			"growth_bonus_rate",
			_("Invalid Policy"),
		)


def check_coverage(tiers: Iterable[str], dealers: Iterable[str]) -> None:
	if not any(tiers) and not any(dealers):
		raise RuleViolation(
			_("Covered Tiers or Covered Dealers: a policy must cover at least one tier or dealer"),
			(),
			"tiers",
			_("Missing Coverage"),
		)


# -- targets (Target Completion policies) ---------------------------------------------------------


def check_targets(covered: Iterable[str], targets: Iterable[tuple[int, str, Decimal | None]]) -> None:
	"""Every covered dealer has a target above zero, and targets are only for covered dealers.
	``targets`` are the rows (row number, dealer, target); ``covered`` the dealers the policy
	covers at submit. A missing target would make the dealer's rebate nothing without anyone
	having decided it."""
	covered = set(covered)
	given = {}
	for idx, dealer, target in targets:
		if dealer not in covered:
			raise RuleViolation(
				_(
					"Targets row #{0}: Dealer {1} is not covered by this policy; remove the row or cover the dealer"
				),
				(idx, dealer),
				"targets",
				_("Invalid Target"),
			)
		if target is None or target <= 0:
			raise RuleViolation(
				_("Targets row #{0}: the target of Dealer {1} must be above zero, got {2}"),
				(idx, dealer, target if target is not None else 0),
				"targets",
				_("Invalid Target"),
			)
		given[dealer] = target
	missing = sorted(covered - set(given))
	if missing:
		raise RuleViolation(
			_(
				"Dealer {0} is covered by this policy but has no target; {1} covered dealer(s) have none. Add their targets or use Fill Targets from Last Year"
			),
			(missing[0], len(missing)),
			"targets",
			_("Missing Target"),
		)


def target_from_last_year(volume, growth_percent, precision: int = 2) -> Decimal:
	"""Default target: last year's volume grown by ``growth_percent`` (negative shrinks it), to
	the cent; nothing when last year's volume was nothing (or negative after returns)."""
	volume = dec(volume)
	if volume <= 0:
		return ZERO
	return max(ZERO, round_half_up(volume * (HUNDRED + dec(growth_percent)) / HUNDRED, cents(precision)))


def parse_target_rows(
	rows: Iterable[Iterable], known: Mapping[str, str] | Iterable[str], precision: int = 2
) -> dict[str, Decimal]:
	"""{dealer: target} from a sheet's rows (the first row is the header naming the columns
	``dealer`` and ``target``; other columns are ignored). ``known`` are the dealers the targets may
	name (the policy's covered dealers). Refused with the sheet's row number: an unknown dealer, a
	dealer listed twice, a target that is not a number, negative or more precise than the currency.
	Nothing is returned unless every row is good."""
	rows = [list(row) for row in rows]
	if not rows:
		raise RuleViolation(_("The file is empty"), (), "targets", _("Invalid File"))
	# a spreadsheet's CSV export may start with a byte order mark
	header = [str(cell or "").strip().lstrip("\ufeff").strip().lower() for cell in rows[0]]
	if "dealer" not in header or "target" not in header:
		raise RuleViolation(
			_("The first row must name the columns dealer and target, got {0}"),
			(", ".join(cell for cell in header if cell) or "-",),
			"targets",
			_("Invalid File"),
		)
	dealer_col, target_col = header.index("dealer"), header.index("target")
	known = set(known)
	unit = cents(precision)
	targets: dict[str, Decimal] = {}
	for number, row in enumerate(rows[1:], start=2):
		cells = [*row, *([None] * (max(dealer_col, target_col) + 1 - len(row)))]
		dealer = str(cells[dealer_col] or "").strip()
		raw = cells[target_col]
		if not dealer and raw in (None, ""):
			continue  # a blank line
		if dealer not in known:
			raise RuleViolation(
				_("Row {0}: Dealer {1} is not covered by this policy"),
				(number, dealer or "-"),
				"targets",
				_("Invalid Target"),
			)
		if dealer in targets:
			raise RuleViolation(
				_("Row {0}: Dealer {1} is listed more than once"),
				(number, dealer),
				"targets",
				_("Invalid Target"),
			)
		text = str(raw).strip().replace(",", "") if isinstance(raw, str) else raw
		try:
			target = None if text in (None, "") or isinstance(text, bool) else dec(text)
		except (ArithmeticError, ValueError, TypeError):
			target = None
		if target is None or not target.is_finite():
			raise RuleViolation(
				_("Row {0}: the target of Dealer {1} is not a number: {2}"),
				(number, dealer, raw),
				"targets",
				_("Invalid Target"),
			)
		if target < 0:
			raise RuleViolation(
				_("Row {0}: the target of Dealer {1} cannot be negative, got {2}"),
				(number, dealer, target),
				"targets",
				_("Invalid Target"),
			)
		if round_half_up(target, unit) != target:
			raise RuleViolation(
				_("Row {0}: the target of Dealer {1} has more decimals than the currency allows: {2}"),
				(number, dealer, raw),
				"targets",
				_("Invalid Target"),
			)
		targets[dealer] = target
	return targets


@dataclass(frozen=True)
class PolicyScope:
	"""What makes two policies pay twice for the same purchase: company, dates, item scope. No
	item group, brand or item included means every item."""

	name: str
	company: str
	from_date: date
	to_date: date
	item_groups: frozenset = frozenset()
	brands: frozenset = frozenset()
	items: frozenset = frozenset()
	excluded_items: frozenset = frozenset()

	@property
	def every_item(self) -> bool:
		return not (self.item_groups or self.brands or self.items)

	def runs_alongside(self, other: PolicyScope) -> bool:
		"""Same company, periods that share at least a day."""
		return (
			self.company == other.company
			and self.from_date <= other.to_date
			and other.from_date <= self.to_date
		)


@dataclass(frozen=True, slots=True)
class CatalogueItem:
	"""An item's place in the catalogue, as far as policy scopes go."""

	item_group: str | None = None
	brand: str | None = None


def in_scope(scope: PolicyScope, item: str, facts: CatalogueItem, groups: TerritoryTree) -> bool:
	"""Whether an invoice line of ``item`` counts toward ``scope`` (the volume query's rule)."""
	if item in scope.excluded_items:
		return False
	if scope.every_item or item in scope.items or (facts.brand and facts.brand in scope.brands):
		return True
	return bool(facts.item_group) and any(
		group in scope.item_groups for group in groups.ancestors(facts.item_group)
	)


def scopes_share_items(
	first: PolicyScope,
	second: PolicyScope,
	groups: TerritoryTree,
	catalogue: Mapping[str, CatalogueItem],
) -> bool:
	"""Whether an invoice line could count toward both scopes. ``groups`` is the Item Group tree;
	``catalogue`` holds at least the items either scope names and the items of the brands either
	names. Item groups are judged on the tree (two groups share items when one contains the
	other), named items and brands on the catalogue; a scope of every item shares with any scope
	that can include something it does not exclude."""
	named = set(first.items) | set(second.items)
	branded = [code for code, facts in catalogue.items() if facts.brand in (first.brands | second.brands)]
	# A named or branded item decides by itself: it counts toward both, or it does not.
	for code in named | set(branded):
		facts = catalogue.get(code, CatalogueItem())
		if in_scope(first, code, facts, groups) and in_scope(second, code, facts, groups):
			return True
	# What is left: item groups against item groups, or against every item.
	if first.every_item or second.every_item:
		other = second if first.every_item else first
		return other.every_item or bool(other.item_groups)
	return any(
		group in groups.ancestors(other_group) or other_group in groups.ancestors(group)
		for group in first.item_groups
		for other_group in second.item_groups
	)


def check_no_overlapping_policy(
	policy: PolicyScope,
	covered: set[str],
	others: Iterable[tuple[PolicyScope, set[str]]],
	groups: TerritoryTree | None = None,
	catalogue: Mapping[str, CatalogueItem] | None = None,
) -> None:
	"""An invoice line counts toward at most one policy of a dealer: two submitted policies of a
	company whose periods overlap and whose item scopes share an item cannot cover the same dealer
	(the dealer would be paid twice for the same purchase). Different items may run side by side."""
	groups = groups or TerritoryTree()
	catalogue = catalogue or {}
	for other, other_covered in others:
		if other.name == policy.name or not policy.runs_alongside(other):
			continue
		shared = sorted(covered & other_covered)
		if shared and scopes_share_items(policy, other, groups, catalogue):
			raise RuleViolation(
				_(
					"Dealer {0} is already covered by Rebate Policy {1} for an overlapping period ({2} to {3}) with items in common: an invoice line would earn both rebates. Exclude the shared items from one policy or cover the dealer in only one"
				),
				(shared[0], other.name, other.from_date, other.to_date),
				"tiers",
				_("Overlapping Policy"),
			)


def check_dealer_covered(dealer: str, policy: str, covered: Iterable[str]) -> None:
	if dealer not in set(covered):
		raise RuleViolation(
			_("Dealer {0} is not covered by Rebate Policy {1}"),
			(dealer, policy),
			"dealer",
			_("Dealer Not Covered"),
		)


def check_unique_settlement(dealer: str, policy: str, existing: str | None) -> None:
	if existing:
		raise RuleViolation(
			_("Dealer {0} already has Rebate Settlement {1} for Rebate Policy {2}"),
			(dealer, existing, policy),
			"dealer",
			_("Duplicate Settlement"),
		)


def check_expense_account(company: str, expense_account: str | None) -> None:
	"""Every rebate posting (settlement, accrual, release) charges the company's rebate expense."""
	if not expense_account:
		raise RuleViolation(
			_(
				"Rebate Expense Account is not set for Company {0}; set it in Dealer Relations Settings, Company Settings"
			),
			(company,),
			"rebate_expense_account",
			_("Missing Account"),
		)


def check_posting_setup(
	company: str,
	method: str,
	expense_account: str | None,
	receivable_account: str | None,
	item: str | None,
	liability_account: str | None = None,
) -> None:
	"""What posting needs, checked before anything is written."""
	check_expense_account(company, expense_account)
	if not receivable_account:
		raise RuleViolation(
			_("Company {0} has no Default Receivable Account; set it on the Company"),
			(company,),
			"default_receivable_account",
			_("Missing Account"),
		)
	if method == REBATE_ACCOUNT:
		check_liability_account(company, liability_account)
	if method == CREDIT_NOTE and not item:
		raise RuleViolation(
			_(
				"Rebate Item is not set for Company {0}; a credit note needs an item, set it in Dealer Relations Settings, Company Settings"
			),
			(company,),
			"rebate_item",
			_("Missing Item"),
		)


def check_liability_setup(company: str, expense_account: str | None, liability_account: str | None) -> None:
	"""What releasing or correcting a rebate-account balance needs: no receivable is touched."""
	check_expense_account(company, expense_account)
	check_liability_account(company, liability_account)


def check_liability_account(company: str, liability_account: str | None) -> None:
	if not liability_account:
		raise RuleViolation(
			_(
				"Rebate Liability Account is not set for Company {0}; paying rebates into the rebate account needs it, set it in Dealer Relations Settings, Company Settings"
			),
			(company,),
			"rebate_liability_account",
			_("Missing Account"),
		)


# -- calculation ----------------------------------------------------------------------------------


@dataclass(slots=True)
class SlabPortion:
	"""Incremental breakdown: the part of the volume that fell into one slab and what it earned."""

	slab: int  # 1-based
	min_value: Decimal
	upper: Decimal | None  # next slab's minimum, None for the top slab
	volume: Decimal
	rate: Decimal
	rebate: Decimal


@dataclass(slots=True)
class RebateResult:
	volume: Decimal
	base: Decimal  # what the rates apply to (the volume, or the amount when volume is a quantity)
	slab_reached: int  # 1-based, 0 = none
	rate: Decimal
	gross_rebate: Decimal
	growth_bonus: Decimal
	diversion_deduction: Decimal
	net_rebate: Decimal
	growth_percent: Decimal | None = None
	capped: bool = False
	below_minimum: bool = False
	breakdown: tuple[SlabPortion, ...] = field(default=())
	target: Decimal | None = None  # the dealer's target under a Target Completion policy

	@property
	def completion(self) -> Decimal | None:
		"""Volume as a percent of the target (None when the policy has no targets or the dealer
		none set)."""
		if not self.target or self.target <= 0:
			return None
		return self.volume * HUNDRED / self.target

	@property
	def effective_rate(self) -> Decimal:
		"""Gross plus bonus as a percent of the base."""
		if not self.base:
			return ZERO
		return (self.gross_rebate + self.growth_bonus) * HUNDRED / self.base


def growth_percent(volume: Decimal, prior_volume: Decimal | None) -> Decimal | None:
	"""Growth over the prior period in percent; None when there was no prior volume to grow from."""
	if prior_volume is None or prior_volume <= 0:
		return None
	return (volume - prior_volume) * HUNDRED / prior_volume


def slab_index(terms: RebateTerms, volume: Decimal) -> int:
	"""1-based index of the highest slab whose minimum the volume reaches, 0 for none."""
	return bisect_right(terms._mins, volume)


def _slab_rebate(terms: RebateTerms, volume: Decimal, base: Decimal, reached: int) -> Decimal:
	if not reached:
		return ZERO
	top = terms.slabs[reached - 1]
	if terms.calculation == RETROACTIVE:
		return base * top.rate / HUNDRED + top.fixed_amount
	# the full slabs below the one reached, then the part of the volume inside it
	amount = (terms._below[reached - 1] + (volume - top.min_value) * top.rate) / HUNDRED
	if base != volume:
		# Volume is a quantity: each slab's share of the quantity takes the same share of the amount.
		amount = amount * base / volume if volume else ZERO
	return amount + top.fixed_amount


def calculate_rebate(
	terms: RebateTerms,
	volume,
	base=None,
	prior_volume=None,
	forfeit_percent=ZERO,
	with_breakdown: bool = False,
	target=None,
) -> RebateResult:
	"""The rebate ``volume`` earns under ``terms``.

	``target`` is the dealer's annual target under a Target Completion policy (0 = none set: the
	dealer earns nothing); the slabs are reached by completion, the rates apply to the volume.

	``base`` is what the rates apply to: the volume itself for amount bases, the dealer's net
	amount when the slabs are in quantity. ``prior_volume`` is the same period a year earlier (for
	the growth bonus), ``forfeit_percent`` the largest confirmed diversion forfeit. The cap limits
	slab rebate plus bonus; the forfeit then takes its percent of what remains.
	"""
	no_target = False
	if terms.on_target:
		if target is None:
			# a caller that forgot the target would silently pay nothing: say so instead
			raise ValueError("a Target Completion policy's rebate needs the dealer's target")
		target = dec(target)
		no_target = target <= 0  # no target, no completion: nothing is earned
		if not no_target:
			terms = terms.for_target(target)
	else:
		target = None
	volume = dec(volume)
	base = volume if base is None else dec(base)
	cent = terms._cent
	growth = growth_percent(volume, None if prior_volume is None else dec(prior_volume))
	below_minimum = bool(terms.minimum_volume) and volume < terms.minimum_volume
	reached = 0 if below_minimum or volume <= 0 else slab_index(terms, volume)
	if no_target:
		reached = 0
	gross = round_half_up(_slab_rebate(terms, volume, base, reached), cent)
	bonus = ZERO
	if (
		reached
		and terms.growth_bonus_rate
		and growth is not None
		and growth >= terms.growth_threshold
		and base > 0
	):
		bonus = round_half_up(base * terms.growth_bonus_rate / HUNDRED, cent)
	capped = False
	if terms.cap and gross + bonus > terms.cap:
		capped = True
		gross = min(gross, terms.cap)
		bonus = terms.cap - gross
	forfeit = dec(forfeit_percent)
	deduction = round_half_up((gross + bonus) * forfeit / HUNDRED, cent) if forfeit else ZERO
	breakdown = incremental_breakdown(terms, volume, base, reached) if with_breakdown else ()
	return RebateResult(
		volume=volume,
		base=base,
		slab_reached=reached,
		rate=terms.slabs[reached - 1].rate if reached else ZERO,
		gross_rebate=gross,
		growth_bonus=bonus,
		diversion_deduction=deduction,
		net_rebate=gross + bonus - deduction,
		growth_percent=growth,
		capped=capped,
		below_minimum=below_minimum,
		breakdown=breakdown,
		target=target,
	)


def incremental_breakdown(
	terms: RebateTerms, volume: Decimal, base: Decimal, reached: int
) -> tuple[SlabPortion, ...]:
	"""Per slab reached: the volume in it and its rebate at its own rate (before fixed amounts,
	cap and bonus). For a retroactive policy it is the single slab applied to the whole volume."""
	if not reached:
		return ()
	cent = terms._cent
	if terms.calculation == RETROACTIVE:
		slab = terms.slabs[reached - 1]
		upper = terms.slabs[reached].min_value if reached < len(terms.slabs) else None
		return (
			SlabPortion(
				reached,
				slab.min_value,
				upper,
				volume,
				slab.rate,
				round_half_up(base * slab.rate / HUNDRED, cent),
			),
		)
	portions = []
	for idx in range(reached):
		slab = terms.slabs[idx]
		upper = terms.slabs[idx + 1].min_value if idx + 1 < len(terms.slabs) else None
		top = upper if upper is not None and idx + 1 < reached else volume
		in_slab = top - slab.min_value
		share = in_slab * base / volume if base != volume and volume else in_slab
		portions.append(
			SlabPortion(
				idx + 1,
				slab.min_value,
				upper,
				in_slab,
				slab.rate,
				round_half_up(share * slab.rate / HUNDRED, cent),
			)
		)
	return tuple(portions)


@dataclass(frozen=True, slots=True)
class NextSlab:
	slab: int
	gap: Decimal  # volume still missing to reach it
	extra_rebate: Decimal  # how much more the dealer would earn on reaching it
	completion: Decimal | None = None  # Target Completion: the step's percent of the target


def next_slab(
	terms: RebateTerms, current: RebateResult, prior_volume=None, forfeit_percent=ZERO
) -> NextSlab | None:
	"""The next slab above the dealer's volume (or the minimum volume, if not met yet), the
	volume missing, and the extra net rebate reaching it would earn — what reps push with.
	For a quantity basis the amount is assumed to grow at the dealer's average price. Under a
	Target Completion policy the slab is the next completion step and the gap is in volume
	(none for a dealer without a target)."""
	step = None
	if terms.on_target:
		if not current.target or current.target <= 0:
			return None
		percents = terms.slabs
		terms = terms.for_target(current.target)
		step = {slab.min_value: pct.min_value for slab, pct in zip(terms.slabs, percents, strict=True)}
	volume = current.volume
	targets = [slab.min_value for slab in terms.slabs if slab.min_value > volume]
	if current.below_minimum:
		targets = sorted({terms.minimum_volume, *targets})
	if not targets:
		return None
	target = max(targets[0], terms.minimum_volume)
	if target <= volume:
		return None
	if current.base == volume:
		base = target
	elif volume > 0:
		base = current.base * target / volume
	else:
		base = ZERO
	there = calculate_rebate(terms, target, base, prior_volume, forfeit_percent)
	return NextSlab(
		slab_index(terms, target),
		target - volume,
		max(ZERO, there.net_rebate - current.net_rebate),
		step.get(target) if step is not None else None,
	)


@dataclass(slots=True)
class DealerVolume:
	"""A dealer's eligible volume for one period, as the loader returns it."""

	dealer: str
	volume: Decimal = ZERO
	base: Decimal | None = None  # None: same as volume
	prior_volume: Decimal | None = None
	forfeit_percent: Decimal = ZERO
	by_month: dict[str, Decimal] = field(default_factory=dict)
	target: Decimal | None = None  # Target Completion policies: the dealer's target (0 = none set)


def rebate_for(terms: RebateTerms, item: DealerVolume, with_breakdown: bool = False) -> RebateResult:
	"""The rebate of one loaded dealer volume: what every caller (year-end run, settlement form,
	reports, portal, accrual, simulator) uses, so a policy's targets reach all of them."""
	return calculate_rebate(
		terms,
		item.volume,
		item.base,
		item.prior_volume,
		item.forfeit_percent,
		with_breakdown=with_breakdown,
		target=item.target,
	)


def calculate_rebates(terms: RebateTerms, volumes: Mapping[str, DealerVolume]) -> dict[str, RebateResult]:
	"""Every dealer's rebate from in-memory volumes (the year-end run and the liability report)."""
	return {dealer: rebate_for(terms, item) for dealer, item in volumes.items()}


def year_end_due(
	to_date: date, cutoff: date | None, delay_days: int, last_run: date | None, today: date
) -> bool:
	"""Whether the daily job runs a policy's year-end today: its period and collection cut-off
	ended more than ``delay_days`` ago (late returns and payments have come in), and it has not
	been run since it fell due (a run during the year, from the form, is not the year-end run)."""
	ended = max(to_date, cutoff or to_date)
	due_on = ended + timedelta(days=int(delay_days or 0) + 1)
	return today >= due_on and (last_run is None or last_run < due_on)


def projection_factor(start: date, end: date, as_of: date) -> Decimal:
	"""How much a period's volume so far grows by its end at the same daily pace (1 once it is
	over; the whole period's days on its first day)."""
	elapsed = (min(as_of, end) - start).days + 1
	return Decimal((end - start).days + 1) / Decimal(max(elapsed, 1))
