"""The dealer's side (经销商门户): dealer users are website users linked to the dealer's Customer
through ERPNext's own *Portal User* table (role Customer), so ERPNext's orders and invoices pages
work for them unchanged. Every page and method of the portal reads the user's dealers with
``dealers_of_portal_user``, never a dealer or customer name taken from the request."""

from __future__ import annotations

import frappe
from frappe import _, _lt
from frappe.utils import cint, getdate, today, validate_email_address
from pypika.terms import Field, NullValue, ValueWrapper

from dealer_relations.credit import get_exposure
from dealer_relations.credit_check import STANDING_FIELDS, dealer_limit, with_tier_default
from dealer_relations.db import run_query
from dealer_relations.engine.credit import ALLOW, BLOCK, REQUIRE_APPROVAL
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
		planned_visits=planned_visits(dealer),
	)


PLANNED_VISITS_SHOWN = 5


def planned_visits(dealer: frappe._dict, as_of=None) -> list[frappe._dict]:
	"""The rep's visits planned from today on: each visit log's Next Visit Date still ahead, with the
	purpose the rep wrote for the dealer (Next Visit Purpose), never the log's own notes; one per
	date (the latest plan's purpose), soonest first. One query."""
	visit = frappe.qb.DocType("Dealer Visit Log")
	rows = (
		frappe.qb.from_(visit)
		.select(visit.next_visit_date.as_("date"), visit.next_visit_purpose.as_("purpose"))
		.where(visit.dealer == dealer.name)
		.where(visit.next_visit_date >= getdate(as_of or today()))
		.orderby(visit.next_visit_date)
		.orderby(visit.visit_date, order=frappe.qb.desc)
		.limit(PLANNED_VISITS_SHOWN * 4)
	).run(as_dict=True)
	plans = {}
	for row in rows:
		plans.setdefault(row.date, row)
	return list(plans.values())[:PLANNED_VISITS_SHOWN]


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


def dealer_replies_and_evidence(
	doctype: str, names: list[str], customer: str
) -> tuple[list[frappe._dict], list[frappe._dict]]:
	"""The comments and the files the dealer's own portal users put on these records (never the
	staff's), each oldest first: one query, the two read as one UNION ALL."""
	if not names:
		return [], []
	comment = frappe.qb.DocType("Comment")
	file = frappe.qb.DocType("File")
	portal_user = frappe.qb.DocType("Portal User")
	replies = (
		frappe.qb.from_(comment)
		.join(portal_user)
		.on((portal_user.user == comment.owner) & (portal_user.parenttype == "Customer"))
		.select(
			ValueWrapper(REPLY).as_("kind"),
			comment.reference_name.as_("reference"),
			comment.creation.as_("creation"),
			comment.name.as_("name"),
			comment.content.as_("text"),
			comment.comment_by.as_("author"),
		)
		.where(portal_user.parent == customer)
		.where(comment.reference_doctype == doctype)
		.where(comment.reference_name.isin(names))
		.where(comment.comment_type == "Comment")
	)
	files = (
		frappe.qb.from_(file)
		.join(portal_user)
		.on((portal_user.user == file.owner) & (portal_user.parenttype == "Customer"))
		.select(
			ValueWrapper(EVIDENCE).as_("kind"),
			file.attached_to_name,
			file.creation,
			file.name,
			file.file_name,
			NullValue(),
		)
		.where(portal_user.parent == customer)
		.where(file.attached_to_doctype == doctype)
		.where(file.attached_to_name.isin(names))
	)
	rows = run_query(replies.union_all(files).orderby(Field("creation"), Field("name")), as_dict=True)
	return (
		[
			frappe._dict(
				reference_name=row.reference, content=row.text, creation=row.creation, comment_by=row.author
			)
			for row in rows
			if row.kind == REPLY
		],
		[
			frappe._dict(
				name=row.name, file_name=row.text, attached_to_name=row.reference, creation=row.creation
			)
			for row in rows
			if row.kind == EVIDENCE
		],
	)


REPLY, EVIDENCE = "reply", "evidence"


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


def dealer_incidents(dealer: frappe._dict) -> list[frappe._dict]:
	"""The dealer's incidents (not cancelled ones), newest first, with their item lines, the
	dealer's replies and evidence: three queries whatever the history."""
	incident = frappe.qb.DocType(DIVERSION_INCIDENT)
	incidents = (
		frappe.qb.from_(incident)
		.select(*(incident[field] for field in INCIDENT_FIELDS))
		.where(incident.dealer == dealer.name)
		.where(incident.docstatus < 2)
		.orderby(incident.incident_date, order=frappe.qb.desc)
		.limit(INCIDENTS_SHOWN)
	).run(as_dict=True)
	names = [row.name for row in incidents]
	if not names:
		return []
	line = frappe.qb.DocType("Diversion Incident Item")
	lines = (
		frappe.qb.from_(line)
		.select(line.parent, line.item_code, line.item_name, line.qty)
		.where(line.parent.isin(names))
		.where(line.parenttype == DIVERSION_INCIDENT)
		.orderby(line.idx)
	).run(as_dict=True)
	replies, files = dealer_replies_and_evidence(DIVERSION_INCIDENT, names, dealer.customer)
	lines_of, replies_of, files_of = {}, {}, {}
	for item in lines:
		lines_of.setdefault(item.parent, []).append(item)
	for reply in replies:
		replies_of.setdefault(reply.reference_name, []).append(reply)
	for evidence in files:
		files_of.setdefault(evidence.attached_to_name, []).append(evidence)
	for row in incidents:
		row.stage = row.workflow_state or REPORTED_STAGE
		row.open = row.stage in REPLY_OPEN_STAGES
		row.lines = lines_of.get(row.name, [])
		row.replies = replies_of.get(row.name, [])
		row.files = files_of.get(row.name, [])
		row.currency = frappe.get_cached_value("Company", row.company, "default_currency")
	return incidents


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
