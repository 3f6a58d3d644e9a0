"""Visit cadence rules: when a dealer is next due, who is overdue, who was visited on cadence,
whether a check-in was on site, and the tier mix of a rep's attention."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from dealer_relations.engine.dealer import ACTIVE, PROSPECT, TERMINATED
from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.money import TENTH, round_half_up

VISIT_TYPES = ("Routine", "Development", "Complaint Handling", "Training", "Promotion Support", "Collection")

# Cadence for a dealer whose tier is missing (tiers are mandatory, so only for damaged data).
DEFAULT_VISIT_INTERVAL_DAYS = 30

# Only dealers being worked get visit follow-up; suspended and terminated ones are left alone.
FOLLOWED_UP_STATUSES = frozenset({PROSPECT, ACTIVE})

# A tier whose visits fall below half its fair share (by dealer count) is called neglected.
NEGLECT_THRESHOLD = Decimal("0.5")

EARTH_RADIUS_M = 6_371_008.8
# A phone's clock and the server's differ a little; a visit "now" must not be rejected as future.
FUTURE_TOLERANCE = timedelta(minutes=5)


def as_date(value: date | datetime) -> date:
	return value.date() if isinstance(value, datetime) else value


def next_visit_due(
	last_visit: date | datetime | None,
	interval_days: int,
	explicit_next: date | None = None,
	since: date | datetime | None = None,
) -> date | None:
	"""When the dealer is next due: last visit + the tier's interval, or the rep's explicit next
	visit date if earlier. A dealer never visited is due one interval after ``since`` (when it
	became a dealer), so a neglected new dealer still turns up as overdue."""
	reference = last_visit if last_visit is not None else since
	if reference is None:
		return explicit_next
	due = as_date(reference) + timedelta(days=int(interval_days))
	if explicit_next is not None and explicit_next < due:
		return explicit_next
	return due


def is_overdue(due: date | None, today: date, status: str) -> bool:
	"""Overdue means the due date has passed (due today is not yet overdue)."""
	return status in FOLLOWED_UP_STATUSES and due is not None and due < today


PLAN_OVERDUE = "Overdue"
PLAN_DUE_SOON = "Due Soon"
PLAN_LATER = "Later"


def plan_bucket(due: date | None, today: date, horizon_days: int) -> str | None:
	"""Where a dealer stands in the visit plan: overdue, due within the horizon, or later."""
	if due is None:
		return None
	if due < today:
		return PLAN_OVERDUE
	if (due - today).days <= horizon_days:
		return PLAN_DUE_SOON
	return PLAN_LATER


def check_visit(
	visit_date: datetime,
	now: datetime,
	dealer_since: datetime | None,
	next_visit_date: date | None = None,
) -> None:
	"""A visit cannot be in the future or before the dealer existed; a next visit must follow it."""
	if visit_date > now + FUTURE_TOLERANCE:
		raise RuleViolation(
			_("Visit Date {0} is in the future; log a visit after it has happened"),
			(visit_date,),
			"visit_date",
			_("Invalid Visit Date"),
		)
	if dealer_since is not None and as_date(visit_date) < as_date(dealer_since):
		raise RuleViolation(
			_("Visit Date {0} is before the dealer was created on {1}"),
			(as_date(visit_date), as_date(dealer_since)),
			"visit_date",
			_("Invalid Visit Date"),
		)
	if next_visit_date is not None and next_visit_date <= as_date(visit_date):
		raise RuleViolation(
			_("Next Visit Date {0} must be after the Visit Date {1}"),
			(next_visit_date, as_date(visit_date)),
			"next_visit_date",
			_("Invalid Next Visit Date"),
		)


def check_visit_rep(dealer: str, dealer_rep: str | None, user: str, row_restricted: bool) -> None:
	"""A rep logs visits only for their own dealers; unrestricted roles log for any dealer."""
	if row_restricted and dealer_rep != user:
		raise RuleViolation(
			_("You can log visits only for your own dealers; Dealer {0} is assigned to {1}"),
			(dealer, dealer_rep or "-"),
			"dealer",
			_("Not Permitted"),
		)


def check_dealer_visitable(dealer: str, status: str) -> None:
	"""Terminated dealers are no longer worked; a suspended one may still be visited (collection)."""
	if status == TERMINATED:
		raise RuleViolation(
			_("Dealer {0} is Terminated; visits cannot be logged for it"),
			(dealer,),
			"dealer",
			_("Dealer Terminated"),
		)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
	"""Great-circle (haversine) distance in metres."""
	phi1, phi2 = math.radians(lat1), math.radians(lat2)
	dphi = phi2 - phi1
	dlmb = math.radians(lon2 - lon1)
	a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
	return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
	if latitude is None and longitude is None:
		return
	if latitude is None or longitude is None:
		raise RuleViolation(
			_("Check-in needs both Latitude and Longitude"), (), "checkin_latitude", _("Invalid Check-in")
		)
	if not (-90 <= latitude <= 90) or not (-180 <= longitude <= 180):
		raise RuleViolation(
			_("Check-in coordinates {0}, {1} are out of range"),
			(latitude, longitude),
			"checkin_latitude",
			_("Invalid Check-in"),
		)


@dataclass(frozen=True)
class CheckIn:
	distance_m: float | None
	off_site: bool


def assess_checkin(
	checkin: tuple[float, float] | None,
	dealer_location: tuple[float, float] | None,
	max_distance_m: float,
) -> CheckIn:
	"""Flag a check-in farther from the dealer's address than the allowed distance. Without a
	check-in or without coordinates on the dealer's address nothing can be judged."""
	if checkin is None or dealer_location is None:
		return CheckIn(None, False)
	distance = distance_m(checkin[0], checkin[1], dealer_location[0], dealer_location[1])
	return CheckIn(round(distance, 1), bool(max_distance_m) and distance > max_distance_m)


