"""Install, migrate and uninstall steps: everything a site needs without manual setup."""

from __future__ import annotations

import json

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from dealer_relations.engine.dealer import APP_ROLES
from dealer_relations.engine.dealer_requests import COMPLAINT, INQUIRY
from dealer_relations.setup.custom_fields import get_custom_fields
from dealer_relations.setup.indexes import add_indexes, remove_indexes
from dealer_relations.setup.workflow import make_workflows, remove_workflows

DEFAULT_TIERS = (
	{
		"tier_name": "A",
		"rank": 1,
		"visit_interval_days": 7,
		"default_credit_limit": 500000,
		"description": "Key dealer: large volume, strategic region. Weekly visits.",
	},
	{
		"tier_name": "B",
		"rank": 2,
		"visit_interval_days": 14,
		"default_credit_limit": 200000,
		"description": "Regular dealer: steady volume. Fortnightly visits.",
	},
	{
		"tier_name": "C",
		"rank": 3,
		"visit_interval_days": 30,
		"default_credit_limit": 50000,
		"description": "Potential dealer: small today, worth developing. Monthly visits.",
	},
)


# Role Profiles: each app role bundled with the ERPNext roles its work needs, so nobody grants
# ERPNext roles by hand. A rep picks customers, territories and items and raises quotations and
# orders (Sales User); a rebate accountant posts journal entries and credit notes (Accounts User).
ROLE_PROFILES = {
	"Dealer Sales Rep": ("Dealer Sales Rep", "Sales User"),
	"Dealer Manager": ("Dealer Manager", "Sales Manager", "Sales User"),
	"Credit Controller": ("Credit Controller", "Accounts User", "Sales User"),
	"Rebate Accountant": ("Rebate Accountant", "Accounts User"),
}

PREEXISTING_ROLES_KEY = "dealer_relations_preexisting_roles"
PREEXISTING_PROFILES_KEY = "dealer_relations_preexisting_role_profiles"
PREEXISTING_FIELDS_KEY = "dealer_relations_preexisting_custom_fields"


def before_install() -> None:
	"""Remember which of our role names the site already had (e.g. a "Credit Controller" made for
	ERPNext's Accounts Settings) so uninstall removes only the roles this app created."""
	existing = [role for role in APP_ROLES if frappe.db.exists("Role", role)]
	frappe.db.set_default(PREEXISTING_ROLES_KEY, json.dumps(existing))
	profiles = [name for name in ROLE_PROFILES if frappe.db.exists("Role Profile", name)]
	frappe.db.set_default(PREEXISTING_PROFILES_KEY, json.dumps(profiles))
	frappe.db.set_default(PREEXISTING_FIELDS_KEY, json.dumps(preexisting_custom_fields()))


def after_install() -> None:
	make_roles()
	# Before the custom fields: adding a column commits (DDL), so a reinstall in the middle of a
	# transaction keeps the workflow too.
	make_workflows()
	make_role_profiles()
	make_custom_fields()
	make_default_tiers()
	make_default_credit_settings()
	make_default_diversion_settings()
	make_request_types()
	add_indexes()


def before_uninstall() -> None:
	"""Runs before Frappe drops our doctypes and is committed with them (after_uninstall is not)."""
	remove_custom_fields()
	remove_indexes()
	remove_role_profiles()
	remove_workflows()
	remove_roles()
	frappe.defaults.clear_default(PREEXISTING_ROLES_KEY, parent="__default")
	frappe.defaults.clear_default(PREEXISTING_PROFILES_KEY, parent="__default")
	frappe.defaults.clear_default(PREEXISTING_FIELDS_KEY, parent="__default")


def before_tests() -> None:
	"""Make a fresh test site usable: ERPNext's setup wizard done, a company to attach dealers to."""
	frappe.clear_cache()
	if not frappe.db.a_row_exists("Company"):
		from erpnext.setup.utils import before_tests as erpnext_before_tests

		erpnext_before_tests()
	after_install()
	frappe.db.commit()  # nosemgrep: test-site preparation runs outside a request


def make_roles() -> None:
	for role in APP_ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def make_role_profiles() -> None:
	"""Create the profiles, or add our roles to a same-named profile the site already had."""
	for name, roles in ROLE_PROFILES.items():
		if frappe.db.exists("Role Profile", name):
			profile = frappe.get_doc("Role Profile", name)
			missing = [role for role in roles if role not in {row.role for row in profile.roles}]
			if not missing:
				continue
			for role in missing:
				profile.append("roles", {"role": role})
			profile.save(ignore_permissions=True)
		else:
			frappe.get_doc(
				{"doctype": "Role Profile", "role_profile": name, "roles": [{"role": role} for role in roles]}
			).insert(ignore_permissions=True)


def remove_role_profiles() -> None:
	"""Remove the profiles this app created; their users keep the roles but lose the profile link."""
	preexisting = set(json.loads(frappe.db.get_default(PREEXISTING_PROFILES_KEY) or "[]"))
	for name in ROLE_PROFILES:
		if name in preexisting or not frappe.db.exists("Role Profile", name):
			continue
		frappe.db.set_value(
			"User", {"role_profile_name": name}, "role_profile_name", None, update_modified=False
		)
		frappe.delete_doc("Role Profile", name, ignore_permissions=True, force=True)


