from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.dealer import (
	ACTIVE,
	ALLOWED_TRANSITIONS,
	DEALER_MANAGER,
	DEALER_SALES_REP,
	PROSPECT,
	STATUSES,
	SUSPENDED,
	TERMINATED,
	RepInfo,
	TierValues,
	can_see_dealer,
	check_rep_assignment,
	check_sales_rep,
	check_status_change,
	check_territories,
	check_tier,
	check_unique_customer,
	is_row_restricted,
)
from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.territory import TerritoryTree

MANAGER = {DEALER_MANAGER}
REP = {DEALER_SALES_REP}
TREE = TerritoryTree({"China": None, "Jiangsu": "China", "Nanjing": "Jiangsu"})


def violation(fn, *args):
	with pytest.raises(RuleViolation) as info:
		fn(*args)
	return info.value


# -- lifecycle ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"old,new",
	[
		(PROSPECT, ACTIVE),
		(PROSPECT, TERMINATED),
		(ACTIVE, SUSPENDED),
		(ACTIVE, TERMINATED),
		(SUSPENDED, ACTIVE),
		(SUSPENDED, TERMINATED),
		(TERMINATED, PROSPECT),
	],
)
def test_manager_may_make_every_allowed_move(old, new):
	check_status_change(old, new, MANAGER)


@pytest.mark.parametrize("old,new", [(PROSPECT, SUSPENDED), (TERMINATED, ACTIVE), (ACTIVE, PROSPECT)])
def test_disallowed_moves_are_rejected_even_for_managers(old, new):
	error = violation(check_status_change, old, new, MANAGER)
	assert error.field == "status"
	assert error.args == (old, new)
	assert error.translate_args


@pytest.mark.parametrize("new", [ACTIVE, SUSPENDED, TERMINATED])
def test_rep_cannot_activate_suspend_or_terminate(new):
	old = {ACTIVE: PROSPECT, SUSPENDED: ACTIVE, TERMINATED: ACTIVE}[new]
	error = violation(check_status_change, old, new, REP)
	assert error.field == "status"
	assert "Dealer Manager" in error.message


def test_rep_may_reopen_and_create_prospects_and_keep_status():
	check_status_change(None, PROSPECT, REP)
	check_status_change(TERMINATED, PROSPECT, REP)
	check_status_change(ACTIVE, ACTIVE, REP)


def test_new_dealer_created_active_needs_manager():
	check_status_change(None, ACTIVE, MANAGER)
	assert violation(check_status_change, None, ACTIVE, REP).field == "status"


def test_unknown_status():
	assert violation(check_status_change, PROSPECT, "Dormant", MANAGER).args == ("Dormant",)


@given(
	st.sampled_from(STATUSES),
	st.sampled_from(STATUSES),
	st.sets(st.sampled_from([DEALER_MANAGER, DEALER_SALES_REP, "System Manager", "Sales User"])),
)
def test_status_change_accepts_exactly_the_table(old, new, roles):
	allowed = old == new or (
		new in ALLOWED_TRANSITIONS[old]
		and (new == PROSPECT or bool(roles & {DEALER_MANAGER, "System Manager"}))
	)
	try:
		check_status_change(old, new, roles)
		accepted = True
	except RuleViolation:
		accepted = False
	assert accepted == allowed


def test_every_status_has_a_way_forward():
	for status in STATUSES:
		assert ALLOWED_TRANSITIONS[status], status


# -- row-level access ---------------------------------------------------------------------------


def test_rep_sees_only_own_dealers():
	assert is_row_restricted(REP)
	assert can_see_dealer(REP, "rep@x.com", "rep@x.com")
	assert not can_see_dealer(REP, "rep@x.com", "other@x.com")
	assert not can_see_dealer(REP, "rep@x.com", None)


@pytest.mark.parametrize("role", [DEALER_MANAGER, "Credit Controller", "Rebate Accountant", "System Manager"])
def test_unrestricted_roles_see_all_even_with_rep_role(role):
	roles = {DEALER_SALES_REP, role}
	assert not is_row_restricted(roles)
	assert can_see_dealer(roles, "x@x.com", "other@x.com")


def test_users_without_rep_role_are_not_row_restricted():
	# Their access is decided by doctype permissions, not by assignment.
	assert not is_row_restricted({"Sales User"})


def test_rep_assignment():
	check_rep_assignment(REP, "me", None, "me", True)
	check_rep_assignment(REP, "me", "me", "me", False)
	assert violation(check_rep_assignment, REP, "me", None, "you", True).field == "sales_rep"
	assert violation(check_rep_assignment, REP, "me", "me", "you", False).field == "sales_rep"
	assert violation(check_rep_assignment, REP, "me", "me", None, False).field == "sales_rep"
	check_rep_assignment(MANAGER, "boss", "me", "you", False)


# -- sales rep must be an enabled desk user -----------------------------------------------------


def test_sales_rep_checks():
	check_sales_rep(None)
	check_sales_rep(RepInfo("a@x.com", exists=True, enabled=True, is_desk_user=True))
	for info, fragment in [
		(RepInfo("a@x.com", exists=False, enabled=False, is_desk_user=False), "does not exist"),
		(RepInfo("a@x.com", exists=True, enabled=False, is_desk_user=True), "disabled"),
		(RepInfo("a@x.com", exists=True, enabled=True, is_desk_user=False), "desk"),
	]:
		error = violation(check_sales_rep, info)
		assert error.field == "sales_rep" and fragment in error.message and error.args == ("a@x.com",)


# -- territories ---------------------------------------------------------------------------------


def test_active_dealer_needs_a_territory():
	error = violation(check_territories, ACTIVE, [], TREE)
	assert error.field == "territories"
	assert check_territories(PROSPECT, [], TREE) == {}
	assert check_territories(SUSPENDED, [], TREE) == {}


def test_duplicate_territory_is_an_error_and_redundant_is_reported():
	assert violation(check_territories, ACTIVE, ["Nanjing", "Nanjing"], TREE).args == ("Nanjing",)
	assert check_territories(ACTIVE, ["Jiangsu", "Nanjing"], TREE) == {"Nanjing": "Jiangsu"}


def test_blank_rows_do_not_count_as_territories():
	assert violation(check_territories, ACTIVE, ["", None], TREE).field == "territories"


def test_unique_customer():
	check_unique_customer("CUST-1", None)
	error = violation(check_unique_customer, "CUST-1", "CUST-1")
	assert error.field == "customer" and error.args == ("CUST-1", "CUST-1")


# -- tiers ---------------------------------------------------------------------------------------


def tier(**overrides):
	values = {"tier_name": "A", "rank": 1, "visit_interval_days": 7, "default_credit_limit": Decimal("1000")}
	values.update(overrides)
	return TierValues(**values)


def test_valid_tier():
	check_tier(tier())
	check_tier(tier(default_credit_limit=Decimal(0)))


@pytest.mark.parametrize(
	"overrides,field",
	[
		({"visit_interval_days": -7}, "visit_interval_days"),
		({"visit_interval_days": 0}, "visit_interval_days"),
		({"rank": 0}, "rank"),
		({"default_credit_limit": Decimal("-1")}, "default_credit_limit"),
	],
)
def test_invalid_tier(overrides, field):
	assert violation(check_tier, tier(**overrides)).field == field


def test_rank_taken():
	error = violation(check_tier, tier(rank=2), "B")
	assert error.field == "rank" and error.args == (2, "B")


def test_messages_format_with_their_args():
	error = violation(check_tier, tier(visit_interval_days=-3))
	assert str(error) == "Visit Interval (Days) must be at least 1, got -3"
