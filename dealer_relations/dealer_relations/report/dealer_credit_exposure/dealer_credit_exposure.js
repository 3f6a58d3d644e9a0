// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Dealer Credit Exposure"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "sales_rep",
			label: __("Sales Rep"),
			fieldtype: "Link",
			options: "User",
		},
		{
			fieldname: "tier",
			label: __("Tier"),
			fieldtype: "Link",
			options: "Dealer Tier",
		},
		{
			fieldname: "credit_grade",
			label: __("Credit Grade"),
			fieldtype: "Data",
		},
		{
			fieldname: "territory",
			label: __("Territory"),
			fieldtype: "Link",
			options: "Territory",
		},
		{
			fieldname: "over_limit_only",
			label: __("Over Limit Only"),
			fieldtype: "Check",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		if (column.fieldname === "available_credit" && data.available_credit < 0) {
			value = `<span class="text-danger">${value}</span>`;
		}
		if (column.fieldname === "overdue_90_plus" && data.overdue_90_plus > 0) {
			value = `<span class="text-danger">${value}</span>`;
		}
		return value;
	},
};
