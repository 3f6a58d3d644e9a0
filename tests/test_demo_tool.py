"""`make demo`'s own rules (tools/demo.py): what it refuses before touching anything, and how it
knows nothing changed. No bench needed."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("demo_tool", ROOT / "tools" / "demo.py")
demo_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(demo_tool)


def make_demo(tmp_path: Path, **env) -> demo_tool.Demo:
	return demo_tool.Demo({"BENCH_DIR": str(tmp_path / "bench"), "DB_ROOT_PASSWORD": "x", **env})


def fake_bench(root: Path) -> Path:
	(root / "sites").mkdir(parents=True)
	(root / "sites" / "apps.txt").write_text("frappe\nerpnext\n")
	(root / "env" / "bin").mkdir(parents=True)
	(root / "env" / "bin" / "python").write_text("")
	return root


def closed_port() -> int:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]


def test_a_site_make_demo_did_not_make_is_refused(tmp_path):
	bench = fake_bench(tmp_path / "bench")
	(bench / "sites" / "theirs.localhost").mkdir()
	(bench / "sites" / "theirs.localhost" / "site_config.json").write_text(json.dumps({"db_name": "x"}))
	problems = make_demo(tmp_path, SITE="theirs.localhost").check_bench_and_site()
	assert len(problems) == 1 and "was not made by make demo" in problems[0]


def test_its_own_site_is_reused(tmp_path):
	bench = fake_bench(tmp_path / "bench")
	(bench / "sites" / "mine.localhost").mkdir()
	(bench / "sites" / "mine.localhost" / "site_config.json").write_text(json.dumps({demo_tool.SITE_MARK: 1}))
	assert make_demo(tmp_path, SITE="mine.localhost").check_bench_and_site() == []


def test_a_folder_that_is_not_a_bench_is_refused(tmp_path):
	(tmp_path / "bench").mkdir()
	(tmp_path / "bench" / "notes.txt").write_text("mine")
	problems = make_demo(tmp_path).check_bench_and_site()
	assert len(problems) == 1 and "is not a Frappe bench" in problems[0]


def test_port_problems_say_how_to_fix(tmp_path, monkeypatch):
	monkeypatch.setattr(demo_tool.shutil, "which", lambda name: None)
	[problem] = make_demo(tmp_path).check_redis()
	assert "redis-server not found" in problem
	with listening() as port:
		[problem] = make_demo(tmp_path, PORT=str(port)).check_port()
	assert f"Port {port}" in problem and "PORT=" in problem


# ---------------------------------------------------------------- each bench's own ports
@contextlib.contextmanager
def listening(reply: bytes | None = None):
	"""A TCP server on a free 127.0.0.1 port held by this test process; it answers every
	connection with ``reply`` (when given) and closes it."""
	listener = socket.socket()
	listener.bind(("127.0.0.1", 0))
	listener.listen()
	stop = threading.Event()

	def answer():
		listener.settimeout(0.2)
		while not stop.is_set():
			try:
				conn, _ = listener.accept()
			except OSError:
				continue
			with conn:
				conn.recv(1024)
				if reply is not None:
					conn.sendall(reply)

	thread = threading.Thread(target=answer, daemon=True)
	thread.start()
	try:
		yield listener.getsockname()[1]
	finally:
		stop.set()
		thread.join()
		listener.close()


def redis_info(config_file: str) -> bytes:
	body = f"# Server\r\nredis_version:7.0.15\r\nconfig_file:{config_file}\r\n".encode()
	return b"$%d\r\n%s\r\n" % (len(body), body)


def write_config(bench: Path, **config) -> None:
	(bench / "sites" / "common_site_config.json").write_text(json.dumps(config))


def test_a_port_is_the_first_no_bench_names_and_nothing_holds():
	assert demo_tool.choose_port(13000, set(), lambda port: False) == 13000
	assert demo_tool.choose_port(13000, {13000, 13001}, lambda port: port == 13002) == 13003


def test_a_bench_on_the_shared_redis_gets_its_own_ports_apart_from_its_neighbours(tmp_path):
	"""The finding: two benches on 6379 db 0 overwrite each other's cache (the asset map)."""
	neighbour = fake_bench(tmp_path / "neighbour")
	write_config(
		neighbour,
		redis_cache="redis://127.0.0.1:13000",
		redis_queue="redis://127.0.0.1:11000",
		socketio_port=9000,
	)
	bench = fake_bench(tmp_path / "bench")
	shared = {
		"redis_cache": "redis://127.0.0.1:6379",
		"redis_queue": "redis://127.0.0.1:6379",
		"socketio_port": 9000,
	}
	ports = demo_tool.plan_ports(bench, shared, {}, lambda port: port == 11001)
	assert ports == {"redis_cache": 13001, "redis_queue": 11002, "socketio_port": 9001}


