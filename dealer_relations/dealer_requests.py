"""Dealer requests (投诉 / 咨询): a dealer's portal user raises a complaint or an inquiry as an
ERPNext Issue on the dealer's Customer and follows the conversation; staff answer it in the desk
as any Issue (by email from the Issue). Every read and write goes through the user's own dealers
(``portal.require_portal_dealers``, or ``portal.PORTAL_DEALERS_SQL`` inside the pages' statements):
an Issue named in a request is taken only when its stored customer is one of theirs.

Also the guards on ERPNext's own Issue routes that a portal user can reach (see SECURITY.md)."""

from __future__ import annotations

import functools
import html
import re
from datetime import datetime

import frappe
from frappe import _
from frappe.utils import escape_html, get_fullname, parse_addr, split_emails, strip_html_tags

from dealer_relations.engine.dealer_requests import (
	CLOSED,
	check_new_request,
	check_request_reply,
)
from dealer_relations.portal import (
	DEALER_FIELDS,
	PORTAL_DEALERS_SQL,
	portal_dealer,
	refuse_guest,
	refuse_no_dealer,
	require_portal_dealers,
)
from dealer_relations.utils import enforce

ISSUE = "Issue"
EARLIEST = datetime.min
# what Frappe's website comments are for: anyone may comment there (Frappe's own rule)
GUEST_COMMENT_DOCTYPES = ("Blog Post", "Web Page")
REQUESTS_SHOWN = 50
REQUEST_FIELDS = ("name", "subject", "status", "issue_type", "opening_date", "modified", "customer")


LINE_BREAKS = re.compile(r"<br\s*/?>|</p>|</div>|</li>", re.IGNORECASE)


def as_text(content: str | None) -> str:
	"""A message's HTML (an email, the desk's editor, the portal's escaped text) as plain text with
	its line breaks: the page shows it escaped, never as HTML."""
	return html.unescape(strip_html_tags(LINE_BREAKS.sub("\n", content or ""))).strip()


def not_permitted():
	frappe.throw(_("You may only see your own dealer."), frappe.PermissionError, title=_("Not Permitted"))


# -- reading -----------------------------------------------------------------------------------------


# The requests page in one statement: the user's dealers (the security rule, portal.PORTAL_DEALERS_SQL)
# and their customers' last requests (Issues), newest first (sorted in Python, as the rows of the
# statement below: an ORDER BY over a union sorts in a temporary table).
PORTAL_REQUESTS_SQL = f"""
WITH mine AS ({PORTAL_DEALERS_SQL})
SELECT 'dealer' AS kind, mine.name AS dealer, NULL AS creation, NULL AS name, mine.status,
	mine.customer, mine.company, mine.dealer_name, mine.tier, mine.credit_grade,
	mine.credit_order_policy, mine.credit_limit, mine.pin_credit_limit, NULL AS subject,
	NULL AS issue_type, NULL AS opening_date, NULL AS modified
FROM mine
UNION ALL
SELECT 'request', request.dealer, request.creation, request.name, request.status, request.customer,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, request.subject, request.issue_type,
	request.opening_date, request.modified
FROM (
	SELECT mine.name AS dealer, issue.creation, issue.name, issue.status, issue.customer, issue.subject,
		issue.issue_type, issue.opening_date, issue.modified
	FROM mine
	JOIN `tabIssue` issue ON issue.customer = mine.customer
	ORDER BY issue.creation DESC
	LIMIT %(requests_shown)s
) request
"""

