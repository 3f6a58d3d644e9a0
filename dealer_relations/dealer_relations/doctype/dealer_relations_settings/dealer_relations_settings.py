# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DealerRelationsSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from dealer_relations.dealer_relations.doctype.dealer_company_settings.dealer_company_settings import (
			DealerCompanySettings,
		)
		from dealer_relations.dealer_relations.doctype.dealer_credit_grade.dealer_credit_grade import (
			DealerCreditGrade,
		)
		from dealer_relations.dealer_relations.doctype.diversion_penalty_step.diversion_penalty_step import (
			DiversionPenaltyStep,
		)
		from dealer_relations.dealer_relations.doctype.diversion_territory_rule.diversion_territory_rule import (
			DiversionTerritoryRule,
		)

		auto_create_rebate_settlements: DF.Check
		checkin_max_distance: DF.Int
		company_settings: DF.Table[DealerCompanySettings]
		create_overdue_todos: DF.Check
		credit_grades: DF.Table[DealerCreditGrade]
		dealers_per_job: DF.Int
		default_tier: DF.Link | None
		diversion_penalty_ladder: DF.Table[DiversionPenaltyStep]
		diversion_territory_rules: DF.Table[DiversionTerritoryRule]
		diversion_window_months: DF.Int
		full_points_volume: DF.Currency
		rate_dealers_monthly: DF.Check
		rebate_run_delay_days: DF.Int
		warn_redundant_territories: DF.Check
		weight_days_late: DF.Float
		weight_diversions: DF.Float
		weight_on_time_share: DF.Float
		weight_relationship: DF.Float
		weight_returns_ratio: DF.Float
		weight_sales_trend: DF.Float
		weight_sales_volume: DF.Float
		weight_worst_overdue: DF.Float
	# end: auto-generated types

	def validate(self):
		self.validate_removed_company_rows()
		self.validate_one_row_per_company()
		self.validate_credit_settings()
		self.validate_rebate_settings()
		self.validate_diversion_settings()

	def validate_removed_company_rows(self):
		"""A company's row holds each owner's settings (accounts: finance, credit enforcement:
		credit, diversion detection: the Dealer Manager): only a user who may edit them all
		removes it, or removing it would reset the others' settings."""
		before = self.get_doc_before_save()
		if not before or self.flags.ignore_permissions or frappe.session.user == "Administrator":
			return
		kept = {row.name for row in self.company_settings}
		removed = [row.company for row in before.company_settings if row.name not in kept]
		levels = {
			df.permlevel for df in frappe.get_meta("Dealer Company Settings").get_high_permlevel_fields()
		}
		if removed and levels - set(self.get_permlevel_access("write")):
			frappe.throw(
				_("Only a user who may edit all of a company's settings may remove its row: {0}").format(
					", ".join(frappe.bold(company) for company in removed)
				),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)

	def validate_one_row_per_company(self):
		seen = set()
		for row in self.company_settings:
			if row.company in seen:
				frappe.throw(
					_("Row #{0}: Company {1} already has a row in Company Settings").format(
						row.idx, frappe.bold(row.company)
					),
					title=_("Duplicate Company"),
				)
			seen.add(row.company)

	def validate_credit_settings(self):
		from dealer_relations.credit import validate_settings

		validate_settings(self)

	def validate_rebate_settings(self):
		from dealer_relations.rebates import validate_company_rebate_settings

		validate_company_rebate_settings(self)

	def validate_diversion_settings(self):
		from dealer_relations.diversion import validate_settings as validate_diversion

		validate_diversion(self)
