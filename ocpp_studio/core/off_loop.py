"""Big frames parsed and checked in another process (issue 17).

A thread was not enough: parsing a megabyte of JSON and collecting its schema
violations holds the GIL, so the event loop (every other charger) still waited
80-170 ms per huge frame. The work goes to one worker *process*, started on the
first big frame (``spawn``: nothing of the studio's state is copied into it).

What crosses back is small when the frame breaks its schema: the frame without
its payload and without its text (the loop has it: ``read_off_loop`` puts it back),
the violations (capped, ``schemas.MAX_VIOLATIONS``) and whether the payload is a
JSON object. A refused CALL never needs its payload, so the loop never parses it;
a big frame that is valid (or that tolerant mode hands to the handler) comes back
with its payload.

If no process can be started (a sandbox without fork/spawn, a frozen bundle
whose entry point lacks ``multiprocessing.freeze_support()``), the same function
runs in a thread, as before, and that is logged once.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any

from . import schemas
from .frames import Frame, FrameError, FrameProblem, MessageType, parse_frame
from .versions import OcppVersion

log = logging.getLogger(__name__)

#: How much lower the worker's scheduling priority is (Unix ``nice``, 19 the lowest).
WORKER_NICENESS = 19

_lock = threading.Lock()
_pool: Executor | None = None
_no_processes = False  # set once starting a process failed: threads from then on
_started = False  # the pool's worker process is spawned (_start_worker)


@dataclass(frozen=True, slots=True)
class Checked:
    """A big frame as the worker read it.

    ``violations`` is None when the worker did not check it (not a CALL, unknown
    action); then ``frame`` is complete. Otherwise ``frame.payload`` is None when
    ``payload_sent`` is False (the CALL breaks its schema: parse ``frame.raw`` again
    only if the payload is needed after all).
    """

    frame: Frame
    violations: tuple[schemas.Violation, ...] | None = None
    payload_is_object: bool = True
    payload_sent: bool = True


def read_big_frame(raw: str, version: OcppVersion | None) -> Checked | tuple[Any, ...]:
    """Parse and (for a CALL of a known action) check one frame; runs in the worker.

    A FrameError comes back as its fields (exceptions with their own ``__init__``
    arguments do not survive pickling). The frame comes back without its text
    (``raw`` empty): the caller has it, and a megabyte pickled, piped and unpickled
    again cost the worker and the loop's process ~1 ms of the GIL for nothing."""
    try:
        frame = parse_frame(raw, version)
    except FrameError as exc:
        return (exc.problem.value, exc.detail, exc.unique_id, exc.message_type)
    if (frame.message_type is not MessageType.CALL or version is None
            or (frame.action or "") not in schemas.known_actions(version)):
        return Checked(replace(frame, raw=""))
    violations = tuple(schemas.validate(version, frame.action or "", "request", frame.payload))
    is_object = isinstance(frame.payload, dict)
    if not violations:
        return Checked(replace(frame, raw=""), violations, is_object)
    # the parsed payload stays here (a refused CALL never needs it)
    return Checked(replace(frame, raw="", payload=None), violations, is_object,
                   payload_sent=False)


def _executor() -> Executor | None:
    global _pool, _no_processes
    with _lock:
        if _pool is None and not _no_processes:
            try:
                # Niced first thing, before the worker imports the schemas: on two cores a
                # worker validating at full speed took the core the event loop needed (the
                # others' p99 went from 12 to 57 ms); niced, the big frame's sender waits
                # longer instead of everyone. os.nice is not on Windows.
                nice = getattr(os, "nice", None)
                _pool = ProcessPoolExecutor(max_workers=1, initializer=nice,
                                            initargs=(WORKER_NICENESS,) if nice else (),
                                            mp_context=multiprocessing.get_context("spawn"))
            except (OSError, ValueError, NotImplementedError) as exc:
                _fall_back(exc)
        return _pool


def _start_worker() -> Executor | None:
    """The pool, with its worker process spawned; called in a thread, not on the event
    loop: the spawn (a submit starts it) took the loop 17-27 ms of CPU, 50-90 ms of wall
    clock, on the first big frame, which every other charger waited for."""
    global _started
    pool = _executor()
    if pool is None or _started:
        return pool
    try:
        pool.submit(os.getpid)
    except (BrokenProcessPool, OSError, RuntimeError) as exc:
        _fall_back(exc)
        return None
    _started = True
    return pool


def _fall_back(exc: BaseException) -> None:
    global _pool, _no_processes, _started
    _no_processes, _pool, _started = True, None, False
    log.warning("big frames are parsed in a thread, not a separate process (%r): while "
                "one is read, the other chargers' answers wait for it", exc)


async def read_off_loop(raw: str, version: OcppVersion | None) -> Checked:
    """``read_big_frame`` in the worker process (a thread if there is none); raises
    FrameError as ``parse_frame`` does."""
    pool = _pool if _started else await asyncio.to_thread(_start_worker)
    loop = asyncio.get_running_loop()
    if pool is None:
        result = await asyncio.to_thread(read_big_frame, raw, version)
    else:
        try:
            result = await loop.run_in_executor(pool, read_big_frame, raw, version)
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            # the worker could not start or died (killed, out of memory): threads from now
            _fall_back(exc)
            result = await asyncio.to_thread(read_big_frame, raw, version)
    if isinstance(result, tuple):
        problem, detail, unique_id, message_type = result
        raise FrameError(FrameProblem(problem), detail, unique_id, message_type)
    return replace(result, frame=replace(result.frame, raw=raw))  # the text stayed here


def use_processes(allowed: bool) -> None:
    """Whether big frames may go to a worker process (True, the default) or are read in
    a thread of this process (False: e.g. a test that watches the parser in-process)."""
    global _no_processes
    shutdown()
    with _lock:
        _no_processes = not allowed


def shutdown() -> None:
    """Stop the worker process (it is started again if another big frame comes)."""
    global _pool, _started
    with _lock:
        pool, _pool, _started = _pool, None, False
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
