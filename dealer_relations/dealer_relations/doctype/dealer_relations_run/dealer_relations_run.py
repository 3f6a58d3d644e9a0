# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import add_days, now_datetime


class DealerRelationsRun(Document):
	"""A chunked background run, written by the run's own code (dealer_relations.runs), never by hand."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from dealer_relations.dealer_relations.doctype.dealer_relations_run_job.dealer_relations_run_job import (
			DealerRelationsRunJob,
		)

		finished_on: DF.Datetime | None
		jobs: DF.Table[DealerRelationsRunJob]
		jobs_done: DF.Int
		jobs_expected: DF.Int
		last_progress_on: DF.Datetime | None
		queue: DF.Data | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		run_type: DF.Literal["Rebate Settlements", "Credit Rating"]
		scope: DF.Data | None
		started_on: DF.Datetime | None
		status: DF.Literal["Running", "Finished"]
	# end: auto-generated types

	@staticmethod
	def clear_old_logs(days: int = 90) -> None:
		"""Log Settings (daily): finished runs older than ``days`` go with their job rows; an
		unfinished run stays, however old, until it is resumed."""
		run, job = frappe.qb.DocType("Dealer Relations Run"), frappe.qb.DocType("Dealer Relations Run Job")
		old = (
			frappe.qb.from_(run)
			.select(run.name)
			.where(run.status == "Finished")
			.where(run.finished_on < add_days(now_datetime(), -days))
		)
		names = old.run(pluck=True)
		if names:
			frappe.qb.from_(job).delete().where(job.parent.isin(names)).run()
			frappe.qb.from_(run).delete().where(run.name.isin(names)).run()
