"""Cross-region diversion (串货) rules: where goods went against where the dealer may sell, the
ship-to territory from a city/state mapping, tracing numbers to dealers, and the penalty ladder.

Money is Decimal, rounded half up to the currency's cents once, so the incident, the report and
the posted Journal Entry show the same fine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.money import HUNDRED, ZERO, dec, money
from dealer_relations.engine.territory import TerritoryTree, is_territory_authorised

BLOCK = "Block"
OPEN_INCIDENT = "Open Incident"
OFF = "Off"
DETECTION_MODES = (BLOCK, OPEN_INCIDENT, OFF)

AUTOMATIC = "Automatic"
FIELD_REPORT = "Field Report"
SOURCES = (AUTOMATIC, FIELD_REPORT)

# Workflow states of a Diversion Incident (the Workflow itself is data in setup/workflow.py).
REPORTED = "Reported"
UNDER_REVIEW = "Under Review"
CONFIRMED = "Confirmed"
DISMISSED = "Dismissed"
CANCELLED = "Cancelled"

DEFAULT_WINDOW_MONTHS = 12


# -- detection -------------------------------------------------------------------------------------


def is_diversion(ship_to_territory: str | None, authorised: Iterable[str], tree: TerritoryTree) -> bool:
	"""A sale is diverted when its ship-to territory is known and no authorised territory (or an
	authorised group above it) covers it. Unknown ship-to territory is never a diversion."""
	if not ship_to_territory:
		return False
	return not is_territory_authorised(ship_to_territory, authorised, tree)


def check_delivery(
	dealer: str,
	ship_to_territory: str | None,
	authorised: Sequence[str],
	tree: TerritoryTree,
	mode: str,
) -> bool:
	"""Judge a dealer's delivery: True when an incident is to be opened, False when nothing is
	wrong (or detection is off); raises when the company blocks diversions."""
	if mode == OFF or not is_diversion(ship_to_territory, authorised, tree):
		return False
	if mode == BLOCK:
		raise RuleViolation(
			_(
				"Ship-to territory {0} is outside the authorised territories of Dealer {1} ({2}): cross-region sales (串货) are blocked for this company"
			),
			(ship_to_territory, dealer, ", ".join(authorised) or "-"),
			"shipping_address_name",
			_("Cross-Region Sale Blocked"),
		)
	return True


@dataclass(frozen=True)
class TerritoryRule:
	"""One row of the settings' city/state → Territory table (blank city or state = any)."""

	territory: str
	city: str | None = None
	state: str | None = None
	country: str | None = None


def _norm(value: str | None) -> str:
	return (value or "").strip().casefold()


def territory_for_address(
	city: str | None, state: str | None, country: str | None, rules: Iterable[TerritoryRule]
) -> str | None:
	"""The territory the mapping gives an address: the most specific matching rule wins (city
	and state over city over state), a blank rule field matches anything, first row breaks ties."""
	best, best_score = None, -1
	for rule in rules:
		if not rule.territory or not (rule.city or rule.state):
			continue
		score = 0
		for wanted, actual, weight in (
			(rule.city, city, 4),
			(rule.state, state, 2),
			(rule.country, country, 1),
		):
			if wanted:
				if _norm(wanted) != _norm(actual):
					break
				score += weight
		else:
			if score > best_score:
				best, best_score = rule.territory, score
	return best


NO_MAPPING = _("no mapping for this city")


def address_territory(
	typed: str | None, stored: str | None, mapped: str | None, moved: bool, may_set_by_hand: bool
) -> str | None:
	"""The ship-to territory an address keeps after a save; diversion detection judges deliveries
	by it. It follows the city mapping (``mapped``); only a Dealer Manager sets it by hand. Anyone
	else who could pick it, or move the address away from it (``moved``: new, or city, state or
	country changed), could ship anywhere unflagged."""
	if may_set_by_hand:
		return typed or mapped
	if typed and typed not in (stored, mapped):
		raise RuleViolation(
			_(
				"Only a Dealer Manager may set an address's Territory by hand. Leave it empty: it follows the city's mapping in Dealer Relations Settings ({0})."
			),
			(mapped or NO_MAPPING,),
			"territory",
			_("Territory Set by Hand"),
			translate_args=True,
		)
	return mapped if moved else typed


# -- tracing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
	"""A number's outward movement to a customer: from a submitted Delivery Note or stock Sales
	Invoice's Serial and Batch Bundle."""

	number: str
	dealer: str | None
	customer: str
	voucher_type: str
	voucher_no: str
	posting_date: date
	qty: Decimal = ZERO


def split_serials(text: str | None) -> list[str]:
	"""Serial numbers typed one per line (or separated by commas), as ERPNext's serial fields take."""
	if not text:
		return []
	numbers = []
	for line in text.replace(",", "\n").splitlines():
		if line.strip() and line.strip() not in numbers:
			numbers.append(line.strip())
	return numbers


