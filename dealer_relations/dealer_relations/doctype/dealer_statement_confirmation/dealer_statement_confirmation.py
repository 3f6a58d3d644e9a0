# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import now_datetime

from dealer_relations.engine.statement import ANSWERED


class DealerStatementConfirmation(Document):
	"""A dealer's answer to its monthly statement (confirmed or disputed, made through the portal
	only) and finance's answer to it in the desk."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		answer: DF.Text | None
		answered_by: DF.Link | None
		answered_on: DF.Datetime | None
		attachment: DF.Attach | None
		closing_balance: DF.Currency
		company: DF.Link
		confirmed_by: DF.Link | None
		confirmed_on: DF.Datetime | None
		customer: DF.Link
		dealer: DF.Link
		dealer_name: DF.Data | None
		month: DF.Data
		reason: DF.SmallText | None
		status: DF.Literal["Confirmed", "Disputed", "Answered"]
	# end: auto-generated types

	def validate(self):
		self.record_answer()

	def record_answer(self):
		"""Finance answering (the answer field's permlevel says who may): the status follows and the
		answer is signed by the user, not by what the client sends."""
		before = self.get_doc_before_save()
		if before and (self.answer or "").strip() and self.answer != before.answer:
			self.status = ANSWERED
			self.answered_by = frappe.session.user
			self.answered_on = now_datetime()
