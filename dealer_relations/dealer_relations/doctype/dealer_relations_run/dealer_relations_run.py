# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


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

	pass
