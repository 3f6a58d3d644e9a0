from dealer_relations.setup.regional import every_country

app_name = "dealer_relations"
app_title = "Dealer Relations"
app_publisher = "Dealer Relations contributors"
app_description = (
	"Dealer channel management for ERPNext: dealer master, visits, credit, diversion control and rebates"
)
app_email = "dealer-relations@example.com"
app_license = "mit"
app_icon = "octicon octicon-organization"
app_color = "#2490EF"

# org/repo form: a bare name makes install-app ask GitHub to resolve it, which fails offline.
required_apps = ["frappe/erpnext"]

add_to_apps_screen = [
	{
		"name": "dealer_relations",
		"logo": "/assets/dealer_relations/images/dealer-relations.svg",
		"title": "Dealer Relations",
		"route": "/app/dealer-relations",
		"has_permission": "dealer_relations.portal.check_app_permission",
	}
]

# A chunked background run's state and Resume button, on the forms that start one and its own
doctype_js = {
	"Rebate Policy": "public/js/background_run.js",
	"Dealer Relations Settings": "public/js/background_run.js",
	"Dealer Relations Run": "public/js/background_run.js",
	# "Apply Rebate Balance" on a dealer's order or invoice
	# and free goods (货补) lines at 100 % off
	"Sales Order": ["public/js/rebate_deduction.js", "public/js/free_goods.js"],
	"Sales Invoice": "public/js/rebate_deduction.js",
}

# Log Settings clears finished runs after this many days (unfinished ones stay)
default_log_clearing_doctypes = {"Dealer Relations Run": 90}

# Install / uninstall / tests
before_install = "dealer_relations.setup.install.before_install"
after_install = "dealer_relations.setup.install.after_install"
before_uninstall = "dealer_relations.setup.install.before_uninstall"
before_tests = "dealer_relations.setup.install.before_tests"

# Row-level access for Dealer Sales Reps
permission_query_conditions = {
	"Dealer": "dealer_relations.permissions.dealer_query_conditions",
	"Dealer Visit Log": "dealer_relations.permissions.visit_log_query_conditions",
	"Dealer Credit Rating": "dealer_relations.permissions.credit_rating_query_conditions",
	"Dealer Credit Override": "dealer_relations.permissions.credit_override_query_conditions",
	"Rebate Settlement": "dealer_relations.permissions.rebate_settlement_query_conditions",
	"Diversion Incident": "dealer_relations.permissions.diversion_incident_query_conditions",
	"Dealer Rebate Ledger Entry": "dealer_relations.permissions.rebate_ledger_query_conditions",
	# their child tables: rows of the parent rows the user may list (permissions.CHILD_TABLE_PARENTS)
	"Dealer Key Person": "dealer_relations.permissions.child_table_query_conditions",
	"Dealer Territory": "dealer_relations.permissions.child_table_query_conditions",
	"Dealer Visit Competitor": "dealer_relations.permissions.child_table_query_conditions",
	"Dealer Visit Attendee": "dealer_relations.permissions.child_table_query_conditions",
	"Dealer Visit Action": "dealer_relations.permissions.child_table_query_conditions",
	"Dealer Credit Rating Factor": "dealer_relations.permissions.child_table_query_conditions",
	"Diversion Incident Item": "dealer_relations.permissions.child_table_query_conditions",
	"Rebate Settlement Slab": "dealer_relations.permissions.child_table_query_conditions",
	"Dealer Statement Confirmation": "dealer_relations.permissions.statement_confirmation_query_conditions",
}
has_permission = {
	"Dealer": "dealer_relations.permissions.dealer_has_permission",
	"Dealer Visit Log": "dealer_relations.permissions.visit_log_has_permission",
	"Dealer Credit Rating": "dealer_relations.permissions.dealer_record_has_permission",
	"Dealer Credit Override": "dealer_relations.permissions.dealer_record_has_permission",
	"Rebate Settlement": "dealer_relations.permissions.dealer_record_has_permission",
	"Dealer Rebate Ledger Entry": "dealer_relations.permissions.dealer_record_has_permission",
	"Diversion Incident": "dealer_relations.permissions.diversion_incident_has_permission",
	"Dealer Statement Confirmation": "dealer_relations.permissions.dealer_record_has_permission",
}

# The dealer portal (经销商门户): dealer users are website users with role Customer linked to the
# dealer's Customer (portal.py); they reach their own confirmations only.
has_website_permission = {
	"Dealer Statement Confirmation": "dealer_relations.statement.confirmation_has_website_permission",
}
# A dealer's portal user lands on /dealer after login; other website users keep Frappe's default
get_website_user_home_page = "dealer_relations.portal.get_website_user_home_page"
# Portal users print in the default format only (staff formats may show costs)
before_request = ["dealer_relations.portal.restrict_portal_print_formats"]
portal_menu_items = [
	{"title": "Dealer Home", "route": "/dealer", "role": "Customer"},
	{"title": "Statement", "route": "/dealer/statement", "role": "Customer"},
	{"title": "Rebates", "route": "/dealer/rebates", "role": "Customer"},
	{"title": "Diversion Incidents", "route": "/dealer/incidents", "role": "Customer"},
	{"title": "Requests", "route": "/dealer/requests", "role": "Customer"},
]

