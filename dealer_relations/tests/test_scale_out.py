"""Scale-out: the chunked year-end run and re-rating on Frappe's RQ, done by real worker processes.

Two workers take the jobs of one run — every job handed out twice, as a redelivery or a second
click would — and must leave exactly the settlements (and ratings) one worker leaves, one per
dealer. A worker killed (SIGKILL, its work horse too) in the middle of a job leaves the run
unfinished, the run says so, and pressing the button again finishes it. The workers are separate
processes with their own database connections, so the fixtures are committed (and deleted at the
end), and the jobs go to a private RQ queue of this test so no other worker on the bench takes them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest.mock import patch

import frappe
import psutil
from frappe.utils import add_days, today
from frappe.utils.background_jobs import generate_qname, get_job, get_queues_timeout, get_redis_conn
from rq import Queue

import dealer_relations
from dealer_relations import credit, rebates, runs
from dealer_relations.credit import rating_jobs, run_rating_job
from dealer_relations.rebates import year_end_jobs
from dealer_relations.tests.rebate_factories import (
	PUMP,
	REBATE_TEST_IGNORE,
	day,
	make_invoice,
	make_items,
	make_policy,
	make_rebate_dealer,
)
from dealer_relations.tests.utils import FrappeTestCase

EXTRA_TEST_RECORD_DEPENDENCIES = REBATE_TEST_IGNORE
test_ignore = REBATE_TEST_IGNORE

CHECKOUT = Path(dealer_relations.__file__).resolve().parents[1]
# A worker that waits for the test's go signal, then works its queue until it is empty. Given a
# function ("module:name"), a dealer and a key, the job whose call of that function covers the
# dealer stops right after the call (its writes made, not committed), sets the key and waits to
# be killed: the work horse is forked from this process, so it runs with the wrapper.
WORKER = """
import importlib, sys, time
import frappe
from rq import Queue, Worker
from frappe.utils.background_jobs import generate_qname, get_redis_conn
site, queue, go, worker = sys.argv[1:5]
frappe.init(site=site, sites_path=".")
conn = get_redis_conn()
name = generate_qname(queue)
frappe.destroy()
if len(sys.argv) > 5:
    target, dealer, reached = sys.argv[5:8]
    module_name, function_name = target.split(":")
    module = importlib.import_module(module_name)
    real = getattr(module, function_name)
    def stop_after(*args, **kwargs):
        result = real(*args, **kwargs)
        if any(dealer in arg for arg in args if isinstance(arg, (dict, list))):
            conn.set(reached, 1, ex=120)
            time.sleep(300)
        return result
    setattr(module, function_name, stop_after)
deadline = time.time() + 60
while not conn.get(go) and time.time() < deadline:
    time.sleep(0.05)
