// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Dealer", {
	setup(frm) {
		frm.set_query("sales_rep", () => ({
			filters: { enabled: 1, user_type: "System User" },
		}));
		frm.set_query("customer", () => ({ filters: { disabled: 0 } }));
	},

	refresh(frm) {
		// The server enforces both rules; the form just does not offer what would be refused.
		const manager = frappe.user.has_role(["Dealer Manager", "System Manager"]);
		const restricted_rep =
			frappe.user.has_role("Dealer Sales Rep") &&
			!frappe.user.has_role([
				"Dealer Manager",
				"Credit Controller",
				"Rebate Accountant",
				"System Manager",
			]);
		frm.set_df_property("status", "read_only", manager ? 0 : 1);
		frm.set_df_property("sales_rep", "read_only", restricted_rep ? 1 : 0);
		frappe.dynamic_link = { doc: frm.doc, fieldname: "name", doctype: "Dealer" };
		frm.toggle_display(["address_html", "contact_html"], !frm.is_new());
		if (frm.is_new()) {
			frappe.contacts.clear_address_and_contact(frm);
			return;
		}
		frappe.contacts.render_address_and_contact(frm);
		render_portal_users(frm);

		if (!["Terminated"].includes(frm.doc.status) && frappe.model.can_create("Dealer Visit Log")) {
			frm.add_custom_button(__("Log Visit"), () =>
				frappe.new_doc("Dealer Visit Log", { dealer: frm.doc.name })
			);
		}
		if (
			["Prospect", "Active"].includes(frm.doc.status) &&
			frm.doc.next_visit_due &&
			frm.doc.next_visit_due < frappe.datetime.get_today()
		) {
			frm.dashboard.set_headline_alert(
				__("Visit overdue since {0}", [frappe.datetime.str_to_user(frm.doc.next_visit_due)]),
				"red"
			);
		}
		frm.add_custom_button(
			__("Visit Logs"),
			() => frappe.set_route("List", "Dealer Visit Log", { dealer: frm.doc.name }),
			__("View")
		);
		frm.add_custom_button(
			__("Customer"),
			() => frappe.set_route("Form", "Customer", frm.doc.customer),
			__("View")
		);
		frm.add_custom_button(
			__("Sales Invoices"),
			() => frappe.set_route("List", "Sales Invoice", { customer: frm.doc.customer }),
			__("View")
		);
		frm.trigger("add_status_buttons");
		frm.trigger("show_rebate_account");
		frm.trigger("show_target_completion");
	},

	show_target_completion(frm) {
		// Completion of the dealer's annual target (年度任务完成率) under each running Target
		// Completion policy and the volume missing to the next step, read by the server for a user
		// who may read this dealer.
		frappe
			.xcall("dealer_relations.rebate_targets.get_dealer_target_completion", { dealer: frm.doc.name })
			.then((policies) => {
				(policies || []).forEach((p) => {
					const money = (value) => format_currency(value, p.currency);
					if (!p.target) {
						frm.dashboard.add_indicator(__("{0}: no target set", [p.policy_name]), "red");
						return;
					}
					const done = format_number(p.completion, null, 1);
					const text =
						p.gap != null && p.next_step != null
							? __("{0}: {1}% of target {2}; {3} more reaches {4}%", [
									p.policy_name,
									done,
									money(p.target),
									money(p.gap),
									format_number(p.next_step, null, 0),
							  ])
							: __("{0}: {1}% of target {2}", [p.policy_name, done, money(p.target)]);
					frm.dashboard.add_indicator(text, p.rate > 0 ? "green" : "orange");
				});
				if ((policies || []).length) {
					frm.add_custom_button(
						__("Dealer Target Completion"),
						() =>
							frappe.set_route("query-report", "Dealer Target Completion", {
								rebate_policy: policies[0].policy,
							}),
						__("View")
					);
				}
			});
	},

	show_rebate_account(frm) {
		// Balance, available and expiring within 90 days of the dealer's rebate account (返利池),
		// read by the server for a user who may read this dealer.
		frappe
			.xcall("dealer_relations.rebate_account.get_dealer_balance", { dealer: frm.doc.name })
			.then((account) => {
				if (!account || !(account.balance || account.reserved)) return;
				const money = (value) => format_currency(value, account.currency);
				frm.dashboard.add_indicator(__("Rebate Balance {0}", [money(account.balance)]), "blue");
				frm.dashboard.add_indicator(__("Rebate Available {0}", [money(account.available)]), "green");
				if (account.expiring_90_days) {
					frm.dashboard.add_indicator(
						__("Rebate Expiring within 90 Days {0}", [money(account.expiring_90_days)]),
						"orange"
					);
				}
				const open_statement = () => {
					// the report's Dealer filter shows this title at once (see the report's onload)
					frappe.utils.add_link_title("Dealer", frm.doc.name, frm.doc.dealer_name);
					frappe.set_route("query-report", "Dealer Rebate Account", {
						company: account.company,
						dealer: frm.doc.name,
					});
				};
				frm.add_custom_button(__("Dealer Rebate Account"), open_statement, __("View"));
				frm.events.show_rebate_movements(frm, open_statement);
			});
	},

	show_rebate_movements(frm, open_statement) {
		// The latest movements of the account, read by the server for a user who may read this dealer.
		frappe
			.xcall("dealer_relations.rebate_account.get_dealer_movements", { dealer: frm.doc.name })
			.then((data) => {
				if (!data || !data.movements.length) return;
				const esc = frappe.utils.escape_html;
				const money = (value) => format_currency(value, data.currency);
				const link = (doctype, name) =>
					name
						? `<a href="/app/${frappe.router.slug(doctype)}/${encodeURIComponent(name)}">${esc(name)}</a>`
						: "";
				const rows = data.movements
					.map(
						(row) => `<tr>
							<td>${esc(frappe.datetime.str_to_user(row.posting_date))}</td>
							<td>${esc(row.entry_type_label)}</td>
							<td class="text-right">${money(row.amount)}</td>
							<td>${row.voucher_type ? esc(__(row.voucher_type)) : ""}</td>
							<td>${link(row.voucher_type, row.voucher_no)}</td>
							<td>${link("Rebate Settlement", row.rebate_settlement)}</td>
						</tr>`
					)
					.join("");
				const section = $(`<div>
					<table class="table table-sm table-hover">
						<thead><tr>
							<th>${__("Posting Date")}</th><th>${__("Entry Type")}</th>
							<th class="text-right">${__("Amount")}</th><th>${__("Voucher Type")}</th>
							<th>${__("Voucher No")}</th><th>${__("Earned by Settlement")}</th>
						</tr></thead>
						<tbody>${rows}</tbody>
					</table>
					<a class="dr-rebate-statement small">${__("All movements: Dealer Rebate Account")}</a>
				</div>`);
				section.find(".dr-rebate-statement").on("click", open_statement);
				frm.dashboard.add_section(
					section,
					__("Rebate Account: Latest {0} Movements", [data.movements.length])
				);
			});
	},

	add_status_buttons(frm) {
		const can_manage = frappe.user.has_role(["Dealer Manager", "System Manager"]);
		if (!can_manage || frm.is_dirty()) return;
		const labels = {
			Active: __("Activate"),
			Suspended: __("Suspend"),
			Terminated: __("Terminate"),
			Prospect: __("Re-open as Prospect"),
		};
		(frm.doc.__onload?.status_moves || []).forEach((status) => {
			frm.add_custom_button(
				labels[status],
				() => {
					frappe.confirm(
						__("Set the status of {0} to {1}?", [frm.doc.dealer_name, __(status)]),
						() => {
							frm.set_value("status", status);
							frm.save();
						}
					);
				},
				__("Status")
			);
		});
	},

	customer(frm) {
		if (frm.doc.customer && !frm.doc.company) {
			frm.set_value("company", frappe.defaults.get_user_default("Company"));
		}
	},
});

