"""Frappe side of cross-region diversion (串货): ship-to territories on addresses, detection on
delivery, tracing serial/batch numbers through the stock ledger, and the penalty ladder applied
when an incident is confirmed (fine posted, rebate forfeit recorded, dealer suspended) and
reversed when it is cancelled."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from dealer_relations.engine.dealer import ACTIVE, DEALER_MANAGER, LIFECYCLE_ROLES, SUSPENDED
from dealer_relations.engine.diversion import (
	AUTOMATIC,
	BLOCK,
	DEFAULT_LADDER,
	DEFAULT_WINDOW_MONTHS,
	DISMISSED,
	OFF,
	OPEN_INCIDENT,
	Delivery,
	PenaltyStep,
	TerritoryRule,
	address_territory,
	batch_dealers,
	check_delivery,
	check_found_outside,
	check_ladder,
	check_one_dealer,
	check_penalty_account,
	is_diversion,
	offence_number,
	penalty_for,
	split_serials,
	territory_for_address,
	trace_batch,
	trace_serials,
	window_start,
)
from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.money import dec
from dealer_relations.engine.territory import TerritoryTree
from dealer_relations.postings import cancel_own_postings, make_party_journal_entry
from dealer_relations.utils import (
	enforce,
	get_company_settings,
	get_territory_tree,
	lock_dealers,
	validate_company_accounts,
)

DIVERSION_INCIDENT = "Diversion Incident"
SHIPPING_DOCTYPES = ("Delivery Note", "Sales Invoice")


# -- settings --------------------------------------------------------------------------------------


def ladder_from_rows(rows) -> tuple[PenaltyStep, ...]:
	return tuple(
		PenaltyStep(
			offence=cint(row.offence_number),
			fine_percent=dec(row.fine_percent),
			minimum_fine=dec(row.minimum_fine),
			rebate_forfeit_percent=dec(row.rebate_forfeit_percent),
			suspend_dealer=bool(row.suspend_dealer),
			description=row.description or "",
		)
		for row in sorted(rows, key=lambda r: r.idx)
	)


def get_ladder() -> tuple[PenaltyStep, ...]:
	settings = frappe.get_cached_doc("Dealer Relations Settings")
	return ladder_from_rows(settings.diversion_penalty_ladder) or DEFAULT_LADDER


def get_window_months() -> int:
	months = frappe.get_cached_doc("Dealer Relations Settings").diversion_window_months
	return cint(months) or DEFAULT_WINDOW_MONTHS


def validate_settings(settings) -> None:
	"""Dealer Relations Settings: a ladder without gaps or lighter later steps; penalty accounts
	that belong to their company and can take postings (one query)."""
	if settings.diversion_penalty_ladder:
		enforce(check_ladder, ladder_from_rows(settings.diversion_penalty_ladder))
	validate_company_accounts(settings, "diversion_penalty_account")


def make_default_diversion_settings() -> None:
	"""Ship the issue's default ladder (editable) when the site has none."""
	settings = frappe.get_single("Dealer Relations Settings")
	if settings.diversion_penalty_ladder:
		return
	settings.diversion_window_months = settings.diversion_window_months or DEFAULT_WINDOW_MONTHS
	for step in DEFAULT_LADDER:
		settings.append(
			"diversion_penalty_ladder",
			{
				"offence_number": step.offence,
				"description": _(step.description),
				"fine_percent": float(step.fine_percent),
				"minimum_fine": float(step.minimum_fine),
				"rebate_forfeit_percent": float(step.rebate_forfeit_percent),
				"suspend_dealer": int(step.suspend_dealer),
			},
		)
	settings.flags.ignore_permissions = True
	settings.save()


# -- addresses -------------------------------------------------------------------------------------


ADDRESS_LOCATION_FIELDS = ("city", "state", "country")


def set_address_territory(doc, method=None) -> None:
	"""Address validate: the ship-to Territory diversion detection judges a delivery by (the rule:
	engine.diversion.address_territory)."""
	if doc.get("territory") and not frappe.db.get_value("Territory", doc.territory, "parent_territory"):
		# The tree's root ("All Territories", which Frappe fills in as the user default) says
		# nothing about where goods go: treat it as unknown.
		doc.territory = None
	before = doc.get_doc_before_save()
	doc.territory = enforce(
		address_territory,
		doc.territory,
		before.get("territory") if before else None,
		territory_by_mapping(doc),
		before is None or any(before.get(field) != doc.get(field) for field in ADDRESS_LOCATION_FIELDS),
		bool(LIFECYCLE_ROLES & set(frappe.get_roles())),
	)