def trace_serials(
	serials: Sequence[str], known: Iterable[str], deliveries: Iterable[Delivery], row: int
) -> dict[str, Delivery]:
	"""The latest delivery of each serial number; raises for a number that does not exist or was
	never delivered to a customer."""
	known = set(known)
	latest: dict[str, Delivery] = {}
	for delivery in deliveries:
		current = latest.get(delivery.number)
		if current is None or delivery.posting_date >= current.posting_date:
			latest[delivery.number] = delivery
	for serial in serials:
		if serial not in known:
			raise RuleViolation(
				_("Row #{0}: Serial No {1} does not exist"),
				(row, serial),
				"serial_no",
				_("Unknown Serial No"),
			)
		if serial not in latest:
			raise RuleViolation(
				_(
					"Row #{0}: Serial No {1} cannot be traced: no submitted Delivery Note or stock Sales Invoice delivered it"
				),
				(row, serial),
				"serial_no",
				_("Cannot Trace"),
			)
		if not latest[serial].dealer:
			raise RuleViolation(
				_("Row #{0}: Serial No {1} was delivered to Customer {2}, who is not a dealer"),
				(row, serial, latest[serial].customer),
				"serial_no",
				_("Cannot Trace"),
			)
	return {serial: latest[serial] for serial in serials}


def batch_dealers(deliveries: Iterable[Delivery]) -> dict[str, Decimal]:
	"""{dealer: quantity} a batch went to, largest first (non-dealer customers left out)."""
	totals: dict[str, Decimal] = {}
	for delivery in deliveries:
		if delivery.dealer:
			totals[delivery.dealer] = totals.get(delivery.dealer, ZERO) + abs(delivery.qty)
	return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def trace_batch(
	batch: str, exists: bool, deliveries: Iterable[Delivery], chosen: str | None, row: int
) -> str:
	"""The dealer a batch is traced to; when it went to several, the user's choice among them."""
	if not exists:
		raise RuleViolation(
			_("Row #{0}: Batch {1} does not exist"), (row, batch), "batch_no", _("Unknown Batch")
		)
	dealers = batch_dealers(deliveries)
	if not dealers:
		raise RuleViolation(
			_(
				"Row #{0}: Batch {1} cannot be traced: no submitted Delivery Note or stock Sales Invoice delivered it to a dealer"
			),
			(row, batch),
			"batch_no",
			_("Cannot Trace"),
		)
	if len(dealers) == 1:
		return next(iter(dealers))
	if chosen in dealers:
		return chosen
	raise RuleViolation(
		_("Row #{0}: Batch {1} went to several dealers ({2}); choose one of them as the Dealer"),
		(row, batch, ", ".join(dealers)),
		"dealer",
		_("Choose the Dealer"),
	)


def check_one_dealer(traced: Mapping[str, str], chosen: str | None) -> str:
	"""All numbers of a field report must lead to one dealer ({number: dealer})."""
	dealers = list(dict.fromkeys(traced.values()))
	if len(dealers) > 1:
		raise RuleViolation(
			_("The numbers of this report trace to several dealers ({0}); file one report per dealer"),
			(", ".join(f"{number} → {dealer}" for number, dealer in traced.items()),),
			"items",
			_("Several Dealers"),
		)
	if dealers and chosen and chosen != dealers[0]:
		raise RuleViolation(
			_("The numbers trace to Dealer {0}, not {1}"), (dealers[0], chosen), "dealer", _("Wrong Dealer")
		)
	return dealers[0] if dealers else chosen


def check_found_outside(
	dealer: str, found_territory: str | None, authorised: Iterable[str], tree: TerritoryTree
) -> None:
	"""A field report of goods found inside the traced dealer's own territories is no diversion."""
	if found_territory and is_territory_authorised(found_territory, authorised, tree):
		raise RuleViolation(
			_(
				"Territory {0} lies inside the authorised territories of Dealer {1}: goods found there are not diverted"
			),
			(found_territory, dealer),
			"found_territory",
			_("Not a Diversion"),
		)


# -- penalty ladder --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PenaltyStep:
	"""What the ``offence``-th confirmed offence within the window costs; the last step applies to
	every later offence too."""

	offence: int
	fine_percent: Decimal = ZERO
	minimum_fine: Decimal = ZERO
	rebate_forfeit_percent: Decimal = ZERO
	suspend_dealer: bool = False
	description: str = ""


DEFAULT_LADDER = (
	PenaltyStep(1, description=_("Written warning")),
	PenaltyStep(2, Decimal(5), Decimal(1000), description=_("Fine")),
	PenaltyStep(3, Decimal(10), Decimal(5000), Decimal(30), description=_("Fine and rebate forfeit")),
	PenaltyStep(
		4,
		Decimal(20),
		Decimal(10000),
		Decimal(100),
		True,
		description=_("Fine, rebate forfeit and suspension"),
	),
)


