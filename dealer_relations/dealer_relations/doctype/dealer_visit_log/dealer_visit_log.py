# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import get_datetime, getdate, now_datetime

from dealer_relations.engine.dealer import ACTIVE, check_sales_rep, is_row_restricted
from dealer_relations.engine.visits import (
	assess_checkin,
	check_coordinates,
	check_dealer_visitable,
	check_visit,
	check_visit_rep,
	is_overdue,
)
from dealer_relations.utils import enforce, get_rep_info
from dealer_relations.visits import (
	close_overdue_todos,
	create_action_todos,
	get_dealer_location,
	refresh_dealer_visit_dates,
)


class DealerVisitLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from dealer_relations.dealer_relations.doctype.dealer_visit_action.dealer_visit_action import (
			DealerVisitAction,
		)
		from dealer_relations.dealer_relations.doctype.dealer_visit_attendee.dealer_visit_attendee import (
			DealerVisitAttendee,
		)
		from dealer_relations.dealer_relations.doctype.dealer_visit_competitor.dealer_visit_competitor import (
			DealerVisitCompetitor,
		)

		actions: DF.Table[DealerVisitAction]
		attendees: DF.Table[DealerVisitAttendee]
		checkin_accuracy: DF.Float
		checkin_latitude: DF.Float
		checkin_longitude: DF.Float
		company: DF.Link | None
		competitors: DF.Table[DealerVisitCompetitor]
		dealer: DF.Link
		dealer_name: DF.Data | None
		display_quality: DF.Literal["", "Good", "Fair", "Poor", "None"]
		distance_from_dealer: DF.Float
		is_off_site: DF.Check
		next_visit_date: DF.Date | None
		next_visit_purpose: DF.Data | None
		outcome: DF.Text | None
		purpose: DF.SmallText | None
		sales_rep: DF.Link
		stock_level: DF.Literal["", "Adequate", "Low", "Out of Stock", "Overstocked"]
		store_notes: DF.SmallText | None
		tier: DF.Link | None
		visit_date: DF.Datetime
		visit_type: DF.Literal[
			"Routine", "Development", "Complaint Handling", "Training", "Promotion Support", "Collection"
		]
	# end: auto-generated types

	def before_validate(self):
		if not self.sales_rep:
			self.sales_rep = frappe.session.user

	def validate(self):
		if not self.next_visit_date:
			self.next_visit_purpose = None  # the dealer's portal shows a purpose with its date only
		if not self.dealer:
			return  # Frappe's mandatory check names the missing field next
		dealer = frappe.db.get_value(
			"Dealer", self.dealer, ["name", "customer", "status", "sales_rep", "creation"], as_dict=True
		)
		self.validate_rep(dealer)
		enforce(check_dealer_visitable, self.dealer, dealer.status)
		enforce(
			check_visit,
			get_datetime(self.visit_date),
			now_datetime(),
			get_datetime(dealer.creation),
			getdate(self.next_visit_date) if self.next_visit_date else None,
		)
		self.set_checkin_assessment(dealer)

	def on_update(self):
		create_action_todos(self)
		dealers = {self.dealer}
		before = self.get_doc_before_save()
		if before and before.dealer != self.dealer:
			dealers.add(before.dealer)
		dates = refresh_dealer_visit_dates(dealers)
		_last, due = dates.get(self.dealer, (None, None))
		if not is_overdue(due, getdate(), ACTIVE):
			close_overdue_todos([self.dealer])

	def after_delete(self):
		refresh_dealer_visit_dates([self.dealer])

	def validate_rep(self, dealer):
		roles = frappe.get_roles()
		enforce(check_visit_rep, self.dealer, dealer.sales_rep, frappe.session.user, is_row_restricted(roles))
		if is_row_restricted(roles):
			self.sales_rep = frappe.session.user  # a rep logs their own visits
		enforce(check_sales_rep, get_rep_info(self.sales_rep))

	def set_checkin_assessment(self, dealer):
		has_checkin = bool(self.checkin_latitude or self.checkin_longitude)
		latitude = self.checkin_latitude if has_checkin else None
		longitude = self.checkin_longitude if has_checkin else None
		enforce(check_coordinates, latitude, longitude)
		assessment = assess_checkin(
			(latitude, longitude) if has_checkin else None,
			get_dealer_location(self.dealer, dealer.customer) if has_checkin else None,
			frappe.db.get_single_value("Dealer Relations Settings", "checkin_max_distance") or 0,
		)
		self.distance_from_dealer = assessment.distance_m
		self.is_off_site = int(assessment.off_site)
