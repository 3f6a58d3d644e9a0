"""Dealer requests (投诉 / 咨询): what a dealer may write when it raises a complaint or an inquiry
from the portal (an ERPNext Issue) and when it answers one. Limits are in characters of the text
as the dealer typed it, blanks at the ends left out."""

from __future__ import annotations

from dealer_relations.engine.errors import RuleViolation, _

COMPLAINT = "Complaint"  # 投诉
INQUIRY = "Inquiry"  # 咨询
REQUEST_TYPES = (COMPLAINT, INQUIRY)
SUBJECT_MAX = 140  # ERPNext's Issue subject is a Data field of 140 characters
TEXT_MAX = 5000
# ERPNext's Issue statuses: a received message reopens every one of them (frappe's
# update_parent_document_on_communication); the portal takes no answer on a closed request.
CLOSED = "Closed"


def check_text(text: str | None, field: str, label: str, limit: int) -> str:
	"""The text without blanks at its ends: required, at most ``limit`` characters."""
	value = (text or "").strip()
	if not value:
		raise RuleViolation(_("Please fill in {0}"), (label,), field, _("Missing Value"), translate_args=True)
	if len(value) > limit:
		raise RuleViolation(
			_("{0} may be {1} characters at most, not {2}"),
			(label, limit, len(value)),
			field,
			_("Too Long"),
			translate_args=True,
		)
	return value


def check_new_request(
	subject: str | None, description: str | None, request_type: str | None
) -> tuple[str, str, str]:
	"""A new request: one of the two types, a subject and a description within their limits.
	Returns the cleaned (subject, description, type)."""
	if request_type not in REQUEST_TYPES:
		raise RuleViolation(_("Please choose Complaint or Inquiry"), (), "request_type", _("Missing Value"))
	return (
		check_text(subject, "subject", _("Subject"), SUBJECT_MAX),
		check_text(description, "description", _("Description"), TEXT_MAX),
		request_type,
	)


def check_request_reply(issue: str, status: str | None, message: str | None) -> str:
	"""A dealer's answer on one of its requests: not on a closed one (a new request is raised
	instead), with a message within the limit. Returns the cleaned message."""
	if status == CLOSED:
		raise RuleViolation(
			_("Request {0} is closed: please raise a new request"),
			(issue,),
			"status",
			_("Request Closed"),
		)
	return check_text(message, "message", _("Message"), TEXT_MAX)