# -- coverage --------------------------------------------------------------------------------------


@dataclass
class DealerVisits:
	"""One dealer with the visits the coverage calculation needs."""

	dealer: str
	sales_rep: str
	tier: str
	interval_days: int
	since: date
	visits: list[tuple[date, date | None]] = field(default_factory=list)  # (visit date, explicit next)


def visited_on_cadence(dealer: DealerVisits, start: date, end: date) -> bool:
	"""Whether the dealer never went longer than its cadence without a visit during [start, end].

	The clock starts at the last visit on or before ``start`` or, failing that, when the dealer was
	created; visits are needed at least every ``interval_days`` until ``end``. A dealer created after
	``end`` is not judged (True). The caller must pass visits back to ``start - interval_days``.
	"""
	begin = max(start, dealer.since)
	if begin > end:
		return True
	dates = sorted(as_date(d) for d, _next in dealer.visits if as_date(d) <= end)
	earlier = [d for d in dates if d <= begin]
	last = max([*earlier[-1:], dealer.since])
	for visit in (d for d in dates if d > begin):
		if (visit - last).days > dealer.interval_days:
			return False
		last = visit
	return (end - last).days <= dealer.interval_days


def due_as_of(dealer: DealerVisits, as_of: date) -> date | None:
	"""The dealer's next due date counting only visits up to ``as_of``."""
	past = sorted(((as_date(d), n) for d, n in dealer.visits if as_date(d) <= as_of), key=lambda v: v[0])
	if past:
		last, explicit = past[-1]
		return next_visit_due(last, dealer.interval_days, explicit)
	return next_visit_due(None, dealer.interval_days, None, since=dealer.since)


def share(part: int, whole: int) -> Decimal:
	"""Percentage with one decimal, 0 when there is nothing to share."""
	if not whole:
		return Decimal("0.0")
	return round_half_up(Decimal(part) * 100 / Decimal(whole), TENTH)


@dataclass
class RepCoverage:
	sales_rep: str
	dealers: int = 0
	visits: int = 0
	dealers_visited: int = 0
	dealers_on_cadence: int = 0
	dealers_overdue: int = 0
	dealers_by_tier: Counter = field(default_factory=Counter)
	visits_by_tier: Counter = field(default_factory=Counter)

	@property
	def coverage(self) -> Decimal:
		return share(self.dealers_on_cadence, self.dealers)

	def dealer_share(self, tier: str) -> Decimal:
		return share(self.dealers_by_tier[tier], self.dealers)

	def visit_share(self, tier: str) -> Decimal:
		return share(self.visits_by_tier[tier], self.visits)

	def attention(self, tier: str) -> Decimal | None:
		"""Share of visits over share of dealers for a tier: 1 is fair, below 1 is neglect."""
		dealer_share = self.dealer_share(tier)
		if not dealer_share:
			return None
		return round_half_up(self.visit_share(tier) / dealer_share)

	def neglected_tiers(self, threshold: Decimal = NEGLECT_THRESHOLD) -> list[str]:
		"""Tiers getting less than ``threshold`` of their fair share of visits, most neglected first."""
		ratios = [(self.attention(tier), tier) for tier in self.dealers_by_tier if self.dealers_by_tier[tier]]
		return [tier for ratio, tier in sorted(ratios) if ratio is not None and ratio < threshold]


def coverage_by_rep(
	dealers: Iterable[DealerVisits], start: date, end: date, today: date
) -> dict[str, RepCoverage]:
	"""Per-rep coverage for [start, end]: visits counted inside the range; overdue as of the end
	of the range (or today, when the range reaches past it)."""
	as_of = min(end, today)
	result: dict[str, RepCoverage] = {}
	for dealer in dealers:
		rep = result.setdefault(dealer.sales_rep, RepCoverage(dealer.sales_rep))
		in_range = [d for d, _n in dealer.visits if start <= as_date(d) <= end]
		rep.dealers += 1
		rep.dealers_by_tier[dealer.tier] += 1
		rep.visits += len(in_range)
		rep.visits_by_tier[dealer.tier] += len(in_range)
		rep.dealers_visited += bool(in_range)
		rep.dealers_on_cadence += visited_on_cadence(dealer, start, as_of)
		rep.dealers_overdue += is_overdue(due_as_of(dealer, as_of), as_of, ACTIVE)
	return result


def total_coverage(reps: Mapping[str, RepCoverage]) -> RepCoverage:
	total = RepCoverage("")
	for rep in reps.values():
		total.dealers += rep.dealers
		total.visits += rep.visits
		total.dealers_visited += rep.dealers_visited
		total.dealers_on_cadence += rep.dealers_on_cadence
		total.dealers_overdue += rep.dealers_overdue
		total.dealers_by_tier.update(rep.dealers_by_tier)
		total.visits_by_tier.update(rep.visits_by_tier)
	return total
