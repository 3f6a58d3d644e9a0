"""Small Frappe-side services shared by controllers and hooks: loading engine inputs, showing errors."""

from __future__ import annotations

import frappe
from frappe import _

from dealer_relations.engine.dealer import RepInfo
from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.territory import TerritoryTree

DEFAULT_DEALERS_PER_JOB = 1000


def throw_violation(violation: RuleViolation) -> None:
	"""Show an engine rule violation as a translated error (and abort the transaction)."""
	args = [_(arg) if violation.translate_args and isinstance(arg, str) else arg for arg in violation.args]
	frappe.throw(_(violation.message).format(*args), title=_(violation.title))


def enforce(check, *args, **kwargs):
	"""Run an engine check and turn its RuleViolation into a translated frappe error."""
	try:
		return check(*args, **kwargs)
	except RuleViolation as violation:
		caught = violation
	# Thrown outside the except block: a frozen RuleViolation chained as the error's context
	# breaks tools that rewrite tracebacks (unittest's error report).
	throw_violation(caught)


TERRITORY_TREE_CACHE_KEY = "dealer_relations:territory_tree"


def get_territory_tree() -> TerritoryTree:
	"""The whole Territory tree (hundreds of nodes, not millions), from the site cache: the
	diversion check on every delivery and the reports read it on every call. Territory's doc
	events drop it on any change."""
	parents = frappe.cache.get_value(TERRITORY_TREE_CACHE_KEY)
	if parents is None:
		territory = frappe.qb.DocType("Territory")
		parents = dict(frappe.qb.from_(territory).select(territory.name, territory.parent_territory).run())
		frappe.cache.set_value(TERRITORY_TREE_CACHE_KEY, parents)
	return TerritoryTree(parents)


def clear_territory_tree(*args, **kwargs) -> None:
	frappe.cache.delete_value(TERRITORY_TREE_CACHE_KEY)


def dealers_in_territory(territory: str):
	"""Sub-query: dealers authorised anywhere inside ``territory``'s subtree (nested set); none
	when there is no such territory (a report filter is whatever the client sends)."""
	lft, rgt = frappe.db.get_value("Territory", territory, ["lft", "rgt"]) or (1, 0)
	node = frappe.qb.DocType("Territory")
	row = frappe.qb.DocType("Dealer Territory")
	return (
		frappe.qb.from_(row)
		.join(node)
		.on(node.name == row.territory)
		.select(row.parent)
		.where(row.parenttype == "Dealer")
		.where(node.lft >= lft)
		.where(node.rgt <= rgt)
	)


def permitted_dealers():
	"""Sub-query of the dealers the session user may read (row-level access, user permissions),
	so reports apply the same rules as the Dealer list."""
	from pypika.terms import PseudoColumn

	# Frappe renders its list query with the values escaped for SQL; the query it joins runs with
	# bound parameters, where a "%" (a dealer named "100% Parts" in a user permission) is a format
	# character: doubled, it reaches the database as "%".
	sql = frappe.get_list("Dealer", fields=["name"], run=False, limit_page_length=0)
	return PseudoColumn("({})".format(sql.replace("%", "%%")))


def as_text(value):
	"""Free text a user typed (a dealer's name) for a report cell or chart label. The report view
	renders a Data cell as HTML and Frappe's save-time sanitiser leaves JSON-looking text alone, so
	"<" and ">" are escaped; quotes and "&" stay as typed, so exports show ordinary names as
	they are."""
	if not isinstance(value, str):
		return value
	return value.replace("<", "&lt;").replace(">", "&gt;")


def get_rep_info(user: str) -> RepInfo:
	"""What the engine needs to judge a user named as a sales rep."""
	row = frappe.db.get_value("User", user, ["enabled", "user_type"], as_dict=True)
	return RepInfo(
		user=user,
		exists=bool(row),
		enabled=bool(row and row.enabled),
		is_desk_user=bool(row and row.user_type == "System User"),
	)


def ensure_user(email: str, first_name: str, roles=(), **values) -> str:
	"""Create the user if missing (no welcome mail) and make sure it holds ``roles``.

	Used by the demo data and the test factories."""
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": first_name, "send_welcome_email": 0, **values}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	missing = [role for role in roles if role not in {r.role for r in user.roles}]
	if missing:
		user.add_roles(*missing)
	return email


def get_company_settings(company: str | None) -> frappe._dict:
	"""The company's row of Dealer Relations Settings (cached with the settings), or the field
	defaults of that row when the company has none, so callers never branch on a missing row."""
	settings = frappe.get_cached_doc("Dealer Relations Settings")
	for row in settings.company_settings:
		if row.company == company:
			return frappe._dict(row.as_dict())
	defaults = frappe._dict(company=company)
	for df in frappe.get_meta("Dealer Company Settings").fields:
		if df.fieldtype in ("Section Break", "Column Break", "Tab Break"):
			continue
		if df.fieldname != "company":
			defaults[df.fieldname] = frappe.utils.cast(df.fieldtype, df.default) if df.default else None
	return defaults


def link_or_text(doctype: str) -> dict:
	"""Column type for a report column that links to ``doctype``. Frappe 15's query report refuses
	the whole report when a Link column points at a doctype the viewer cannot read (a Dealer
	Manager and Journal Entry), so such viewers get the name as plain text instead."""
	if frappe.has_permission(doctype, "read"):
		return {"fieldtype": "Link", "options": doctype}
	return {"fieldtype": "Data"}


def dealers_per_job() -> int:
	"""Dealers per background job of a chunked run (Dealer Relations Settings → Performance)."""
	return (
		frappe.utils.cint(frappe.db.get_single_value("Dealer Relations Settings", "dealers_per_job"))
		or DEFAULT_DEALERS_PER_JOB
	)


def split(names: list[str], size: int) -> list[list[str]]:
	return [names[start : start + size] for start in range(0, len(names), max(1, size))]


def lock_dealers(names: list[str], fields: tuple[str, ...] = ()) -> list[frappe._dict]:
	"""Row locks on the dealers (in name order, so two jobs never deadlock) until the job commits:
	two workers handed the same dealers (a job delivered twice, two runs at once) take turns, and
	the second sees what the first wrote. Returns the locked rows with ``fields`` (read under the
	lock, so current)."""
	if not names:
		return []
	dealer = frappe.qb.DocType("Dealer")
	return (
		frappe.qb.from_(dealer)
		.select(dealer.name, *(dealer[fieldname] for fieldname in fields))
		.where(dealer.name.isin(names))
		.orderby(dealer.name)
		.for_update()
		.run(as_dict=True)
	)


def validate_company_accounts(settings, fieldname: str) -> None:
	"""Each Company Settings row's account in ``fieldname`` belongs to the row's company and can
	take postings (enabled, not a group); one query for all rows."""
	rows = [row for row in settings.company_settings if row.company and row.get(fieldname)]
	if not rows:
		return
	accounts = {
		account.name: account
		for account in frappe.get_all(
			"Account",
			filters={"name": ("in", [row.get(fieldname) for row in rows])},
			fields=["name", "company", "is_group", "disabled"],
		)
	}
	label = frappe.get_meta("Dealer Company Settings").get_label(fieldname)
	for row in rows:
		account = accounts.get(row.get(fieldname))
		if account and (account.company != row.company or account.is_group or account.disabled):
			frappe.throw(
				_(
					"Company Settings row #{0}: {1} {2} must be an enabled ledger (not group) account of Company {3}"
				).format(row.idx, _(label), frappe.bold(row.get(fieldname)), row.company),
				title=_("Invalid Account"),
			)
