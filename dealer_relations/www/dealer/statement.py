"""/dealer/statement?month=YYYY-MM: the dealer's monthly statement (对账单), read from the ledger,
with its confirmation or dispute."""

import frappe
from frappe import _
from frappe.utils import fmt_money

from dealer_relations.statement import portal_statement

no_cache = 1


def get_context(context):
	args = frappe.form_dict
	context.update(portal_statement(args.get("month"), args.get("dealer")))
	context.money = fmt_money
	context.show_sidebar = True
	context.title = _("Monthly Statement")
	return context