# One request's page in one statement: the user's dealers; the Issue named when its stored customer
# is one of theirs (else no row: refused); its customer's portal users (the dealer's side of the
# conversation); its messages (Communications), oldest first.
PORTAL_REQUEST_SQL = f"""
WITH mine AS ({PORTAL_DEALERS_SQL}),
request AS (
	SELECT mine.name AS dealer, issue.creation, issue.name, issue.status, issue.customer,
		issue.company, issue.subject, issue.issue_type, issue.opening_date, issue.modified,
		issue.description, issue.raised_by, issue.via_customer_portal
	FROM mine
	JOIN `tabIssue` issue ON issue.customer = mine.customer
	WHERE issue.name = %(request)s
)
SELECT 'dealer' AS kind, mine.name AS dealer, NULL AS creation, NULL AS name, mine.status,
	mine.customer, mine.company, mine.dealer_name, mine.tier, mine.credit_grade,
	mine.credit_order_policy, mine.credit_limit, mine.pin_credit_limit, NULL AS subject,
	NULL AS issue_type, NULL AS opening_date, NULL AS modified, NULL AS description,
	NULL AS raised_by, NULL AS via_customer_portal, NULL AS portal_user, NULL AS sender,
	NULL AS sender_full_name, NULL AS recipients, NULL AS cc, NULL AS sent_or_received, NULL AS content
FROM mine
UNION ALL
SELECT 'request', request.dealer, request.creation, request.name, request.status, request.customer,
	request.company, NULL, NULL, NULL, NULL, NULL, NULL, request.subject, request.issue_type,
	request.opening_date, request.modified, request.description, request.raised_by,
	request.via_customer_portal, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM request
UNION ALL
SELECT 'portal user', request.dealer, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, portal_user.user, NULL, NULL, NULL, NULL, NULL,
	NULL
FROM request
JOIN `tabPortal User` portal_user
	ON portal_user.parent = request.customer AND portal_user.parenttype = 'Customer'
UNION ALL
SELECT 'message', request.dealer, message.creation, message.name, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, message.sender,
	message.sender_full_name, message.recipients, message.cc, message.sent_or_received, message.content
FROM request
JOIN `tabCommunication` message
	ON message.reference_doctype = 'Issue' AND message.reference_name = request.name
WHERE message.communication_type = 'Communication'
"""


def dealer_of(row: frappe._dict) -> frappe._dict:
	"""A dealer row of the statements above as dealers_of_portal_user gives it."""
	return frappe._dict({field: row[field] for field in DEALER_FIELDS if field != "name"}, name=row.dealer)


def dealer_requests(user: str | None = None) -> tuple[list[frappe._dict], list[frappe._dict]]:
	"""The user's dealers (Guest, a disabled user and a user of no dealer refused) and the requests
	(Issues) of their customers, newest first: one query whatever the history."""
	user = user or frappe.session.user
	refuse_guest(user)
	rows = frappe.db.sql(PORTAL_REQUESTS_SQL, {"user": user, "requests_shown": REQUESTS_SHOWN}, as_dict=True)
	dealers = {row.customer: dealer_of(row) for row in sorted(rows, key=by_dealer) if row.kind == "dealer"}
	if not dealers:
		refuse_no_dealer()
	requests = [
		frappe._dict({field: row[field] for field in REQUEST_FIELDS}, dealer=dealers[row.customer])
		for row in sorted(rows, key=by_creation, reverse=True)
		if row.kind == "request"
	]
	return list(dealers.values()), requests


def by_dealer(row: frappe._dict) -> str:
	return row.dealer


def by_creation(row: frappe._dict):
	return row.creation or EARLIEST


def stored_request(name: str | None, user: str | None = None) -> tuple[list[frappe._dict], frappe._dict]:
	"""The user's dealers (refused as dealer_requests refuses) and the stored Issue ``name`` when its
	customer is one of theirs — anything else, an Issue that does not exist included, is refused
	the same way — with its customer's portal users and its messages, in one query."""
	user = user or frappe.session.user
	refuse_guest(user)
	rows = []
	if isinstance(name, str) and name:
		rows = frappe.db.sql(PORTAL_REQUEST_SQL, {"user": user, "request": name}, as_dict=True)
	dealers = {row.dealer: dealer_of(row) for row in sorted(rows, key=by_dealer) if row.kind == "dealer"}
	if not dealers:
		require_portal_dealers(user)  # the same refusal as every page (no dealer, disabled)
	request = next((row for row in rows if row.kind == "request"), None)
	if not request:
		not_permitted()
	request = frappe._dict(
		{field: request[field] for field in STORED_REQUEST_FIELDS}, dealer=dealers[request.dealer]
	)
	request.portal_users = [row.portal_user for row in rows if row.kind == "portal user"]
	request.messages = sorted(
		(row for row in rows if row.kind == "message"), key=lambda row: (row.creation, row.name)
	)
	request.closed = request.status == CLOSED
	request.description_text = as_text(request.description)
	return list(dealers.values()), request


