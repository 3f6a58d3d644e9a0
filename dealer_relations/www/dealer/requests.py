"""/dealer/requests: the dealer's requests (投诉 / 咨询, ERPNext Issues on its customer) and a form
to raise one; ?request=<Issue> opens one with its conversation and a reply form."""

import frappe
from frappe import _

from dealer_relations.dealer_requests import dealer_requests, request_conversation, stored_request
from dealer_relations.engine.dealer_requests import REQUEST_TYPES, SUBJECT_MAX, TEXT_MAX

no_cache = 1


def get_context(context):
	context.request_types = REQUEST_TYPES
	context.subject_max, context.text_max = SUBJECT_MAX, TEXT_MAX
	name = frappe.form_dict.get("request")
	if name:
		context.dealers, context.request = stored_request(name)
		context.conversation = request_conversation(context.request)
	else:
		context.dealers, context.requests = dealer_requests()
	context.show_sidebar = True
	context.title = _("Requests")
	return context
