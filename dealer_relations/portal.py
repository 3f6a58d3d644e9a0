"""The dealer's side (经销商门户): dealer users are website users linked to the dealer's Customer
through ERPNext's own *Portal User* table (role Customer), so ERPNext's orders and invoices pages
work for them unchanged. Every page and method of the portal reads the user's dealers with
``dealers_of_portal_user`` or, inside a page's one statement, with the same SQL
(``PORTAL_DEALERS_SQL``), never a dealer or customer name taken from the request."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _, _lt
from frappe.utils import cint, getdate, today, validate_email_address

from dealer_relations.credit import DELIVERIES_PART, INVOICES_PART, LEDGER_PART, ORDERS_PART, D
from dealer_relations.credit_check import STANDING_FIELDS, dealer_limit
from dealer_relations.engine.credit import ALLOW, BLOCK, REQUIRE_APPROVAL, Exposure
from dealer_relations.engine.dealer import SUSPENDED, TERMINATED
from dealer_relations.engine.diversion import CANCELLED as CANCELLED_STAGE
from dealer_relations.engine.diversion import REPLY_OPEN_STAGES, check_dealer_reply
from dealer_relations.engine.diversion import REPORTED as REPORTED_STAGE
from dealer_relations.engine.rebates import calculate_rebate, next_slab, projection_factor, rebate_for
from dealer_relations.rebate_account import LEDGER, dealer_balance
from dealer_relations.rebates import covered_dealers, get_terms, load_volumes
from dealer_relations.utils import enforce

PORTAL_ROLE = "Customer"
EVIDENCE_TYPES = (".pdf", ".jpg", ".jpeg", ".png")
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
DIVERSION_INCIDENT = "Diversion Incident"
CONFIRMATION = "Dealer Statement Confirmation"
# the portal's own records: evidence attached to them is served by download_evidence
EVIDENCE_DOCTYPES = (DIVERSION_INCIDENT, CONFIRMATION)
OPEN_ORDERS_SHOWN = 20
DEALER_FIELDS = (*STANDING_FIELDS, "customer")


# -- the portal's SQL -------------------------------------------------------------------------------
# The portal's hot-path reads are constant SQL text with named bound parameters (``%(user)s``): no
# value is ever formatted into them, table and column names are literal (SECURITY.md, "SQL"). Each
# page reads in one statement that starts from the user's dealers, so the security rule and the
# page's data travel together and the page adds little beside its SQL (issue 19).

# The user's dealers, the portal's security rule: the dealers whose Customer lists the user, enabled,
# among its portal users (ERPNext's Portal User). Every page's statement starts from it as ``mine``.
PORTAL_DEALERS_SQL = """
	SELECT DISTINCT dealer.name, dealer.dealer_name, dealer.company, dealer.status, dealer.tier,
		dealer.credit_grade, dealer.credit_order_policy, dealer.credit_limit, dealer.pin_credit_limit,
		dealer.customer
	FROM `tabDealer` dealer
	JOIN `tabPortal User` portal_user
		ON portal_user.parent = dealer.customer AND portal_user.parenttype = 'Customer'
	JOIN `tabUser` account ON account.name = portal_user.user
	WHERE portal_user.user = %(user)s AND account.enabled = 1
"""
DEALERS_OF_USER_SQL = PORTAL_DEALERS_SQL + "ORDER BY dealer.name"


def dealers_of_portal_user(user: str | None = None) -> list[frappe._dict]:
	"""The dealers whose Customer lists ``user`` (enabled) among its portal users, in one query;
	empty for Guest, a disabled user or anyone else."""
	user = user or frappe.session.user
	if user == "Guest":
		return []
	return frappe.db.sql(DEALERS_OF_USER_SQL, {"user": user}, as_dict=True)


def refuse_guest(user: str) -> None:
	if user == "Guest":
		frappe.throw(_("You need to be logged in to access this page"), frappe.PermissionError)


def refuse_no_dealer() -> None:
	frappe.throw(
		_("Your account is not a portal user of any dealer, or it has been disabled."),
		frappe.PermissionError,
		title=_("Not Permitted"),
	)


def require_portal_dealers(user: str | None = None) -> list[frappe._dict]:
	"""The user's dealers; Guest, a disabled user and a user of no dealer are refused."""
	user = user or frappe.session.user
	refuse_guest(user)
	dealers = dealers_of_portal_user(user)
	if not dealers:
		refuse_no_dealer()
	return dealers


