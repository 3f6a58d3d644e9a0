// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Dealers by Region and Tier"] = {
	method: "dealer_relations.dashboards.dealers_by_region_and_tier",
	filters: [],
};
