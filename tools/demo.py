#!/usr/bin/env python3
"""`make demo`: from a machine with Python, Node, MariaDB and Redis to a served demo site.

Stages, each printed as it runs, each skipped when what it makes is already there:

  bench-cli   a virtualenv with Frappe's own `bench` CLI (PyPI frappe-bench)
  bench       `bench init` with Frappe (FRAPPE_SRC / FRAPPE_BRANCH); its own Redis (cache, queue)
              and realtime ports, chosen free and apart from every other bench's, Redis started
  erpnext     `bench get-app` ERPNext (ERPNEXT_SRC / ERPNEXT_BRANCH)
  app         this checkout linked into the bench as `dealer_relations` (editable install)
  site        `bench new-site SITE --install-app erpnext` (marked as made by make demo)
  company     ERPNext's setup wizard, completed for a Chinese demo manufacturer
  install     `install-app dealer_relations`, or `migrate` when the checkout changed since last time
  demo-data   `dealer_relations.demo.make_demo_data` and the demo users' passwords
  assets      `bench build` (all apps the first time, then only this app when its assets changed)
  serve       the site on 127.0.0.1:PORT only, with a background worker and this bench's realtime server

Re-running reuses the bench and the site. A failed stage names its log; the next run resumes
there. A site that make demo did not create is never touched. The bench's Redis runs while make
demo does (it stops what it started); a port that holds something not this bench's is refused.
`tools/demo.py redis` starts the bench's Redis when it is down and leaves it running (tier 2 and
make e2e need it); `tools/demo.py redis-stop` stops it. See README "Try it".
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
	"PORT": "8000",
	"ADMIN_PASSWORD": "admin",
	"DEMO_PASSWORD": "Demo@2026",
	"BENCH_CLI_ENV": str(Path.home() / ".cache" / "dealer-relations" / "bench-cli"),
	"SERVE": "1",
	"RESET": "0",
}
BENCH_CLI_SPEC = "frappe-bench>=5.22,<6"
# Each bench's own Redis and realtime server: from Frappe's bench CLI defaults up to the first port
# no other bench in the same folder names and nothing listens on. VAR=port moves one.
BENCH_PORTS = {"redis_cache": 13000, "redis_queue": 11000, "socketio_port": 9000}
PORT_VARIABLES = {
	"redis_cache": "REDIS_CACHE_PORT",
	"redis_queue": "REDIS_QUEUE_PORT",
	"socketio_port": "REALTIME_PORT",
}
PORT_ROLES = {
	"redis_cache": "this bench's Redis cache (redis_cache)",
	"redis_queue": "this bench's Redis queue (redis_queue)",
	"socketio_port": "this bench's realtime server (socketio_port)",
}
# every port a bench's common_site_config.json names
CONFIG_PORT_KEYS = (
	"redis_cache",
	"redis_queue",
	"redis_socketio",
	"socketio_port",
	"webserver_port",
	"file_watcher_port",
)
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
	("qian.fang@demo.dealer-relations.test", "钱芳 — Accounts Manager (approves settlements), zh"),
	# the dealers' portal users (dealer_relations.demo.documents.make_demo_portal) log in to /dealer
	("wu.hao@demo.dealer-relations.test", "吴浩 — dealer portal (/dealer) of 南京市恒通商贸有限公司, zh"),
	(
		"zheng.lei@demo.dealer-relations.test",
		"郑磊 — dealer portal (/dealer) of 广州市宏达机电设备有限公司, zh",
	),
)


class StageFailed(Exception):
	pass


class Demo:
	def __init__(self, env: dict[str, str]):
		self.cfg = {key: env.get(key) or default for key, default in DEFAULTS.items()}
		self.cfg["DB_ROOT_PASSWORD"] = env.get("DB_ROOT_PASSWORD", "")
		self.env = env
		self.bench = Path(self.cfg["BENCH_DIR"]).expanduser().resolve()
		self.site = self.cfg["SITE"]
		self.cli_env = Path(self.cfg["BENCH_CLI_ENV"]).expanduser()
		self.state = self.bench.parent / f".{self.bench.name}.dealer-relations-demo"
		self.logs = self.state / "logs"
		self.started_redis: list[int] = []  # ports of the Redis servers this run started

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
		"""make demo starts the bench's own Redis: it needs redis-server, and an existing bench's
		Redis ports must not be held by anything else."""
		if not shutil.which("redis-server"):
			return [
				"redis-server not found: install Redis (`apt install redis-server`); make demo runs one per bench."
			]
		if not self.is_bench():
			return []
		problems = []
		for key, host, port, conf in bench_redis(self.bench):
			moved_to = self.port_override(key)
			if moved_to and moved_to != port:  # REDIS_*_PORT: make demo will run it there
				host, port, conf = "127.0.0.1", moved_to, (self.bench / "config" / f"{key}.conf").resolve()
			problem = conf is not None and redis_problem(self.bench, key, host, port, conf)
			if problem:
				problems.append(problem)
		return problems

	def check_port(self) -> list[str]:
		"""The web port must be free; the realtime port free or this bench's own server."""
		if self.cfg["SERVE"] != "1":
			return []
		problems = []
		port = int(self.cfg["PORT"])
		if port_busy(port):
			problems.append(
				f"Port {port} on 127.0.0.1 is in use by {port_holder(port)}: stop it or set PORT=..."
			)
		if self.is_bench():
			realtime = self.port_override("socketio_port") or bench_ports(_bench_config(self.bench)).get(
				"socketio_port"
			)
			problem = realtime and realtime_problem(self.bench, realtime)
			if problem:
				problems.append(problem)
		return problems

	def port_override(self, key: str) -> int | None:
		value = self.env.get(PORT_VARIABLES[key])
		return int(value) if value else None

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
		"""Settings every run re-applies: the bench's own Redis and realtime ports, the running
		user, a setuptools that has pkg_resources. Then the bench's Redis is started."""
		config_path = self.bench / "sites" / "common_site_config.json"
		config = json.loads(config_path.read_text()) if config_path.exists() else {}
		ports = plan_ports(
			self.bench,
			config,
			{key: port for key in BENCH_PORTS if (port := self.port_override(key))},
			port_busy,
		)
		redis_cache = f"redis://127.0.0.1:{ports['redis_cache']}"
		wanted = {
			"redis_cache": redis_cache,
			"redis_queue": f"redis://127.0.0.1:{ports['redis_queue']}",
			"redis_socketio": redis_cache,  # unused by Frappe 15; bench init keeps it equal to the cache
			"socketio_port": ports["socketio_port"],
			"frappe_user": _current_user(),
			"db_host": self.cfg["DB_HOST"],
			"db_port": int(self.cfg["DB_PORT"]),
		}
		if any(config.get(key) != value for key, value in wanted.items()):
			config.update(wanted)
			config_path.write_text(json.dumps(config, indent=1, sort_keys=True) + "\n")
		if any(conf is None for _key, _host, _port, conf in bench_redis(self.bench)):
			# Frappe's bench CLI writes config/redis_cache.conf and redis_queue.conf for these ports
			self.bench_run("bench", "setup", "redis")
		marker = self.state / "setuptools.ok"
		if not marker.exists():
			self.run(
				"bench", [str(self.bench / "env" / "bin" / "pip"), "install", "-q", BENCH_SETUPTOOLS_SPEC]
			)
			marker.parent.mkdir(parents=True, exist_ok=True)
			marker.touch()
		self.start_redis()

	def start_redis(self) -> None:
		started, problems = start_bench_redis(self.bench)
		self.started_redis += started
		if problems:
			raise StageFailed("\n".join(problems))

	def stop_redis(self) -> None:
		"""Stop the Redis servers this run started (one already running is left as it was)."""
		stop_bench_redis(self.bench, self.started_redis)
		self.started_redis = []

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
		print(self.ports_line())
		print("Stop with Ctrl-C. Run `make demo` again to pick up code changes.")

	def ports_line(self) -> str:
		ports = bench_ports(_bench_config(self.bench))
		return (
			f"This bench's own ports: Redis cache {ports.get('redis_cache')}, Redis queue "
			f"{ports.get('redis_queue')}, realtime {ports.get('socketio_port')} (all on 127.0.0.1)."
		)

	def serve(self) -> int:
		return serve(self.bench, self.site, int(self.cfg["PORT"]), self.logs)


