"""The dealer's side (经销商门户): dealer users are website users linked to the dealer's Customer
through ERPNext's own *Portal User* table (role Customer), so ERPNext's orders and invoices pages
work for them unchanged. Every page and method of the portal reads the user's dealers with
``dealers_of_portal_user``, never a dealer or customer name taken from the request."""

from __future__ import annotations

import frappe
from frappe import _, _lt
from frappe.utils import cint, validate_email_address

from dealer_relations.credit import get_exposure
from dealer_relations.credit_check import STANDING_FIELDS, dealer_limit, with_tier_default
from dealer_relations.engine.credit import ALLOW, BLOCK, REQUIRE_APPROVAL
from dealer_relations.engine.dealer import SUSPENDED, TERMINATED

PORTAL_ROLE = "Customer"
OPEN_ORDERS_SHOWN = 20
DEALER_FIELDS = (*STANDING_FIELDS, "customer")


def dealers_of_portal_user(user: str | None = None) -> list[frappe._dict]:
	"""The dealers whose Customer lists ``user`` (enabled) among its portal users, in one query;
	empty for Guest, a disabled user or anyone else."""
	user = user or frappe.session.user
	if user == "Guest":
		return []
	dealer = frappe.qb.DocType("Dealer")
	portal_user = frappe.qb.DocType("Portal User")
	account = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(dealer)
		.join(portal_user)
		.on((portal_user.parent == dealer.customer) & (portal_user.parenttype == "Customer"))
		.join(account)
		.on(account.name == portal_user.user)
		.select(*(dealer[field] for field in DEALER_FIELDS))
		.where(portal_user.user == user)
		.where(account.enabled == 1)
		.orderby(dealer.name)
	).run(as_dict=True)


