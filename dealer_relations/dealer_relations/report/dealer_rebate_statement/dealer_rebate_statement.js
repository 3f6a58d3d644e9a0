// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Dealer Rebate Statement"] = {
	filters: [
		{
			fieldname: "rebate_policy",
			label: __("Rebate Policy"),
			fieldtype: "Link",
			options: "Rebate Policy",
			get_query: () => ({ filters: { docstatus: 1 } }),
		},
		{
			fieldname: "dealer",
			label: __("Dealer"),
			fieldtype: "Link",
			options: "Dealer",
		},
		{
			fieldname: "as_of",
			label: __("As Of"),
			fieldtype: "Date",
		},
	],
};
