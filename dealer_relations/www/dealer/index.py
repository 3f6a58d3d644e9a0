"""/dealer: the dealer user's standing (credit limit, exposure, available, grade, open orders)."""

from frappe import _
from frappe.utils import fmt_money

from dealer_relations.portal import dealer_standings

no_cache = 1


def get_context(context):
	context.standings = dealer_standings()
	context.money = fmt_money
	context.show_sidebar = True
	context.title = _("Dealer Home")
	return context