Worker([Queue(name, connection=conn)], connection=conn, name=worker).work(burst=True)
"""


class TestTwoWorkersShareOneRun(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.tag = frappe.generate_hash(length=6)
		cls.queue = f"dr-test-{cls.tag}"
		make_items()
		tier = f"DR Scale {cls.tag}"
		frappe.get_doc(
			{"doctype": "Dealer Tier", "tier_name": tier, "rank": 80, "visit_interval_days": 30}
		).insert(ignore_permissions=True)
		cls.tier = tier
		cls.dealers, cls.invoices = [], []
		for number in range(7):
			dealer = make_rebate_dealer(tier=tier)
			frappe.db.set_value("Dealer", dealer.name, {"credit_limit": 10**9, "status": "Active"})
			cls.dealers.append(dealer)
			for month in range(number % 3 + 1):
				cls.invoices.append(
					make_invoice(
						dealer.customer, [(PUMP, number + 1, 10_000 * (month + 1))], day(10 + 30 * month)
					)
				)
		cls.policy = make_policy(tiers=[tier])
		frappe.db.commit()  # nosemgrep: the workers are other processes and see committed rows only

	@classmethod
	def tearDownClass(cls):
		names = [d.name for d in cls.dealers]
		invoices = [i.name for i in cls.invoices]
		for parent, children in (
			("Rebate Settlement", ("Rebate Settlement Slab",)),
			("Dealer Credit Rating", ("Dealer Credit Rating Factor",)),
		):
			parents = frappe.get_all(parent, filters={"dealer": ("in", names)}, pluck="name")
			for child in children:
				frappe.db.delete(child, {"parent": ("in", parents or [""])})
			frappe.db.delete(parent, {"dealer": ("in", names)})
		for doctype, column in (
			("GL Entry", "voucher_no"),
			("Payment Ledger Entry", "voucher_no"),
			("Sales Invoice Item", "parent"),
			("Payment Schedule", "parent"),
			("Sales Invoice", "name"),
		):
			frappe.db.delete(doctype, {column: ("in", invoices)})
		for doctype in ("Rebate Policy Tier", "Rebate Policy Slab"):
			frappe.db.delete(doctype, {"parent": cls.policy.name})
		frappe.db.delete("Rebate Policy", {"name": cls.policy.name})
		for doctype in ("Dealer Territory", "Dealer Key Person"):
			frappe.db.delete(doctype, {"parent": ("in", names)})
		frappe.db.delete("Dealer", {"name": ("in", names)})
		frappe.db.delete("Customer", {"name": ("in", [d.customer for d in cls.dealers])})
		frappe.db.delete("Dealer Tier", {"name": cls.tier})
		frappe.db.commit()  # nosemgrep: undo the committed fixtures
		Queue(generate_qname(cls.queue), connection=get_redis_conn()).empty()
		super().tearDownClass()

	# -- helpers ---------------------------------------------------------------------------------

	def private_queue(self):
		"""Frappe queues only on the queues it knows: make this test's queue one of them."""
		return patch(
			"frappe.utils.background_jobs.get_queues_timeout",
			return_value={**get_queues_timeout(), self.queue: 600},
		)

	def start_workers(self, workers: int, hook: tuple[str, str, str] = ()) -> list[subprocess.Popen]:
		"""Start ``workers`` worker processes on the private queue; they work it empty on the go
		signal, which is sent here once they had a moment to start (so they start together)."""
		go = f"{self.queue}:go:{frappe.generate_hash(length=6)}"
		env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(CHECKOUT), os.environ.get("PYTHONPATH", "")])}
		processes = [
			subprocess.Popen(
				[sys.executable, "-c", WORKER, frappe.local.site, self.queue, go, f"{go}-{n}", *hook],
				cwd=frappe.local.sites_path,
				env=env,
				stdout=subprocess.PIPE,
				stderr=subprocess.STDOUT,
			)
			for n in range(workers)
		]
		time.sleep(1)
		get_redis_conn().set(go, 1, ex=120)
		return processes

	def finish_workers(self, processes: list[subprocess.Popen]) -> str:
		outputs = [process.communicate(timeout=300)[0].decode(errors="replace") for process in processes]
		frappe.db.commit()  # nosemgrep: a fresh snapshot, to read what the workers committed
		return "\n".join(outputs)

	def run_on_workers(self, method: str, jobs: list[dict], workers: int, copies: int) -> set[str]:
		"""Queue every job ``copies`` times on the private queue, let ``workers`` worker processes
		work it empty; returns the names of the workers that ran jobs."""
		with self.private_queue():
			# each job's copies side by side, so two workers tend to take the same chunk at once
			queued = [
				frappe.enqueue(method, queue=self.queue, timeout=600, **kwargs)
				for kwargs in jobs
				for _copy in range(copies)
			]
		outputs = self.finish_workers(self.start_workers(workers))
		ran = set()
		for job in queued:
			job.refresh()
			self.assertEqual(job.get_status(), "finished", outputs)
			ran.add(job.worker_name)
		return ran

	def stop_mid_job(self, function: str, dealer: str) -> subprocess.Popen:
		"""One worker works the private queue until its job covering ``dealer`` has made its
		writes in ``function`` (nothing committed); there the job waits, and the worker is
		returned for the test to look at and kill."""
		reached = f"{self.queue}:reached:{frappe.generate_hash(length=6)}"
		(worker,) = self.start_workers(1, (function, dealer, reached))
		conn = get_redis_conn()
		deadline = time.time() + 120
		while not conn.get(reached) and worker.poll() is None and time.time() < deadline:
			time.sleep(0.05)
		self.assertTrue(conn.get(reached), "the worker never reached the job to kill")
		return worker

	def kill(self, worker: subprocess.Popen) -> None:
		"""SIGKILL the worker and its work horse: RQ forks the horse into a session of its own, so
		the worker's process tree is killed, not its process group."""
		tree = [worker.pid, *(child.pid for child in psutil.Process(worker.pid).children(recursive=True))]
		self.assertGreater(len(tree), 1, "the worker runs the job in a work horse")
		for pid in tree:
			os.kill(pid, signal.SIGKILL)
		worker.communicate(timeout=30)
		frappe.db.commit()  # nosemgrep: a fresh snapshot, to read what the workers committed

	def run_status(self, run: str) -> dict:
		status = runs.run_status(run)
		return {
			key: status[key] for key in ("status", "jobs_expected", "jobs_done", "queued", "running", "lost")
		}

	def settlements(self) -> dict[str, tuple]:
		rows = frappe.get_all(
			"Rebate Settlement",
			filters={"rebate_policy": self.policy.name},
			fields=[
				"name",
				"dealer",
				"eligible_volume",
				"net_rebate",
				"slab_reached",
				"monthly_volume",
				"docstatus",
			],
		)
		self.assertEqual(len(rows), len({row.dealer for row in rows}), "a dealer got two settlements")
		return {
			row.dealer: (row.eligible_volume, row.net_rebate, row.slab_reached, row.monthly_volume)
			for row in rows
		}

	def clear_settlements(self) -> None:
		names = frappe.get_all("Rebate Settlement", filters={"rebate_policy": self.policy.name}, pluck="name")
		frappe.db.delete("Rebate Settlement Slab", {"parent": ("in", names or [""])})
		frappe.db.delete("Rebate Settlement", {"name": ("in", names or [""])})
		frappe.db.set_value("Rebate Policy", self.policy.name, "settlements_created_on", None)
		frappe.db.commit()  # nosemgrep: the next run's workers must see the empty state

	# -- tests -----------------------------------------------------------------------------------

	def year_end_run(self, enqueue: bool = False) -> str:
		"""A recorded year-end run of the policy, jobs of two dealers."""
		with self.private_queue():
			started = rebates.enqueue_year_end(self.policy.name, self.queue, size=2, enqueue=enqueue)
		frappe.db.commit()  # nosemgrep: the workers read the run's record; its jobs queue on commit
		self.addCleanup(self.delete_run, started.run)
		return started.run

	def delete_run(self, run: str) -> None:
		frappe.db.delete(runs.RUN_JOB, {"parent": run})
		frappe.db.delete(runs.RUN, {"name": run})
		frappe.db.commit()  # nosemgrep: undo the committed fixtures

	def test_year_end_run_on_two_workers_equals_one_worker(self):
		self.assertEqual(
			[len(job["dealers"]) for job in year_end_jobs(self.policy.name, size=2)], [2, 2, 2, 1]
		)
		jobs = runs.job_kwargs(self.year_end_run())
		self.assertEqual([len(job["dealers"]) for job in jobs], [2, 2, 2, 1])

		self.run_on_workers("dealer_relations.rebates.run_year_end_job", jobs, workers=1, copies=1)
		one_worker = self.settlements()
		self.assertEqual(set(one_worker), {d.name for d in self.dealers})
		self.assertTrue(all(volume > 0 for volume, *_rest in one_worker.values()))
		self.clear_settlements()

		self.assertFalse(frappe.db.get_value("Rebate Policy", self.policy.name, "settlements_created_on"))
		jobs = runs.job_kwargs(self.year_end_run())  # a new run: its own progress count
		ran = self.run_on_workers("dealer_relations.rebates.run_year_end_job", jobs, workers=2, copies=2)
		self.assertEqual(self.settlements(), one_worker)
		self.assertEqual(len(ran), 2, f"both workers should have taken jobs: {ran}")
		self.assertTrue(frappe.db.get_value("Rebate Policy", self.policy.name, "settlements_created_on"))
		self.clear_settlements()

	def test_two_jobs_of_one_chunk_at_the_same_moment_leave_one_settlement_per_dealer(self):
		"""Both jobs load their volumes (their snapshot of the database) before either takes the
		dealers' locks: the second, let in when the first commits, must see the first's drafts."""
		(job,) = year_end_jobs(self.policy.name, size=len(self.dealers))  # a job of no recorded run
		site, sites_path = frappe.local.site, frappe.local.sites_path
		barrier = threading.Barrier(2, timeout=30)
		real_write = rebates.write_settlements
		outcome = {}

		def write_together(*args, **kwargs):
			barrier.wait()
			return real_write(*args, **kwargs)

		def work(label):
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			frappe.set_user("Administrator")
			try:
				outcome[label] = rebates.run_year_end_job(**job)
				frappe.db.commit()  # nosemgrep: each job commits as the RQ worker would
			except Exception as error:
				frappe.db.rollback()
				outcome[label] = repr(error)
			finally:
				frappe.db.close()
				frappe.destroy()

		with patch.object(rebates, "write_settlements", write_together):
			threads = [threading.Thread(target=work, args=(label,)) for label in ("a", "b")]
			for thread in threads:
				thread.start()
			for thread in threads:
				thread.join(120)
		frappe.db.commit()  # nosemgrep: a fresh snapshot, to read what the jobs committed
		try:
			counts = sorted(
				(result["created"], result["unchanged"]) if isinstance(result, dict) else result
				for result in outcome.values()
			)
			dealers = len(self.dealers)
			self.assertEqual(counts, [(0, dealers), (dealers, 0)], outcome)
			self.assertEqual(set(self.settlements()), {d.name for d in self.dealers})
		finally:
			self.clear_settlements()

	def test_rating_run_on_two_workers_rates_each_dealer_once(self):
		names = [d.name for d in self.dealers]
		jobs = rating_jobs(names, size=3)
		self.assertEqual(sorted(n for job in jobs for n in job["dealers"]), sorted(names))
		self.run_on_workers("dealer_relations.credit.run_rating_job", jobs, workers=2, copies=2)
		ratings = frappe.get_all(
			"Dealer Credit Rating",
			filters={"dealer": ("in", names), "rating_date": jobs[0]["as_of"]},
			fields=["dealer", "credit_score"],
		)
		self.assertEqual(sorted(r.dealer for r in ratings), sorted(names))
		# the same job once more in this process: nothing is rated twice
		self.assertEqual(run_rating_job(**jobs[0])["rated"], 0)
		frappe.db.rollback()  # release the dealers' row locks that job took in this process

	def test_a_worker_killed_mid_job_leaves_the_run_unfinished_and_the_button_finishes_it(self):
		self.addCleanup(self.clear_settlements)
		run = self.year_end_run(enqueue=True)
		jobs = runs.job_kwargs(run)
		self.assertEqual(self.run_status(run)["queued"], 4)
		# the second job is killed after writing its settlements, before its commit
		worker = self.stop_mid_job("dealer_relations.rebates:write_settlements", jobs[1]["dealers"][0])
		frappe.db.commit()  # nosemgrep: a fresh snapshot, to read what the first job committed
		alive = {
			"status": "Running",
			"jobs_expected": 4,
			"jobs_done": 1,
			"queued": 2,
			"running": 1,
			"lost": 0,
		}
		self.assertEqual(self.run_status(run), alive, "a live worker's job is running, not lost")
		with self.private_queue():
			self.assertEqual(rebates.create_settlements(self.policy.name)["queued"], 0, "nothing to resume")
		self.kill(worker)
		self.assertEqual(self.run_status(run), {**alive, "running": 0, "lost": 1})
		self.assertEqual(
			get_job(runs.rq_job_id(run, 1)).get_status(), "started", "RQ still counts it running"
		)
		self.assertEqual(set(self.settlements()), set(jobs[0]["dealers"]))
		# the form sees the run unfinished, a job lost
		latest = runs.get_latest_run("Rebate Settlements", "Rebate Policy", self.policy.name)
		self.assertEqual((latest["name"], latest["lost"], latest["jobs_done"]), (run, 1, 1))

		# pressing Create Settlements again queues the lost job, not a second run
		with self.private_queue():
			again = rebates.create_settlements(self.policy.name)
		frappe.db.commit()  # nosemgrep: the job queues on commit, as after the button's request
		self.assertEqual((again["run"], again["resumed"], again["queued"]), (run, True, 1))
		self.assertEqual(self.run_status(run)["queued"], 3)

		self.finish_workers(self.start_workers(1))
		self.assertEqual(set(self.settlements()), {d.name for d in self.dealers})  # one each
		self.assertEqual(
			self.run_status(run),
			{"status": "Finished", "jobs_expected": 4, "jobs_done": 4, "queued": 0, "running": 0, "lost": 0},
		)
		self.assertTrue(frappe.db.get_value("Rebate Policy", self.policy.name, "settlements_created_on"))

	def test_a_rating_run_whose_worker_is_killed_is_resumed_and_rates_each_dealer_once(self):
		names = [d.name for d in self.dealers]
		as_of = add_days(today(), -1)
		with self.private_queue(), patch.object(credit, "dealers_per_job", return_value=3):
			started = credit.enqueue_rating_jobs(names, queue=self.queue, as_of=as_of)
		frappe.db.commit()  # nosemgrep: the workers read the run's record; its jobs queue on commit
		self.addCleanup(self.delete_run, started.run)
		self.kill(
			self.stop_mid_job(
				"dealer_relations.credit:rate_chunk", runs.job_kwargs(started.run)[1]["dealers"][0]
			)
		)
		status = self.run_status(started.run)
		self.assertEqual((status["jobs_done"], status["lost"], status["queued"]), (1, 1, 1))

		# the run is resumed from its record (the form's button)
		with self.private_queue():
			self.assertEqual(runs.resume_run(started.run)["requeued"], 1)
		frappe.db.commit()  # nosemgrep: the job queues on commit, as after the button's request
		self.finish_workers(self.start_workers(1))
		rated = frappe.get_all(
			"Dealer Credit Rating", filters={"dealer": ("in", names), "rating_date": as_of}, pluck="dealer"
		)
		self.assertEqual(sorted(rated), sorted(names))
		self.assertEqual(self.run_status(started.run)["status"], "Finished")
