// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.listview_settings["Dealer"] = {
	add_fields: ["status", "tier", "sales_rep", "next_visit_due"],
	get_indicator(doc) {
		const worked = ["Prospect", "Active"].includes(doc.status);
		if (worked && doc.next_visit_due && doc.next_visit_due < frappe.datetime.get_today()) {
			return [__("Visit Overdue"), "red", "next_visit_due,<,Today"];
		}
		const colors = {
			Prospect: "blue",
			Active: "green",
			Suspended: "orange",
			Terminated: "gray",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
