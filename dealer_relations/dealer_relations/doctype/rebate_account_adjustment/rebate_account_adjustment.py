# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""A controlled manual correction of one lot of a dealer's rebate account (返利池): an Accounts
Manager submits it with a reason; it posts Dr rebate expense / Cr rebate liability (or the opposite)
and an Adjusted ledger entry; cancelling writes the opposite of both. Rules:
dealer_relations.engine.rebate_account.check_adjustment."""

from frappe.model.document import Document

from dealer_relations import rebate_account
from dealer_relations.permissions import note_changes_above_permlevel
from dealer_relations.postings import check_own_postings, keep_posting_links

POSTING_LINKS = ("journal_entry",)


class RebateAccountAdjustment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amended_from: DF.Link | None
		amount: DF.Currency
		company: DF.Link
		currency: DF.Link | None
		dealer: DF.Link
		dealer_name: DF.Data | None
		journal_entry: DF.Link | None
		posting_date: DF.Date
		reason: DF.SmallText
		rebate_settlement: DF.Link
	# end: auto-generated types

	def validate_higher_perm_levels(self):
		# the Journal Entry is the app's to set (permlevel 1, nobody writes it)
		note_changes_above_permlevel(self)
		super().validate_higher_perm_levels()

	def validate(self):
		keep_posting_links(self, POSTING_LINKS)
		rebate_account.validate_adjustment(self)

	def before_update_after_submit(self):
		keep_posting_links(self, POSTING_LINKS)

	def before_submit(self):
		# judged again under the dealer's row lock, as every spend is
		rebate_account.validate_adjustment(self, lock=True)

	def on_submit(self):
		rebate_account.post_adjustment(self)

	def before_cancel(self):
		check_own_postings(
			self, [("Journal Entry", self.journal_entry)]
		)  # refused before anything is written
		rebate_account.check_adjustment_cancel(self)

	def on_cancel(self):
		self.ignore_linked_doctypes = ("GL Entry", "Payment Ledger Entry", "Journal Entry")
		rebate_account.reverse_adjustment(self)