def portal_dealer(dealer: str | None = None, user: str | None = None) -> frappe._dict:
	"""One of the user's own dealers: the one named when it is theirs (a user may serve several),
	else the first. A dealer that is not theirs is refused, not ignored."""
	return chosen_dealer(require_portal_dealers(user), dealer)


def chosen_dealer(dealers: list[frappe._dict], dealer: str | None = None) -> frappe._dict:
	"""Of ``dealers`` (require_portal_dealers: the user's own, never empty), the one named, else the
	first; a dealer not among them is refused."""
	if not dealer:
		return dealers[0]
	for row in dealers:
		if row.name == dealer:
			return row
	frappe.throw(_("You may only see your own dealer."), frappe.PermissionError, title=_("Not Permitted"))


def check_app_permission() -> bool:
	"""The apps screen (add_to_apps_screen) lists the app to desk users only. Listed for a dealer's
	portal user, it made Frappe's login send that website user into the desk (a 403 page) instead
	of the portal."""
	return frappe.session.user == "Administrator" or (
		frappe.get_cached_value("User", frappe.session.user, "user_type") == "System User"
	)


def get_website_user_home_page(user: str) -> str | None:
	"""get_website_user_home_page hook: a dealer's portal user lands on /dealer after login (and on
	/); anyone else gets Frappe's default (None: role home pages, then /me). ERPNext v15 sets no
	home page hook of its own."""
	return "dealer" if dealers_of_portal_user(user) else None


# What each grade's order policy means for the dealer, in its own words
POLICY_MEANINGS = {
	ALLOW: _lt("Your orders are accepted within your available credit."),
	REQUIRE_APPROVAL: _lt("Each new order needs the approval of our credit controller."),
	BLOCK: _lt("New orders are on hold: please settle your open invoices or call your sales rep."),
}


PLANNED_VISITS_SHOWN = 5

# The home page's figures of one of the user's dealers (read first, with the security rule, by
# require_portal_dealers) in one statement: the tier's default limit and the company's currency; the
# exposure the credit check counts (the same four parts as credit.EXPOSURE_SQL: open invoices through
# the covering index, ledger balances not against an invoice, unbilled orders and delivery notes — a
# tier-2 test holds the two equal); the open orders, newest first; the rep's visits planned from
# today on (each log's Next Visit Date ahead, one per date with the latest log's purpose, soonest
# first; never the log's own notes). The 'dealer' row first, then 'order' and 'visit' rows with their
# rank, sorted in Python: an ORDER BY over the union sorts in a temporary table (0.2 ms). The
# customer is bound, not joined from the dealers: bound, the open invoices are two ranges of the
# covering index (outstanding below and above zero); joined, every invoice of the customer is read
# through it (about 0.5 ms more for a dealer of 1,632 invoices, 494 open, at 200,000 lines).
PORTAL_HOME_SQL = f"""
WITH exposure (part, against_type, against_no, receivable, advanced, row_count, row_names) AS (
	({INVOICES_PART}) UNION ALL ({LEDGER_PART}) UNION ALL ({ORDERS_PART}) UNION ALL ({DELIVERIES_PART})
)
SELECT 'dealer' AS kind, 0 AS n,
	(SELECT default_currency FROM `tabCompany` WHERE name = %(company)s) AS currency,
	IFNULL((SELECT default_credit_limit FROM `tabDealer Tier` WHERE name = %(tier)s), 0) AS tier_default,
	IFNULL(SUM(CASE WHEN part = 'invoices' THEN receivable
		WHEN part = 'ledger' AND receivable > 0 THEN receivable END), 0) AS outstanding,
	IFNULL(SUM(CASE WHEN part IN ('orders', 'deliveries') THEN receivable END), 0) AS unbilled_orders,
	-IFNULL(SUM(CASE WHEN part = 'invoices' THEN advanced
		WHEN part = 'ledger' AND receivable < 0 THEN receivable END), 0) AS unallocated_advances,
	NULL AS name, NULL AS transaction_date, NULL AS grand_total, NULL AS status, NULL AS purpose
FROM exposure
UNION ALL
SELECT 'order', orders.n, orders.currency, NULL, NULL, NULL, NULL, orders.name,
	orders.transaction_date, orders.grand_total, orders.status, NULL
FROM (
	SELECT sales_order.name, sales_order.transaction_date, sales_order.grand_total,
		sales_order.currency, sales_order.status,
		ROW_NUMBER() OVER (ORDER BY sales_order.transaction_date DESC) AS n
	FROM `tabSales Order` sales_order
	WHERE sales_order.customer = %(customer)s AND sales_order.docstatus = 1
		AND sales_order.status NOT IN ('Closed', 'Completed')
) orders
WHERE orders.n <= %(orders_shown)s
UNION ALL
SELECT 'visit', plans.n, NULL, NULL, NULL, NULL, NULL, NULL, plans.next_visit_date, NULL, NULL,
	plans.next_visit_purpose
FROM (
	SELECT visit.next_visit_date, visit.next_visit_purpose,
		ROW_NUMBER() OVER (PARTITION BY visit.next_visit_date ORDER BY visit.visit_date DESC) AS latest,
		DENSE_RANK() OVER (ORDER BY visit.next_visit_date) AS n
	FROM `tabDealer Visit Log` visit
	WHERE visit.dealer = %(dealer)s AND visit.next_visit_date >= %(today)s
) plans
WHERE plans.latest = 1 AND plans.n <= %(visits_shown)s
"""


