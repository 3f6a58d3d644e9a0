"""Dealer master rules: lifecycle, who may change it, what an Active dealer needs, tier sanity."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.territory import TerritoryTree, duplicate_entries, redundant_territories

PROSPECT = "Prospect"
ACTIVE = "Active"
SUSPENDED = "Suspended"
TERMINATED = "Terminated"
STATUSES = (PROSPECT, ACTIVE, SUSPENDED, TERMINATED)

DEALER_MANAGER = "Dealer Manager"
DEALER_SALES_REP = "Dealer Sales Rep"
REBATE_ACCOUNTANT = "Rebate Accountant"
CREDIT_CONTROLLER = "Credit Controller"
APP_ROLES = (DEALER_MANAGER, DEALER_SALES_REP, REBATE_ACCOUNTANT, CREDIT_CONTROLLER)

# Roles that may move a dealer into Active, Suspended or Terminated. System Manager is the
# site owner's escape hatch, as in every ERPNext module.
LIFECYCLE_ROLES = frozenset({DEALER_MANAGER, "System Manager", "Administrator"})

# Roles that see every dealer; anyone else holding Dealer Sales Rep sees only their own.
UNRESTRICTED_ROLES = frozenset(
	{DEALER_MANAGER, CREDIT_CONTROLLER, REBATE_ACCOUNTANT, "System Manager", "Administrator"}
)

# Lifecycle: a prospect is signed (Active) or dropped (Terminated); an active dealer can be
# suspended (credit hold, diversion penalty) and reinstated; a terminated dealer can only be
# re-onboarded as a new prospect.
ALLOWED_TRANSITIONS: Mapping[str, frozenset[str]] = {
	PROSPECT: frozenset({ACTIVE, TERMINATED}),
	ACTIVE: frozenset({SUSPENDED, TERMINATED}),
	SUSPENDED: frozenset({ACTIVE, TERMINATED}),
	TERMINATED: frozenset({PROSPECT}),
}


def is_row_restricted(roles: Collection[str]) -> bool:
	"""Whether a user with these roles sees only the dealers assigned to them."""
	return DEALER_SALES_REP in roles and not (UNRESTRICTED_ROLES & set(roles))


def can_see_dealer(roles: Collection[str], user: str, dealer_sales_rep: str | None) -> bool:
	"""Row-level access: unrestricted roles see all dealers, a rep only those assigned to them."""
	if not is_row_restricted(roles):
		return True
	return bool(dealer_sales_rep) and dealer_sales_rep == user


def check_status_change(old_status: str | None, new_status: str, roles: Collection[str]) -> None:
	"""Raise if ``old_status`` -> ``new_status`` is not a valid move for a user with ``roles``.

	``old_status`` is None for a new dealer: it may start as a Prospect, and only a lifecycle role
	may create it directly in another status (e.g. when migrating an existing dealer base).
	"""
	if new_status not in STATUSES:
		raise RuleViolation(
			_("Status {0} is not a valid dealer status"), (new_status,), "status", _("Invalid Status")
		)
	if old_status == new_status:
		return
	if old_status is not None and new_status not in ALLOWED_TRANSITIONS.get(old_status, frozenset()):
		raise RuleViolation(
			_("Status cannot change from {0} to {1}"),
			(old_status, new_status),
			"status",
			_("Invalid Status Change"),
			translate_args=True,
		)
	if new_status != PROSPECT and not (LIFECYCLE_ROLES & set(roles)):
		raise RuleViolation(
			_("Only a Dealer Manager may set the Status of a dealer to {0}"),
			(new_status,),
			"status",
			_("Not Permitted"),
			translate_args=True,
		)


@dataclass(frozen=True)
class RepInfo:
	"""What the rules need to know about the user named as a dealer's sales rep."""

	user: str
	exists: bool
	enabled: bool
	is_desk_user: bool


