// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Dealer Visit Coverage"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			reqd: 1,
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -3),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			reqd: 1,
			default: frappe.datetime.get_today(),
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
			fieldname: "territory",
			label: __("Territory"),
			fieldtype: "Link",
			options: "Territory",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "dealers_overdue" && data && data.dealers_overdue > 0) {
			value = `<span class="text-danger">${value}</span>`;
		}
		if (column.fieldname.startsWith("attention_") && data && data[column.fieldname] !== null) {
			const ratio = data[column.fieldname];
			if (ratio < 0.5) value = `<span class="text-danger">${value}</span>`;
		}
		return value;
	},
};
