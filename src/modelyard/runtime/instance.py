"""One instance: a shim subprocess in the model's environment, serving one request at a time.

Requests may be sent while the model works on an earlier one: they wait in the pipe, and the
shim reads the next as soon as it has answered (``Pool`` decides when: a quick model, the pool
at its maximum). Replies come in the order the requests were sent, so each answers the oldest
request unanswered, the one the model worked on.

Its pipes are served by an asyncio event loop, with no thread per instance or request: stdout
is cut into protocol frames as bytes arrive (log frames go to the sink at once, a reply to the
request waiting for it), stderr into lines, which carry what user code wrote to the file
descriptors and are tagged with the request in flight. Launching the sandbox, waiting for a
process to end and closing its network block, so they run in threads (``BLOCKING``).
``AsyncInstance`` is what the pool uses on the supervisor's loop; ``Instance`` is a blocking
handle on one, on a loop thread of its own, for callers without a loop (the build's import
check, benchmarks). The instance runs in its own session so that stopping it also stops any
processes the model started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, TypeVar

from modelyard.runtime.errors import InstanceStartError, SandboxSetupError
from modelyard.runtime.sandbox import Network
from modelyard.runtime.shim import (
    CONTEXT_ENV,
    HEADER,
    LIMITS_ENV,
    MAX_FRAME_BYTES,
    MEMORY_ENV,
    MODEL_FILE_ENV,
    FrameError,
    encode_frame,
)
from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome, Stream, emit

SHIM_PATH = Path(__file__).with_name("shim.py")
SANDBOX_ATTEMPTS = 3
STOP_GRACE = 5.0
DRAIN_TIMEOUT = 1.0
ABANDONED_GRACE = 1.0
"""Seconds past its deadline a model may work on a request nobody waits for any more."""
RECENT_WEIGHT = 0.25
"""The weight of the newest request in ``AsyncInstance.recent_seconds``."""
MEMORY_SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)
SPIN_BELOW = 0.0003
"""A model whose recent requests took less than this (seconds, the pipes included) has its
reply read by a brief spin on its pipe when nothing else is in flight (``AsyncInstance._spin``)."""
READ_SIZE = 64 * 1024
"""What the spin asks of one read: a pipe's default capacity, so that a read that finds nothing
(most of them) does not allocate a large buffer each time."""

T = TypeVar("T")

BLOCKING = ThreadPoolExecutor(max_workers=32, thread_name_prefix="instance-blocking")
"""Threads for launching, waiting for and stopping processes, shared by every loop; they are
started on demand."""


class RequestTimeout(Exception):
    """A request ran past its timeout: the instance has been killed if the model was working
    on it (``started``); else it was still waiting in the pipe, and the instance lives on."""

    def __init__(self, *, started: bool = True) -> None:
        super().__init__()
        self.started = started


class NotStarted(Exception):
    """The instance ended while the request waited in its pipe: the model never saw it."""


NOT_STARTED = object()
"""What a request waiting in the pipe is answered with when its instance ends."""


def child_env(spec: InstanceSpec) -> dict[str, str]:
    """The instance's environment: the deployment's variables and the runtime's own settings,
    never the server's secrets."""
    env = spec.sandbox.environment(spec.env, python=spec.python, scratch_dir=spec.scratch_dir)
    env[CONTEXT_ENV] = json.dumps(spec.context)
    env[MEMORY_ENV] = str(spec.memory_mb)
    env[LIMITS_ENV] = spec.sandbox.limits.as_env(own_uid=spec.sandbox.own_uid)
    env[MODEL_FILE_ENV] = spec.model_file_name
    return env


