"""localhub's CI: runs a PR head's `.localhub/ci` script in a temporary checkout, posts a status."""

from __future__ import annotations

import itertools
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from soda_tui.localhub.state import LocalHubState

logger = logging.getLogger("soda_tui.localhub.ci")

CI_CONTEXT = "localhub/ci"
CI_SCRIPT = ".localhub/ci"
DEFAULT_TIMEOUT_SECONDS = 600.0
# Seconds a cancelled script gets between TERM and KILL.
KILL_GRACE_SECONDS = 5.0
_JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_ENV_PASSTHROUGH = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")


@dataclass(frozen=True)
class CIJob:
    """One CI run requested for a pull request head."""

    job_id: str
    owner: str
    name: str
    sha: str
    pr_number: int


@dataclass(frozen=True)
class CIResult:
    """How a CI job ended: the status state posted (None when the commit has no script)."""

    job: CIJob
    state: str | None
    exit_code: int | None
    description: str


class CIRunner:
    """Queues a job per PR head change and runs at most `max_workers` scripts at once."""

    def __init__(
        self,
        state: LocalHubState,
        *,
        log_dir: Path,
        base_url: str,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_workers: int = 2,
    ) -> None:
        self._state = state
        self.log_dir = Path(log_dir)
        self._base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._queue: queue.Queue[CIJob | None] = queue.Queue()
        self._condition = threading.Condition()
        self._active = 0
        self._inflight: set[tuple[str, str, str]] = set()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._results: list[CIResult] = []
        self._stopping = threading.Event()
        self._counter = itertools.count(1)
        self._run_stamp = time.strftime("%Y%m%d%H%M%S")
        self._workers = [
            threading.Thread(target=self._work, name=f"localhub-ci-{index}", daemon=True)
            for index in range(max_workers)
        ]
        for worker in self._workers:
            worker.start()

    @property
    def results(self) -> list[CIResult]:
        """Finished jobs, oldest first."""
        with self._condition:
            return list(self._results)

    def enqueue(self, owner: str, name: str, sha: str, pr_number: int) -> None:
        """Queue CI for a PR head (the `on_pr_head_changed` callback); cheap and non-blocking."""
        key = (owner.lower(), name.lower(), sha)
        with self._condition:
            if self._stopping.is_set() or key in self._inflight:
                return
            self._inflight.add(key)
            self._active += 1
            serial = next(self._counter)
            job_id = f"{owner}-{name}-pr{pr_number}-{sha[:12]}-{self._run_stamp}-{serial}"
            job_id = re.sub(r"[^A-Za-z0-9_-]", "_", job_id)
        self._queue.put(CIJob(job_id, owner, name, sha, pr_number))

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False if `timeout` seconds pass first."""
        with self._condition:
            return self._condition.wait_for(lambda: self._active == 0, timeout=timeout)

    def log_path(self, job_id: str) -> Path | None:
        """The log file of a job, or None for an unknown or malformed id."""
        if not _JOB_ID_PATTERN.fullmatch(job_id):
            return None
        path = self.log_dir / f"{job_id}.log"
        return path if path.is_file() else None

    def log_url(self, job_id: str) -> str:
        """Where a job's log is served."""
        return f"{self._base_url}/_localhub/ci-logs/{job_id}"

    def stop(self, timeout: float = 30.0) -> None:
        """Cancel queued jobs, stop running scripts (posting `error`) and join the workers."""
        self._stopping.set()
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._cancel_queued(job)
        with self._condition:
            running = list(self._processes.values())
        for process in running:
            _signal_group(process, signal.SIGTERM)
        for _ in self._workers:
            self._queue.put(None)
        grace_deadline = time.monotonic() + min(KILL_GRACE_SECONDS, timeout)
        for worker in self._workers:
            worker.join(max(0.0, grace_deadline - time.monotonic()))
        with self._condition:
            stubborn = list(self._processes.values())
        for process in stubborn:
            _signal_group(process, signal.SIGKILL)
        deadline = time.monotonic() + max(0.0, timeout - KILL_GRACE_SECONDS)
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def _cancel_queued(self, job: CIJob) -> None:
        try:
            if self._has_script(job):
                self._post(job, "error", "Cancelled: localhub stopped; push again to rerun")
        except Exception:
            logger.exception("could not cancel CI job %s", job.job_id)
        finally:
            self._finish(job, CIResult(job, None, None, "cancelled before it ran"))

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._stopping.is_set():
                self._cancel_queued(job)
                continue
            result = CIResult(job, "error", None, "CI crashed")
            try:
                result = self._run(job)
            except Exception as error:
                logger.exception("CI job %s crashed", job.job_id)
                self._post_quietly(job, "error", f"CI could not run: {type(error).__name__}")
            finally:
                self._finish(job, result)

    def _finish(self, job: CIJob, result: CIResult) -> None:
        with self._condition:
            self._results.append(result)
            self._inflight.discard((job.owner.lower(), job.name.lower(), job.sha))
            self._active -= 1
            self._condition.notify_all()

    def _has_script(self, job: CIJob) -> bool:
        bare = self._state.bare_repo_path(job.owner, job.name)
        if bare is None:
            return False
        found = subprocess.run(
            ["git", f"--git-dir={bare}", "cat-file", "-e", f"{job.sha}:{CI_SCRIPT}"],
            env=_git_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return found.returncode == 0

    def _run(self, job: CIJob) -> CIResult:
        if not self._has_script(job):
            # No script means no checks at all, like a GitHub repository without workflows.
            return CIResult(job, None, None, "no .localhub/ci script")
        self._post(job, "pending", "CI is running")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.log_dir / f"{job.job_id}.log"
        workdir = Path(tempfile.mkdtemp(prefix="localhub-ci-"))
        try:
            checkout = workdir / "checkout"
            self._checkout(job, checkout)
            started = time.monotonic()
            exit_code, timed_out = self._execute(job, checkout, workdir / "home", log_file)
            elapsed = time.monotonic() - started
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if self._stopping.is_set() and exit_code != 0:
            description = "Cancelled: localhub stopped; push again to rerun"
            state = "error"
        elif timed_out:
            description = f"Timed out after {self.timeout_seconds:.0f}s"
            state = "failure"
        elif exit_code == 0:
            description = f"Passed in {elapsed:.1f}s"
            state = "success"
        else:
            description = f"Failed with exit code {exit_code} after {elapsed:.1f}s"
            state = "failure"
        self._post(job, state, description)
        return CIResult(job, state, exit_code, description)

    def _checkout(self, job: CIJob, destination: Path) -> None:
        bare = self._state.bare_repo_path(job.owner, job.name)
        destination.mkdir(parents=True)
        archive = subprocess.Popen(
            ["git", f"--git-dir={bare}", "archive", "--format=tar", job.sha],
            env=_git_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert archive.stdout is not None
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(destination, filter="data")
        stderr = archive.stderr.read() if archive.stderr is not None else b""
        if archive.wait() != 0:
            message = stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"git archive of {job.sha} failed: {message}")

    def _execute(self, job: CIJob, checkout: Path, home: Path, log_file: Path) -> tuple[int, bool]:
        home.mkdir()
        env = {key: os.environ[key] for key in _ENV_PASSTHROUGH if key in os.environ}
        env.update(_git_env())
        env.update(
            {
                "HOME": str(home),
                "CI": "true",
                "LOCALHUB": "1",
                "LOCALHUB_REPOSITORY": f"{job.owner}/{job.name}",
                "LOCALHUB_SHA": job.sha,
                "LOCALHUB_PR_NUMBER": str(job.pr_number),
            }
        )
        with log_file.open("wb") as log:
            log.write(f"$ bash {CI_SCRIPT}  # {job.owner}/{job.name}@{job.sha}\n".encode())
            log.flush()
            process = subprocess.Popen(
                ["bash", CI_SCRIPT],
                cwd=checkout,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            with self._condition:
                self._processes[job.job_id] = process
            timed_out = False
            try:
                exit_code = process.wait(timeout=self.timeout_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
                _signal_group(process, signal.SIGTERM)
                try:
                    exit_code = process.wait(timeout=KILL_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    exit_code = process.wait()
            finally:
                with self._condition:
                    self._processes.pop(job.job_id, None)
            log.write(f"\n[localhub] exit code {exit_code}\n".encode())
        return exit_code, timed_out

    def _post(self, job: CIJob, state: str, description: str) -> None:
        self._state.create_status(
            job.owner,
            job.name,
            job.sha,
            state,
            CI_CONTEXT,
            description=description,
            target_url=self.log_url(job.job_id),
        )

    def _post_quietly(self, job: CIJob, state: str, description: str) -> None:
        try:
            self._post(job, state, description)
        except Exception:
            logger.exception("could not post CI status for %s", job.job_id)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        # The script already exited; nothing to stop.
        return


def _git_env() -> dict[str, str]:
    """Environment for our own git calls: the user's git config must not change what we do."""
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    return env