def check_ladder(steps: Sequence[PenaltyStep]) -> None:
	"""Offences 1, 2, 3… without gaps; no penalty may be lighter than the step before."""
	if not steps:
		raise RuleViolation(
			_("The penalty ladder needs at least the step for the 1st offence"),
			(),
			"diversion_penalty_ladder",
			_("Invalid Penalty Ladder"),
		)
	previous = None
	for index, step in enumerate(steps, start=1):
		if step.offence != index:
			raise RuleViolation(
				_(
					"Penalty ladder row #{0}: Offence Number must be {1} (offences count 1, 2, 3… without gaps)"
				),
				(index, index),
				"offence_number",
				_("Invalid Penalty Ladder"),
			)
		for fieldname, label, value in (
			("fine_percent", "Fine %", step.fine_percent),
			("minimum_fine", "Minimum Fine", step.minimum_fine),
			("rebate_forfeit_percent", "Rebate Forfeit %", step.rebate_forfeit_percent),
		):
			if value < 0:
				raise RuleViolation(
					_("Penalty ladder row #{0}: {1} cannot be negative"),
					(index, label),
					fieldname,
					_("Invalid Penalty Ladder"),
					translate_args=True,
				)
		for fieldname, label, value in (
			("fine_percent", "Fine %", step.fine_percent),
			("rebate_forfeit_percent", "Rebate Forfeit %", step.rebate_forfeit_percent),
		):
			if value > HUNDRED:
				raise RuleViolation(
					_("Penalty ladder row #{0}: {1} cannot be more than 100"),
					(index, label),
					fieldname,
					_("Invalid Penalty Ladder"),
					translate_args=True,
				)
		if previous is not None:
			for fieldname, label, now, before in (
				("fine_percent", "Fine %", step.fine_percent, previous.fine_percent),
				("minimum_fine", "Minimum Fine", step.minimum_fine, previous.minimum_fine),
				(
					"rebate_forfeit_percent",
					"Rebate Forfeit %",
					step.rebate_forfeit_percent,
					previous.rebate_forfeit_percent,
				),
				("suspend_dealer", "Suspend Dealer", int(step.suspend_dealer), int(previous.suspend_dealer)),
			):
				if now < before:
					raise RuleViolation(
						_(
							"Penalty ladder row #{0}: {1} is lower than for the offence before; penalties must not decrease"
						),
						(index, label),
						fieldname,
						_("Invalid Penalty Ladder"),
						translate_args=True,
					)
		previous = step


def step_for(offence: int, steps: Sequence[PenaltyStep]) -> PenaltyStep:
	"""The ladder step for the ``offence``-th offence (the last step covers all later ones)."""
	if offence < 1:
		raise ValueError("offence numbers start at 1")
	return steps[min(offence, len(steps)) - 1]


def window_start(as_of: date, months: int) -> date:
	"""The day after the same day ``months`` months before (a rolling window ending on as_of)."""
	total = as_of.year * 12 + as_of.month - 1 - months
	year, month = divmod(total, 12)
	month += 1
	from calendar import monthrange

	day = min(as_of.day, monthrange(year, month)[1])
	start = date(year, month, day)
	return date.fromordinal(start.toordinal() + 1)


def offence_number(incident_date: date, earlier_confirmed: Iterable[date], window_months: int) -> int:
	"""This incident's offence number: the dealer's confirmed incidents dated within the rolling
	window ending on this one's date, plus this one."""
	start = window_start(incident_date, window_months)
	return 1 + sum(1 for day in earlier_confirmed if start <= day <= incident_date)


@dataclass(frozen=True)
class Penalty:
	offence: int
	fine: Decimal
	rebate_forfeit_percent: Decimal
	suspend_dealer: bool
	description: str


def penalty_for(
	offence: int, diverted_value: Decimal, steps: Sequence[PenaltyStep], precision: int = 2
) -> Penalty:
	"""The step's fine (its percent of the diverted value, at least its minimum; nothing on a
	warning step), forfeit and suspension."""
	step = step_for(offence, steps)
	fine = ZERO
	if step.fine_percent or step.minimum_fine:
		fine = max(money(dec(diverted_value) * step.fine_percent / HUNDRED, precision), step.minimum_fine)
	return Penalty(
		offence, money(fine, precision), step.rebate_forfeit_percent, step.suspend_dealer, step.description
	)


def check_penalty_account(company: str, fine: Decimal, account: str | None) -> None:
	if fine > 0 and not account:
		raise RuleViolation(
			_(
				"Diversion Penalty Account is not set for Company {0}; set it in Dealer Relations Settings, Company Settings, before confirming a fine"
			),
			(company,),
			"diversion_penalty_account",
			_("Missing Account"),
		)


# -- the dealer's reply (portal) -------------------------------------------------------------------

REPLY_OPEN_STAGES = (REPORTED, UNDER_REVIEW)


def check_dealer_reply(incident: str, stage: str | None, statement: str | None) -> None:
	"""A dealer answers an incident while it is reported or under review, with a statement."""
	if (stage or REPORTED) not in REPLY_OPEN_STAGES:
		raise RuleViolation(
			_("Diversion Incident {0} is {1}: it no longer takes replies"),
			(incident, stage),
			"workflow_state",
			_("Replies Closed"),
			translate_args=True,
		)
	if not (statement or "").strip():
		raise RuleViolation(
			_("Please write your statement about the incident"), (), "statement", _("Statement Required")
		)