def launch(spec: InstanceSpec) -> tuple[subprocess.Popen[bytes], Network | None]:
    """Start the shim for ``spec`` in its sandbox, its network up before user code runs."""
    sandbox = spec.sandbox
    sandbox.prepare_scratch(Path(spec.scratch_dir), spec.key)
    if spec.package_writable:
        sandbox.hand_over(Path(spec.package_dir), spec.key)
    return sandbox.popen(
        [spec.python, "-X", "faulthandler", str(SHIM_PATH), spec.package_dir],
        key=spec.key,
        python=spec.python,
        package_dir=spec.package_dir,
        scratch_dir=spec.scratch_dir,
        env=child_env(spec),
        read_only=[str(SHIM_PATH)],
        package_writable=spec.package_writable,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def exit_reason(code: int, spec: InstanceSpec) -> str:
    """Why an instance ended, from its exit status (bubblewrap reports a signal as 128 + n)."""
    signum = -code if code < 0 else code - 128 if spec.sandbox.enabled and code > 128 else 0
    if not signum or signum not in signal.valid_signals():
        return f"exit code {code}"
    reason = f"killed by {signal.Signals(signum).name}"
    if signum in MEMORY_SIGNALS:
        reason += f"; it may have exceeded its memory limit of {spec.memory_mb} MB"
    if signum == signal.SIGXFSZ:
        reason += f"; it wrote a file beyond its disk limit of {spec.sandbox.limits.disk_mb} MB"
    return reason


class AsyncInstance:
    """A running shim process whose pipes are served by the event loop that started it; create
    with ``AsyncInstance.start`` and use it on that loop only."""

    spun = 0
    """Replies the spin read, on every instance of this process (bench/inprocess.py)."""

    def __init__(
        self,
        spec: InstanceSpec,
        log_sink: LogSink,
        process: subprocess.Popen[bytes],
        network: Network | None,
    ) -> None:
        self.spec = spec
        self.pid = process.pid
        self.last_used = time.monotonic()
        self.sandbox_error: str | None = None
        self._sink = log_sink
        self._process, self._network = process, network
        self._killed = False
        self._kill_reason: str | None = None
        self._unclaimed: deque[Any] = deque()
        self._waiter: asyncio.Future[Any] | None = None
        self._calls: deque[_Call] = deque()
        self._killing: asyncio.Task[None] | None = None
        self._answered_at = 0.0
        self.recent_seconds: float | None = None
        """How long the model took for its recent requests (a moving average), once one is
        answered: whether a request may wait in its pipe (``Pool``)."""
        self._ended = False
        self._stdin: asyncio.WriteTransport | None = None
        self._readers: list[_PipeReader] = []
        self._stdout = -1

    @classmethod
    async def start(cls, spec: InstanceSpec, log_sink: LogSink, *, timeout: float) -> AsyncInstance:
        """Start an instance and wait until its model is loaded. bubblewrap's own set-up of a
        new network namespace fails now and then (``loopback: Failed RTM_NEWADDR``) before any
        user code runs; such a start is tried again, a few times."""
        for _ in range(SANDBOX_ATTEMPTS - 1):
            try:
                return await cls._start_once(spec, log_sink, timeout=timeout)
            except SandboxSetupError:
                continue
        return await cls._start_once(spec, log_sink, timeout=timeout)

    @classmethod
    async def _start_once(
        cls, spec: InstanceSpec, log_sink: LogSink, *, timeout: float
    ) -> AsyncInstance:
        instance = await cls._open(spec, log_sink)
        try:
            reply = await instance._next_reply(timeout)
        except TimeoutError:
            await instance.kill()
            raise InstanceStartError(f"the model did not load within {timeout:g} seconds") from None
        except asyncio.CancelledError:
            await instance.kill()
            raise
        if reply is None:
            reason = await instance._exit_reason()
            await instance._release()
            if instance.sandbox_error is not None:
                raise SandboxSetupError(f"the sandbox did not start ({instance.sandbox_error})")
            raise InstanceStartError(f"the instance stopped while loading the model ({reason})")
        if reply.get("type") != "ready":
            await instance.kill()
            raise InstanceStartError(str(reply.get("error")))
        instance.emit(None, "system", f"instance {instance.pid} started")
        return instance

    @classmethod
    async def _open(cls, spec: InstanceSpec, log_sink: LogSink) -> AsyncInstance:
        """Launch the process and connect its pipes. A launch cannot be interrupted, so a start
        cancelled meanwhile (a shutdown) waits for it and kills what it launched."""
        opening = asyncio.ensure_future(cls._launch(spec, log_sink))
        try:
            return await asyncio.shield(opening)
        except asyncio.CancelledError:
            await (await opening).kill()
            raise

    @classmethod
    async def _launch(cls, spec: InstanceSpec, log_sink: LogSink) -> AsyncInstance:
        loop = asyncio.get_running_loop()
        process, network = await off_loop(launch, spec)
        instance = cls(spec, log_sink, process, network)
        frames, lines = _Frames(instance), _Lines(instance)
        instance._readers = [frames, lines]
        instance._stdin, _ = await loop.connect_write_pipe(
            asyncio.BaseProtocol, _pipe(process.stdin)
        )
        stdout = _pipe(process.stdout)
        await loop.connect_read_pipe(lambda: frames, stdout)
        instance._stdout = stdout.fileno()
        os.set_blocking(instance._stdout, False)  # the loop's own reads need it too
        await loop.connect_read_pipe(lambda: lines, _pipe(process.stderr))
        return instance

    @property
    def alive(self) -> bool:
        """Whether the process is still running and can be asked: not killed, its pipes open
        (a request given to an instance that cannot be asked is given to another)."""
        return self.answering and self._process.poll() is None

    @property
    def answering(self) -> bool:
        """``alive`` as far as this side knows without asking the system: not killed, its
        pipes open, its exit not yet seen (the pool's reaper asks, at its pace)."""
        stdin = self._stdin
        return not (
            self._killed
            or self._ended
            or (stdin is not None and stdin.is_closing())
            or self._process.returncode is not None
        )

    @property
    def request_id(self) -> str | None:
        """The request the model is working on (the oldest unanswered one), if any."""
        return self._calls[0].request_id if self._calls else None

    @property
    def load(self) -> int:
        """How many requests were sent and are not answered yet: the one the model works on
        and those queued behind it in the pipe."""
        return len(self._calls)

    async def call(self, request_id: str, data: Any, *, timeout: float | None) -> RequestOutcome:
        """Send one request and wait for its result. The shim answers its requests one at a
        time and in order, so a request sent while another runs waits in the pipe.

        A timeout, or the caller cancelled, while the model works on this request kills the
        instance (RequestTimeout): its answer could otherwise not be told from the next one's.
        While it only waits behind another, the model is left alone and its answer dropped
        when it comes (RequestTimeout with ``started`` false). A request that was still
        waiting when the instance ended raises NotStarted: it may be sent again elsewhere."""
        sent_at = time.monotonic()
        deadline = None if timeout is None else sent_at + timeout
        try:
            frame = encode_frame({"id": request_id, "data": data, "deadline": deadline})
        except (TypeError, ValueError) as error:
            return RequestOutcome(False, None, f"the request data is not JSON: {error}")
        if self._ended or self._killed or self._stdin is None or self._stdin.is_closing():
            raise NotStarted
        loop = asyncio.get_running_loop()
        call = _Call(request_id, loop.create_future(), sent_at, deadline)
        self._calls.append(call)
        self._stdin.write(frame)
        timer = None if timeout is None else loop.call_later(timeout, _expire, call.reply)
        flight = _FLIGHT
        flight.count += 1
        try:
            if flight.count == 1 and len(self._calls) == 1:
                self._spin(call.reply)
            reply = await call.reply
        except TimeoutError:
            if not self._abandon(call):
                await self.kill()
                raise RequestTimeout from None
            raise RequestTimeout(started=False) from None
        except asyncio.CancelledError:
            if not self._abandon(call):
                await self.kill()
            raise
        finally:
            flight.count -= 1
            self.last_used = time.monotonic()
            if timer is not None:
                timer.cancel()
        if reply is NOT_STARTED:
            raise NotStarted
        if reply is not None:
            return RequestOutcome(
                bool(reply.get("success")), reply.get("result"), reply.get("error")
            )
        return await self._unanswered(request_id)

    def _spin(self, reply: asyncio.Future[Any]) -> None:
        """Read a quick model's reply off its pipe in a loop, for up to twice its recent time,
        rather than let the loop sleep until the pipe wakes it: on an idle machine waking a
        sleeping CPU costs about as much as the no-op model's whole round trip (bench/README.md,
        eighth pass). Only for the one request in flight, so the loop has nothing else it could
        be doing but take new connections, which wait at most that long. What is read goes
        through the same frame reader as the loop's reads; a pipe at its end is left to them."""
        recent = self.recent_seconds
        if recent is None or recent >= SPIN_BELOW or not self.answering or self._stdout < 0:
            return
        frames = self._readers[0]
        if frames.closing:
            return
        fd, read, clock = self._stdout, os.read, time.perf_counter
        until = clock() + 2 * recent
        while clock() < until:
            try:
                data = read(fd, READ_SIZE)
            except BlockingIOError:
                continue
            except OSError:
                return
            if not data:
                return
            frames.data_received(data)
            if reply.done():
                AsyncInstance.spun += 1
                return
            if frames.closing:
                return

    def _abandon(self, call: _Call) -> bool:
        """Give up a request that is still waiting behind another (its answer, when it comes,
        is dropped); False if the model is already working on it."""
        if self._calls and self._calls[0] is call:
            return False
        call.abandoned = True
        return True

    async def _unanswered(self, request_id: str) -> RequestOutcome:
        """The outcome of a request whose instance ended before answering."""
        if self._killed and self._kill_reason:
            message = f"the instance was stopped while handling the request: {self._kill_reason}"
            self.emit(request_id, "system", message)
            return RequestOutcome(False, None, message)
        if self._killed:
            message = "the instance was stopped while handling the request"
            return RequestOutcome(False, None, message, lost=True)
        message = f"the instance stopped while handling the request ({await self._exit_reason()})"
        self.emit(request_id, "system", message)
        return RequestOutcome(False, None, message, lost=True)

    async def _next_reply(self, timeout: float | None) -> Any:
        """The next reply frame, or ``None`` once stdout has ended; TimeoutError after
        ``timeout``. A bare future and timer, as this is every request's one wait."""
        if self._unclaimed:
            return self._unclaimed.popleft()
        if self._ended:
            return None
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            return await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    async def _exit_reason(self) -> str:
        """Why the process ended, in words a model's author can act on."""
        code = await off_loop(self._wait, STOP_GRACE)
        if code is None:
            await self.kill()
            return "it stopped answering"
        return exit_reason(code, self.spec)

    def _wait(self, timeout: float | None) -> int | None:
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    async def stop(self) -> None:
        """Ask the shim to exit by closing its input, kill it if it does not; idempotent."""
        was_alive = self.alive
        self._close_stdin()
        if await off_loop(self._wait, STOP_GRACE) is None:
            await self.kill()
        await self._release()
        if was_alive:
            self.emit(None, "system", f"instance {self.pid} stopped")

    async def kill(self, *, reason: str | None = None) -> None:
        """Kill the instance and everything it started; with a ``reason`` (a limit it broke)
        its request fails with it rather than being given up as lost."""
        self._signal_kill(reason)
        await off_loop(self._wait, None)
        await self._release()

    def kill_at_once(self) -> None:
        """``kill`` for a loop that is ending and cannot wait: the waits happen right here,
        briefly, as a killed process ends at once."""
        self._signal_kill(None)
        self._wait(None)
        self._close_stdin()
        for reader in self._readers:
            reader.close()
        if self._network is not None:
            self._network.close()

    def _signal_kill(self, reason: str | None) -> None:
        self._kill_reason = self._kill_reason or reason
        self._killed = True
        if self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)

    async def _release(self) -> None:
        """Close the pipes once the last output is read, and the network. A child the model
        left running may hold the pipes open, so the wait for them is short."""
        self._close_stdin()
        pending = [reader.done for reader in self._readers if not reader.done.done()]
        if pending:
            await asyncio.wait(pending, timeout=DRAIN_TIMEOUT)
        for reader in self._readers:
            reader.close()
        if self._network is not None:
            await off_loop(self._network.close)

    def _close_stdin(self) -> None:
        if self._stdin is not None:
            self._stdin.close()

    def emit(self, request_id: str | None, stream: Stream, line: str) -> None:
        """Send one log line for this instance's deployment to the sink."""
        emit(self._sink, self.spec.key, request_id, stream, line)

    def on_frame(self, frame: Any) -> None:
        """Pass on one frame from stdout: log lines to the sink, replies to the waiting call."""
        if frame.get("type") == "log":
            self.emit(frame.get("id"), frame.get("stream", "stdout"), frame["line"])
        else:
            self._deliver(frame)

    def on_stdout_end(self) -> None:
        """No reply can come any more: the waiting call (or start) gets ``None``."""
        self._ended = True
        self._deliver(None)

    def _deliver(self, reply: Any) -> None:
        if self._calls:
            self._answer_calls(reply)
            return
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)
        elif reply is not None:
            self._unclaimed.append(reply)

    def _answer_calls(self, reply: Any) -> None:
        """A reply answers the oldest request; the end of stdout answers them all: the one
        the model worked on with ``None``, those waiting behind it with NOT_STARTED."""
        calls = self._calls
        if reply is not None:
            call = calls.popleft()
            self._timed(call)
            _settle(call, reply)
            if calls and calls[0].abandoned:
                self._watch(calls[0])
            return
        _settle(calls.popleft(), None)
        while calls:
            _settle(calls.popleft(), NOT_STARTED)

    def _watch(self, head: _Call) -> None:
        """The model now works on a request nobody waits for (it timed out or its caller left
        while it waited in the pipe). The shim does not run one past its deadline; one still
        within it runs until then, and a grace, and then the instance is killed, as it would
        have been had its caller waited: nothing else would stop a model stuck on it."""
        loop = asyncio.get_running_loop()
        if head.deadline is None:
            self._killing = loop.create_task(self.kill())
            return
        delay = max(head.deadline - time.monotonic(), 0.0) + ABANDONED_GRACE
        loop.call_later(delay, self._stop_if_still_on, head)

    def _stop_if_still_on(self, head: _Call) -> None:
        if self._calls and self._calls[0] is head and not self._killed:
            self._killing = asyncio.get_running_loop().create_task(self.kill())

    def _timed(self, call: _Call) -> None:
        """Note how long the model took for ``call``: from when it could start on it (sent,
        or the one before it answered) to its answer."""
        now = time.monotonic()
        took = now - max(call.sent_at, self._answered_at)
        self._answered_at = now
        recent = self.recent_seconds
        self.recent_seconds = took if recent is None else recent + (took - recent) * RECENT_WEIGHT

    def on_stderr(self, raw: bytes) -> None:
        """Log one line the process wrote to its stderr, noting bubblewrap's own failures."""
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line.startswith("bwrap: ") and self.sandbox_error is None:
            self.sandbox_error = line.removeprefix("bwrap: ")
        self.emit(self.request_id, "stderr", line)


