"""Chunked background runs (year-end settlements, credit re-rating) recorded in the database.

A run is a Dealer Relations Run with one row per job. A job marks its row finished in its own
transaction, so the mark commits with the job's work or not at all: a worker killed half way
leaves the row unfinished, and the run shows it. Queueing the run again (the form's button, or a
second run of the same scope) queues only the unfinished jobs that no live worker holds: RQ keeps
a dead worker's job *started* until its cleanup, so such a job is judged by its worker's
heartbeat and process, not by its status. Every job is idempotent under the dealers' row locks,
so a job queued twice (a worker judged dead that was only slow) does its work once.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import format_datetime, now_datetime
from frappe.utils.background_jobs import get_job
from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from rq.worker import Worker

RUN = "Dealer Relations Run"
RUN_JOB = "Dealer Relations Run Job"
# each kind of run: its job's method, and the doctype its jobs write (resuming a run takes the
# right to create it). The method is never read from the run's record.
RUN_TYPES = {
	"Rebate Settlements": ("dealer_relations.rebates.run_year_end_job", "Rebate Settlement"),
	"Credit Rating": ("dealer_relations.credit.run_rating_job", "Dealer Credit Rating"),
}
PENDING = (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED)
# what an unfinished job's RQ job is doing: waiting, running on a live worker, or nothing (lost)
QUEUED, RUNNING, DONE, LOST = "queued", "running", "done", "lost"


def start_run(
	run_type: str,
	scope: str,
	chunks: Callable[[], list[dict]],
	queue: str = "long",
	reference: tuple[str, str] | None = None,
	enqueue: bool = True,
) -> frappe._dict:
	"""Resume the unfinished run of the same type and scope, or record a new run of ``chunks()``
	(each a job's keyword arguments with its ``dealers``) and queue its jobs on ``queue``."""
	unfinished = frappe.db.get_value(
		RUN, {"run_type": run_type, "scope": scope, "status": "Running"}, "name", order_by="creation desc"
	)
	if unfinished:
		return frappe._dict(run=unfinished, resumed=True, queued=queue_unfinished_jobs(unfinished))
	arguments = chunks()
	if not arguments:
		return frappe._dict(run=None, resumed=False, queued=0)
	run = record_run(run_type, scope, arguments, queue, reference)
	return frappe._dict(run=run, resumed=False, queued=queue_unfinished_jobs(run) if enqueue else 0)


def record_run(
	run_type: str,
	scope: str,
	arguments: list[dict],
	queue: str,
	reference: tuple[str, str] | None = None,
) -> str:
	"""Insert the run and its job rows (one bulk insert however many jobs); returns the run's name."""
	now = now_datetime()
	run = frappe.get_doc(
		{
			"doctype": RUN,
			"run_type": run_type,
			"scope": scope,
			"queue": queue,
			"reference_doctype": reference[0] if reference else None,
			"reference_name": reference[1] if reference else None,
			"status": "Running",
			"jobs_expected": len(arguments),
			"jobs_done": 0,
			"started_on": now,
		}
	).insert(ignore_permissions=True)
	fields = ["name", "parent", "parenttype", "parentfield", "idx", "owner", "modified_by"]
	fields += ["creation", "modified", "job", "dealers", "first_dealer", "last_dealer", "arguments"]
	user = frappe.session.user
	frappe.db.bulk_insert(
		RUN_JOB,
		fields,
		[
			(frappe.generate_hash(length=10), run.name, RUN, "jobs", number + 1, user, user, now, now)
			+ (number, len(kwargs["dealers"]), *edge_dealers(kwargs["dealers"]), json.dumps(kwargs))
			for number, kwargs in enumerate(arguments)
		],
	)
	return run.name


def edge_dealers(dealers: list[str]) -> tuple[str | None, str | None]:
	return (dealers[0], dealers[-1]) if dealers else (None, None)


def job_kwargs(run: str, only_unfinished: bool = False) -> list[dict]:
	"""Each job's keyword arguments as queued: its own arguments plus the run, job count and number."""
	row = frappe.qb.DocType(RUN_JOB)
	query = (
		frappe.qb.from_(row)
		.select(row.job, row.arguments)
		.where(row.parent == run)
		.where(row.parenttype == RUN)
		.orderby(row.job)
	)
	if only_unfinished:
		query = query.where(row.finished_on.isnull())
	jobs = frappe.db.get_value(RUN, run, "jobs_expected")
	return [
		{**json.loads(arguments), "run": run, "jobs": jobs, "job": number}
		for number, arguments in query.run()
	]


def rq_job_id(run: str, job: int) -> str:
	return f"dealer-relations-run::{run}::{job}"


def queue_unfinished_jobs(run: str) -> int:
	"""Queue every unfinished job of the run that is neither waiting in RQ nor running on a live
	worker (the rest of a run a dead worker left, a failed job); returns how many were queued."""
	run_type, queue = frappe.db.get_value(RUN, run, ["run_type", "queue"])
	method = RUN_TYPES[run_type][0]
	queued = 0
	for kwargs in job_kwargs(run, only_unfinished=True):
		job_id = rq_job_id(run, kwargs["job"])
		job = get_job(job_id)
		if rq_job_state(job) in (QUEUED, RUNNING, DONE):
			continue
		if job:
			job.delete()  # a dead worker's job, still "started" in RQ: it holds the job id
		frappe.enqueue(method, queue=queue, timeout=3600, job_id=job_id, enqueue_after_commit=True, **kwargs)
		queued += 1
	return queued


def rq_job_state(job) -> str:
	if job is None:
		return LOST
	status = job.get_status(refresh=False)
	if status in PENDING:
		return QUEUED
	if status == JobStatus.STARTED:
		return RUNNING if worker_alive(job) else LOST
	if status == JobStatus.FINISHED:
		return DONE  # it committed its finish mark before RQ marked it finished
	return LOST


def worker_alive(job) -> bool:
	"""Whether the worker RQ names for a started job still works on it. RQ's own signs of life
	(the started registry's heartbeat deadline, the worker's key) outlive a killed worker by a
	heartbeat interval or more; a worker on this machine is also asked for by its process id, so a
	killed one is known at once."""
	connection = job.connection
	deadline = connection.zscore(StartedJobRegistry(job.origin, connection=connection).key, job.id)
	if deadline is None or 0 <= deadline < time.time() or not job.worker_name:
		return False
	worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + job.worker_name, connection=connection)
	if worker is None or worker.get_current_job_id() != job.id:
		return False
	return worker.hostname != socket.gethostname() or process_running(worker.pid)


