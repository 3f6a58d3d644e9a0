"""Postings made before the back-reference existed get it, so cancelling their settlement or
incident still reverses them: only where the posting's own remark names the record (the app wrote
the record's name into every remark), so a link that was repointed gains no back-reference."""

import frappe
from frappe.query_builder.functions import IfNull
from pypika import CustomFunction

# (record doctype, link field, posting doctype, the posting's remark field)
LINKS = (
	("Rebate Settlement", "journal_entry", "Journal Entry", "user_remark"),
	("Rebate Settlement", "credit_note", "Sales Invoice", "remarks"),
	("Diversion Incident", "journal_entry", "Journal Entry", "user_remark"),
)


Locate = CustomFunction("LOCATE", ["needle", "haystack"])


def execute():
	# the fields themselves come from the sync_custom_fields patch listed before this one
	for record_doctype, link, posting_doctype, remark in LINKS:
		record = frappe.qb.DocType(record_doctype)
		posting = frappe.qb.DocType(posting_doctype)
		(
			frappe.qb.update(posting)
			.join(record)
			.on(record[link] == posting.name)
			.set(posting.dr_posted_for_doctype, record_doctype)
			.set(posting.dr_posted_for, record.name)
			.where(record.docstatus > 0)
			.where(Locate(record.name, posting[remark]) > 0)
			.where(IfNull(posting.dr_posted_for, "") == "")
			.run()
		)