class _PipeReader(asyncio.Protocol):
    """Reads one of an instance's pipes as data arrives; ``done`` once the pipe has closed."""

    def __init__(self, instance: AsyncInstance) -> None:
        self.instance = instance
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)

    @property
    def closing(self) -> bool:
        """Whether the pipe is closed or closing (its descriptor not to be read any more)."""
        transport = self._transport
        return transport is None or transport.is_closing()

    def close(self) -> None:
        """Stop reading, whether or not the other end has closed."""
        if self._transport is not None:
            self._transport.close()


class _Frames(_PipeReader):
    """The shim's stdout, cut into frames; a broken frame ends the protocol (and the stream)."""

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        start = 0
        try:
            while len(buffer) - start >= HEADER.size:
                (size,) = HEADER.unpack_from(buffer, start)
                if size > MAX_FRAME_BYTES:
                    raise FrameError(f"frame of {size} bytes exceeds the limit")
                end = start + HEADER.size + size
                if len(buffer) < end:
                    break
                frame = json.loads(buffer[start + HEADER.size : end].decode("utf-8"))
                start = end
                self.instance.on_frame(frame)
        except Exception as error:
            self._broken(error)
            return
        del buffer[:start]

    def _broken(self, error: Exception) -> None:
        message = f"protocol error from the instance: {error!r}"
        self.instance.emit(self.instance.request_id, "system", message)
        self.buffer.clear()
        self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.buffer:
            self._broken(FrameError("stream ended inside a frame"))
        self.instance.on_stdout_end()
        super().connection_lost(exc)


