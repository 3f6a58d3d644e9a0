// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.listview_settings["Rebate Settlement"] = {
	add_fields: ["net_rebate", "docstatus", "workflow_state"],
};