_STOP = threading.Event()


def _interrupt(signum, frame):
	raise KeyboardInterrupt


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
	if threading.current_thread() is threading.main_thread():
		# `kill` (SIGTERM) stops the web server, worker and realtime server too, as Ctrl-C does
		signal.signal(signal.SIGTERM, _interrupt)
	# DEV_SERVER makes the desk reach the realtime server on its own port, as under `bench start`.
	env = {**(env or os.environ), "DEV_SERVER": "1"}
	procs = []
	try:
		# this bench's own realtime server: reused when it runs, refused when another holds its port
		realtime_port = int(_bench_config(bench).get("socketio_port") or 9000)
		realtime = realtime_state(bench, realtime_port)
		if realtime == "foreign":
			print(f"✗ {realtime_problem(bench, realtime_port)}", flush=True)
			return 2
		if realtime == "free":
			if not shutil.which("node"):
				print("✗ node not found: the realtime server (progress bars, live updates) needs Node 18+.")
				return 2
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
			if not _wait_for(lambda: port_busy(realtime_port) or procs[-1].poll() is not None, 20) or (
				procs[-1].poll() is not None
			):
				print(
					f"✗ the realtime server did not start on port {realtime_port}: see {logs / 'realtime.log'}"
				)
				return 1
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
	command = argv[1] if len(argv) > 1 else ""
	if command == "redis":
		# tier 2 and make e2e: the bench's own Redis up (started when down), left running
		started, problems = start_bench_redis(demo.bench)
		for problem in problems:
			print(f"✗ {problem}")
		if started:
			print(
				f"Started the Redis of {demo.bench} on port(s) {', '.join(map(str, started))}; it keeps running."
			)
		return 2 if problems else 0
	if command == "redis-stop":
		stopped = stop_bench_redis(demo.bench)
		print(
			f"Stopped the Redis of {demo.bench} on port(s) {', '.join(map(str, stopped)) or 'none running'}."
		)
		return 0
	if threading.current_thread() is threading.main_thread():
		# `kill` (SIGTERM) ends make demo as Ctrl-C does: what it started is stopped
		signal.signal(signal.SIGTERM, _interrupt)
	try:
		if command == "serve":
			return serve_again(demo)
		return build_and_serve(demo)
	finally:
		demo.stop_redis()


