"""/dealer/incidents: the dealer's own diversion (串货) incidents, their stage and penalty; while
one is under review the dealer replies with a statement and evidence."""

from frappe import _
from frappe.utils import fmt_money

from dealer_relations.portal import dealer_incidents

no_cache = 1


def get_context(context):
	context.dealers = dealer_incidents()
	context.money = fmt_money
	context.show_sidebar = True
	context.title = _("Diversion Incidents")
	return context