def remove_roles() -> None:
	"""Remove the roles this app created, and their assignments, so nothing dangles after uninstall."""
	preexisting = set(json.loads(frappe.db.get_default(PREEXISTING_ROLES_KEY) or "[]"))
	for role in APP_ROLES:
		if role in preexisting:
			continue
		# Only user assignments: our workspace and reports carry Has Role rows too, and Frappe
		# deletes those documents (with their rows) when it removes the module.
		frappe.db.delete("Has Role", {"role": role, "parenttype": "User"})
		frappe.db.delete("Custom DocPerm", {"role": role})
		frappe.db.delete("Role", {"name": role})


def make_custom_fields() -> None:
	# ERPNext 15.90's Customer links an absent "WhatsApp Message" doctype, so validating the
	# whole Customer meta fails; our field definitions are static and known good.
	create_custom_fields(get_custom_fields(), ignore_validate=True)


def field_key(doctype: str, fieldname: str) -> str:
	return f"{doctype}.{fieldname}"


def preexisting_custom_fields() -> dict[str, dict]:
	"""The site's own custom fields with a name one of ours takes (an ``Address.territory`` made by
	hand or by another app), each with the properties install overwrites: uninstall gives them back
	as they were instead of dropping the site's field and its data."""
	ours = get_custom_fields()
	wanted = {
		field_key(doctype, field["fieldname"]): field for doctype, fields in ours.items() for field in fields
	}
	properties = sorted({prop for field in wanted.values() for prop in field if prop != "fieldname"})
	existing = frappe.get_all(
		"Custom Field",
		filters={"dt": ("in", list(ours)), "fieldname": ("in", [key.split(".", 1)[1] for key in wanted])},
		fields=["dt", "fieldname", *properties],
	)
	return {
		field_key(row.dt, row.fieldname): {
			prop: row[prop] for prop in wanted[field_key(row.dt, row.fieldname)] if prop != "fieldname"
		}
		for row in existing
		if field_key(row.dt, row.fieldname) in wanted
	}


def remove_custom_fields() -> None:
	"""Remove the custom fields this app created (with their columns and property setters); a field
	the site had before install keeps its column, data and property setters and gets back the
	properties install overwrote."""
	preexisting = json.loads(frappe.db.get_default(PREEXISTING_FIELDS_KEY) or "{}")
	for doctype, fields in get_custom_fields().items():
		fieldnames = [field["fieldname"] for field in fields]
		for fieldname in fieldnames:
			if field_key(doctype, fieldname) in preexisting:
				restore_custom_field(doctype, fieldname, preexisting[field_key(doctype, fieldname)])
		fieldnames = [name for name in fieldnames if field_key(doctype, name) not in preexisting]
		if not fieldnames:
			continue
		for name in frappe.get_all(
			"Custom Field", filters={"dt": doctype, "fieldname": ("in", fieldnames)}, pluck="name"
		):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": ("in", fieldnames)})
		# Frappe keeps a deleted custom field's column; drop ours so the table is as ERPNext made it.
		for fieldname in fieldnames:
			if frappe.db.has_column(doctype, fieldname):
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{fieldname}`")
		frappe.cache.hdel("table_columns", f"tab{doctype}")  # as frappe's own trim_table does
		frappe.clear_cache(doctype=doctype)


def restore_custom_field(doctype: str, fieldname: str, properties: dict) -> None:
	name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": fieldname})
	if not name:
		return
	field = frappe.get_doc("Custom Field", name)
	field.update(properties)
	field.flags.ignore_validate = True
	field.save(ignore_permissions=True)


def make_default_tiers() -> None:
	for tier in DEFAULT_TIERS:
		if not frappe.db.exists("Dealer Tier", tier["tier_name"]):
			frappe.get_doc({"doctype": "Dealer Tier", **tier}).insert(ignore_permissions=True)
	settings = frappe.get_single("Dealer Relations Settings")
	if not settings.default_tier:
		settings.default_tier = DEFAULT_TIERS[-1]["tier_name"]
		settings.save(ignore_permissions=True)


def make_default_credit_settings() -> None:
	from dealer_relations.credit import make_default_credit_settings as make_defaults

	make_defaults()


def make_default_diversion_settings() -> None:
	from dealer_relations.diversion import make_default_diversion_settings as make_defaults

	make_defaults()


# The Issue Types of the dealer portal's requests (dealer_relations.dealer_requests)
REQUEST_TYPE_DESCRIPTIONS = {
	COMPLAINT: "投诉: a complaint a dealer raised on the dealer portal",
	INQUIRY: "咨询: an inquiry a dealer raised on the dealer portal",
}


def make_request_types() -> None:
	"""Kept on uninstall: they are ERPNext master data that Issues link."""
	for name, description in REQUEST_TYPE_DESCRIPTIONS.items():
		if not frappe.db.exists("Issue Type", name):
			frappe.get_doc({"doctype": "Issue Type", "__newname": name, "description": description}).insert(
				ignore_permissions=True
			)