def serve_again(demo: Demo) -> int:
	"""`make demo-serve`: an already-built demo site, with the bench's Redis and realtime."""
	if not demo.site_is_ours():
		print(f"Site {demo.site} was not made by make demo: nothing to serve.")
		return 2
	problems = demo.check_redis() + demo.check_port()
	if problems:
		for problem in problems:
			print(f"✗ {problem}")
		return 2
	try:
		demo.configure_bench()
	except StageFailed as failure:
		print(f"✗ {failure}")
		return 2
	demo.print_logins()
	return demo.serve()


def build_and_serve(demo: Demo) -> int:
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
		print(demo.ports_line())
		return 0
	print(f"[{len(STAGES) + 1}/{len(STAGES) + 1}] serving on 127.0.0.1:{demo.cfg['PORT']}")
	demo.print_logins()
	return demo.serve()


# ---------------------------------------------------------------- the bench's own ports
def config_port(config: dict, key: str) -> int | None:
	"""The port a common_site_config.json key names (a redis:// URL or a number)."""
	value = config.get(key)
	if not value:
		return None
	if isinstance(value, str) and value.startswith("redis://"):
		match = re.match(r"redis://[^:/]+(?::(\d+))?", value)
		return int(match.group(1) or 6379) if match else None
	try:
		return int(value)
	except (TypeError, ValueError):
		return None


def bench_ports(config: dict) -> dict[str, int]:
	return {key: port for key in CONFIG_PORT_KEYS if (port := config_port(config, key))}


def sibling_ports(bench: Path) -> set[int]:
	"""Every port the other benches in BENCH_DIR's folder name (where Frappe's bench CLI looks)."""
	ports: set[int] = set()
	try:
		folders = [folder for folder in bench.parent.iterdir() if folder.is_dir() and folder != bench]
	except OSError:
		return ports
	for folder in folders:
		ports.update(bench_ports(_bench_config(folder)).values())
	return ports


def choose_port(start: int, taken: set[int], busy) -> int:
	"""The first port from ``start`` that no bench names and nothing listens on."""
	port = start
	while port in taken or busy(port):
		port += 1
	return port