// Credit: score history chart, background rating, a Credit Controller's pinned limit.
frappe.ui.form.on("Dealer", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.trigger("render_credit_history");
		// Ratings are never typed in (in_create), so ask for the roles that may run a rating.
		if (frappe.user.has_role(["Credit Controller", "Dealer Manager", "System Manager"])) {
			frm.add_custom_button(
				__("Rate Credit"),
				() =>
					frappe.call({
						method: "dealer_relations.credit.enqueue_rating",
						args: { dealers: [frm.doc.name] },
					}),
				__("Credit")
			);
		}
		if (frappe.user.has_role(["Credit Controller", "System Manager"])) {
			frm.add_custom_button(
				frm.doc.pin_credit_limit ? __("Change Pinned Limit") : __("Pin Credit Limit"),
				() => frm.trigger("pin_credit_limit_dialog"),
				__("Credit")
			);
			if (frm.doc.pin_credit_limit) {
				frm.add_custom_button(
					__("Release Pinned Limit"),
					() =>
						frappe.confirm(__("Let ratings set the credit limit of {0} again?", [frm.doc.dealer_name]), () =>
							frappe
								.call("dealer_relations.credit.pin_credit_limit", { dealer: frm.doc.name, pin: 0 })
								.then(() => frm.reload_doc())
						),
					__("Credit")
				);
			}
		}
		if (frm.doc.credit_order_policy === "Block") {
			frm.dashboard.set_headline_alert(
				__("Credit grade {0}: new orders and invoices are blocked", [frm.doc.credit_grade]),
				"red"
			);
		}
	},

	pin_credit_limit_dialog(frm) {
		const dialog = new frappe.ui.Dialog({
			title: __("Pin Credit Limit"),
			fields: [
				{
					fieldname: "limit",
					fieldtype: "Currency",
					label: __("Manual Credit Limit"),
					reqd: 1,
					default: frm.doc.manual_credit_limit || frm.doc.credit_limit,
				},
				{
					fieldname: "reason",
					fieldtype: "Small Text",
					label: __("Manual Limit Reason"),
					reqd: 1,
					default: frm.doc.manual_limit_reason,
				},
			],
			primary_action_label: __("Pin"),
			primary_action(values) {
				frappe
					.call("dealer_relations.credit.pin_credit_limit", {
						dealer: frm.doc.name,
						pin: 1,
						limit: values.limit,
						reason: values.reason,
					})
					.then(() => {
						dialog.hide();
						frm.reload_doc();
					});
			},
		});
		dialog.show();
	},

	render_credit_history(frm) {
		const wrapper = frm.get_field("credit_history_html").$wrapper;
		wrapper.empty();
		if (!wrapper.is(":visible")) {
			// A chart drawn in a hidden tab has no width: draw it when the Credit tab is opened.
			$(frm.wrapper)
				.off("shown.bs.tab.credit_history")
				.on("shown.bs.tab.credit_history", () => {
					if (!wrapper.is(":visible")) return;
					$(frm.wrapper).off("shown.bs.tab.credit_history");
					frm.trigger("render_credit_history");
				});
			return;
		}
		frappe
			.call("dealer_relations.credit.get_credit_history", { dealer: frm.doc.name })
			.then(({ message }) => {
				if (!message || !message.length) {
					wrapper.html(`<div class="text-muted small">${__("Not rated yet")}</div>`);
					return;
				}
				new frappe.Chart(wrapper[0], {
					// a line needs two points: a dealer rated once gets a single bar
					type: message.length > 1 ? "line" : "bar",
					height: 180,
					data: {
						labels: message.map((row) => frappe.datetime.str_to_user(row.rating_date)),
						datasets: [{ name: __("Credit Score"), values: message.map((row) => row.credit_score) }],
					},
					lineOptions: { regionFill: 1 },
					colors: ["#5e64ff"],
				});
			});
	},
});

