"""Sharing a fleet among runners with no coordinator: claim a target by its migration lock.

Several runners (the pods of a Kubernetes Job with ``parallelism: N``, all running the
same command) walk the same fleet. Each target's own migration lock, tried without
waiting, is the claim: a runner that finds it held moves on to the next target and comes
back to the held ones at the end, until they are done (by whoever held them: the rerun
then finds nothing pending and takes no lock) or ``migration_lock_wait`` seconds have
passed since it first found that target held. Exactly-once rests on the runner's lock
and on reading where a target stands under it, not on this loop; the loop only keeps the
runners busy on different targets.

Up to ``parallel`` targets run at once, in worker processes forked after the scripts
are loaded (Alembic's ``context`` and ``op`` are module-level proxies, so two migrations
cannot share one interpreter); with ``parallel = 1`` they run in this process.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager

from common.fleet.apply import BUSY, FAILED, Outcome, apply_target

RETRY_SECONDS = 0.5


class _InProcess(Executor):
    """``parallel = 1``: each target runs when submitted, in this process."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


@contextmanager
def executor(parallel: int) -> Iterator[Executor]:
    if parallel <= 1:
        yield _InProcess()
        return
    pool = ProcessPoolExecutor(parallel, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def claim_all(
    indices: list[int],
    names: list[str],
    parallel: int,
    wait_seconds: float,
    on_done: Callable[[Outcome], None],
    known: Sequence[Outcome] = (),
) -> dict[int, Outcome]:
    """Run every target in ``indices``; a busy one again later, within ``wait_seconds``.

    ``known`` (targets settled without running) are reported once the workers exist:
    they fork before any progress bar starts its thread.
    """
    queue = deque(indices)
    deferred: dict[int, float] = {}  # target -> when to try it again
    first_busy: dict[int, float] = {}
    running: dict[Future, int] = {}
    results: dict[int, Outcome] = {}
    with executor(min(parallel, len(indices))) as pool:
        pool.submit(int).result()  # a process pool forks all its workers on the first job
        for outcome in known:
            on_done(outcome)
        while queue or deferred or running:
            now = time.monotonic()
            for index in [i for i, when in deferred.items() if when <= now]:
                del deferred[index]
                queue.append(index)
            while queue and len(running) < parallel:
                index = queue.popleft()
                running[pool.submit(apply_target, index)] = index
            if not running:
                time.sleep(max(0.0, min(deferred.values()) - time.monotonic()))
                continue
            timeout = max(0.0, min(deferred.values()) - now) if deferred else None
            done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                outcome = _result(future, names[index])
                if outcome.result == BUSY:
                    since = first_busy.setdefault(index, time.monotonic())
                    if time.monotonic() - since < wait_seconds:
                        deferred[index] = time.monotonic() + RETRY_SECONDS
                        continue
                    outcome = _gave_up(outcome, wait_seconds)
                results[index] = outcome
                on_done(outcome)
    return results


def _result(future: Future, name: str) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # the worker process itself died (killed, out of memory)
        return Outcome(name, message=f"error: its worker process ended: {exc}")


def _gave_up(outcome: Outcome, wait_seconds: float) -> Outcome:
    outcome.result = FAILED
    outcome.message = (
        f"error: another runner still holds its migration lock after {wait_seconds:g} s. "
        "Fix: let it finish and rerun (what is done stays done), or raise "
        "WORKBENCH_MIGRATION_LOCK_WAIT."
    )
    return outcome
