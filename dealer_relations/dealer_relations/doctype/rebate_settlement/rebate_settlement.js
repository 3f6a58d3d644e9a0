// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Rebate Settlement", {
	setup(frm) {
		frm.set_query("rebate_policy", () => ({ filters: { docstatus: 1 } }));
	},

	refresh(frm) {
		if (frm.doc.rebate_policy && frm.doc.dealer) {
			frm.add_custom_button(
				__("Dealer Rebate Statement"),
				() =>
					frappe.set_route("query-report", "Dealer Rebate Statement", {
						rebate_policy: frm.doc.rebate_policy,
						dealer: frm.doc.dealer,
					}),
				__("View")
			);
		}
		for (const fieldname of ["journal_entry", "credit_note"]) {
			if (frm.doc[fieldname]) {
				frm.add_custom_button(
					__("Posted Entry"),
					() =>
						frappe.set_route(
							"Form",
							fieldname === "journal_entry" ? "Journal Entry" : "Sales Invoice",
							frm.doc[fieldname]
						),
					__("View")
				);
			}
		}
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			frm.set_intro(__("Amounts are recomputed from the ledger each time the settlement is saved."));
		}
		render_monthly_volume(frm);
	},
});

// The months are stored as one JSON value (see rebates.monthly_volume_json): shown as a table.
function render_monthly_volume(frm) {
	const field = frm.get_field("monthly_volume_html");
	if (!field) return;
	const rows = JSON.parse(frm.doc.monthly_volume || "[]");
	const label = `<label class="control-label">${__("Volume by Month")}</label>`;
	if (!rows.length) {
		field.$wrapper.html(
			`${label}<p class="text-muted small">${__("No eligible sales in the period yet.")}</p>`
		);
		return;
	}
	const df =
		frm.doc.basis === "Quantity"
			? { fieldtype: "Float" }
			: { fieldtype: "Currency", options: "currency" };
	const amount = (value) => frappe.format(value, df, { inline: true }, frm.doc);
	const body = rows
		.map(
			(row) => `<tr>
				<td>${frappe.utils.escape_html(row.month)}</td>
				<td class="text-right">${amount(row.volume)}</td>
				<td class="text-right">${amount(row.cumulative_volume)}</td>
			</tr>`
		)
		.join("");
	field.$wrapper.html(`${label}
		<table class="table table-bordered table-sm dr-monthly-volume">
			<thead><tr>
				<th>${__("Month")}</th>
				<th class="text-right">${__("Volume")}</th>
				<th class="text-right">${__("Cumulative Volume")}</th>
			</tr></thead>
			<tbody>${body}</tbody>
		</table>`);
}