def dealer_standings(user: str | None = None, as_of=None) -> list[frappe._dict]:
	"""The home page's figures of each of the user's dealers (require_portal_dealers: Guest, a
	disabled user and a user of no dealer are refused), in one query each whatever their history:
	the limit the credit check applies, the exposure it counts, what is left, the grade's policy,
	the open orders and the visits planned."""
	return [dealer_standing(dealer, as_of) for dealer in require_portal_dealers(user)]


def dealer_standing(dealer: frappe._dict, as_of=None) -> frappe._dict:
	"""The home page's figures of one dealer (a row of dealers_of_portal_user) in one query."""
	rows = frappe.db.sql(
		PORTAL_HOME_SQL,
		{
			"customer": dealer.customer,
			"company": dealer.company,
			"currency": frappe.get_cached_value("Company", dealer.company, "default_currency"),
			"exclude": "",
			"dealer": dealer.name,
			"tier": dealer.tier,
			"today": getdate(as_of or today()),
			"orders_shown": OPEN_ORDERS_SHOWN,
			"visits_shown": PLANNED_VISITS_SHOWN,
		},
		as_dict=True,
	)
	standing = standing_of(dealer, next(row for row in rows if row.kind == "dealer"))
	for row in sorted((row for row in rows if row.kind != "dealer"), key=lambda row: row.n):
		if row.kind == "order":
			standing.open_orders.append(
				frappe._dict(
					name=row.name,
					transaction_date=row.transaction_date,
					grand_total=row.grand_total,
					currency=row.currency,
					status=row.status,
				)
			)
		else:
			standing.planned_visits.append(frappe._dict(date=row.transaction_date, purpose=row.purpose))
	return standing


