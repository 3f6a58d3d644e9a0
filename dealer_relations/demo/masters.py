"""Demo masters: territories, reps and staff, items, fiscal years, dealers, and the company's rows of
Dealer Relations Settings. The documents (dealer_relations.demo.documents) and the bulk loader
(dealer_relations.demo.bulk) both build on these; everything here is idempotent."""

from __future__ import annotations

import frappe
from erpnext.accounts.utils import FiscalYearError, get_fiscal_year
from frappe import _
from frappe.utils.password import update_password

from dealer_relations.engine.rebates import REBATE_ACCOUNT
from dealer_relations.utils import ensure_user

DEMO_MARK = "Dealer Relations demo data"
EMAIL_DOMAIN = "demo.dealer-relations.test"

# region -> province -> cities
TERRITORY_TREE = {
	"华东大区": {
		"江苏省": ["南京市", "苏州市", "无锡市"],
		"浙江省": ["杭州市", "宁波市", "温州市"],
		"上海市区": ["浦东新区", "闵行区"],
	},
	"华南大区": {"广东省": ["广州市", "深圳市", "佛山市"], "福建省": ["福州市", "厦门市"]},
	"华北大区": {"河北省": ["石家庄市", "保定市"], "山东省": ["济南市", "青岛市", "烟台市"]},
	"西南大区": {"四川省": ["成都市", "绵阳市"], "重庆市区": ["渝中区", "江北区"]},
}

REPS = {
	"华东大区": ("zhang.wei", "张伟"),
	"华南大区": ("li.na", "李娜"),
	"华北大区": ("wang.qiang", "王强"),
	"西南大区": ("liu.yang", "刘洋"),
}
# login, name, Role Profile (the app role plus the ERPNext roles its work needs)
STAFF = (
	("chen.jing", "陈静", "Dealer Manager"),
	("zhao.min", "赵敏", "Rebate Accountant"),
	("sun.li", "孙丽", "Credit Controller"),
)
# finance's manager, who approves settlements (ERPNext's Accounts Manager; the app ships no profile
# for it): login, name, roles
FINANCE_MANAGER = ("qian.fang", "钱芳", ("Accounts Manager", "Accounts User"))
# The dealers' own staff on the portal (经销商门户): login, name; invited by the Dealer Manager
PORTAL_USERS = (("wu.hao", "吴浩"), ("zheng.lei", "郑磊"))

ITEMS = (
	("DR-PUMP-100", "家用增压泵 100W", 680),
	("DR-PUMP-250", "家用增压泵 250W", 1180),
	("DR-PUMP-750", "工业离心泵 750W", 3650),
	("DR-VALVE-20", "铜球阀 DN20", 58),
	("DR-VALVE-50", "铜球阀 DN50", 165),
	("DR-FILTER", "前置过滤器", 890),
)

NAME_PARTS = (
	"恒通",
	"宏达",
	"鑫源",
	"永盛",
	"金泰",
	"华联",
	"瑞丰",
	"中信达",
	"广源",
	"百川",
	"汇通",
	"天成",
	"东升",
	"嘉禾",
	"利民",
	"长江",
)
BUSINESS = ("商贸有限公司", "机电设备有限公司", "水暖器材有限公司", "贸易有限公司")

# tier -> (share of dealers, invoices a month, typical line quantity)
TIER_PROFILE = {"A": (0.2, 3, 40), "B": (0.4, 2, 15), "C": (0.4, 1, 5)}
# tier -> (mean days between visits, spread): reps favour big dealers and neglect small ones,
# the pattern the coverage report exists to expose.
VISIT_HABIT = {"A": (5, 1), "B": (11, 3), "C": (45, 15)}
VISIT_TYPES = (
	"Routine",
	"Routine",
	"Routine",
	"Promotion Support",
	"Collection",
	"Training",
	"Complaint Handling",
)

# habit -> (share of dealers, days paid after the due date (low, high), months at the end left unpaid)
PAYMENT_HABITS = {
	"punctual": (0.5, (-10, 0), 0),
	"slow": (0.25, (3, 25), 0),
	"late": (0.15, (20, 55), 1),
	"defaulting": (0.1, (30, 80), 3),
}


