"""/dealer: the dealer user's standing (credit limit, exposure, available, grade, open orders)."""

from frappe import _
from frappe.utils import fmt_money

from dealer_relations.portal import dealer_standing, require_portal_dealers

no_cache = 1


def get_context(context):
	context.standings = [dealer_standing(dealer) for dealer in require_portal_dealers()]
	context.money = fmt_money
	context.show_sidebar = True
	context.title = _("Dealer Home")
	return context