def standing_of(dealer: frappe._dict, row: frappe._dict) -> frappe._dict:
	dealer.tier_default = row.tier_default
	limit = dealer_limit(dealer)
	exposure = Exposure(
		outstanding=D(row.outstanding),
		unbilled_orders=D(row.unbilled_orders),
		unallocated_advances=D(row.unallocated_advances),
	)
	return frappe._dict(
		dealer=dealer,
		currency=row.currency,
		limit=limit,
		exposure=exposure,
		available=None if limit is None else limit - exposure.total,
		policy=POLICY_MEANINGS.get(dealer.credit_order_policy),
		blocked=dealer.status in (SUSPENDED, TERMINATED),
		open_orders=[],
		planned_visits=[],
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
	dealer's Customer's Portal Users. For a new account, returns the set-password link (also
	mailed when asked) for the inviter to pass on.

	An existing account is taken only when it is a website user of no other customer or supplier,
	and its set-password link goes to its own mailbox only: handing it to the inviter would let a
	rep take over someone's account."""
	row = check_may_manage_portal_users(dealer)
	email = (email or "").strip().lower()
	if not validate_email_address(email):
		frappe.throw(_("{0} is not a valid email address").format(email), title=_("Invalid Email"))
	existing = bool(frappe.db.exists("User", email))
	if existing:
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
	frappe.cache.hdel("home_page", email)  # lands on /dealer from the next login (get_home_page)
	if existing:
		user.reset_password(send_email=True)
		return {"user": email, "link": None, "emailed": True}
	link = user.reset_password(send_email=cint(send_email))
	return {"user": email, "link": link, "emailed": bool(cint(send_email))}


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
	frappe.cache.hdel("home_page", user)
	if not frappe.db.exists("Portal User", {"user": user}):
		frappe.db.set_value("User", user, "enabled", 0)
		frappe.sessions.clear_sessions(user, keep_current=False, force=True)


# -- evidence files ----------------------------------------------------------------------------------


def uploaded_evidence() -> tuple[str, bytes] | None:
	"""The request's evidence file (``file``), refused when it is not a PDF or image or too large."""
	upload = frappe.request and frappe.request.files.get("file")
	if not upload:
		return None
	name = upload.filename or ""
	if not name.lower().endswith(EVIDENCE_TYPES):
		frappe.throw(
			_("Evidence must be a PDF or an image (JPG, PNG), not {0}").format(name),
			title=_("Wrong File Type"),
		)
	content = upload.stream.read(EVIDENCE_MAX_BYTES + 1)
	if len(content) > EVIDENCE_MAX_BYTES:
		frappe.throw(_("Evidence files may be 5 MB at most"), title=_("File Too Large"))
	return name, content


def attach_evidence(evidence: tuple[str, bytes], doctype: str, name: str, field: str | None = None):
	"""Keep the dealer's evidence as a private file on the record (the desk's file permission: the
	record's readers; the dealer reaches it through download_evidence)."""
	file_name, content = evidence
	return frappe.get_doc(
		{
			"doctype": "File",
			"file_name": file_name,
			"content": content,
			"is_private": 1,
			"attached_to_doctype": doctype,
			"attached_to_name": name,
			"attached_to_field": field,
		}
	).insert(ignore_permissions=True)


@frappe.whitelist()
def download_evidence(file: str) -> None:
	"""Serve a dealer its own evidence: a file its portal users attached to a record of one of the
	user's dealers. Anything else, also a file that exists, is refused the same way."""
	row = frappe.db.get_value(
		"File", file, ["name", "attached_to_doctype", "attached_to_name", "owner"], as_dict=True
	)
	dealers = {d.name: d for d in require_portal_dealers()}
	dealer = (
		frappe.db.get_value(row.attached_to_doctype, row.attached_to_name, "dealer")
		if row and row.attached_to_doctype in EVIDENCE_DOCTYPES
		else None
	)
	if (
		not dealer
		or dealer not in dealers
		or not frappe.db.exists(
			"Portal User", {"parenttype": "Customer", "parent": dealers[dealer].customer, "user": row.owner}
		)
	):
		frappe.throw(_("You may only see your own dealer."), frappe.PermissionError, title=_("Not Permitted"))
	document = frappe.get_doc("File", row.name)
	frappe.local.response.filename = document.file_name
	frappe.local.response.filecontent = document.get_content()
	frappe.local.response.type = "download"


# -- incidents ---------------------------------------------------------------------------------------

# What a dealer sees of an incident: never who reported it, where or from whom it was found, the
# staff's description and evidence, nor the source document (that may be another customer's).
INCIDENT_FIELDS = (
	"name",
	"incident_date",
	"workflow_state",
	"docstatus",
	"found_territory",
	"diverted_value",
	"offence_number",
	"penalty",
	"penalty_amount",
	"rebate_forfeit_percent",
	"suspend_dealer",
	"company",
)
INCIDENTS_SHOWN = 50
EARLIEST = datetime.min


# The incidents page in one statement: the user's dealers (the security rule); each one's last
# incidents (not cancelled), newest first, with the company's currency; their item lines; the
# comments and the files the dealer's own portal users put on them (never the staff's). Sorted in
# Python (an ORDER BY over the union sorts its text columns in a temporary table, 0.3 ms): by
# dealer, then rank (an incident's), idx (a line's) or creation (a reply's, a file's).
PORTAL_INCIDENTS_SQL = f"""
WITH mine AS ({PORTAL_DEALERS_SQL}),
shown AS (
	SELECT ranked.* FROM (
		SELECT incident.name, mine.name AS dealer, mine.customer, incident.company,
			incident.incident_date, incident.workflow_state, incident.docstatus,
			incident.found_territory, incident.diverted_value, incident.offence_number,
			incident.penalty, incident.penalty_amount, incident.rebate_forfeit_percent,
			incident.suspend_dealer, company.default_currency AS currency,
			ROW_NUMBER() OVER (PARTITION BY mine.name ORDER BY incident.incident_date DESC) AS n
		FROM mine
		JOIN `tabDiversion Incident` incident ON incident.dealer = mine.name
		JOIN `tabCompany` company ON company.name = incident.company
		WHERE incident.docstatus < 2
	) ranked
	WHERE ranked.n <= %(incidents_shown)s
)
SELECT 'dealer' AS kind, mine.name AS dealer, 0 AS n, NULL AS reference, NULL AS creation,
	NULL AS name, NULL AS text, NULL AS author, mine.dealer_name, mine.company, mine.status,
	mine.tier, mine.credit_grade, mine.credit_order_policy, mine.credit_limit, mine.pin_credit_limit,
	mine.customer, NULL AS incident_date, NULL AS workflow_state, NULL AS docstatus,
	NULL AS found_territory, NULL AS diverted_value, NULL AS offence_number, NULL AS penalty,
	NULL AS penalty_amount, NULL AS rebate_forfeit_percent, NULL AS suspend_dealer, NULL AS currency,
	NULL AS item_code, NULL AS item_name, NULL AS qty
FROM mine
UNION ALL
SELECT 'incident', shown.dealer, shown.n, shown.name, NULL, NULL, NULL, NULL, NULL, shown.company,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, shown.incident_date, shown.workflow_state,
	shown.docstatus, shown.found_territory, shown.diverted_value, shown.offence_number, shown.penalty,
	shown.penalty_amount, shown.rebate_forfeit_percent, shown.suspend_dealer, shown.currency, NULL,
	NULL, NULL
FROM shown
UNION ALL
SELECT 'line', shown.dealer, line.idx, shown.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	line.item_code, line.item_name, line.qty
FROM shown
JOIN `tabDiversion Incident Item` line
	ON line.parent = shown.name AND line.parenttype = 'Diversion Incident'
UNION ALL
SELECT 'reply', shown.dealer, 0, shown.name, comment.creation, comment.name, comment.content,
	comment.comment_by, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM shown
JOIN `tabComment` comment
	ON comment.reference_doctype = 'Diversion Incident' AND comment.reference_name = shown.name
JOIN `tabPortal User` portal_user
	ON portal_user.user = comment.owner AND portal_user.parenttype = 'Customer'
	AND portal_user.parent = shown.customer
WHERE comment.comment_type = 'Comment'
UNION ALL
SELECT 'evidence', shown.dealer, 0, shown.name, file.creation, file.name, file.file_name, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM shown
JOIN `tabFile` file
	ON file.attached_to_doctype = 'Diversion Incident' AND file.attached_to_name = shown.name
JOIN `tabPortal User` portal_user
	ON portal_user.user = file.owner AND portal_user.parenttype = 'Customer'
	AND portal_user.parent = shown.customer
"""


def dealer_incidents(user: str | None = None) -> list[tuple[frappe._dict, list[frappe._dict]]]:
	"""(dealer, its incidents) for each of the user's dealers (Guest, a disabled user and a user of
	no dealer refused): the incidents not cancelled, newest first, with their item lines, the
	dealer's replies and evidence; one query whatever the history."""
	user = user or frappe.session.user
	refuse_guest(user)
	rows = frappe.db.sql(
		PORTAL_INCIDENTS_SQL, {"user": user, "incidents_shown": INCIDENTS_SHOWN}, as_dict=True
	)
	rows.sort(key=lambda row: (row.dealer, row.n, row.creation or EARLIEST, row.name or ""))
	dealers, incidents, shown = {}, {}, {}
	for row in rows:
		if row.kind == "dealer":
			dealers[row.dealer] = frappe._dict(
				{field: row[field] for field in DEALER_FIELDS if field != "name"}, name=row.dealer
			)
			shown[row.dealer] = []
		elif row.kind == "incident":
			incident = frappe._dict({field: row[field] for field in INCIDENT_FIELDS if field != "name"})
			incident.name, incident.currency = row.reference, row.currency
			incident.stage = incident.workflow_state or REPORTED_STAGE
			incident.open = incident.stage in REPLY_OPEN_STAGES
			incident.lines, incident.replies, incident.files = [], [], []
			incidents[incident.name] = incident
	for row in rows:
		if row.kind == "incident":
			shown[row.dealer].append(incidents[row.reference])
		elif row.kind == "line":
			incidents[row.reference].lines.append(
				frappe._dict(
					parent=row.reference, item_code=row.item_code, item_name=row.item_name, qty=row.qty
				)
			)
		elif row.kind == "reply":
			incidents[row.reference].replies.append(
				frappe._dict(
					reference_name=row.reference,
					content=row.text,
					creation=row.creation,
					comment_by=row.author,
				)
			)
		elif row.kind == "evidence":
			incidents[row.reference].files.append(
				frappe._dict(
					name=row.name, file_name=row.text, attached_to_name=row.reference, creation=row.creation
				)
			)
	if not dealers:
		refuse_no_dealer()
	return [(dealer, shown[name]) for name, dealer in dealers.items()]


@frappe.whitelist(methods=["POST"])
def reply_to_incident(incident: str, statement: str) -> dict:
	"""The dealer user answers an incident of their own dealer while it is under review: the
	statement lands on the incident's timeline for the manager, an evidence file (``file``) on the
	incident as a private file."""
	dealers = {d.name for d in require_portal_dealers()}
	stored = frappe.db.get_value(
		DIVERSION_INCIDENT, incident, ["name", "dealer", "workflow_state", "docstatus"], as_dict=True
	)
	if not stored or stored.dealer not in dealers:
		frappe.throw(_("You may only see your own dealer."), frappe.PermissionError, title=_("Not Permitted"))
	stage = CANCELLED_STAGE if stored.docstatus == 2 else stored.workflow_state
	enforce(check_dealer_reply, stored.name, stage, statement)
	evidence = uploaded_evidence()
	comment = frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": DIVERSION_INCIDENT,
			"reference_name": stored.name,
			"comment_email": frappe.session.user,
			"comment_by": frappe.utils.get_fullname(frappe.session.user),
			"content": _("Dealer's statement: {0}").format(frappe.utils.escape_html(statement.strip())),
		}
	).insert(ignore_permissions=True)  # the dealer's own incident, checked above
	if evidence:
		attach_evidence(evidence, DIVERSION_INCIDENT, stored.name)
	return {"comment": comment.name}