def territory_by_mapping(doc) -> str | None:
	rules = [
		TerritoryRule(row.territory, row.city, row.state, row.country)
		for row in frappe.get_cached_doc("Dealer Relations Settings").diversion_territory_rules
	]
	return territory_for_address(doc.city, doc.state, doc.country, rules) if rules else None


# -- detection -------------------------------------------------------------------------------------


def detection_mode(company: str) -> str:
	return get_company_settings(company).get("diversion_detection") or OPEN_INCIDENT


def ship_to_address(doc) -> str | None:
	return doc.get("shipping_address_name") or doc.get("customer_address")


def is_shipping_document(doc) -> bool:
	if doc.get("is_return") or not doc.get("customer"):
		return False
	return doc.doctype == "Delivery Note" or bool(doc.get("update_stock"))


def load_shipment(customer: str, address: str) -> frappe._dict | None:
	"""In one indexed query: the customer's dealer, the ship-to address's territory, that
	territory's ancestors (nested set) and which of them the dealer is authorised in."""
	customer_table = frappe.qb.DocType("Customer")
	address_table = frappe.qb.DocType("Address")
	target = frappe.qb.DocType("Territory").as_("target")
	node = frappe.qb.DocType("Territory").as_("node")
	granted = frappe.qb.DocType("Dealer Territory")
	rows = (
		frappe.qb.from_(customer_table)
		.left_join(address_table)
		.on(address_table.name == address)
		.left_join(target)
		.on(target.name == address_table.territory)
		.left_join(node)
		.on((node.lft <= target.lft) & (node.rgt >= target.rgt))
		.left_join(granted)
		.on(
			(granted.parent == customer_table.dealer)
			& (granted.parenttype == "Dealer")
			& (granted.parentfield == "territories")
			& (granted.territory == node.name)
		)
		.select(
			customer_table.dealer,
			address_table.territory,
			node.name.as_("node"),
			node.parent_territory,
			granted.name.as_("granted"),
		)
		.where(customer_table.name == customer)
		.run(as_dict=True)
	)
	if not rows:
		return None
	first = rows[0]
	return frappe._dict(
		dealer=first.dealer,
		territory=first.territory,
		tree=TerritoryTree({row.node: row.parent_territory for row in rows if row.node}),
		granted=[row.node for row in rows if row.granted],
	)


def authorised_territories(dealer: str) -> list[str]:
	return frappe.get_all(
		"Dealer Territory",
		filters={"parent": dealer, "parenttype": "Dealer", "parentfield": "territories"},
		pluck="territory",
		order_by="idx",
	)


def check_shipment(doc, method=None) -> None:
	"""before_submit of a Delivery Note / stock Sales Invoice: block a cross-region shipment, or
	remember that an incident is to be opened once the document is submitted."""
	doc.flags.diversion = None
	if not is_shipping_document(doc):
		return
	address = ship_to_address(doc)
	if not address:
		return  # ship-to territory unknown: nothing to judge
	mode = detection_mode(doc.company)
	if mode == OFF:
		return
	shipment = load_shipment(doc.customer, address)
	if not shipment or not shipment.dealer or not shipment.territory:
		return
	if len(shipment.tree.ancestors(shipment.territory)) < 2:
		return  # the root territory: where the goods go is unknown
	if not is_diversion(shipment.territory, shipment.granted, shipment.tree):
		return
	# Blocking names every authorised region of the dealer: one more query, on the refusal only.
	authorised = authorised_territories(shipment.dealer) if mode == BLOCK else shipment.granted
	if enforce(check_delivery, shipment.dealer, shipment.territory, authorised, shipment.tree, mode):
		doc.flags.diversion = frappe._dict(dealer=shipment.dealer, territory=shipment.territory)