def plan_ports(bench: Path, config: dict, overrides: dict[str, int], busy) -> dict[str, int]:
	"""This bench's Redis and realtime ports: a VAR=port the user set; else the port it has when
	it is its own (a Redis port its config/<key>.conf serves, a realtime port no other bench in the
	folder names); else a free one. A bench pointed at a shared Redis (6379) gets its own."""
	current = bench_ports(config)
	others = sibling_ports(bench)
	ports: dict[str, int] = {}
	for key, default in BENCH_PORTS.items():
		if key in overrides:
			ports[key] = overrides[key]
			continue
		port = current.get(key)
		if key.startswith("redis_"):
			own = port is not None and redis_conf_port(bench, key) == port and port not in others
		else:
			own = port is not None and port not in others
		taken = others | set(ports.values())
		ports[key] = port if own and port not in ports.values() else choose_port(default, taken, busy)
	return ports


def port_busy(port: int) -> bool:
	"""Something listens on 127.0.0.1:port (bound as servers bind: connections of an earlier run
	in TIME_WAIT do not count)."""
	with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
		probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		try:
			probe.bind(("127.0.0.1", port))
		except OSError:
			return True
	return False


def port_listeners(port: int) -> list[int]:
	"""The processes listening on TCP ``port`` (Linux /proc; [] when it cannot tell)."""
	inodes = set()
	for table in ("/proc/net/tcp", "/proc/net/tcp6"):
		try:
			lines = Path(table).read_text().splitlines()[1:]
		except OSError:
			continue
		for line in lines:
			fields = line.split()
			if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
				inodes.add(f"socket:[{fields[9]}]")
	pids = []
	if not inodes:
		return pids
	for proc in Path("/proc").iterdir():
		if not proc.name.isdigit():
			continue
		try:
			if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
				pids.append(int(proc.name))
		except OSError:
			continue
	return pids


def process_facts(pid: int) -> tuple[str, Path | None]:
	"""A process's command line and working folder ("", None when it cannot be read)."""
	try:
		raw = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
		cmdline = " ".join(raw.decode(errors="replace").split())  # one line, for a refusal line
	except OSError:
		cmdline = ""
	try:
		cwd = Path(os.readlink(f"/proc/{pid}/cwd")).resolve()
	except OSError:
		cwd = None
	return cmdline, cwd


def port_holder(port: int) -> str:
	"""Who listens on ``port``, for a refusal line."""
	pids = port_listeners(port)
	if not pids:
		return "a process make demo cannot see (another user's?)"
	cmdline, cwd = process_facts(pids[0])
	return f"pid {pids[0]} `{cmdline[:120] or '?'}`" + (f" in {cwd}" if cwd else "")


def refusal(bench: Path, key: str, port: int, holder: str) -> str:
	return (
		f"Port {port}, {PORT_ROLES[key]}, is held by {holder}, which is not this bench's "
		f"({bench}): stop it, or set {PORT_VARIABLES[key]}=<a free port> to move this bench."
	)


def realtime_state(bench: Path, port: int) -> str:
	"""'free', 'ours' (Frappe's socketio.js run from this bench) or 'foreign'."""
	if not port_busy(port):
		return "free"
	for pid in port_listeners(port):
		cmdline, cwd = process_facts(pid)
		if "socketio.js" in cmdline and cwd == bench.resolve():
			return "ours"
	return "foreign"


def realtime_problem(bench: Path, port: int) -> str | None:
	if realtime_state(bench, port) != "foreign":
		return None
	return refusal(bench, "socketio_port", port, port_holder(port))


def redis_conf_port(bench: Path, key: str) -> int | None:
	"""The port of config/<key>.conf, the Redis server this bench runs for ``key``."""
	try:
		match = re.search(r"^port\s+(\d+)", (bench / "config" / f"{key}.conf").read_text(), re.M)
	except OSError:
		return None
	return int(match.group(1)) if match else None


def bench_redis(bench: Path) -> list[tuple[str, str, int, Path | None]]:
	"""(key, host, port, config file) of the bench's cache and queue Redis; the config file is
	None when the bench does not run that Redis itself (it names a shared or remote one)."""
	config = _bench_config(bench)
	servers = []
	for key in ("redis_cache", "redis_queue"):
		match = re.match(r"redis://([^:/]+)(?::(\d+))?", config.get(key) or "")
		if not match:
			continue
		host, port = match.group(1), int(match.group(2) or 6379)
		conf = bench / "config" / f"{key}.conf"
		own = host in ("127.0.0.1", "localhost") and redis_conf_port(bench, key) == port
		servers.append((key, host, port, conf.resolve() if own else None))
	return servers