STORED_REQUEST_FIELDS = (*REQUEST_FIELDS, "description", "raised_by", "company", "via_customer_portal")


def dealer_addresses(request: frappe._dict) -> set[str]:
	"""The dealer's side of a conversation: whoever raised the request and the customer's portal
	users (read with the request by stored_request)."""
	return {
		address.lower()
		for address in (*request.portal_users, parse_addr(request.raised_by or "")[1])
		if address
	}


def addresses_of(*fields: str | None) -> set[str]:
	return {address_of(part) for field in fields for part in split_emails(field or "")}


@functools.lru_cache(maxsize=1024)
def address_of(part: str) -> str:
	"""The lower-cased address of one ``Name <address>``: a conversation repeats the same few
	senders and recipients on every message, parsed once each (a pure function of the text)."""
	return parse_addr(part)[1].lower()


def request_conversation(request: frappe._dict) -> list[frappe._dict]:
	"""The messages between the dealer and the company on one request (stored_request's, oldest
	first), as text: what the dealer's side sent, and what staff sent to the dealer's side (shown as
	the company). Comments (the staff's internal notes) and mail with anyone else are not shown."""
	ours = dealer_addresses(request)
	company = request.company or request.dealer.company
	conversation = []
	for row in request.messages:
		if row.sent_or_received == "Received" and addresses_of(row.sender) & ours:
			by, staff = row.sender_full_name or parse_addr(row.sender)[1], False
		elif row.sent_or_received == "Sent" and addresses_of(row.recipients, row.cc) & ours:
			by, staff = company, True
		else:
			continue
		conversation.append(
			frappe._dict(
				by=by,
				staff=staff,
				creation=row.creation,
				text=as_text(row.content),
			)
		)
	return conversation


# -- writing -----------------------------------------------------------------------------------------


def as_html(text: str) -> str:
	"""A dealer's plain text as the HTML of a Text Editor field: escaped, its lines kept."""
	return escape_html(text).replace("\n", "<br>")


@frappe.whitelist(methods=["POST"])
def raise_request(subject: str, description: str, request_type: str, dealer: str | None = None) -> dict:
	"""The dealer user raises a complaint or an inquiry: an Issue on the dealer's customer, raised
	by the user, marked as from the customer portal (ERPNext then keeps the description as the
	first message of its conversation)."""
	row = portal_dealer(dealer)
	subject, description, request_type = enforce(check_new_request, subject, description, request_type)
	issue = frappe.get_doc(
		{
			"doctype": ISSUE,
			"subject": subject,
			"description": as_html(description),
			"issue_type": request_type,
			"customer": row.customer,
			"company": row.company,
			"raised_by": frappe.session.user,
			"via_customer_portal": 1,
		}
	)
	issue.insert(ignore_permissions=True)  # a website user has no desk right on Issue: checked above
	return {"issue": issue.name}


@frappe.whitelist(methods=["POST"])
def reply_to_request(issue: str, message: str) -> dict:
	"""The dealer user answers on one of its dealer's requests (not a closed one): a message
	received on the Issue, which ERPNext reopens for the support team."""
	_dealers, request = stored_request(issue)
	message = enforce(check_request_reply, request.name, request.status, message)
	user = frappe.session.user
	communication = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"email_status": "Open",
			"subject": request.subject,
			"sender": user,
			"sender_full_name": get_fullname(user),
			"content": as_html(message),
			"status": "Linked",
			"reference_doctype": ISSUE,
			"reference_name": request.name,
		}
	)
	communication.insert(ignore_permissions=True)  # the dealer's own request, checked above
	return {"communication": communication.name}