def open_incident_on_submit(doc, method=None) -> None:
	"""on_submit: the document went out of region under "Open Incident": record it for review."""
	found = doc.flags.get("diversion")
	if not found:
		return
	incident = frappe.get_doc(
		{
			"doctype": DIVERSION_INCIDENT,
			"source": AUTOMATIC,
			"company": doc.company,
			"incident_date": doc.posting_date,
			"dealer": found.dealer,
			"found_territory": found.territory,
			"found_location": doc.get("shipping_address") or doc.get("address_display"),
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"items": [
				{
					"item_code": row.item_code,
					"qty": row.stock_qty or row.qty,
					"rate": row.base_net_rate,
					"amount": row.base_net_amount,
					"traced_to": found.dealer,
					"traced_from": doc.name,
				}
				for row in doc.items
			],
		}
	)
	incident.flags.ignore_permissions = True
	incident.insert()
	frappe.msgprint(
		_(
			"{0} {1} shipped to Territory {2}, outside the authorised territories of Dealer {3}: {4} opened"
		).format(
			_(doc.doctype),
			doc.name,
			frappe.bold(found.territory),
			frappe.bold(found.dealer),
			frappe.utils.get_link_to_form(DIVERSION_INCIDENT, incident.name),
		),
		title=_("Cross-Region Sale"),
		indicator="orange",
		alert=True,
	)


def dismiss_open_incidents(doc, method=None) -> None:
	"""on_cancel of a Delivery Note / Sales Invoice: incidents it opened that nobody confirmed yet
	lose their ground, so they are dismissed with a note (a confirmed incident keeps the document
	from being cancelled until the incident is cancelled)."""
	incident = frappe.qb.DocType(DIVERSION_INCIDENT)
	open_incidents = (
		frappe.qb.from_(incident)
		.select(incident.name)
		.where(incident.reference_doctype == doc.doctype)
		.where(incident.reference_name == doc.name)
		.where(incident.docstatus == 0)
		.where(incident.workflow_state != DISMISSED)
		.run(pluck=True)
	)
	for name in open_incidents:
		frappe.db.set_value(DIVERSION_INCIDENT, name, "workflow_state", DISMISSED)
		frappe.get_doc(DIVERSION_INCIDENT, name).add_comment(
			"Info", _("Dismissed: {0} {1} was cancelled").format(_(doc.doctype), doc.name)
		)


# -- tracing ---------------------------------------------------------------------------------------


def load_deliveries(serials: list[str] | None = None, batches: list[str] | None = None) -> list[Delivery]:
	"""Outward movements of the given numbers from submitted Delivery Notes and stock Sales
	Invoices (their Serial and Batch Bundles), with the customer's dealer. One query per kind."""
	deliveries = []
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	entry = frappe.qb.DocType("Serial and Batch Entry")
	customer = frappe.qb.DocType("Customer")
	for doctype in SHIPPING_DOCTYPES:
		voucher = frappe.qb.DocType(doctype)
		for field, numbers in (("serial_no", serials), ("batch_no", batches)):
			if not numbers:
				continue
			rows = (
				frappe.qb.from_(entry)
				.join(bundle)
				.on(bundle.name == entry.parent)
				.join(voucher)
				.on(voucher.name == bundle.voucher_no)
				.join(customer)
				.on(customer.name == voucher.customer)
				.select(
					entry[field].as_("number"),
					customer.dealer,
					voucher.customer,
					voucher.name,
					bundle.posting_date,
					entry.qty,
				)
				.where(bundle.voucher_type == doctype)
				.where(bundle.docstatus == 1)
				.where(bundle.is_cancelled == 0)
				.where(bundle.type_of_transaction == "Outward")
				.where(voucher.docstatus == 1)
				.where(voucher.is_return == 0)
				.where(entry[field].isin(numbers))
				.run(as_dict=True)
			)
			deliveries.extend(
				Delivery(
					row.number,
					row.dealer,
					row.customer,
					doctype,
					row.name,
					getdate(row.posting_date),
					dec(row.qty),
				)
				for row in rows
			)
	return deliveries


