"""Figures for the app's hot paths, each beside its floor (ERPNext's own check or the raw query).

    bench --site SITE execute dealer_relations.benchmarks.run
    bench --site SITE execute dealer_relations.benchmarks.run --kwargs "{'only': ['credit']}"
    bench --site SITE execute dealer_relations.benchmarks.run --kwargs "{'size': 200000, 'dealers': 2000}"

``size`` / ``dealers``: first make the site's bulk demo data that size (clearing other bulk data;
see dealer_relations.demo.bulk). Never on a production site.

A benchmark prints; it never asserts. Each capability adds a module here with a
``run(report: Report, **options)`` function and lists it in ``SECTIONS``. Every section runs inside
a savepoint that is rolled back, so a run leaves the site as it found it.
"""

from __future__ import annotations

import importlib
import os
import platform
import time
from dataclasses import asdict, dataclass, field

# module name (under dealer_relations.benchmarks) per section, in print order
SECTIONS: list[str] = [
	"credit",
	"rebates",
	"accruals",
	"simulation",
	"diversion",
	"hooks",
	"reports",
	"portal",
	"rebate_account",
]


@dataclass
class Row:
	name: str
	seconds: float
	floor_name: str = ""
	floor_seconds: float | None = None
	target: float | None = None  # the ratio the issue asks for (app / floor), if any
	queries: int | None = None
	note: str = ""

	@property
	def ratio(self) -> float | None:
		if not self.floor_seconds:
			return None
		return self.seconds / self.floor_seconds


@dataclass
class Report:
	rows: list[Row] = field(default_factory=list)

	def add(self, row: Row) -> Row:
		self.rows.append(row)
		print(format_row(row), flush=True)
		return row

	def __iter__(self):
		"""`bench execute` prints the return value as JSON: give it the rows as plain dicts."""
		return iter({**asdict(row), "ratio": row.ratio} for row in self.rows)


def timed(fn, *args, repeat: int = 1, min_seconds: float = 0.5, **kwargs) -> tuple[float, object]:
	"""Best wall time (seconds) of at least ``repeat`` calls, and the last result. Calls of a few
	milliseconds repeat until ``min_seconds`` have passed (at most 200 calls): on a shared machine
	the best of three such calls measures the machine's hiccups more than the code."""
	best, result, calls, spent = None, None, 0, 0.0
	while calls < max(1, repeat) or (spent < min_seconds and calls < 200):
		start = time.perf_counter()
		result = fn(*args, **kwargs)
		elapsed = time.perf_counter() - start
		best = elapsed if best is None else min(best, elapsed)
		calls, spent = calls + 1, spent + elapsed
	return best, result


def timed_pair(fn, floor_fn, repeat: int = 3, min_seconds: float = 0.5) -> tuple[float, float, object]:
	"""Best wall times (seconds) of ``fn`` and of its floor, called in turns (at least ``repeat``
	pairs, more while under ``min_seconds``), and ``fn``'s last result. Taking turns puts both
	sides of a ratio through the same moments of a shared machine."""
	best = best_floor = result = None
	pairs, spent = 0, 0.0
	while pairs < max(1, repeat) or (spent < min_seconds and pairs < 200):
		start = time.perf_counter()
		floor_fn()
		floor_elapsed = time.perf_counter() - start
		start = time.perf_counter()
		result = fn()
		elapsed = time.perf_counter() - start
		best = elapsed if best is None else min(best, elapsed)
		best_floor = floor_elapsed if best_floor is None else min(best_floor, floor_elapsed)
		pairs, spent = pairs + 1, spent + elapsed + floor_elapsed
	return best, best_floor, result


