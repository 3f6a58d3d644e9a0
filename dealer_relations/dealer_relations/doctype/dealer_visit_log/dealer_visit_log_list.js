// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.listview_settings["Dealer Visit Log"] = {
	add_fields: ["is_off_site", "visit_type"],
	get_indicator(doc) {
		if (doc.is_off_site) {
			return [__("Off-site Check-in"), "orange", "is_off_site,=,1"];
		}
		return [__(doc.visit_type), "blue", "visit_type,=," + doc.visit_type];
	},
};