def trace_incident(incident) -> str | None:
	"""Trace every row's serial or batch numbers to the dealer they were delivered to; fill each
	row's trace and return the report's dealer (raising with the row when a number cannot be
	traced or a batch needs a choice)."""
	serials = {row.idx: split_serials(row.serial_no) for row in incident.items}
	batches = [row.batch_no for row in incident.items if row.batch_no and not serials[row.idx]]
	all_serials = [serial for numbers in serials.values() for serial in numbers]
	if not all_serials and not batches:
		return incident.dealer
	known_serials = (
		set(frappe.get_all("Serial No", filters={"name": ("in", all_serials)}, pluck="name"))
		if all_serials
		else set()
	)
	known_batches = (
		set(frappe.get_all("Batch", filters={"name": ("in", batches)}, pluck="name")) if batches else set()
	)
	deliveries = load_deliveries(all_serials, batches)
	by_number: dict[str, list[Delivery]] = {}
	for delivery in deliveries:
		by_number.setdefault(delivery.number, []).append(delivery)

	traced: dict[str, str] = {}
	for row in incident.items:
		numbers = serials[row.idx]
		if numbers:
			found = enforce(
				trace_serials,
				numbers,
				known_serials,
				[d for n in numbers for d in by_number.get(n, [])],
				row.idx,
			)
			row.qty = len(numbers)
			row.traced_to = next(iter(found.values())).dealer
			row.traced_from = ", ".join(dict.fromkeys(d.voucher_no for d in found.values()))[:140]
			traced.update({number: delivery.dealer for number, delivery in found.items()})
		elif row.batch_no:
			dealer = enforce(
				trace_batch,
				row.batch_no,
				row.batch_no in known_batches,
				by_number.get(row.batch_no, []),
				incident.dealer,
				row.idx,
			)
			row.traced_to = dealer
			row.traced_from = ", ".join(
				dict.fromkeys(d.voucher_no for d in by_number.get(row.batch_no, []) if d.dealer == dealer)
			)[:140]
			traced[row.batch_no] = dealer
	return enforce(check_one_dealer, traced, incident.dealer)


@frappe.whitelist()
def trace_numbers(serial_no: str | None = None, batch_no: str | None = None) -> dict:
	"""Form helper: where the numbers went. For a batch, every dealer it was delivered to (the
	user picks one when there are several)."""
	frappe.has_permission(DIVERSION_INCIDENT, "create", throw=True)
	serials = split_serials(serial_no)
	if serials:
		known = set(frappe.get_all("Serial No", filters={"name": ("in", serials)}, pluck="name"))
		try:
			found = trace_serials(serials, known, load_deliveries(serials=serials), 1)
		except RuleViolation as violation:
			return {"error": _(violation.message).format(*violation.args)}
		return {"dealers": list(dict.fromkeys(d.dealer for d in found.values()))}
	if batch_no:
		dealers = batch_dealers(load_deliveries(batches=[batch_no]))
		if not dealers:
			return {
				"error": _(
					"Batch {0} cannot be traced: no submitted Delivery Note or stock Sales Invoice delivered it to a dealer"
				).format(batch_no)
			}
		return {"dealers": list(dealers), "quantities": {k: float(v) for k, v in dealers.items()}}
	return {"dealers": []}


# -- incidents: checks -----------------------------------------------------------------------------


def check_found_territory(incident) -> None:
	if not incident.dealer or not incident.found_territory:
		return
	enforce(
		check_found_outside,
		incident.dealer,
		incident.found_territory,
		authorised_territories(incident.dealer),
		get_territory_tree(),
	)


