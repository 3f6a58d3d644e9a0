"""Issue (ERPNext's support ticket, the dealer portal's requests 投诉 / 咨询): what a website user
may change on one, and ERPNext's whitelisted Issue methods that write without a permission check,
each standing in for ERPNext's (override_whitelisted_methods) with the check first (rules:
dealer_relations.dealer_requests)."""

from __future__ import annotations

import json

import frappe

from dealer_relations import dealer_requests


def before_validate(doc, method=None) -> None:
	dealer_requests.check_issue_by_website_user(doc, method)


@frappe.whitelist()
def set_status(name, status):
	"""Stands in for erpnext.support.doctype.issue.issue.set_status."""
	from erpnext.support.doctype.issue.issue import set_status as erpnext_set_status

	dealer_requests.check_issue_write(name)
	return erpnext_set_status(name, status)


@frappe.whitelist()
def set_multiple_status(names, status):
	"""Stands in for erpnext.support.doctype.issue.issue.set_multiple_status."""
	from erpnext.support.doctype.issue.issue import set_multiple_status as erpnext_set_multiple_status

	dealer_requests.check_issue_write(json.loads(names) if isinstance(names, str) else names)
	return erpnext_set_multiple_status(names if isinstance(names, str) else json.dumps(names), status)


@frappe.whitelist()
def make_issue_from_communication(communication, ignore_communication_links=False):
	"""Stands in for erpnext.support.doctype.issue.issue.make_issue_from_communication."""
	from erpnext.support.doctype.issue.issue import make_issue_from_communication as erpnext_make

	dealer_requests.check_issue_from_communication(communication)
	return erpnext_make(communication, ignore_communication_links)


@frappe.whitelist()
def reset_service_level_agreement(doctype: str, docname: str, reason, user):
	"""Stands in for ERPNext's service_level_agreement.reset_service_level_agreement."""
	from erpnext.support.doctype.service_level_agreement.service_level_agreement import (
		reset_service_level_agreement as erpnext_reset,
	)

	dealer_requests.check_document_write(doctype, docname)
	return erpnext_reset(doctype, docname, reason, user)