# -- rebates -----------------------------------------------------------------------------------------

SETTLEMENTS_SHOWN = 20
SETTLEMENT_FIELDS = (
	"name",
	"rebate_policy",
	"from_date",
	"to_date",
	"net_rebate",
	"workflow_state",
	"docstatus",
)


def dealer_rebates(dealer: frappe._dict, as_of=None) -> frappe._dict:
	"""Per running policy covering the dealer: volume to date, slab reached, the gap to the next slab
	and the rebate it would add, the rebate earned so far and projected at this pace to the period's
	end (the figures of the Dealer Rebate Statement); and the dealer's settlements. A handful of
	queries per running policy, whatever the dealer's history."""
	as_of = getdate(as_of or today())
	rebate_policy = frappe.qb.DocType("Rebate Policy")
	policies = (
		frappe.qb.from_(rebate_policy)
		.select(rebate_policy.name)
		.where(rebate_policy.docstatus == 1)
		.where(rebate_policy.company == dealer.company)
		.where(rebate_policy.from_date <= as_of)
		.where(rebate_policy.to_date >= as_of)
		.orderby(rebate_policy.to_date)
	).run(pluck=True)
	progress = []
	for name in policies:
		# a submitted policy, its terms and scope in nine tables: Frappe's document cache (cleared on
		# every save, submit, cancel and set_value) instead of nine queries per page
		policy = frappe.get_cached_doc("Rebate Policy", name)
		covered = covered_dealers(policy, only=[dealer.name])
		if not covered:
			continue
		terms = get_terms(policy)
		volume = load_volumes(policy, covered, as_of=as_of)[dealer.name]
		result = rebate_for(terms, volume)
		pace = projection_factor(getdate(policy.from_date), getdate(policy.to_date), as_of)
		projected = calculate_rebate(
			terms,
			volume.volume * pace,
			volume.base * pace if volume.base is not None else None,
			volume.prior_volume,
			volume.forfeit_percent,
			target=volume.target,
		)
		progress.append(
			frappe._dict(
				policy=policy.name,
				from_date=policy.from_date,
				to_date=policy.to_date,
				basis=policy.basis,
				result=result,
				ahead=next_slab(terms, result, volume.prior_volume, volume.forfeit_percent),
				projected=projected.net_rebate,
			)
		)
	settlement = frappe.qb.DocType("Rebate Settlement")
	settlements = (
		frappe.qb.from_(settlement)
		.select(*(settlement[field] for field in SETTLEMENT_FIELDS))
		.where(settlement.dealer == dealer.name)
		.where(settlement.docstatus < 2)
		.orderby(settlement.to_date, order=frappe.qb.desc)
		.limit(SETTLEMENTS_SHOWN)
	).run(as_dict=True)
	return frappe._dict(
		policies=progress,
		settlements=settlements,
		currency=frappe.get_cached_value("Company", dealer.company, "default_currency"),
	)