def test_a_bench_keeps_its_own_ports_and_a_variable_moves_one(tmp_path):
	bench = fake_bench(tmp_path / "bench")
	(bench / "config").mkdir()
	(bench / "config" / "redis_cache.conf").write_text("bind 127.0.0.1\nport 13005\n")
	(bench / "config" / "redis_queue.conf").write_text("port 11007\n")
	config = {
		"redis_cache": "redis://127.0.0.1:13005",
		"redis_queue": "redis://127.0.0.1:11000",  # not what its config/redis_queue.conf serves
		"socketio_port": 9004,
	}
	busy = lambda port: True if port in (13005, 9004) else False  # noqa: E731 (its own servers run)
	assert demo_tool.plan_ports(bench, config, {}, busy) == {
		"redis_cache": 13005,
		"redis_queue": 11000,
		"socketio_port": 9004,
	}
	assert demo_tool.plan_ports(bench, config, {"socketio_port": 9100}, busy)["socketio_port"] == 9100
	write_config(bench, **config)
	# the Redis it runs itself (started and stopped with it), and one it only names
	assert [(key, port, conf is not None) for key, _host, port, conf in demo_tool.bench_redis(bench)] == [
		("redis_cache", 13005, True),
		("redis_queue", 11000, False),
	]


def test_a_realtime_port_held_by_something_else_is_refused(tmp_path):
	"""The finding: make demo serve silently used another bench's realtime server on 9000."""
	bench = fake_bench(tmp_path / "bench")
	with listening() as port:
		assert demo_tool.realtime_state(bench, port) == "foreign"
		problem = demo_tool.realtime_problem(bench, port)
		write_config(bench, socketio_port=port)
		assert make_demo(tmp_path, PORT=str(closed_port())).check_port() == [problem]
	assert problem.startswith(f"Port {port}, this bench's realtime server (socketio_port), is held by ")
	assert f"which is not this bench's ({bench})" in problem and "REALTIME_PORT=" in problem
	if Path("/proc/net/tcp").exists():
		assert f"pid {os.getpid()} `" in problem and "pytest" in problem  # who holds it, from /proc
	assert demo_tool.realtime_state(bench, port) == "free"


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="tells processes apart by /proc (Linux)")
def test_the_benchs_own_realtime_server_is_reused(tmp_path):
	bench = fake_bench(tmp_path / "bench")
	port = closed_port()
	server = subprocess.Popen(
		[
			sys.executable,
			"-c",
			"import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); "
			"s.listen(); time.sleep(60)",
			str(port),
			"apps/frappe/socketio.js",
		],
		cwd=bench,
	)
	try:
		assert demo_tool._wait_for(lambda: demo_tool.port_busy(port), 10)
		assert demo_tool.realtime_state(bench, port) == "ours"
		assert demo_tool.realtime_problem(bench, port) is None
		other = fake_bench(tmp_path / "other")
		assert demo_tool.realtime_state(other, port) == "foreign"
	finally:
		server.kill()
		server.wait()


def test_a_redis_port_held_by_another_redis_or_another_program_is_refused(tmp_path):
	bench = fake_bench(tmp_path / "bench")
	conf = (bench / "config" / "redis_cache.conf").resolve()
	with listening(redis_info("/srv/other-bench/config/redis_cache.conf")) as port:
		problem = demo_tool.redis_problem(bench, "redis_cache", "127.0.0.1", port, conf)
	assert problem == (
		f"Port {port}, this bench's Redis cache (redis_cache), is held by a Redis started with "
		f"/srv/other-bench/config/redis_cache.conf, which is not this bench's ({bench}): stop it, or "
		"set REDIS_CACHE_PORT=<a free port> to move this bench."
	)
	with listening(b"HTTP/1.1 400 Bad Request\r\n\r\n") as port:
		problem = demo_tool.redis_problem(bench, "redis_queue", "127.0.0.1", port, conf)
	assert f"Port {port}, this bench's Redis queue (redis_queue), is held by " in problem
	assert "REDIS_QUEUE_PORT=" in problem
	with listening(b"") as port:  # takes the connection, says nothing
		assert "REDIS_CACHE_PORT=" in demo_tool.redis_problem(bench, "redis_cache", "127.0.0.1", port, conf)
	with listening(redis_info(str(conf))) as port:
		assert demo_tool.redis_problem(bench, "redis_cache", "127.0.0.1", port, conf) is None
	assert demo_tool.redis_problem(bench, "redis_cache", "127.0.0.1", closed_port(), conf) is None


