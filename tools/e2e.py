#!/usr/bin/env python3
"""`make e2e`: the desk pages in a real headless browser, in Chinese, against the demo site.

Finds the bench and the site `make demo` made (same BENCH_DIR / SITE variables), starts the
bench's own Redis when it is down, migrates that site to THIS checkout's code, serves it on
127.0.0.1:E2E_PORT with this checkout first on PYTHONPATH (web, a worker and the bench's own
realtime server), runs e2e/ with pytest + Playwright driving the system Chromium, and stops what it
started. A Redis or realtime port held by something not this bench's is refused with a line saying
so. Screenshots go to E2E_SHOTS (default e2e-shots/).

--skip-if-missing (used by .ci/run): no bench, no demo site or no browser → say why, exit 0.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo import (  # noqa: E402
	CHECKOUT,
	DEFAULTS,
	SITE_MARK,
	Demo,
	_bench_config,
	realtime_problem,
	serve,
	start_bench_redis,
	stop_bench_redis,
)

BROWSERS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def find_browser() -> str | None:
	wanted = os.environ.get("E2E_BROWSER")
	if wanted:
		return wanted if Path(wanted).exists() else None
	return next((path for path in BROWSERS if Path(path).exists()), None)


def find_bench(demo: Demo) -> Path | None:
	"""make demo's BENCH_DIR, else the benches .ci/bench-tests looks at."""
	candidates = [demo.bench]
	if not os.environ.get("BENCH_DIR"):
		candidates += [
			Path("/work/frappe-bench"),
			Path.home() / "frappe-bench",
			Path("/home/frappe/frappe-bench"),
		]
	for bench in candidates:
		if (bench / "sites" / "apps.txt").is_file() and (bench / "env" / "bin" / "python").exists():
			return bench
	return None


def free_port() -> int:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]


def wait_until_up(url: str, timeout: float = 90) -> bool:
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		try:
			with urllib.request.urlopen(f"{url}/api/method/ping", timeout=5) as response:
				if response.status == 200:
					return True
		except OSError:
			time.sleep(1)
	return False


def main(argv: list[str]) -> int:
	skip_if_missing = "--skip-if-missing" in argv
	pytest_args = [arg for arg in argv[1:] if arg != "--skip-if-missing"]

	def missing(reason: str) -> int:
		print(f"e2e {'skipped' if skip_if_missing else 'cannot run'}: {reason}")
		return 0 if skip_if_missing else 2

	demo = Demo(dict(os.environ))
	browser = find_browser()
	if not browser:
		return missing("no Chromium found (apt install chromium fonts-noto-cjk, or set E2E_BROWSER).")
	bench = find_bench(demo)
	if not bench:
		return missing("no Frappe bench found (run `make demo` first, or set BENCH_DIR).")
	demo.bench = bench
	demo.state = bench.parent / f".{bench.name}.dealer-relations-demo"
	demo.logs = demo.state / "logs"
	site_config = bench / "sites" / demo.site / "site_config.json"
	if not site_config.exists() or SITE_MARK not in site_config.read_text():
		return missing(
			f"no demo site {demo.site} made by `make demo` in {bench} (run `make demo` or set SITE)."
		)
	try:
		import playwright  # noqa: F401
	except ImportError:
		return missing("Playwright for Python is not installed in this environment (make e2e installs it).")

	print(f"e2e: bench {bench}, site {demo.site}, code {CHECKOUT}, browser {browser}")
	started, problems = start_bench_redis(bench)
	realtime = realtime_problem(bench, int(_bench_config(bench).get("socketio_port") or 9000))
	if realtime:
		problems.append(realtime)
	for problem in problems:
		print(f"✗ {problem}")
	try:
		return 2 if problems else run(demo, bench, browser, pytest_args)
	finally:
		stop_bench_redis(bench, started)  # only the Redis this run started


def run(demo: Demo, bench: Path, browser: str, pytest_args: list[str]) -> int:
	"""Migrate the demo site to this checkout, serve it, run the browser tests."""
	env = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
	python = str(bench / "env" / "bin" / "python")
	migrate = subprocess.run(
		[
			python,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			demo.site,
			"migrate",
			"--skip-search-index",
		],
		cwd=bench / "sites",
		env=env,
		capture_output=True,
		text=True,
	)
	# The site now runs this checkout's schema: the next `make demo` must migrate again.
	demo.mark("migrated").unlink(missing_ok=True)
	if migrate.returncode != 0:
		print(migrate.stdout[-3000:], migrate.stderr[-3000:])
		print(f"e2e: migrating {demo.site} to this checkout failed")
		return 1

	port = int(os.environ.get("E2E_PORT") or free_port())
	url = f"http://127.0.0.1:{port}"
	logs = demo.logs
	server = threading.Thread(
		# with a worker: a long run's progress reaches the desk through the worker and the realtime server
		target=serve,
		args=(bench, demo.site, port, logs),
		kwargs={"env": env},
		daemon=True,
	)
	server.start()
	try:
		if not wait_until_up(url):
			print(f"e2e: the site did not come up on {url} (see {logs})")
			return 1
		shots = Path(os.environ.get("E2E_SHOTS") or CHECKOUT / "e2e-shots")
		shutil.rmtree(shots, ignore_errors=True)
		shots.mkdir(parents=True)
		test_env = {
			**os.environ,
			"E2E_URL": url,
			"E2E_BROWSER": browser,
			"E2E_SHOTS": str(shots),
			"E2E_PASSWORD": os.environ.get("DEMO_PASSWORD") or DEFAULTS["DEMO_PASSWORD"],
			"E2E_BENCH": str(bench),
			"E2E_SITE": demo.site,
			"E2E_CODE": str(CHECKOUT),
		}
		result = subprocess.run(
			[
				sys.executable,
				"-m",
				"pytest",
				"-q",
				"-p",
				"no:cacheprovider",
				str(CHECKOUT / "e2e"),
				*pytest_args,
			],
			env=test_env,
		)
		print(f"e2e screenshots: {shots}")
		return result.returncode
	finally:
		stop_server(server)


def stop_server(server: threading.Thread) -> None:
	"""serve() stops its processes when interrupted; interrupt it from here."""
	import demo as demo_module

	demo_module.stop_serving()
	server.join(timeout=20)


if __name__ == "__main__":
	sys.exit(main(sys.argv))
