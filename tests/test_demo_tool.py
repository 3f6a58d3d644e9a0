"""`make demo`'s own rules (tools/demo.py): what it refuses before touching anything, and how it
knows nothing changed. No bench needed."""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
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


def test_redis_and_port_problems_say_how_to_fix(tmp_path):
	demo = make_demo(tmp_path, REDIS_URL=f"redis://127.0.0.1:{closed_port()}")
	[problem] = demo.check_redis()
	assert "Redis is not answering" in problem and "REDIS_URL" in problem
	with socket.socket() as listener:
		listener.bind(("127.0.0.1", 0))
		listener.listen()
		port = listener.getsockname()[1]
		[problem] = make_demo(tmp_path, PORT=str(port)).check_port()
	assert f"Port {port}" in problem and "PORT=" in problem


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