// Portal users: the server decides who may invite or disable (Dealer Manager, the dealer's rep).
function render_portal_users(frm) {
	const wrapper = frm.get_field("portal_users_html").$wrapper;
	frappe.call({
		method: "dealer_relations.portal.get_portal_users",
		args: { dealer: frm.doc.name },
		callback: ({ message: users }) => {
			const rows = (users || [])
				.map(
					(u) => `<tr><td>${frappe.utils.escape_html(u.user)}</td>
					<td>${frappe.utils.escape_html(u.full_name || "")}</td>
					<td>${u.enabled ? __("Enabled") : __("Disabled")}</td>
					<td>${u.enabled && frm.perm[0].write ? `<button class="btn btn-xs btn-default"
						data-user="${frappe.utils.escape_html(u.user)}">${__("Disable")}</button>` : ""}</td></tr>`
				)
				.join("");
			wrapper.html(`<table class="table table-sm">${rows}</table>`);
			wrapper.find("button[data-user]").on("click", (e) => {
				const user = e.currentTarget.dataset.user;
				frappe.confirm(__("Disable portal user {0}?", [user]), () =>
					frappe.call({
						method: "dealer_relations.portal.disable_portal_user",
						args: { dealer: frm.doc.name, user },
						callback: () => render_portal_users(frm),
					})
				);
			});
			if (frm.perm[0].write) {
				const invite = $(`<button class="btn btn-xs btn-default">${__("Invite Portal User")}</button>`);
				invite.on("click", () => invite_portal_user(frm));
				wrapper.append(invite);
			}
		},
	});
}