def require_portal_dealers(user: str | None = None) -> list[frappe._dict]:
	"""The user's dealers; Guest, a disabled user and a user of no dealer are refused."""
	user = user or frappe.session.user
	if user == "Guest":
		frappe.throw(_("You need to be logged in to access this page"), frappe.PermissionError)
	dealers = dealers_of_portal_user(user)
	if not dealers:
		frappe.throw(
			_("Your account is not a portal user of any dealer, or it has been disabled."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	return dealers


def portal_dealer(dealer: str | None = None, user: str | None = None) -> frappe._dict:
	"""One of the user's own dealers: the one named when it is theirs (a user may serve several),
	else the first. A dealer that is not theirs is refused, not ignored."""
	dealers = require_portal_dealers(user)
	if not dealer:
		return dealers[0]
	for row in dealers:
		if row.name == dealer:
			return row
	frappe.throw(_("You may only see your own dealer."), frappe.PermissionError, title=_("Not Permitted"))


# What each grade's order policy means for the dealer, in its own words
POLICY_MEANINGS = {
	ALLOW: _lt("Your orders are accepted within your available credit."),
	REQUIRE_APPROVAL: _lt("Each new order needs the approval of our credit controller."),
	BLOCK: _lt("New orders are on hold: please settle your open invoices or call your sales rep."),
}


def dealer_standing(dealer: frappe._dict) -> frappe._dict:
	"""Home page figures of one dealer, in a constant number of queries: the limit the credit check
	applies, the exposure it counts (credit.get_exposure), what is left, the grade's policy and the
	open orders."""
	with_tier_default(dealer)
	limit = dealer_limit(dealer)
	exposure = get_exposure(dealer.customer, dealer.company)
	order = frappe.qb.DocType("Sales Order")
	open_orders = (
		frappe.qb.from_(order)
		.select(
			order.name,
			order.transaction_date,
			order.delivery_date,
			order.grand_total,
			order.currency,
			order.status,
			order.per_delivered,
			order.per_billed,
		)
		.where(order.customer == dealer.customer)
		.where(order.docstatus == 1)
		.where(order.status.notin(("Closed", "Completed")))
		.orderby(order.transaction_date, order=frappe.qb.desc)
		.limit(OPEN_ORDERS_SHOWN)
	).run(as_dict=True)
	return frappe._dict(
		dealer=dealer,
		currency=frappe.get_cached_value("Company", dealer.company, "default_currency"),
		limit=limit,
		exposure=exposure,
		available=None if limit is None else limit - exposure.total,
		policy=POLICY_MEANINGS.get(dealer.credit_order_policy),
		blocked=dealer.status in (SUSPENDED, TERMINATED),
		open_orders=open_orders,
	)


# -- the Dealer form's Portal Users section ----------------------------------------------------------


def check_may_manage_portal_users(dealer: str) -> frappe._dict:
	"""Dealer Manager (or System Manager) for any dealer, a rep for their own: the Dealer's write
	right, which the row rules give a rep only on the dealers assigned to them."""
	if not frappe.db.exists("Dealer", dealer):
		frappe.throw(_("Dealer {0} not found").format(dealer), frappe.DoesNotExistError)
	frappe.has_permission("Dealer", "write", doc=dealer, throw=True)
	return frappe.db.get_value("Dealer", dealer, ["name", "customer", "dealer_name"], as_dict=True)


@frappe.whitelist()
def get_portal_users(dealer: str) -> list[dict]:
	"""The portal users of the dealer's Customer, for the Dealer form."""
	frappe.has_permission("Dealer", "read", doc=dealer, throw=True)
	customer = frappe.db.get_value("Dealer", dealer, "customer")
	portal_user = frappe.qb.DocType("Portal User")
	account = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(portal_user)
		.join(account)
		.on(account.name == portal_user.user)
		.select(account.name.as_("user"), account.full_name, account.enabled, account.last_login)
		.where(portal_user.parent == customer)
		.where(portal_user.parenttype == "Customer")
		.orderby(portal_user.idx)
	).run(as_dict=True)


@frappe.whitelist(methods=["POST"])
def invite_portal_user(
	dealer: str, email: str, first_name: str | None = None, send_email: int | str = 0
) -> dict:
	"""Make ``email`` a portal user of the dealer: a website user with role Customer in the
	dealer's Customer's Portal Users. Returns the set-password link (also mailed when asked).

	An existing account is taken only when it is a website user of no other customer or supplier:
	inviting a desk user or another dealer's user would hand their set-password link to the
	inviter."""
	row = check_may_manage_portal_users(dealer)
	email = (email or "").strip().lower()
	if not validate_email_address(email):
		frappe.throw(_("{0} is not a valid email address").format(email), title=_("Invalid Email"))
	if frappe.db.exists("User", email):
		check_user_may_be_invited(email, row.customer)
		user = frappe.get_doc("User", email)
		user.flags.ignore_permissions = True
		user.enabled = 1
		if PORTAL_ROLE not in {r.role for r in user.roles}:
			user.append("roles", {"role": PORTAL_ROLE})
		user.save()
	else:
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": (first_name or "").strip() or email.split("@")[0],
				"user_type": "Website User",
				"send_welcome_email": 0,
				"roles": [{"role": PORTAL_ROLE}],
			}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
	customer = frappe.get_doc("Customer", row.customer)
	if not any(p.user == email for p in customer.portal_users):
		customer.append("portal_users", {"user": email})
		customer.flags.ignore_permissions = True
		customer.save()
	link = user.reset_password(send_email=cint(send_email))
	return {"user": email, "link": link}


def check_user_may_be_invited(email: str, customer: str) -> None:
	if frappe.db.get_value("User", email, "user_type") != "Website User" or email in (
		"Administrator",
		"Guest",
	):
		frappe.throw(
			_("{0} is a desk user: a portal user must have an account of its own").format(email),
			title=_("Cannot Invite"),
		)
	others = frappe.get_all(
		"Portal User",
		filters={"user": email, "parent": ("!=", customer)},
		pluck="parent",
		limit=1,
	)
	if others:
		frappe.throw(
			_("{0} is already a portal user of another customer or supplier").format(email),
			title=_("Cannot Invite"),
		)


@frappe.whitelist(methods=["POST"])
def disable_portal_user(dealer: str, user: str) -> None:
	"""Take ``user`` off the dealer's Customer's Portal Users and disable the account when it is a
	portal user of nothing else (it can no longer log in)."""
	row = check_may_manage_portal_users(dealer)
	customer = frappe.get_doc("Customer", row.customer)
	kept = [p for p in customer.portal_users if p.user != user]
	if len(kept) == len(customer.portal_users):
		frappe.throw(
			_("{0} is not a portal user of Dealer {1}").format(user, row.dealer_name or row.name),
			title=_("Not a Portal User"),
		)
	customer.set("portal_users", kept)
	customer.flags.ignore_permissions = True
	customer.save()
	if not frappe.db.exists("Portal User", {"user": user}):
		frappe.db.set_value("User", user, "enabled", 0)
		frappe.sessions.clear_sessions(user, keep_current=False, force=True)