def check_sales_rep(rep: RepInfo | None) -> None:
	"""A dealer's rep must be an enabled desk (System) user."""
	if rep is None:
		return
	if not rep.exists:
		raise RuleViolation(
			_("Sales Rep {0} does not exist"), (rep.user,), "sales_rep", _("Invalid Sales Rep")
		)
	if not rep.enabled:
		raise RuleViolation(
			_("Sales Rep {0} is disabled; choose an enabled user"),
			(rep.user,),
			"sales_rep",
			_("Invalid Sales Rep"),
		)
	if not rep.is_desk_user:
		raise RuleViolation(
			_("Sales Rep {0} must be a desk (System) user, not a website user"),
			(rep.user,),
			"sales_rep",
			_("Invalid Sales Rep"),
		)


def check_rep_assignment(
	roles: Collection[str], user: str, old_rep: str | None, new_rep: str | None, is_new: bool
) -> None:
	"""A row-restricted rep may only keep dealers assigned to themselves; managers assign freely.

	Without this a rep could hand a dealer to a colleague (or to nobody) and lose sight of it.
	"""
	if not is_row_restricted(roles):
		return
	if new_rep != user and (is_new or new_rep != old_rep):
		raise RuleViolation(
			_(
				"A Dealer Sales Rep can only assign dealers to themselves; ask a Dealer Manager to set Sales Rep to {0}"
			),
			(new_rep or "-",),
			"sales_rep",
			_("Not Permitted"),
		)


def check_territories(status: str, territories: Iterable[str], tree: TerritoryTree) -> dict[str, str]:
	"""Validate a dealer's authorised territories and return the redundant ones {child: ancestor}.

	Duplicates are errors; a territory already covered by an authorised group node is only
	redundant, so the caller may warn instead of blocking.
	"""
	listed = [t for t in territories if t]
	duplicates = duplicate_entries(listed)
	if duplicates:
		raise RuleViolation(
			_("Authorised Territories: {0} is listed more than once"),
			(duplicates[0],),
			"territories",
			_("Duplicate Territory"),
		)
	if status == ACTIVE and not listed:
		raise RuleViolation(
			_("Authorised Territories: an Active dealer needs at least one territory"),
			(),
			"territories",
			_("Missing Territory"),
		)
	return redundant_territories(listed, tree)


def check_unique_customer(customer: str, existing_dealer: str | None) -> None:
	"""One dealer per customer: ERPNext documents find the dealer through the customer."""
	if existing_dealer:
		raise RuleViolation(
			_("Customer {0} already has Dealer {1}; a customer can have only one dealer"),
			(customer, existing_dealer),
			"customer",
			_("Duplicate Dealer"),
		)


@dataclass(frozen=True)
class TierValues:
	tier_name: str
	rank: int
	visit_interval_days: int
	default_credit_limit: Decimal


def check_tier(tier: TierValues, rank_holder: str | None = None) -> None:
	"""A tier needs a positive rank and cadence and a non-negative default credit limit.

	``rank_holder`` is another tier already using the same rank, if any: ranks order tiers, so
	two tiers cannot share one.
	"""
	if tier.rank is None or int(tier.rank) < 1:
		raise RuleViolation(_("Rank must be 1 or more (1 = most important)"), (), "rank", _("Invalid Tier"))
	if rank_holder:
		raise RuleViolation(
			_("Rank {0} is already used by Dealer Tier {1}"),
			(tier.rank, rank_holder),
			"rank",
			_("Invalid Tier"),
		)
	if tier.visit_interval_days is None or int(tier.visit_interval_days) < 1:
		raise RuleViolation(
			_("Visit Interval (Days) must be at least 1, got {0}"),
			(tier.visit_interval_days,),
			"visit_interval_days",
			_("Invalid Tier"),
		)
	if Decimal(tier.default_credit_limit or 0) < 0:
		raise RuleViolation(
			_("Default Credit Limit cannot be negative, got {0}"),
			(tier.default_credit_limit,),
			"default_credit_limit",
			_("Invalid Tier"),
		)
