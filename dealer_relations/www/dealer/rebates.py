"""/dealer/rebates: per running rebate policy, the dealer's volume, slab, gap to the next slab and
the rebate so far and projected; the dealer's settlements and rebate account (返利池)."""

import frappe
from frappe import _
from frappe.utils import fmt_money

from dealer_relations.portal import dealer_rebate_account, dealer_rebates, require_portal_dealers

no_cache = 1


def get_context(context):
	context.dealers = [
		(dealer, frappe._dict(dealer_rebates(dealer), account=dealer_rebate_account(dealer)))
		for dealer in require_portal_dealers()
	]
	context.money = fmt_money
	context.show_sidebar = True
	context.title = _("Rebates")
	return context
