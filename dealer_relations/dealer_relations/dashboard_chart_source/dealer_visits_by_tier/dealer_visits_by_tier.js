// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Dealer Visits by Tier"] = {
	method: "dealer_relations.dashboards.visits_per_month_by_tier",
	filters: [],
};
