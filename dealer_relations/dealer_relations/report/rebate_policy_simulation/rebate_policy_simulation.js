// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Rebate Policy Simulation"] = {
	filters: [
		{
			fieldname: "rebate_policy",
			label: __("Rebate Policy"),
			fieldtype: "Link",
			options: "Rebate Policy",
			get_query: () => ({ filters: { docstatus: ["<", 2] } }),
			// Choosing a policy fills in what it is compared with and the period to replay.
			on_change(report) {
				const policy = report.get_filter_value("rebate_policy");
				if (!policy) return report.refresh();
				frappe
					.call("dealer_relations.simulation.get_simulation_defaults", { policy })
					.then(({ message }) => {
						for (const fieldname of ["compare_policy", "from_date", "to_date"]) {
							report.get_filter(fieldname).set_input(message[fieldname] || "");
						}
						report.refresh();
					});
			},
		},
		{
			fieldname: "compare_policy",
			label: __("Compare With"),
			fieldtype: "Link",
			options: "Rebate Policy",
			get_query: () => ({ filters: { docstatus: ["<", 2] } }),
		},
		{
			fieldname: "from_date",
			label: __("Replay From"),
			fieldtype: "Date",
		},
		{
			fieldname: "to_date",
			label: __("Replay To"),
			fieldtype: "Date",
		},
		{
			fieldname: "view",
			label: __("View"),
			fieldtype: "Select",
			options: [
				{ value: "By Tier", label: __("By Tier") },
				{ value: "Near Next Slab", label: __("Near Next Slab") },
			],
			default: "By Tier",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "difference" && data && data.difference) {
			value = `<span class="${data.difference > 0 ? "text-danger" : "text-success"}">${value}</span>`;
		}
		if (data && data.bold) value = `<b>${value}</b>`;
		return value;
	},
};