class _Lines(_PipeReader):
    """The process's raw stderr, cut into lines."""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        *lines, rest = self.buffer.split(b"\n")
        self.buffer = rest
        for line in lines:
            self.instance.on_stderr(bytes(line))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.buffer:
            self.instance.on_stderr(bytes(self.buffer))
            self.buffer.clear()
        super().connection_lost(exc)


class Instance:
    """A blocking handle on one ``AsyncInstance``, served by an event loop thread of its own,
    for callers that have no loop: the build's import check and benchmarks of one instance."""

    def __init__(self, instance: AsyncInstance, runner: LoopThread) -> None:
        self._instance, self._runner = instance, runner
        self._lock = threading.Lock()
        self.pid = instance.pid

    @classmethod
    def start(cls, spec: InstanceSpec, log_sink: LogSink, *, timeout: float) -> Instance:
        """Start an instance and wait until its model is loaded."""
        runner = LoopThread(f"instance-{spec.key}")
        try:
            instance = runner.run(AsyncInstance.start(spec, log_sink, timeout=timeout))
        except BaseException:
            runner.close()
            raise
        return cls(instance, runner)

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._instance.alive

    def call(self, request_id: str, data: Any, *, timeout: float | None) -> RequestOutcome:
        """Send one request and wait for its result; a timeout kills the instance and raises."""
        return self._runner.run(self._instance.call(request_id, data, timeout=timeout))

    def stop(self) -> None:
        """Stop the instance (see ``AsyncInstance.stop``) and its loop; idempotent."""
        self._finish(self._instance.stop)

    def kill(self, *, reason: str | None = None) -> None:
        """Kill the instance (see ``AsyncInstance.kill``) and stop its loop; idempotent."""
        self._finish(lambda: self._instance.kill(reason=reason))

    def _finish(self, ending: Callable[[], Coroutine[Any, Any, None]]) -> None:
        with self._lock:
            if self._runner.closed:
                return
            try:
                self._runner.run(ending())
            finally:
                self._runner.close()


