#!/usr/bin/env python3
"""`make demo`: from a machine with Python, Node, MariaDB and Redis to a served demo site.

Stages, each printed as it runs, each skipped when what it makes is already there:

  bench-cli   a virtualenv with Frappe's own `bench` CLI (PyPI frappe-bench)
  bench       `bench init` with Frappe (FRAPPE_SRC / FRAPPE_BRANCH), wired to the running Redis
  erpnext     `bench get-app` ERPNext (ERPNEXT_SRC / ERPNEXT_BRANCH)
  app         this checkout linked into the bench as `dealer_relations` (editable install)
  site        `bench new-site SITE --install-app erpnext` (marked as made by make demo)
  company     ERPNext's setup wizard, completed for a Chinese demo manufacturer
  install     `install-app dealer_relations`, or `migrate` when the checkout changed since last time
  demo-data   `dealer_relations.demo.make_demo_data` and the demo users' passwords
  assets      `bench build` (all apps the first time, then only this app when its assets changed)
  serve       the site on 127.0.0.1:PORT only, with a background worker

Re-running reuses the bench and the site. A failed stage names its log; the next run resumes
there. A site that make demo did not create is never touched. See README "Try it".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
APP = "dealer_relations"
SITE_MARK = "dealer_relations_demo"  # site_config key: this site was made by make demo

DEFAULTS = {
	"FRAPPE_SRC": "https://github.com/frappe/frappe",
	"FRAPPE_BRANCH": "version-15",
	"ERPNEXT_SRC": "https://github.com/frappe/erpnext",
	"ERPNEXT_BRANCH": "version-15",
	"BENCH_DIR": str(Path.home() / "frappe-bench"),
	"SITE": "dealer-demo.localhost",
	"DB_ROOT_PASSWORD": "",
	"DB_HOST": "127.0.0.1",
	"DB_PORT": "3306",
	"REDIS_URL": "redis://127.0.0.1:6379",
	"PORT": "8000",
	"ADMIN_PASSWORD": "admin",
	"DEMO_PASSWORD": "Demo@2026",
	"BENCH_CLI_ENV": str(Path.home() / ".cache" / "dealer-relations" / "bench-cli"),
	"SERVE": "1",
	"RESET": "0",
}
BENCH_CLI_SPEC = "frappe-bench>=5.22,<6"
# setuptools 81+ warns on pkg_resources and 84+ drops it; Frappe 15's new-site still imports it.
BENCH_SETUPTOOLS_SPEC = "setuptools>=70,<81"

# The demo company: a Chinese manufacturer, as the demo data (territories, items, users) assumes.
DEMO_COMPANY = {
	"company_name": "示范泵阀制造有限公司",
	"company_abbr": "SFBF",
	"country": "China",
	"currency": "CNY",
	"timezone": "Asia/Shanghai",
	"chart_of_accounts": "Standard",
	"language": "English",
	"industry": "Manufacturing",
	"company_tagline": "Dealer Relations demo",
}
DEMO_LOGINS = (
	("zhang.wei@demo.dealer-relations.test", "张伟 — Dealer Sales Rep (华东大区), zh"),
	("chen.jing@demo.dealer-relations.test", "陈静 — Dealer Manager, zh"),
	("zhao.min@demo.dealer-relations.test", "赵敏 — Rebate Accountant, zh"),
	("sun.li@demo.dealer-relations.test", "孙丽 — Credit Controller, zh"),
)


class StageFailed(Exception):
	pass


class Demo:
	def __init__(self, env: dict[str, str]):
		self.cfg = {key: env.get(key) or default for key, default in DEFAULTS.items()}
		self.cfg["DB_ROOT_PASSWORD"] = env.get("DB_ROOT_PASSWORD", "")
		self.bench = Path(self.cfg["BENCH_DIR"]).expanduser().resolve()
		self.site = self.cfg["SITE"]
		self.cli_env = Path(self.cfg["BENCH_CLI_ENV"]).expanduser()
		self.state = self.bench.parent / f".{self.bench.name}.dealer-relations-demo"
		self.logs = self.state / "logs"

	# ---------------------------------------------------------------- plumbing
	@property
	def bench_cmd(self) -> str:
		return str(self.cli_env / "bin" / "bench")

	@property
	def python(self) -> str:
		return str(self.bench / "env" / "bin" / "python")

	def log_path(self, stage: str) -> Path:
		self.logs.mkdir(parents=True, exist_ok=True)
		return self.logs / f"{stage}.log"

	def run(self, stage: str, cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> str:
		"""Run a command, appending its output to the stage log; raise StageFailed on failure."""
		log = self.log_path(stage)
		shown = " ".join(
			"***" if i and cmd[i - 1] in ("--db-root-password", "--admin-password") else part
			for i, part in enumerate(cmd)
		)
		with open(log, "a") as out:
			out.write(f"\n$ {shown}\n")
			out.flush()
			proc = subprocess.run(
				cmd,
				cwd=cwd,
				# bench 5.2x calls `uv` by name: the CLI's own virtualenv comes first on PATH
				env={
					**os.environ,
					"PATH": f"{self.cli_env / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
					**(env or {}),
				},
				stdout=subprocess.PIPE,
				stderr=subprocess.STDOUT,
				text=True,
				stdin=subprocess.DEVNULL,
			)
			out.write(proc.stdout)
		if proc.returncode != 0:
			tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
			raise StageFailed(f"`{shown}` exited {proc.returncode}. Last lines:\n{tail}")
		return proc.stdout

	def bench_run(self, stage: str, *args: str) -> str:
		"""Frappe's own bench CLI, run from the bench folder."""
		return self.run(stage, [self.bench_cmd, *args], cwd=self.bench)

	def site_run(self, stage: str, *args: str) -> str:
		return self.bench_run(stage, "--site", self.site, *args)

	def mark(self, name: str) -> Path:
		return self.state / f"{self.site}.{name}"

	# ---------------------------------------------------------------- checks
	def preflight(self) -> list[str]:
		"""Everything that would make a stage fail, one line each with how to fix it."""
		problems = []
		if sys.version_info < (3, 10):  # noqa: UP036 (this script reports an old Python, it runs on one)
			problems.append(
				f"Python {sys.version.split()[0]} is too old: Frappe 15 needs 3.10+ (run with PYTHON=python3.11 make demo)."
			)
		node = _version_of(["node", "--version"])
		if node is None:
			problems.append("Node.js not found: install Node 18+ (e.g. `apt install nodejs npm`).")
		elif node[0] < 18:
			problems.append(f"Node {'.'.join(map(str, node))} is too old: Frappe 15 needs Node 18+.")
		yarn = _version_of(["yarn", "--version"])
		if yarn is None:
			problems.append("yarn not found: Frappe 15 builds with yarn 1.x (`npm install -g yarn@1`).")
		elif yarn[0] != 1:
			problems.append(
				f"yarn {'.'.join(map(str, yarn))} is not 1.x: Frappe 15 needs yarn classic (`npm install -g yarn@1`)."
			)
		if not shutil.which("git"):
			problems.append("git not found: install git (`apt install git`).")
		problems += self.check_mariadb()
		problems += self.check_redis()
		problems += self.check_port()
		problems += self.check_sources()
		problems += self.check_bench_and_site()
		return problems

	def check_mariadb(self) -> list[str]:
		client = shutil.which("mariadb") or shutil.which("mysql")
		if not client:
			return [
				"MariaDB client not found: install MariaDB (`apt install mariadb-server mariadb-client`)."
			]
		host, port, password = self.cfg["DB_HOST"], self.cfg["DB_PORT"], self.cfg["DB_ROOT_PASSWORD"]
		if not _port_open(host, int(port)):
			return [
				f"MariaDB is not running on {host}:{port}: start it (`service mariadb start`) or set DB_HOST/DB_PORT."
			]
		if not password:
			return [
				"DB_ROOT_PASSWORD is not set: Frappe's new-site needs MariaDB's root password "
				"(make demo DB_ROOT_PASSWORD=...; if root has none yet: "
				"mariadb -uroot -e \"ALTER USER root@localhost IDENTIFIED BY 'secret'\")."
			]
		proc = subprocess.run(
			[
				client,
				f"--host={host}",
				f"--port={port}",
				"--user=root",
				f"--password={password}",
				"--batch",
				"--skip-column-names",
				"-e",
				"select @@character_set_server, @@collation_server",
			],
			capture_output=True,
			text=True,
		)
		if proc.returncode != 0:
			return [
				f"MariaDB refused root with DB_ROOT_PASSWORD on {host}:{port} ({proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'no message'}): check the password."
			]
		charset, collation = (proc.stdout.split() + ["", ""])[:2]
		if (charset, collation) != ("utf8mb4", "utf8mb4_unicode_ci"):
			return [
				f"MariaDB uses {charset}/{collation}; Frappe needs utf8mb4/utf8mb4_unicode_ci: add "
				"`character-set-server = utf8mb4` then `collation-server = utf8mb4_unicode_ci` under "
				"[mysqld] in its config and restart it (or SET GLOBAL both, charset first)."
			]
		return []

	def check_redis(self) -> list[str]:
		match = re.match(r"redis://([^:/]+)(?::(\d+))?", self.cfg["REDIS_URL"])
		if not match:
			return [f"REDIS_URL {self.cfg['REDIS_URL']!r} is not a redis://host:port URL."]
		host, port = match.group(1), int(match.group(2) or 6379)
		try:
			with socket.create_connection((host, port), timeout=3) as conn:
				conn.sendall(b"PING\r\n")
				reply = conn.recv(64)
		except OSError:
			reply = b""
		if not reply.startswith(b"+PONG"):
			return [
				f"Redis is not answering on {host}:{port}: start it (`redis-server --daemonize yes`) or set REDIS_URL."
			]
		return []

	def check_port(self) -> list[str]:
		if self.cfg["SERVE"] != "1":
			return []
		port = int(self.cfg["PORT"])
		with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
			# as servers bind: connections of an earlier run in TIME_WAIT must not count as "in use"
			probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
			try:
				probe.bind(("127.0.0.1", port))
			except OSError:
				return [f"Port {port} on 127.0.0.1 is in use: stop what serves it or set PORT=..."]
		return []

	def check_sources(self) -> list[str]:
		problems = []
		wanted = []
		if not (self.bench / "apps" / "frappe").is_dir():
			wanted.append(("FRAPPE_SRC", "FRAPPE_BRANCH"))
		if not (self.bench / "apps" / "erpnext").is_dir():
			wanted.append(("ERPNEXT_SRC", "ERPNEXT_BRANCH"))
		for src_key, branch_key in wanted:
			src, branch = self.cfg[src_key], self.cfg[branch_key]
			proc = subprocess.run(
				["git", "ls-remote", "--heads", src, branch],
				capture_output=True,
				text=True,
				env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
				timeout=120,
			)
			if proc.returncode != 0:
				problems.append(
					f"{src_key}={src} cannot be cloned ({_git_error(proc.stderr)}): set {src_key} to a reachable git URL or a local clone."
				)
			elif not proc.stdout.strip():
				problems.append(f"{src_key}={src} has no branch {branch}: set {branch_key}.")
		return problems

	def check_bench_and_site(self) -> list[str]:
		problems = []
		if self.bench.exists() and not self.is_bench():
			if any(self.bench.iterdir()):
				problems.append(
					f"BENCH_DIR={self.bench} exists and is not a Frappe bench: choose another BENCH_DIR."
				)
		site_dir = self.bench / "sites" / self.site
		if site_dir.exists() and not self.site_is_ours():
			problems.append(
				f"Site {self.site} exists in {self.bench} and was not made by make demo: set SITE to another name."
			)
		app_dir = self.bench / "apps" / APP
		if app_dir.exists() and not app_dir.is_symlink():
			problems.append(
				f"{app_dir} is a separate copy of the app (bench get-app?): make demo links this checkout "
				"there; move it away or use another BENCH_DIR."
			)
		return problems

	def is_bench(self) -> bool:
		return (self.bench / "sites" / "apps.txt").is_file() and (
			self.bench / "env" / "bin" / "python"
		).exists()

	def site_is_ours(self) -> bool:
		config = self.bench / "sites" / self.site / "site_config.json"
		if self.mark("creating").exists():
			return True  # a half-made site from an earlier run of make demo
		try:
			return bool(json.loads(config.read_text()).get(SITE_MARK))
		except (OSError, ValueError):
			return False

	# ---------------------------------------------------------------- stages
	def stage_bench_cli(self) -> str:
		bench = Path(self.bench_cmd)
		if bench.exists() and (self.cli_env / "bin" / "uv").exists():
			return "reused " + str(self.cli_env)
		if not (self.cli_env / "bin" / "pip").exists():
			self.run("bench-cli", [sys.executable, "-m", "venv", str(self.cli_env)])
		pip = str(self.cli_env / "bin" / "pip")
		self.run("bench-cli", [pip, "install", "-q", "--upgrade", "pip"])
		self.run("bench-cli", [pip, "install", "-q", BENCH_CLI_SPEC, "uv", BENCH_SETUPTOOLS_SPEC])
		return "installed " + BENCH_CLI_SPEC + " and uv"

	def stage_bench(self) -> str:
		if self.is_bench() and (self.bench / "apps" / "frappe").is_dir():
			self.configure_bench()
			return "reused " + str(self.bench)
		made_here = not self.bench.exists()
		try:
			self.run(
				"bench",
				[
					self.bench_cmd,
					"init",
					str(self.bench),
					"--frappe-path",
					self.cfg["FRAPPE_SRC"],
					"--frappe-branch",
					self.cfg["FRAPPE_BRANCH"],
					"--python",
					sys.executable,
					"--skip-assets",
					"--skip-redis-config-generation",
					"--no-backups",
					"--no-procfile",
					"--verbose",
				],
				cwd=self.init_cwd(),
			)
			self.configure_bench()
		except StageFailed:
			if made_here and self.bench.exists():
				shutil.rmtree(self.bench)  # half-made by this run: the next run starts it again
			raise
		return "made " + str(self.bench)

	def init_cwd(self) -> Path:
		"""Where `bench init` runs. As root, bench refuses to run unless the current folder's
		sites/common_site_config.json names a frappe_user; give it a scratch folder that does."""
		if os.geteuid() != 0:
			return self.bench.parent
		scratch = self.state / "init-cwd"
		(scratch / "sites").mkdir(parents=True, exist_ok=True)
		(scratch / "sites" / "common_site_config.json").write_text(
			json.dumps({"frappe_user": _current_user()})
		)
		return scratch

	def configure_bench(self) -> None:
		"""Settings every run re-applies: the system Redis, the running user, a setuptools that has
		pkg_resources."""
		config_path = self.bench / "sites" / "common_site_config.json"
		config = json.loads(config_path.read_text()) if config_path.exists() else {}
		redis = self.cfg["REDIS_URL"].rstrip("/")
		wanted = {
			"redis_cache": redis,
			"redis_queue": redis,
			"redis_socketio": redis,
			"frappe_user": _current_user(),
			"db_host": self.cfg["DB_HOST"],
			"db_port": int(self.cfg["DB_PORT"]),
		}
		if any(config.get(key) != value for key, value in wanted.items()):
			config.update(wanted)
			config_path.write_text(json.dumps(config, indent=1, sort_keys=True) + "\n")
		marker = self.state / "setuptools.ok"
		if not marker.exists():
			self.run(
				"bench", [str(self.bench / "env" / "bin" / "pip"), "install", "-q", BENCH_SETUPTOOLS_SPEC]
			)
			marker.parent.mkdir(parents=True, exist_ok=True)
			marker.touch()

	def stage_erpnext(self) -> str:
		target = self.bench / "apps" / "erpnext"
		if target.is_dir() and "erpnext" in self.apps_txt():
			return "reused " + str(target)
		if target.exists():
			shutil.rmtree(target)  # a half-made get-app from an earlier run
		self.bench_run(
			"erpnext",
			"get-app",
			self.cfg["ERPNEXT_SRC"],
			"--branch",
			self.cfg["ERPNEXT_BRANCH"],
			"--skip-assets",
		)
		return "fetched ERPNext " + self.cfg["ERPNEXT_BRANCH"]

	def stage_app(self) -> str:
		link = self.bench / "apps" / APP
		if link.is_symlink() and link.resolve() == CHECKOUT and APP in self.apps_txt():
			return "linked " + str(CHECKOUT)
		if link.is_symlink():
			link.unlink()  # another checkout linked by an earlier make demo: this one replaces it
		link.symlink_to(CHECKOUT, target_is_directory=True)
		self.run("app", [str(self.bench / "env" / "bin" / "pip"), "install", "-q", "-e", str(CHECKOUT)])
		apps = self.apps_txt()
		if APP not in apps:
			(self.bench / "sites" / "apps.txt").write_text("\n".join([*apps, APP]) + "\n")
		return "linked " + str(CHECKOUT)

	def apps_txt(self) -> list[str]:
		path = self.bench / "sites" / "apps.txt"
		return (
			[line.strip() for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
		)

	def stage_site(self) -> str:
		site_dir = self.bench / "sites" / self.site
		creating = self.mark("creating")
		if self.cfg["RESET"] == "1" and site_dir.exists() and self.site_is_ours():
			# only a site make demo made (preflight refused any other): start it again from nothing
			self.bench_run(
				"site",
				"drop-site",
				self.site,
				"--db-root-username",
				"root",
				"--db-root-password",
				self.cfg["DB_ROOT_PASSWORD"],
				"--no-backup",
				"--force",
			)
			for name in ("migrated", "demo-data"):
				self.mark(name).unlink(missing_ok=True)
			self.cfg["RESET"] = "0"
		if site_dir.exists() and not creating.exists():
			return "reused " + self.site
		creating.parent.mkdir(parents=True, exist_ok=True)
		creating.touch()  # from here on a failure leaves a site the next run may drop and redo
		self.bench_run(
			"site",
			"new-site",
			self.site,
			"--db-root-username",
			"root",
			"--db-root-password",
			self.cfg["DB_ROOT_PASSWORD"],
			"--admin-password",
			self.cfg["ADMIN_PASSWORD"],
			"--install-app",
			"erpnext",
			"--force",
		)
		self.site_run("site", "set-config", SITE_MARK, "1", "--parse")
		creating.unlink()
		return "made " + self.site

	def stage_company(self) -> str:
		ready = self.site_run("company", "execute", "frappe.is_setup_complete").strip().splitlines()
		if ready and ready[-1].strip() in ("True", "true"):
			return "reused"
		year = time.localtime().tm_year
		wizard = {**DEMO_COMPANY, "fy_start_date": f"{year}-01-01", "fy_end_date": f"{year}-12-31"}
		# ERPNext's own setup wizard entry point, as the desk wizard calls it
		self.site_run(
			"company",
			"execute",
			"frappe.desk.page.setup_wizard.setup_wizard.setup_complete",
			"--kwargs",
			json.dumps({"args": wizard}, ensure_ascii=False),
		)
		return f"setup wizard done: {DEMO_COMPANY['company_name']} (CNY, Asia/Shanghai)"

	def stage_install(self) -> str:
		installed = self.site_run("install", "list-apps")
		fingerprint = _tree_fingerprint(CHECKOUT / APP)
		marker = self.mark("migrated")
		if not re.search(rf"^{APP}\b", installed, re.M):
			self.site_run("install", "install-app", APP)
			marker.write_text(fingerprint)
			return "installed " + APP
		if marker.exists() and marker.read_text() == fingerprint:
			return "up to date"
		self.site_run("install", "migrate", "--skip-search-index")
		marker.write_text(fingerprint)
		return "migrated to this checkout"

	def stage_demo_data(self) -> str:
		fingerprint = _tree_fingerprint(CHECKOUT / APP, suffixes=(".py",))
		marker = self.mark("demo-data")
		if marker.exists() and marker.read_text() == fingerprint:
			return "up to date"
		self.site_run("demo-data", "execute", "dealer_relations.demo.make_demo_data")
		self.site_run(
			"demo-data",
			"execute",
			"dealer_relations.demo.set_demo_passwords",
			"--kwargs",
			json.dumps({"password": self.cfg["DEMO_PASSWORD"]}),
		)
		marker.write_text(fingerprint)
		return "loaded"

	def stage_assets(self) -> str:
		full = self.state / "assets.full"
		fingerprint = _tree_fingerprint(CHECKOUT / APP / "public")
		marker = self.state / "assets.app"
		if not full.exists():
			self.bench_run("assets", "build")
			full.touch()
			marker.write_text(fingerprint)
			return "built all apps"
		if (
			marker.exists()
			and marker.read_text() == fingerprint
			and (self.bench / "sites" / "assets" / APP).exists()
		):
			return "up to date"
		self.bench_run("assets", "build", "--app", APP)
		marker.write_text(fingerprint)
		return "built " + APP

	# ---------------------------------------------------------------- serve
	def print_logins(self) -> None:
		url = f"http://127.0.0.1:{self.cfg['PORT']}"
		print(f"\nDealer Relations demo: {url}/app/dealer-relations   (site {self.site})")
		print(f"  Administrator / {self.cfg['ADMIN_PASSWORD']}")
		for email, who in DEMO_LOGINS:
			print(f"  {email} / {self.cfg['DEMO_PASSWORD']}   {who}")
		print("Stop with Ctrl-C. Run `make demo` again to pick up code changes.")

	def serve(self) -> int:
		return serve(self.bench, self.site, int(self.cfg["PORT"]), self.logs)


_STOP = threading.Event()


def stop_serving() -> None:
	"""Ask a running serve() (in another thread) to stop its processes and return."""
	_STOP.set()


def serve(bench: Path, site: str, port: int, logs: Path, worker: bool = True, env: dict | None = None) -> int:
	"""Frappe's WSGI app with its static files, on 127.0.0.1 only (bench serve binds 0.0.0.0),
	plus one background worker so enqueued jobs run. Returns when interrupted."""
	python = str(bench / "env" / "bin" / "python")
	sites = bench / "sites"
	code = (
		"import sys, frappe.app as app\n"
		"from werkzeug.serving import run_simple\n"
		"app._site, app._sites_path = sys.argv[1], '.'\n"
		"run_simple('127.0.0.1', int(sys.argv[2]), app.application_with_statics(), threaded=True, use_reloader=False)\n"
	)
	logs.mkdir(parents=True, exist_ok=True)
	# DEV_SERVER makes the desk reach the realtime server on its own port, as under `bench start`.
	env = {**(env or os.environ), "DEV_SERVER": "1"}
	procs = []
	try:
		realtime_port = int(_bench_config(bench).get("socketio_port") or 9000)
		if not _port_open("127.0.0.1", realtime_port) and shutil.which("node"):
			procs.append(
				subprocess.Popen(
					["node", "-r", str(CHECKOUT / "tools" / "bind-localhost.js"), "apps/frappe/socketio.js"],
					cwd=bench,
					# the desk on 127.0.0.1 is this site to the realtime server
					env={**env, "FRAPPE_SITE": site},
					stdout=open(logs / "realtime.log", "a"),
					stderr=subprocess.STDOUT,
					start_new_session=True,
				)
			)
		if worker:
			procs.append(
				subprocess.Popen(
					[python, "-m", "frappe.utils.bench_helper", "frappe", "--site", site, "worker"],
					cwd=sites,
					stdout=open(logs / "worker.log", "a"),
					stderr=subprocess.STDOUT,
					start_new_session=True,
					env=env,
				)
			)
		server = subprocess.Popen(
			[python, "-c", code, site, str(port)],
			cwd=sites,
			start_new_session=True,
			env=env,
			stdout=open(logs / "web.log", "a"),
			stderr=subprocess.STDOUT,
		)
		procs.append(server)
		while server.poll() is None and not _STOP.is_set():
			time.sleep(0.5)
		return server.returncode or 0
	except KeyboardInterrupt:
		return 0
	finally:
		for proc in procs:
			if proc.poll() is None:
				os.killpg(proc.pid, signal.SIGTERM)
		for proc in procs:
			try:
				proc.wait(timeout=10)
			except subprocess.TimeoutExpired:
				os.killpg(proc.pid, signal.SIGKILL)


STAGES = (
	("bench-cli", "Frappe's bench CLI", "stage_bench_cli"),
	("bench", "bench with Frappe", "stage_bench"),
	("erpnext", "ERPNext", "stage_erpnext"),
	("app", "this checkout as an app", "stage_app"),
	("site", "site", "stage_site"),
	("company", "demo company (setup wizard)", "stage_company"),
	("install", "app installed / migrated", "stage_install"),
	("demo-data", "demo data", "stage_demo_data"),
	("assets", "assets", "stage_assets"),
)


def main(argv: list[str]) -> int:
	demo = Demo(dict(os.environ))
	if argv[1:2] == ["serve"]:
		if not demo.site_is_ours():
			print(f"Site {demo.site} was not made by make demo: nothing to serve.")
			return 2
		demo.print_logins()
		return demo.serve()
	started = time.monotonic()
	print(f"make demo: bench {demo.bench}, site {demo.site}")
	problems = demo.preflight()
	if problems:
		for problem in problems:
			print(f"✗ {problem}")
		return 2
	for number, (stage, title, method) in enumerate(STAGES, 1):
		print(f"[{number}/{len(STAGES) + 1}] {title} …", end=" ", flush=True)
		stage_started = time.monotonic()
		try:
			outcome = getattr(demo, method)()
		except StageFailed as failure:
			print("FAILED")
			print(f"✗ stage '{stage}' failed: {failure}")
			print(
				f"  Full log: {demo.log_path(stage)}. Fix the cause and run make demo again: it resumes here."
			)
			return 1
		print(f"{outcome} ({time.monotonic() - stage_started:.0f} s)")
	print(f"Ready in {time.monotonic() - started:.0f} s. Logs: {demo.logs}")
	if demo.cfg["SERVE"] != "1":
		return 0
	print(f"[{len(STAGES) + 1}/{len(STAGES) + 1}] serving on 127.0.0.1:{demo.cfg['PORT']}")
	demo.print_logins()
	return demo.serve()


def _version_of(cmd: list[str]) -> tuple[int, ...] | None:
	try:
		out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
	except (OSError, subprocess.TimeoutExpired):
		return None
	match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
	return tuple(int(part) for part in match.groups() if part is not None) if match else None


def _bench_config(bench: Path) -> dict:
	try:
		return json.loads((bench / "sites" / "common_site_config.json").read_text())
	except (OSError, ValueError):
		return {}


def _git_error(stderr: str) -> str:
	"""git's own reason: its `fatal:` line, not the advice that follows it."""
	lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
	fatal = [line for line in lines if line.startswith("fatal:")]
	return (fatal or lines or ["no message"])[0]


def _port_open(host: str, port: int) -> bool:
	try:
		with socket.create_connection((host, port), timeout=3):
			return True
	except OSError:
		return False


def _current_user() -> str:
	import getpass

	return getpass.getuser()


def _tree_fingerprint(root: Path, suffixes: tuple[str, ...] | None = None) -> str:
	"""A hash of the files under ``root``: unchanged code means nothing to migrate or rebuild."""
	digest = hashlib.sha256()
	if root.exists():
		for path in sorted(root.rglob("*")):
			if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
				continue
			if suffixes and path.suffix not in suffixes:
				continue
			digest.update(str(path.relative_to(root)).encode())
			digest.update(path.read_bytes())
	return digest.hexdigest()


if __name__ == "__main__":
	sys.exit(main(sys.argv))