def default_company() -> str:
	company = frappe.db.get_single_value("Global Defaults", "default_company") or frappe.db.get_value(
		"Company", {}, "name"
	)
	if not company:
		frappe.throw(
			_("Demo data needs a Company: finish the ERPNext setup wizard first."), title=_("No Company")
		)
	return company


def make_territories() -> list[str]:
	root = frappe.db.get_value("Territory", {"parent_territory": ("in", ("", None)), "is_group": 1}, "name")
	cities = []
	for region, provinces in TERRITORY_TREE.items():
		_territory(region, root, 1)
		for province, province_cities in provinces.items():
			_territory(province, region, 1)
			for city in province_cities:
				_territory(city, province, 0)
				cities.append(city)
	return cities


def _territory(name: str, parent: str, is_group: int) -> None:
	if not frappe.db.exists("Territory", name):
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": name, "parent_territory": parent, "is_group": is_group}
		).insert(ignore_permissions=True)


def make_users() -> dict[str, str]:
	reps = {}
	for region, (login, full_name) in REPS.items():
		reps[region] = _user(login, full_name, "Dealer Sales Rep")
	for login, full_name, profile in STAFF:
		_user(login, full_name, profile)
	login, full_name, roles = FINANCE_MANAGER
	ensure_user(f"{login}@{EMAIL_DOMAIN}", full_name, roles=roles, language="zh")
	return reps


def _user(login: str, full_name: str, role_profile: str) -> str:
	"""A zh desk user whose roles come from the app's Role Profile, as a real site would set it."""
	email = ensure_user(f"{login}@{EMAIL_DOMAIN}", full_name, language="zh")
	if frappe.db.get_value("User", email, "role_profile_name") != role_profile:
		user = frappe.get_doc("User", email)
		user.role_profile_name = role_profile
		user.save(ignore_permissions=True)
	return email


def make_items() -> list[tuple[str, float]]:
	group = "经销产品"
	if not frappe.db.exists("Item Group", group):
		root = frappe.db.get_value("Item Group", {"parent_item_group": ("in", ("", None))}, "name")
		frappe.get_doc(
			{"doctype": "Item Group", "item_group_name": group, "parent_item_group": root, "is_group": 0}
		).insert(ignore_permissions=True)
	for code, name, rate in ITEMS:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": name,
					"item_group": group,
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"standard_rate": rate,
				}
			).insert(ignore_permissions=True)
	return [(code, rate) for code, _name, rate in ITEMS]


def ensure_fiscal_years(company: str, start, end) -> None:
	"""A calendar Fiscal Year for every year from ``start`` to ``end`` that has none."""
	for year in range(start.year, end.year + 1):
		try:
			get_fiscal_year(f"{year}-06-30", company=company)
		except FiscalYearError:
			frappe.get_doc(
				{
					"doctype": "Fiscal Year",
					"year": str(year),
					"year_start_date": f"{year}-01-01",
					"year_end_date": f"{year}-12-31",
				}
			).insert(ignore_permissions=True)


def company_defaults(company: str) -> frappe._dict:
	"""The accounts, cost center and currency a demo invoice of the company is made with."""
	return frappe.get_cached_value(
		"Company",
		company,
		["default_receivable_account", "default_income_account", "cost_center", "default_currency"],
		as_dict=True,
	)


def make_dealer(name, company, tier, status, rep, authorised, city):
	customer_group = frappe.db.get_value("Customer Group", {"is_group": 0}, "name")
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_type": "Company",
				"customer_group": customer_group,
				"territory": city,
			}
		).insert(ignore_permissions=True)
	if frappe.db.exists("Dealer", name):
		dealer = frappe.get_doc("Dealer", name)
		dealer.demo_status = status
		return dealer
	dealer = frappe.get_doc(
		{
			"doctype": "Dealer",
			"customer": name,
			"company": company,
			"tier": tier,
			"status": "Active" if status != "Prospect" else "Prospect",
			"sales_rep": rep,
			"territories": [{"territory": authorised}],
			"business_type": "Distributor" if tier == "A" else "Wholesaler",
			"product_lines": "增压泵、阀门、过滤器",
			"key_people": [{"person_name": f"{name[:2]}总", "designation": "总经理", "is_decision_maker": 1}],
		}
	).insert(ignore_permissions=True)
	# Suspended only after its history is in (see documents): suspended dealers cannot buy.
	dealer.demo_status = status
	return dealer