def check_reviewer(incident) -> None:
	"""Only a Dealer Manager moves an incident to Confirmed or Dismissed (a rep may otherwise
	write the state field through the API)."""
	before = incident.get_doc_before_save()
	previous = before.workflow_state if before else None
	if incident.workflow_state == previous or incident.workflow_state not in ("Confirmed", "Dismissed"):
		return
	roles = set(frappe.get_roles())
	if not roles & {DEALER_MANAGER, "System Manager", "Administrator"}:
		frappe.throw(
			_("Only a Dealer Manager may confirm or dismiss a diversion incident"),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def check_not_confirmed_twice(incident) -> None:
	"""One confirmed incident per shipping document."""
	if not incident.reference_name:
		return
	existing = frappe.db.get_value(
		DIVERSION_INCIDENT,
		{
			"reference_doctype": incident.reference_doctype,
			"reference_name": incident.reference_name,
			"docstatus": 1,
			"name": ("!=", incident.name),
		},
		"name",
	)
	if existing:
		frappe.throw(
			_("{0} {1} is already confirmed as Diversion Incident {2}").format(
				_(incident.reference_doctype), incident.reference_name, frappe.bold(existing)
			),
			title=_("Already Confirmed"),
		)


# -- penalty ----------------------------------------------------------------------------------------


def earlier_confirmed_dates(dealer: str, incident_date, creation, exclude: str | None = None) -> list:
	"""Dates of the dealer's confirmed incidents before this one within the window: dated earlier,
	or the same day and recorded earlier (so two incidents of one day get 1 and 2, not 2 and 2)."""
	incident = frappe.qb.DocType(DIVERSION_INCIDENT)
	day = getdate(incident_date)
	query = (
		frappe.qb.from_(incident)
		.select(incident.incident_date)
		.where(incident.dealer == dealer)
		.where(incident.docstatus == 1)
		.where(incident.incident_date[window_start(day, get_window_months()) : day])
		.where((incident.incident_date < day) | (incident.creation < creation))
		# a locking read: under the dealer's lock it sees a confirmation committed meanwhile
		.for_update()
	)
	if exclude:
		query = query.where(incident.name != exclude)
	return [getdate(value) for value in query.run(pluck=True)]


def apply_penalty(incident) -> None:
	"""before_submit: the offence number and the ladder step's penalty; refuses before anything is
	posted when the fine has no account to go to. Under the dealer's row lock: two confirmations
	for one dealer at once take turns, and the second counts the first."""
	lock_dealers([incident.dealer])
	number = offence_number(
		getdate(incident.incident_date),
		earlier_confirmed_dates(incident.dealer, incident.incident_date, incident.creation, incident.name),
		get_window_months(),
	)
	precision = frappe.get_precision(DIVERSION_INCIDENT, "penalty_amount") or 2
	penalty = penalty_for(number, dec(incident.diverted_value), get_ladder(), int(precision))
	incident.offence_number = penalty.offence
	incident.penalty = _(penalty.description) if penalty.description else None
	incident.penalty_amount = float(penalty.fine)
	incident.rebate_forfeit_percent = float(penalty.rebate_forfeit_percent)
	incident.suspend_dealer = int(penalty.suspend_dealer)
	get_posting_setup(incident)


def get_posting_setup(incident) -> frappe._dict | None:
	if flt(incident.penalty_amount) <= 0:
		return None
	from erpnext.accounts.party import get_party_account

	account = get_company_settings(incident.company).get("diversion_penalty_account")
	enforce(check_penalty_account, incident.company, dec(incident.penalty_amount), account)
	customer = frappe.db.get_value("Dealer", incident.dealer, "customer")
	return frappe._dict(
		account=account,
		customer=customer,
		receivable=get_party_account("Customer", customer, incident.company),
		cost_center=frappe.get_cached_value("Company", incident.company, "cost_center"),
	)


def post_penalty(incident) -> None:
	"""on_submit: post the fine, suspend the dealer when the step says so, note it on the dealer."""
	setup = get_posting_setup(incident)
	if setup:
		incident.db_set("journal_entry", make_penalty_entry(incident, setup))
	if incident.suspend_dealer:
		status = frappe.db.get_value("Dealer", incident.dealer, "status")
		if status == ACTIVE:
			incident.db_set("dealer_status_before", status)
			set_dealer_status(incident.dealer, SUSPENDED)
	recount_offences(incident.dealer, incident.incident_date)  # a late report moves later ones up
	note_on_dealer(
		incident,
		_("Diversion Incident {0} confirmed: offence #{1}, {2}").format(
			frappe.utils.get_link_to_form(DIVERSION_INCIDENT, incident.name),
			incident.offence_number,
			penalty_summary(incident),
		),
	)


def penalty_summary(incident) -> str:
	parts = [incident.penalty or _("Written warning")]
	if flt(incident.penalty_amount):
		parts.append(_("fine {0}").format(frappe.format(incident.penalty_amount, "Currency")))
	if flt(incident.rebate_forfeit_percent):
		parts.append(_("{0}% of the year-end rebate forfeited").format(flt(incident.rebate_forfeit_percent)))
	if incident.suspend_dealer:
		parts.append(_("dealer suspended"))
	return ", ".join(parts)


def make_penalty_entry(incident, setup) -> str | None:
	"""Debit the dealer's receivable (in its currency at the day's rate), credit the penalty
	account; the Dealer Manager's confirmation is the authorisation."""
	return make_party_journal_entry(
		incident,
		company=incident.company,
		posting_date=frappe.utils.today(),
		voucher_type="Debit Note",
		remark=_("Diversion fine for Dealer {0}, Diversion Incident {1} (offence #{2})").format(
			incident.dealer_name or incident.dealer, incident.name, incident.offence_number
		),
		customer=setup.customer,
		party_account=setup.receivable,
		party_side="debit",
		amount=flt(incident.penalty_amount),
		other_account=setup.account,
		cost_center=setup.cost_center,
	)


def set_dealer_status(dealer: str, status: str) -> None:
	doc = frappe.get_doc("Dealer", dealer)
	doc.status = status
	doc.flags.ignore_permissions = True
	doc.save()


def note_on_dealer(incident, text: str) -> None:
	frappe.get_doc("Dealer", incident.dealer).add_comment("Info", text)


def penalty_postings(incident) -> list[tuple[str, str | None]]:
	return [("Journal Entry", incident.journal_entry)]


def reverse_penalty(incident) -> None:
	"""on_cancel: cancel the fine this incident posted, restore the dealer's status if this incident suspended it and
	nothing moved it since, recount the offence numbers of the dealer's later incidents (under
	the dealer's row lock, as confirmations count them)."""
	lock_dealers([incident.dealer])
	cancel_own_postings(incident, penalty_postings(incident))
	if (
		incident.dealer_status_before
		and frappe.db.get_value("Dealer", incident.dealer, "status") == SUSPENDED
	):
		set_dealer_status(incident.dealer, incident.dealer_status_before)
	recount_offences(incident.dealer, incident.incident_date)
	note_on_dealer(
		incident,
		_("Diversion Incident {0} cancelled: its penalty is reversed").format(
			frappe.utils.get_link_to_form(DIVERSION_INCIDENT, incident.name)
		),
	)


def recount_offences(dealer: str, since) -> list[tuple[str, int]]:
	"""Renumber the dealer's confirmed incidents dated on or after ``since``, after one before them
	was confirmed late or cancelled (the penalties they levied stay as posted; the number tells
	the next confirmation where the dealer stands). One query: the confirmed incidents from the
	first window reaching ``since``, in the order offences count (date, then recorded first)."""
	since = getdate(since)
	months = get_window_months()
	incident = frappe.qb.DocType(DIVERSION_INCIDENT)
	confirmed = (
		frappe.qb.from_(incident)
		.select(incident.name, incident.incident_date, incident.offence_number)
		.where(incident.dealer == dealer)
		.where(incident.docstatus == 1)
		.where(incident.incident_date >= window_start(since, months))
		.orderby(incident.incident_date)
		.orderby(incident.creation)
		.for_update()
		.run(as_dict=True)
	)
	changed = []
	for position, row in enumerate(confirmed):
		day = getdate(row.incident_date)
		if day < since:
			continue
		earlier = [getdate(other.incident_date) for other in confirmed[:position]]
		number = offence_number(day, earlier, months)
		if number != row.offence_number:
			frappe.db.set_value(DIVERSION_INCIDENT, row.name, "offence_number", number, update_modified=False)
			changed.append((row.name, number))
	return changed


def get_dealer_incident_timeline(doctype: str, docname: str) -> list[dict]:
	"""Dealer timeline: the dealer's diversion incidents (hooks.additional_timeline_content)."""
	if not frappe.has_permission(DIVERSION_INCIDENT, "read"):
		return []
	rows = frappe.get_list(
		DIVERSION_INCIDENT,
		filters={"dealer": docname, "docstatus": ("<", 2)},
		fields=["name", "incident_date", "workflow_state", "found_territory", "creation", "owner"],
		limit_page_length=50,
	)
	return [
		{
			"icon": "alert-triangle",
			"creation": row.creation,
			"owner": row.owner,
			"content": _("Diversion Incident {0} ({1}) in {2}").format(
				frappe.utils.get_link_to_form(DIVERSION_INCIDENT, row.name),
				_(row.workflow_state or ""),
				row.found_territory or "-",
			),
		}
		for row in rows
	]
