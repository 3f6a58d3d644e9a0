"""Frappe's website comments: its whitelisted add_comment writes a published comment on any
document for any logged-in user; this one stands in for it (override_whitelisted_methods) with the
reader's check first (rule: dealer_relations.dealer_requests.check_comment_allowed)."""

from __future__ import annotations

import frappe

from dealer_relations import dealer_requests


@frappe.whitelist(allow_guest=True)
def add_comment(comment, comment_email, comment_by, reference_doctype, reference_name, route):
	"""Stands in for frappe.templates.includes.comments.comments.add_comment (its rate limit and
	Guest rules still apply: it is called as it is)."""
	from frappe.templates.includes.comments.comments import add_comment as frappe_add_comment

	dealer_requests.check_comment_allowed(reference_doctype, reference_name)
	return frappe_add_comment(comment, comment_email, comment_by, reference_doctype, reference_name, route)
