"""Browser fixtures: a logged-in desk page per demo user that records every JavaScript error and
failed request, and saves a screenshot of each page it visits."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

URL = os.environ.get("E2E_URL", "http://127.0.0.1:8000")
PASSWORD = os.environ.get("E2E_PASSWORD", "Demo@2026")
SHOTS = Path(os.environ.get("E2E_SHOTS", "e2e-shots"))
REP = "zhang.wei@demo.dealer-relations.test"
MANAGER = "chen.jing@demo.dealer-relations.test"
ACCOUNTANT = "zhao.min@demo.dealer-relations.test"
FINANCE_MANAGER = "qian.fang@demo.dealer-relations.test"
# Flags from the machine notes: no background networking on a closed network.
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
	with sync_playwright() as playwright:
		browser = playwright.chromium.launch(
			executable_path=os.environ.get("E2E_BROWSER", "/usr/bin/chromium"),
			headless=True,
			args=CHROMIUM_ARGS,
		)
		yield browser
		browser.close()


class Desk:
	"""One user's browser tab on the desk."""

	def __init__(self, page: Page, user: str, label: str = ""):
		self.page, self.user, self.label = page, user, label
		self.problems: list[str] = []
		self.shot_count = 0
		page.on("pageerror", lambda error: self.problems.append(f"JS error on {page.url}: {error}"))
		page.on(
			"console",
			lambda msg: (
				msg.type == "error"
				and self.problems.append(
					f"console error on {page.url}: {msg.text} (at {msg.location.get('url', '')})"
				)
			),
		)
		page.on(
			"requestfailed",
			lambda request: self.problems.append(
				f"failed request {request.method} {request.url}: {request.failure}"
			),
		)
		page.on(
			"response",
			lambda response: (
				response.status >= 400
				and self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")
			),
		)

	def on_request_failed(self, request) -> None:
		# ERR_ABORTED is the browser cancelling a page's pending calls when the test navigates on
		if request.failure and "ERR_ABORTED" in request.failure:
			return
		self.problems.append(f"failed request {request.method} {request.url}: {request.failure}")

	def login(self) -> None:
		self.page.goto(f"{URL}/login")
		self.page.fill("#login_email", self.user)
		self.page.fill("#login_password", PASSWORD)
		self.page.click(".btn-login")
		self.page.wait_for_url(re.compile(r".*/app.*"), timeout=60_000)
		self.wait_for_desk()

	def wait_for_desk(self) -> None:
		self.page.wait_for_function("() => window.frappe && frappe.boot && frappe.boot.user", timeout=60_000)
		self.page.wait_for_load_state("networkidle")

	def goto(self, route: str) -> None:
		self.page.goto(f"{URL}/app/{route}")
		self.wait_for_desk()

	def call(self, method: str, **args):
		"""A whitelisted method as this user, from the page (same session and permissions)."""
		return self.page.evaluate("([m, a]) => frappe.xcall(m, a)", [method, args])

	def wait_or_shoot(self, expression: str, **kwargs) -> None:
		"""wait_for_function that leaves a screenshot of what the page showed when it times out."""
		try:
			self.page.wait_for_function(expression, **kwargs)
		except Exception:
			self.shot("timed-out")
			raise

	def shot(self, name: str) -> None:
		SHOTS.mkdir(parents=True, exist_ok=True)
		self.shot_count += 1
		user = self.user.split("@")[0] + self.label
		self.page.screenshot(path=str(SHOTS / f"{user}-{self.shot_count:02d}-{name}.png"), full_page=True)

	def assert_clean(self) -> None:
		problems, self.problems = self.problems, []
		assert not problems, "\n".join(problems)


def open_desk(browser, user: str, phone: bool = False) -> Desk:
	size = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
	context = browser.new_context(locale="zh-CN", viewport=size, is_mobile=phone, has_touch=phone)
	desk = Desk(context.new_page(), user, "-phone" if phone else "")
	desk.login()
	assert desk.page.evaluate("frappe.boot.lang") == "zh", "demo users work in Chinese"
	return desk


def for_the_module(desk: Desk):
	"""A module-scoped fixture's tab: open for the module's tests, closed after them."""
	yield desk
	desk.page.context.close()


@pytest.fixture(scope="module")
def rep(browser):
	yield from for_the_module(open_desk(browser, REP))


@pytest.fixture(scope="module")
def manager(browser):
	yield from for_the_module(open_desk(browser, MANAGER))


@pytest.fixture(scope="module")
def accountant(browser):
	yield from for_the_module(open_desk(browser, ACCOUNTANT))


@pytest.fixture(scope="module")
def finance_manager(browser):
	yield from for_the_module(open_desk(browser, FINANCE_MANAGER))


@pytest.fixture(scope="module")
def phone_rep(browser):
	yield from for_the_module(open_desk(browser, REP, phone=True))


class Site:
	"""The served site straight from its bench, as `bench execute` runs: the stored truth a test
	checks (no field permissions in the way), and the setup a test makes and undoes."""

	def __init__(self, bench: str, site: str, code: str):
		self.bench, self.site, self.code = Path(bench), site, code

	def execute(self, method: str, *args):
		proc = subprocess.run(
			[
				str(self.bench / "env" / "bin" / "python"),
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"--site",
				self.site,
				"execute",
				method,
				"--args",
				repr(list(args)),  # bench execute eval()s it: Python literals (None, not null)
			],
			cwd=self.bench / "sites",
			env={**os.environ, "PYTHONPATH": self.code},
			capture_output=True,
			text=True,
		)
		assert proc.returncode == 0, f"bench execute {method}: {proc.stderr[-1500:]}"
		lines = proc.stdout.strip().splitlines()
		return json.loads(lines[-1]) if lines else None

	def get_value(self, doctype: str, name: str, fieldname: str):
		return self.execute("frappe.db.get_value", doctype, name, fieldname)

	def set_value(self, doctype: str, name: str, fieldname: str, value) -> None:
		"""A direct write (bench execute commits it), for test setup and for undoing a change."""
		self.execute("frappe.db.set_value", doctype, name, fieldname, value)


@pytest.fixture(scope="session")
def site():
	if not os.environ.get("E2E_BENCH"):
		pytest.skip("run by tools/e2e.py, which names the bench and site (E2E_BENCH, E2E_SITE)")
	return Site(os.environ["E2E_BENCH"], os.environ["E2E_SITE"], os.environ.get("E2E_CODE", ""))