REBATE_MOVEMENTS_SHOWN = 20
# Vouchers a dealer may open on ERPNext's portal (its own orders and invoices): the only ones named
ORDER_ROUTES = {"Sales Order": "orders", "Sales Invoice": "invoices"}


def dealer_rebate_account(dealer: frappe._dict) -> frappe._dict:
	"""The dealer's rebate account (返利池) in its company: balance, available and expiring within 90
	days (rebate_account.dealer_balance, the Dealer form's figures) and the last movements with
	their type, date, amount and expiry. Of a voucher only the dealer's own order or invoice is
	named; settlements, journal entries and the rest stay internal. Two queries."""
	entry = frappe.qb.DocType(LEDGER)
	movements = (
		frappe.qb.from_(entry)
		.select(
			entry.posting_date,
			entry.entry_type,
			entry.amount,
			entry.expiry_date,
			entry.rebate_policy,
			entry.voucher_type,
			entry.voucher_no,
		)
		.where(entry.dealer == dealer.name)
		.where(entry.company == dealer.company)
		.orderby(entry.posting_date, order=frappe.qb.desc)
		.orderby(entry.creation, order=frappe.qb.desc)
		.limit(REBATE_MOVEMENTS_SHOWN)
	).run(as_dict=True)
	for row in movements:
		route = ORDER_ROUTES.get(row.pop("voucher_type"))
		number = row.pop("voucher_no")
		row.document = number if route else None
		row.route = f"/{route}/{number}" if route else None
	return frappe._dict(dealer_balance(dealer.name, dealer.company), movements=movements)


# -- printing ----------------------------------------------------------------------------------------

# Where a website user may choose a print format for a document it may read
PRINT_ROUTES = (
	"/printview",
	"frappe.utils.print_format.download_pdf",
	"frappe.utils.print_format.download_multi_pdf",
	"frappe.www.printview.get_html_and_style",
)


def restrict_portal_print_formats() -> None:
	"""before_request: a website user prints its own documents (ERPNext's portal rules) in the
	document type's default print format or Standard only; any other format (one made for staff,
	with costs or margins) is refused. Website users log in with a session (they cannot make API
	keys), so the session user is known here."""
	user = frappe.session.user
	request = frappe.request
	if user == "Guest" or not request or not request.path.endswith(PRINT_ROUTES):
		return
	chosen = frappe.form_dict.get("format") or frappe.form_dict.get("print_format")
	doctype = frappe.form_dict.get("doctype")
	if not chosen or not isinstance(chosen, str) or not isinstance(doctype, str) or chosen == "Standard":
		return
	if frappe.get_cached_value("User", user, "user_type") != "Website User":
		return
	if chosen != frappe.get_meta(doctype).default_print_format:
		frappe.throw(
			_("Print format {0} is not available on the portal").format(chosen),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
