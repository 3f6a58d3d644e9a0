"""Monthly rebate accrual (预提返利) and the year-end true-up: what a running policy has cost so far,
booked month by month, so the books are right before the year ends.

Each month the accrual to date of every covered dealer is computed from its year-to-date eligible
volume; the Journal Entry posts the change since what is booked (negative when volume fell back
below a slab). At year end the accrual equals the year-end rebate, and approving the settlement
reverses what was booked and posts the earned figure: the year's expense is the settled rebate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.money import ZERO, dec, round_half_up
from dealer_relations.engine.rebates import (
	RebateTerms,
	calculate_rebate,
	check_expense_account,
	projection_factor,
)

CONSERVATIVE = "Conservative"  # the rebate the volume so far has reached
PROJECTED = "Projected"  # the rate the year's volume will reach at the run rate so far
ACCRUAL_METHODS = (CONSERVATIVE, PROJECTED)

EXPENSE = "expense"
LIABILITY = "liability"


def accrued_to_date(
	terms: RebateTerms,
	method: str,
	volume,
	base=None,
	prior_volume=None,
	forfeit_percent=ZERO,
	factor=Decimal(1),
	target=None,
) -> Decimal:
	"""A dealer's rebate accrued to date from its year-to-date volume.

	Conservative: the rebate the volume so far earns. Projected: the volume (and last year's, and
	the base) grown by ``factor`` to the whole period, its rebate computed, and the share of it that
	the sales so far carry (rebate / factor): the rate the year will reach is charged on the sales
	made, never the year's rebate before its sales. Once the period is over ``factor`` is 1 and
	both equal the year-end rebate. ``target``: the dealer's annual target on a Target Completion
	policy (completion is judged on the grown volume against the whole year's target)."""
	volume = dec(volume)
	if method == PROJECTED and dec(factor) != 1:
		factor = dec(factor)
		grown_base = None if base is None else dec(base) * factor
		grown_prior = None if prior_volume is None else dec(prior_volume) * factor
		result = calculate_rebate(
			terms, volume * factor, grown_base, grown_prior, forfeit_percent, target=target
		)
		return round_half_up(result.net_rebate / factor, terms._cent)
	return calculate_rebate(terms, volume, base, prior_volume, forfeit_percent, target=target).net_rebate


def month_factor(method: str, start: date, end: date, as_of: date) -> Decimal:
	"""The projection factor a method uses as of a day (1 for the conservative method)."""
	return projection_factor(start, end, as_of) if method == PROJECTED else Decimal(1)


def changes(target: Mapping[str, Decimal], booked: Mapping[str, Decimal]) -> dict[str, Decimal]:
	"""{dealer: change} that brings what is booked to the target: a dealer booked but no longer in
	the target (settled, or no longer covered) goes back to zero. Dealers without change are left
	out."""
	result = {}
	for dealer in sorted(set(target) | set(booked)):
		change = dec(target.get(dealer, ZERO)) - dec(booked.get(dealer, ZERO))
		if change:
			result[dealer] = change
	return result


def total(amounts: Iterable[Decimal]) -> Decimal:
	return sum((dec(amount) for amount in amounts), ZERO)


@dataclass(frozen=True, slots=True)
class JournalSides:
	"""Which account a posting of ``amount`` debits (the other is credited)."""

	debit: str  # EXPENSE or LIABILITY
	credit: str
	amount: Decimal  # positive


def accrual_sides(change) -> JournalSides | None:
	"""A month's change: Dr rebate expense / Cr accrued liability when it grew, the reverse when
	it fell; nothing for no change."""
	change = dec(change)
	if not change:
		return None
	if change > 0:
		return JournalSides(EXPENSE, LIABILITY, change)
	return JournalSides(LIABILITY, EXPENSE, -change)


def reversal_sides(accrued) -> JournalSides | None:
	"""The true-up: what was accrued for a dealer goes back (Dr accrued liability / Cr rebate
	expense) when its settlement posts the earned figure; a negative booked figure the reverse."""
	sides = accrual_sides(accrued)
	return None if sides is None else JournalSides(sides.credit, sides.debit, sides.amount)


def month_end(day: date) -> date:
	following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
	return following - timedelta(days=1)


def last_ended_month(from_date: date, to_date: date, today: date) -> date | None:
	"""The day a period's latest accrual is taken as of: the last day before ``today`` that ends a
	month of the period (or the period itself, for a last, partial month); None before its first
	month has ended. The monthly job runs on the 1st and accrues the month just ended."""
	candidate = min(to_date, today - timedelta(days=1))
	if candidate != to_date and candidate != month_end(candidate):
		candidate = candidate.replace(day=1) - timedelta(days=1)
	return candidate if candidate >= from_date else None


def month_key(as_of: date) -> str:
	return f"{as_of.year:04d}-{as_of.month:02d}"


def next_open_date(day: date, closed: Iterable[tuple[str, date, date]]) -> tuple[date, str | None]:
	"""(the first day on or after ``day`` outside every closed period, the closed period that moved
	it or None). ``closed``: (name, start, end) of the company's Accounting Periods closed for
	Journal Entries."""
	periods = sorted(closed, key=lambda period: period[1])
	moved_by = None
	moved = True
	while moved:
		moved = False
		for name, start, end in periods:
			if start <= day <= end:
				day, moved_by, moved = end + timedelta(days=1), name, True
	return day, moved_by


def check_accrual_setup(company: str, expense_account: str | None, accrued_account: str | None) -> None:
	"""What an accrual posts to, checked before anything is written."""
	check_expense_account(company, expense_account)
	if not accrued_account:
		raise RuleViolation(
			_(
				"Accrued Rebate Liability Account is not set for Company {0}; accruing rebates needs it, set it in Dealer Relations Settings, Company Settings"
			),
			(company,),
			"accrued_rebate_account",
			_("Missing Account"),
		)


def check_accrual_method(method: str) -> None:
	if method not in ACCRUAL_METHODS:
		raise RuleViolation(
			_("Accrual Method {0} is not one of Conservative, Projected"),
			(method,),
			"accrual_method",
			_("Invalid Policy"),
		)