def set_demo_passwords(password: str) -> list[str]:
	"""Give every demo user (staff and the dealers' portal users) the same known password, so make
	demo can print the logins."""
	users = frappe.get_all("User", filters={"name": ("like", f"%@{EMAIL_DOMAIN}")}, pluck="name")
	for user in users:
		update_password(user, password)
	frappe.db.commit()  # nosemgrep: a CLI step (bench execute), not a request
	return users


def _demo_account(
	company: str, account_name: str, parent_name: str, root_type: str, account_type: str | None = None
) -> str:
	"""A ledger account under the chart's group named ``parent_name`` (else the root type's first
	group), made once."""
	account = f"{account_name} - {frappe.get_cached_value('Company', company, 'abbr')}"
	if not frappe.db.exists("Account", account):
		parent = frappe.db.get_value(
			"Account", {"company": company, "account_name": parent_name, "is_group": 1}, "name"
		) or frappe.db.get_value(
			"Account", {"company": company, "root_type": root_type, "is_group": 1}, "name"
		)
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": account_name,
				"parent_account": parent,
				"company": company,
				"account_type": f"{root_type} Account" if account_type is None else account_type,
			}
		).insert(ignore_permissions=True)
	return account


def _company_row(settings, company: str):
	"""The company's row of Dealer Relations Settings, added when it has none."""
	row = next((r for r in settings.company_settings if r.company == company), None)
	return row or settings.append("company_settings", {"company": company})


def make_rebate_settings(company: str) -> None:
	"""A 返利费用 expense account for the company and its row in Dealer Relations Settings."""
	account = _demo_account(company, "经销商返利", "Indirect Expenses", "Expense")
	settings = frappe.get_single("Dealer Relations Settings")
	row = _company_row(settings, company)
	if not row.rebate_expense_account:
		row.rebate_expense_account = account
		row.rebate_posting_method = row.rebate_posting_method or "Journal Entry"
		settings.save(ignore_permissions=True)


def make_rebate_account_settings(company: str) -> str:
	"""An 应付返利 liability account (plain: not receivable or payable) and the company's rebates
	paid into the dealers' rebate accounts (返利池). Returns the account."""
	account = _demo_account(company, "应付返利", "Current Liabilities", "Liability", account_type="")
	settings = frappe.get_single("Dealer Relations Settings")
	row = _company_row(settings, company)
	if not row.rebate_liability_account or row.rebate_posting_method != REBATE_ACCOUNT:
		row.rebate_liability_account = row.rebate_liability_account or account
		row.rebate_posting_method = REBATE_ACCOUNT
		settings.save(ignore_permissions=True)
	return row.rebate_liability_account


def make_accrual_settings(company: str) -> str:
	"""A 预计负债—应付返利款 liability account for the monthly rebate accrual. Returns the account."""
	account = _demo_account(
		company, "预计负债—应付返利款", "Current Liabilities", "Liability", account_type=""
	)
	settings = frappe.get_single("Dealer Relations Settings")
	row = _company_row(settings, company)
	if not row.get("accrued_rebate_account"):
		row.accrued_rebate_account = account
		settings.save(ignore_permissions=True)
	return row.accrued_rebate_account


def make_diversion_settings(company: str) -> None:
	"""A 串货罚款收入 income account, detection "Open Incident" and city → territory mapping rows."""
	account = _demo_account(company, "串货罚款收入", "Indirect Income", "Income")
	settings = frappe.get_single("Dealer Relations Settings")
	row = _company_row(settings, company)
	row.diversion_penalty_account = row.diversion_penalty_account or account
	row.diversion_detection = row.diversion_detection or "Open Incident"
	mapped = {rule.city for rule in settings.diversion_territory_rules}
	for provinces in TERRITORY_TREE.values():
		for province, cities in provinces.items():
			for city in cities:
				if city not in mapped:
					settings.append(
						"diversion_territory_rules", {"city": city, "state": province, "territory": city}
					)
	settings.save(ignore_permissions=True)