def redis_config_file(host: str, port: int) -> str | None:
	"""What answers on host:port: None when nothing does, "" when it is not a Redis this tool can
	read (not Redis, or one with a password), else the config file that Redis was started with."""
	try:
		conn = socket.create_connection((host, port), timeout=3)
	except OSError:
		return None
	reply = b""
	with conn:
		try:
			conn.sendall(b"INFO server\r\n")
			while True:
				chunk = conn.recv(65536)
				reply += chunk
				header, _, body = reply.partition(b"\r\n")
				if not chunk or not header.startswith(b"$") or len(body) >= int(header[1:] or 0):
					break
		except (OSError, ValueError):  # it took the connection but answers nothing Redis would
			return ""
	if not reply.startswith(b"$"):
		return ""
	match = re.search(rb"^config_file:(.*)$", reply, re.M)
	return match.group(1).strip().decode() if match else ""


def redis_problem(bench: Path, key: str, host: str, port: int, conf: Path) -> str | None:
	"""A refusal line when ``port`` holds something other than this bench's Redis for ``key``."""
	config_file = redis_config_file(host, port)
	if config_file is None or (config_file and Path(config_file).resolve() == conf):
		return None
	holder = f"a Redis started with {config_file}" if config_file else port_holder(port)
	return refusal(bench, key, port, holder)


def start_bench_redis(bench: Path, timeout: float = 20) -> tuple[list[int], list[str]]:
	"""Start the bench's own Redis servers that are down; idempotent. Returns the ports started
	and one line per port that holds something not this bench's (or a named Redis that is down)."""
	started, problems = [], []
	for key, host, port, conf in bench_redis(bench):
		if conf is None:
			if redis_config_file(host, port) is None:
				problems.append(
					f"Redis is not answering on {host}:{port} ({key} of {bench}), and this bench has "
					f"no config/{key}.conf to start it with: start it, or run make demo on this bench."
				)
			continue
		problem = redis_problem(bench, key, host, port, conf)
		if problem:
			problems.append(problem)
			continue
		if redis_config_file(host, port) is not None:
			continue  # already up
		(bench / "config" / "pids").mkdir(parents=True, exist_ok=True)
		proc = subprocess.run(
			["redis-server", str(conf), "--daemonize", "yes"],
			cwd=bench,
			capture_output=True,
			text=True,
		)
		deadline = time.monotonic() + timeout
		while proc.returncode == 0 and redis_config_file(host, port) is None and time.monotonic() < deadline:
			time.sleep(0.2)
		if redis_config_file(host, port) is None:
			problems.append(
				f"redis-server {conf} did not start on port {port}: "
				f"{(proc.stdout + proc.stderr).strip()[-300:] or 'see ' + str(conf.parent / 'pids')}"
			)
			continue
		started.append(port)
	return started, problems


def stop_bench_redis(bench: Path, ports: list[int] | None = None) -> list[int]:
	"""Shut down the bench's own Redis servers (those on ``ports`` only, when given)."""
	stopped = []
	for _key, host, port, conf in bench_redis(bench):
		if conf is None or (ports is not None and port not in ports):
			continue
		config_file = redis_config_file(host, port)
		if not config_file or Path(config_file).resolve() != conf:
			continue  # down, or not this bench's: leave it
		try:
			with socket.create_connection((host, port), timeout=3) as conn:
				conn.sendall(b"SHUTDOWN NOSAVE\r\n")
				conn.recv(64)
		except OSError:
			pass
		stopped.append(port)
	return stopped


def _version_of(cmd: list[str]) -> tuple[int, ...] | None:
	try:
		out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
	except (OSError, subprocess.TimeoutExpired):
		return None
	match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
	return tuple(int(part) for part in match.groups() if part is not None) if match else None


def _wait_for(condition, timeout: float) -> bool:
	deadline = time.monotonic() + timeout
	while not condition():
		if time.monotonic() > deadline:
			return False
		time.sleep(0.2)
	return True


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