def format_row(row: Row) -> str:
	ratio = f"{row.ratio:6.2f}x" if row.ratio is not None else "      -"
	target = (
		f"(target {row.target:g}x {'ok' if row.ratio is not None and row.ratio <= row.target else 'MISSED'})"
		if row.target
		else ""
	)
	floor = f"{row.floor_seconds * 1000:10.1f} ms" if row.floor_seconds is not None else " " * 13
	queries = f"{row.queries:>5} q" if row.queries is not None else ""
	return (
		f"{row.name:<48} {row.seconds * 1000:10.1f} ms | {row.floor_name:<36} {floor} | "
		f"{ratio} {target} {queries} {row.note}"
	).rstrip()


def machine() -> str:
	cores = os.cpu_count()
	memory = ""
	try:
		with open("/proc/meminfo") as meminfo:
			kb = int(meminfo.readline().split()[1])
		memory = f", {kb / 1024 / 1024:.1f} GiB RAM"
	except (OSError, ValueError, IndexError):
		pass
	return f"{platform.machine()} {cores} cores{memory}, Python {platform.python_version()}"


def versions() -> str:
	import frappe

	from dealer_relations import __version__

	apps = {app: frappe.get_attr(f"{app}.__version__") for app in frappe.get_installed_apps()}
	apps["dealer_relations"] = __version__
	db = frappe.db.sql("select version()")[0][0]
	return ", ".join(f"{app} {version}" for app, version in apps.items()) + f", MariaDB {db}"


def data_size() -> str:
	import frappe

	invoice = frappe.qb.DocType("Sales Invoice")
	line = frappe.qb.DocType("Sales Invoice Item")
	lines = (
		frappe.qb.from_(line)
		.join(invoice)
		.on(invoice.name == line.parent)
		.select(frappe.query_builder.functions.Count("*"))
		.where(invoice.docstatus == 1)
		.run()[0][0]
	)
	return (
		f"{frappe.db.count('Dealer'):,} dealers, {frappe.db.count('Sales Invoice', {'docstatus': 1}):,} "
		f"submitted Sales Invoices with {lines:,} lines, {frappe.db.count('Payment Entry', {'docstatus': 1}):,} "
		f"Payment Entries, {frappe.db.count('GL Entry'):,} GL Entries, "
		f"{frappe.db.count('Payment Ledger Entry'):,} Payment Ledger Entries"
	)


def ensure_size(size: int, dealers: int) -> None:
	"""Bulk demo data of exactly ``dealers`` dealers and ``size`` invoice lines."""
	import frappe

	from dealer_relations.demo import make_bulk_demo_data
	from dealer_relations.demo.bulk import BULK_MARK, clear_bulk_data

	line = frappe.qb.DocType("Sales Invoice Item")
	loaded_lines = (
		frappe.qb.from_(line)
		.select(frappe.query_builder.functions.Count("*"))
		.where(line.parent.like("BULK-SINV-%"))
		.run()[0][0]
	)
	loaded_dealers = frappe.db.count("Customer", {"customer_details": BULK_MARK})
	if loaded_lines == size and loaded_dealers == dealers:
		return
	print(f"Loading bulk data: {dealers:,} dealers, {size:,} lines ...", flush=True)
	clear_bulk_data()
	start = time.perf_counter()
	make_bulk_demo_data(size, dealers, 12, None, 2026)
	print(f"Loaded in {time.perf_counter() - start:.0f} s", flush=True)


def run(
	only: list[str] | None = None, size: int | None = None, dealers: int | None = None, **options
) -> Report:
	import frappe

	report = Report()
	if size:
		ensure_size(int(size), int(dealers or 2000))
	print(f"Machine: {machine()}")
	print(f"Versions: {versions()}")
	print(f"Site: {frappe.local.site}")
	print(f"Data: {data_size()}")
	for section in SECTIONS:
		if only and section not in only:
			continue
		print(f"\n== {section}")
		module = importlib.import_module(f"dealer_relations.benchmarks.{section}")
		frappe.db.savepoint("dealer_relations_benchmark")
		try:
			module.run(report, **options)
		finally:
			frappe.db.rollback(save_point="dealer_relations_benchmark")
	return report