function invite_portal_user(frm) {
	frappe.prompt(
		[
			{ fieldname: "email", fieldtype: "Data", options: "Email", label: __("Email"), reqd: 1 },
			{ fieldname: "first_name", fieldtype: "Data", label: __("First Name") },
			{ fieldname: "send_email", fieldtype: "Check", label: __("Send the link by email"), default: 1 },
		],
		(values) =>
			frappe.call({
				method: "dealer_relations.portal.invite_portal_user",
				args: { dealer: frm.doc.name, ...values },
				callback: ({ message }) => {
					frappe.msgprint({
						title: __("Portal User Invited"),
						message: message.link
							? __("Set-password link for {0}: {1}", [
									frappe.utils.escape_html(message.user),
									`<a href="${message.link}">${message.link}</a>`,
							  ])
							: __("{0} already had an account: the set-password link was sent to its email.", [
									frappe.utils.escape_html(message.user),
							  ]),
					});
					render_portal_users(frm);
				},
			}),
		__("Invite Portal User"),
		__("Invite")
	);
}

// Free goods (货补): a Dealer Manager or Accounts Manager pays the dealer's rebate balance as goods.
// The server makes the draft order (the only way an order gets the free-goods flag), values it at
// the company's free-goods price list and refuses more than the available balance.
frappe.ui.form.on("Dealer", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.status === "Terminated") return;
		if (!frappe.user.has_role(["Dealer Manager", "Accounts Manager", "System Manager"])) return;
		if (!frappe.model.can_create("Sales Order")) return;
		frm.add_custom_button(__("Make Free Goods Order"), () => {
			const dialog = new frappe.ui.Dialog({
				title: __("Make Free Goods Order"),
				fields: [
					{
						fieldname: "company",
						fieldtype: "Link",
						options: "Company",
						label: __("Company"),
						default: frm.doc.company,
						reqd: 1,
					},
					{
						fieldname: "items",
						fieldtype: "Table",
						label: __("Items"),
						reqd: 1,
						in_place_edit: true,
						fields: [
							{
								fieldname: "item_code",
								fieldtype: "Link",
								options: "Item",
								label: __("Item"),
								in_list_view: 1,
								reqd: 1,
							},
							{ fieldname: "qty", fieldtype: "Float", label: __("Quantity"), in_list_view: 1, reqd: 1 },
							{
								fieldname: "warehouse",
								fieldtype: "Link",
								options: "Warehouse",
								label: __("Warehouse"),
								in_list_view: 1,
							},
						],
					},
				],
				primary_action_label: __("Create"),
				primary_action(values) {
					frappe
						.xcall("dealer_relations.free_goods.make_free_goods_order", {
							dealer: frm.doc.name,
							company: values.company,
							items: values.items,
						})
						.then((name) => {
							dialog.hide();
							frappe.set_route("Form", "Sales Order", name);
						});
				},
			});
			dialog.show();
		});
	},
});