def test_make_demo_refuses_an_existing_benchs_redis_port_held_by_another(tmp_path, monkeypatch):
	bench = fake_bench(tmp_path / "bench")
	(bench / "config").mkdir()
	monkeypatch.setattr(demo_tool.shutil, "which", lambda name: "/usr/bin/" + name)
	with listening(redis_info("/elsewhere.conf")) as port:
		(bench / "config" / "redis_cache.conf").write_text(f"port {port}\n")
		write_config(bench, redis_cache=f"redis://127.0.0.1:{port}")
		[problem] = make_demo(tmp_path).check_redis()
		assert problem.startswith(f"Port {port}, this bench's Redis cache")
		# REDIS_CACHE_PORT moves the bench instead: make demo then writes the new port
		assert make_demo(tmp_path, REDIS_CACHE_PORT=str(closed_port())).check_redis() == []
		# ...unless that port too holds something else
		with listening(b"-ERR unknown command\r\n") as other:
			[problem] = make_demo(tmp_path, REDIS_CACHE_PORT=str(other)).check_redis()
		assert (
			problem.startswith(f"Port {other}, this bench's Redis cache") and "REDIS_CACHE_PORT=" in problem
		)


def test_a_named_redis_that_is_down_and_not_the_benchs_own_is_reported(tmp_path):
	bench = fake_bench(tmp_path / "bench")
	port = closed_port()
	write_config(bench, redis_cache=f"redis://127.0.0.1:{port}")
	assert demo_tool.start_bench_redis(bench) == (
		[],
		[
			f"Redis is not answering on 127.0.0.1:{port} (redis_cache of {bench}), and this bench has "
			"no config/redis_cache.conf to start it with: start it, or run make demo on this bench."
		],
	)


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_the_benchs_redis_is_started_once_and_stopped(tmp_path):
	"""Tier 2 and make e2e start the bench's Redis when it is down; starting again does nothing."""
	bench = fake_bench(tmp_path / "bench")
	(bench / "config" / "pids").mkdir(parents=True)
	cache, queue = closed_port(), closed_port()
	for key, port in (("redis_cache", cache), ("redis_queue", queue)):
		(bench / "config" / f"{key}.conf").write_text(
			f"bind 127.0.0.1\nport {port}\ndir {bench / 'config' / 'pids'}\n"
			f'pidfile {bench / "config" / "pids" / key}.pid\nsave ""\nappendonly no\n'
		)
	write_config(bench, redis_cache=f"redis://127.0.0.1:{cache}", redis_queue=f"redis://127.0.0.1:{queue}")
	try:
		assert demo_tool.start_bench_redis(bench) == ([cache, queue], [])
		assert demo_tool.start_bench_redis(bench) == ([], [])
		assert demo_tool.redis_config_file("127.0.0.1", cache) == str(bench / "config" / "redis_cache.conf")
		assert demo_tool.stop_bench_redis(bench, [queue]) == [queue]
		assert demo_tool._wait_for(lambda: demo_tool.redis_config_file("127.0.0.1", queue) is None, 10)
		assert demo_tool.redis_config_file("127.0.0.1", cache) is not None
	finally:
		demo_tool.stop_bench_redis(bench)
	assert demo_tool._wait_for(lambda: demo_tool.redis_config_file("127.0.0.1", cache) is None, 10)


def test_sources_that_cannot_be_cloned_are_named(tmp_path):
	good = tmp_path / "frappe"
	subprocess.run(["git", "init", "-q", "-b", "version-15", str(good)], check=True)
	subprocess.run(
		[
			"git",
			"-C",
			str(good),
			"-c",
			"user.email=a@b",
			"-c",
			"user.name=a",
			"commit",
			"-q",
			"--allow-empty",
			"-m",
			"x",
		],
		check=True,
	)
	demo = make_demo(tmp_path, FRAPPE_SRC=str(good), ERPNEXT_SRC=str(tmp_path / "missing"))
	problems = demo.check_sources()
	assert len(problems) == 1 and problems[0].startswith("ERPNEXT_SRC=") and "fatal:" in problems[0]
	demo = make_demo(tmp_path, FRAPPE_SRC=str(good), FRAPPE_BRANCH="develop", ERPNEXT_SRC=str(good))
	assert demo.check_sources() == [f"FRAPPE_SRC={good} has no branch develop: set FRAPPE_BRANCH."]


def test_fingerprint_follows_content_not_caches(tmp_path):
	(tmp_path / "app").mkdir()
	(tmp_path / "app" / "a.py").write_text("x = 1\n")
	before = demo_tool._tree_fingerprint(tmp_path / "app")
	(tmp_path / "app" / "__pycache__").mkdir()
	(tmp_path / "app" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
	assert demo_tool._tree_fingerprint(tmp_path / "app") == before
	(tmp_path / "app" / "a.py").write_text("x = 2\n")
	assert demo_tool._tree_fingerprint(tmp_path / "app") != before


@pytest.mark.parametrize(
	"stderr, reason",
	[
		("fatal: repository 'x' not found\n", "fatal: repository 'x' not found"),
		("warning: w\nfatal: unable to access\nadvice\n", "fatal: unable to access"),
		("", "no message"),
	],
)
def test_git_errors_keep_gits_reason(stderr, reason):
	assert demo_tool._git_error(stderr) == reason