class LoopThread:
    """An event loop running in a daemon thread of its own, for owners given no loop."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.closed = False
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result (from another thread)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        """Stop the loop and its thread; call it once, with nothing left running on it."""
        self.closed = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class _InFlight(threading.local):
    """Requests sent and not answered on this thread's event loop, over all its instances:
    the spin is for a request that is the only one (each loop runs on one thread)."""

    count = 0


_FLIGHT = _InFlight()


class _Call:
    """One request sent to the instance and not answered yet."""

    __slots__ = ("abandoned", "deadline", "reply", "request_id", "sent_at")

    def __init__(
        self, request_id: str, reply: asyncio.Future[Any], sent_at: float, deadline: float | None
    ) -> None:
        self.request_id, self.reply, self.sent_at = request_id, reply, sent_at
        self.deadline, self.abandoned = deadline, False


def _settle(call: _Call, reply: Any) -> None:
    if not call.abandoned and not call.reply.done():
        call.reply.set_result(reply)


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def off_loop(function: Callable[..., T], *args: Any) -> T:
    """Run blocking ``function`` in the runtime's own threads, keeping the loop free. Not in
    the loop's default executor: a server that waits there for a deploy (``to_thread``)
    could otherwise take every thread the deploy's launches need."""
    return await asyncio.get_running_loop().run_in_executor(BLOCKING, function, *args)


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:
        raise RuntimeError("instance pipes are missing")
    return stream