def process_running(pid: int | None) -> bool:
	import psutil

	try:
		return bool(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
	except psutil.NoSuchProcess:
		return False


def finish_job(run: str, job: int) -> tuple[int, int] | None:
	"""Mark one job of the run finished, in the job's transaction; returns (jobs done, jobs
	expected), or None when there is no such run. The run's row lock makes jobs finishing at the
	same moment count in turn (each sees the others' committed marks), so the last one knows it
	is last; a job delivered twice counts once."""
	parent, row = frappe.qb.DocType(RUN), frappe.qb.DocType(RUN_JOB)
	locked = frappe.qb.from_(parent).select(parent.jobs_expected).where(parent.name == run).for_update().run()
	if not locked:
		return None
	expected, now = locked[0][0], now_datetime()
	(
		frappe.qb.update(row)
		.set(row.finished_on, now)
		.where(row.parent == run)
		.where(row.parenttype == RUN)
		.where(row.job == job)
		.where(row.finished_on.isnull())
		.run()
	)
	# a locking read: the latest committed marks, not this transaction's older snapshot
	done = (
		frappe.qb.from_(row)
		.select(Count("*"))
		.where(row.parent == run)
		.where(row.parenttype == RUN)
		.where(row.finished_on.isnotnull())
		.for_update()
		.run()[0][0]
	)
	values = {"jobs_done": done, "last_progress_on": now}
	if done >= expected:
		values.update(status="Finished", finished_on=now)
	frappe.db.set_value(RUN, run, values, update_modified=False)
	return done, expected


def run_status(run: str) -> dict:
	"""Jobs done of jobs expected, and what each unfinished job's RQ job is doing: a run with lost
	jobs has stopped progressing and finishes only when resumed."""
	doc = frappe.db.get_value(
		RUN,
		run,
		[
			"name",
			"run_type",
			"status",
			"jobs_expected",
			"jobs_done",
			"started_on",
			"last_progress_on",
			"finished_on",
			"reference_doctype",
			"reference_name",
		],
		as_dict=True,
	)
	counts = {QUEUED: 0, RUNNING: 0, DONE: 0, LOST: 0}
	if doc.status != "Finished":
		row = frappe.qb.DocType(RUN_JOB)
		unfinished = (
			frappe.qb.from_(row)
			.select(row.job)
			.where(row.parent == run)
			.where(row.parenttype == RUN)
			.where(row.finished_on.isnull())
			.run(pluck=True)
		)
		for job in unfinished:
			counts[rq_job_state(get_job(rq_job_id(run, job)))] += 1
	return {**doc, "queued": counts[QUEUED], "running": counts[RUNNING], "lost": counts[LOST]}


def check_run_permission(run: frappe._dict, action: str, throw: bool = True) -> bool:
	"""Reading a run's progress needs read access to what it runs for; resuming it needs the right
	to create what its jobs write."""
	permitted = (
		not (run.reference_doctype and run.reference_name)
		or frappe.has_permission(run.reference_doctype, "read", run.reference_name, throw=throw)
	) and frappe.has_permission(
		RUN_TYPES[run.run_type][1], "create" if action == "resume" else "read", throw=throw
	)
	return bool(permitted)


def get_run(run: str) -> frappe._dict:
	row = frappe.db.get_value(
		RUN, run, ["name", "run_type", "reference_doctype", "reference_name"], as_dict=True
	)
	if not row:
		frappe.throw(_("Dealer Relations Run {0} not found").format(run), frappe.DoesNotExistError)
	return row


@frappe.whitelist()
def get_run_status(run: str) -> dict:
	"""The run's form: its state in a sentence and whether this user may resume it."""
	check_run_permission(get_run(run), "read")
	return describe(run_status(run))


@frappe.whitelist()
def get_latest_run(run_type: str, reference_doctype: str | None = None, reference_name: str | None = None):
	"""The latest run of a kind (a policy's settlements, the credit re-rating) for the form that
	starts it; nothing for a user who may not see it."""
	if run_type not in RUN_TYPES:
		frappe.throw(_("Unknown run type {0}").format(run_type), title=_("Invalid Run"))
	filters = {"run_type": run_type}
	if reference_doctype and reference_name:
		filters.update(reference_doctype=reference_doctype, reference_name=reference_name)
	name = frappe.db.get_value(RUN, filters, "name", order_by="creation desc")
	if not name or not check_run_permission(get_run(name), "read", throw=False):
		return None
	return describe(run_status(name))


def describe(status: dict) -> dict:
	"""The run's state in a sentence for the form, and whether this user may resume it."""
	progress = format_datetime(status["last_progress_on"] or status["started_on"])
	if status["status"] == "Finished":
		summary = _("Last run finished {0}: {1} of {1} jobs done.").format(
			format_datetime(status["finished_on"]), status["jobs_expected"]
		)
	elif status["lost"]:
		summary = _(
			"Unfinished run: {0} of {1} jobs done; {2} job(s) stopped with no worker running them (last progress {3}). Resume the run to finish it."
		).format(status["jobs_done"], status["jobs_expected"], status["lost"], progress)
	else:
		summary = _(
			"Run in progress: {0} of {1} jobs done, {2} running, {3} waiting for a worker (last progress {4})."
		).format(status["jobs_done"], status["jobs_expected"], status["running"], status["queued"], progress)
	may_resume = frappe.has_permission(RUN_TYPES[status["run_type"]][1], "create")
	return {**status, "summary": summary, "can_resume": bool(status["lost"] and may_resume)}


@frappe.whitelist(methods=["POST"])
def resume_run(run: str) -> dict:
	"""Form button: queue the jobs of an unfinished run that no live worker holds."""
	check_run_permission(get_run(run), "resume")
	return {"run": run, "requeued": queue_unfinished_jobs(run)}