# -- ERPNext's own Issue routes ----------------------------------------------------------------------


def is_website_user(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user != "Guest" and frappe.get_cached_value("User", user, "user_type") == "Website User"


def customers_of_portal_user(user: str) -> list[str]:
	portal_user = frappe.qb.DocType("Portal User")
	return (
		frappe.qb.from_(portal_user)
		.select(portal_user.parent)
		.where(portal_user.parenttype == "Customer")
		.where(portal_user.user == user)
	).run(pluck=True)


def check_issue_by_website_user(doc, method=None) -> None:
	"""Issue before_validate: ERPNext's /issues web form saves every field it lists, its read-only
	Customer and Status included, so a portal user could raise a request in another customer's
	name or reopen a closed one. A website user names only a customer it is a portal user of on a
	new Issue; on a stored one the customer and the status stay as stored (the support team sets
	them; a message received reopens an Issue)."""
	if not is_website_user():
		return
	if doc.is_new():
		if doc.customer and doc.customer not in customers_of_portal_user(frappe.session.user):
			not_permitted()
		doc.status = "Open"
		return
	stored = frappe.db.get_value(ISSUE, doc.name, ["customer", "status"], as_dict=True)
	if stored:
		doc.customer, doc.status = stored.customer, stored.status


def check_issue_write(name: str | list | tuple) -> None:
	"""ERPNext's whitelisted set_status / set_multiple_status write without any permission check:
	the user must have write on each Issue (the support team)."""
	for issue in [name] if isinstance(name, str) else name:
		frappe.has_permission(ISSUE, "write", doc=issue, throw=True)


def check_document_write(doctype: str, name: str) -> None:
	"""Write on the stored document (ERPNext's reset_service_level_agreement checks nothing)."""
	if not isinstance(doctype, str) or not frappe.db.exists("DocType", doctype):
		not_permitted()
	frappe.has_permission(doctype, "write", doc=name, throw=True)


def check_issue_from_communication(communication: str) -> None:
	"""ERPNext's make_issue_from_communication reads any Communication and moves it onto a new
	Issue without a check: the user must read the Communication and may create Issues."""
	if not isinstance(communication, str) or not frappe.db.exists("Communication", communication):
		not_permitted()
	frappe.has_permission("Communication", "read", doc=communication, throw=True)
	frappe.has_permission(ISSUE, "create", throw=True)


def check_comment_allowed(reference_doctype: str, reference_name: str) -> None:
	"""Frappe's website add_comment (open to any logged-in user) writes a published comment on any
	document, with no permission check: a portal user could answer another dealer's request or
	incident. A logged-in user comments only on a published website page, a document of their own
	(a web form's) or what they may read on the desk or the portal; Guest stays with Frappe's own
	rule (blog posts and web pages)."""
	if frappe.session.user == "Guest" or reference_doctype in GUEST_COMMENT_DOCTYPES:
		return
	if (
		not isinstance(reference_doctype, str)
		or not frappe.db.exists("DocType", reference_doctype)
		or not frappe.db.exists(reference_doctype, reference_name)
	):
		not_permitted()
	if frappe.get_meta(reference_doctype).has_web_view:
		return  # a published website page (help article, blog): Frappe's own rule applies
	if frappe.db.get_value(reference_doctype, reference_name, "owner") == frappe.session.user:
		return  # a web form's own document (Frappe's web form rule)
	if frappe.has_permission(reference_doctype, "read", doc=reference_name):
		return
	if frappe.has_website_permission(frappe.get_doc(reference_doctype, reference_name)):
		return
	not_permitted()
