// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.listview_settings["Dealer Visit Log"] = {
	add_fields: ["is_off_site", "distance_from_dealer", "checkin_latitude"],
	get_indicator(doc) {
		if (doc.is_off_site) {
			return [__("Off-site Check-in"), "orange", "is_off_site,=,1"];
		}
		if (doc.distance_from_dealer) {
			return [__("On-site Check-in"), "green", "is_off_site,=,0"];
		}
		return [__("No Check-in"), "gray", "is_off_site,=,0"];
	},
};