# The release of a rebate deduction's liability is written into the Sales Invoice's own GL (so it
# is reversed with the invoice and rebuilt by ERPNext's reposts): ERPNext's only way in is its
# regional override, listed for every country (dealer_relations.setup.regional).
regional_overrides = every_country()

# Frappe 15's frappe.client.get_count counts without a permission check: ours count what the user
# may list.
override_whitelisted_methods = {
	"frappe.client.get_count": "dealer_relations.permissions.get_count",
	# ERPNext's Update Items, with the dealer's credit lock taken first
	"erpnext.controllers.accounts_controller.update_child_qty_rate": (
		"dealer_relations.overrides.sales_order.update_child_qty_rate"
	),
	# ERPNext's Issue methods and Frappe's website comments write with no permission check: a
	# portal user could close, take over or answer another dealer's request (overrides/issue.py)
	"erpnext.support.doctype.issue.issue.set_status": "dealer_relations.overrides.issue.set_status",
	"erpnext.support.doctype.issue.issue.set_multiple_status": (
		"dealer_relations.overrides.issue.set_multiple_status"
	),
	"erpnext.support.doctype.issue.issue.make_issue_from_communication": (
		"dealer_relations.overrides.issue.make_issue_from_communication"
	),
	"erpnext.support.doctype.service_level_agreement.service_level_agreement.reset_service_level_agreement": (
		"dealer_relations.overrides.issue.reset_service_level_agreement"
	),
	"frappe.templates.includes.comments.comments.add_comment": "dealer_relations.overrides.comment.add_comment",
}

# Visits on the Dealer form timeline
additional_timeline_content = {
	"Dealer": [
		"dealer_relations.visits.get_visit_timeline",
		"dealer_relations.diversion.get_dealer_incident_timeline",
	],
}

scheduler_events = {
	"daily": ["dealer_relations.visits.create_overdue_todos"],
	"monthly_long": [
		"dealer_relations.credit.rate_dealers_monthly",
		"dealer_relations.accruals.accrue_running_policies",
	],
	"daily_long": [
		"dealer_relations.rebates.create_due_settlements",
		"dealer_relations.rebate_account.expire_balances",
	],
}

# ERPNext integration: every handler is in overrides/, one module per ERPNext doctype (or group of
# doctypes handled alike), each a thin delegate to the capability's service.
doc_events = {
	"Customer": {
		"after_rename": "dealer_relations.overrides.customer.rename_dealer_with_customer",
		"validate": "dealer_relations.overrides.customer.warn_about_erpnext_credit_limits",
	},
	"Sales Order": {
		"before_validate": "dealer_relations.overrides.sales_order.before_validate",
		"validate": "dealer_relations.overrides.sales_order.validate",
		"before_submit": "dealer_relations.overrides.sales_order.before_submit",
		"before_update_after_submit": "dealer_relations.overrides.sales_order.before_update_after_submit",
		"on_cancel": "dealer_relations.overrides.sales_order.on_cancel",
		"on_change": "dealer_relations.overrides.sales_order.on_change",
	},
	"Sales Invoice": {
		"before_validate": "dealer_relations.overrides.sales_invoice.before_validate",
		"validate": "dealer_relations.overrides.sales_invoice.validate",
		"before_submit": "dealer_relations.overrides.sales_invoice.before_submit",
		"before_update_after_submit": "dealer_relations.overrides.sales_invoice.before_update_after_submit",
		"on_submit": "dealer_relations.overrides.sales_invoice.on_submit",
		"on_cancel": "dealer_relations.overrides.sales_invoice.on_cancel",
	},
	# Cross-region diversion (串货): ship-to territory of addresses, detection on delivery.
	"Address": {
		"validate": "dealer_relations.overrides.address.validate",
	},
	# The Territory tree is cached (detection and reports read it on every call): drop it on change.
	"Territory": {
		"on_update": "dealer_relations.overrides.territory.on_change",
		"on_trash": "dealer_relations.overrides.territory.on_change",
		"after_rename": "dealer_relations.overrides.territory.on_change",
	},
	# The dealer portal's requests (投诉 / 咨询): a website user never moves an Issue to another
	# customer nor changes its status (ERPNext's /issues web form saves read-only fields too)
	"Issue": {
		"before_validate": "dealer_relations.overrides.issue.before_validate",
	},
	"Delivery Note": {
		"validate": "dealer_relations.overrides.delivery_note.validate",
		"before_submit": "dealer_relations.overrides.delivery_note.before_submit",
		"before_update_after_submit": "dealer_relations.overrides.delivery_note.before_update_after_submit",
		"on_submit": "dealer_relations.overrides.delivery_note.on_submit",
		"on_cancel": "dealer_relations.overrides.delivery_note.on_cancel",
	},
}
