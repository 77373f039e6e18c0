"""One instance: a shim subprocess in the model's environment, serving one request at a time.

Two daemon threads per instance turn its pipes into log records: one reads protocol frames
(log frames go to the sink at once, replies to a queue the caller waits on), one reads raw
stderr, which carries what user code wrote to the file descriptors and is tagged with the
request in flight. The instance runs in its own session so that stopping it also stops any
processes the model started.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

from modelyard.runtime.errors import InstanceStartError, SandboxSetupError
from modelyard.runtime.sandbox import Network
from modelyard.runtime.shim import (
    CONTEXT_ENV,
    LIMITS_ENV,
    MEMORY_ENV,
    MODEL_FILE_ENV,
    encode_frame,
    read_frame,
)
from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome, Stream, emit

SHIM_PATH = Path(__file__).with_name("shim.py")
SANDBOX_ATTEMPTS = 3
STOP_GRACE = 5.0
DRAIN_TIMEOUT = 1.0
MEMORY_SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)


class RequestTimeout(Exception):
    """A request ran past its timeout; the instance has been killed."""


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


class Instance:
    """A running shim process; create with ``Instance.start``."""

    def __init__(self, spec: InstanceSpec, log_sink: LogSink) -> None:
        self.spec = spec
        self.request_id: str | None = None
        self.last_used = time.monotonic()
        self._killed = False
        self._kill_reason: str | None = None
        self._sink = log_sink
        self._replies: queue.Queue[Any] = queue.Queue()
        self.sandbox_error: str | None = None
        self._process, self._network = launch(spec)
        self.pid = self._process.pid
        self._readers = [
            threading.Thread(target=target, name=f"instance-{self.pid}", daemon=True)
            for target in (self._read_frames, self._read_stderr)
        ]
        for reader in self._readers:
            reader.start()

    @classmethod
    def start(cls, spec: InstanceSpec, log_sink: LogSink, *, timeout: float) -> Instance:
        """Start an instance and wait until its model is loaded. bubblewrap's own set-up of a
        new network namespace fails now and then (``loopback: Failed RTM_NEWADDR``) before any
        user code runs; such a start is tried again, a few times."""
        for _ in range(SANDBOX_ATTEMPTS - 1):
            try:
                return cls._start_once(spec, log_sink, timeout=timeout)
            except SandboxSetupError:
                continue
        return cls._start_once(spec, log_sink, timeout=timeout)

    @classmethod
    def _start_once(cls, spec: InstanceSpec, log_sink: LogSink, *, timeout: float) -> Instance:
        instance = cls(spec, log_sink)
        try:
            reply = instance._replies.get(timeout=timeout)
        except queue.Empty:
            instance.kill()
            raise InstanceStartError(f"the model did not load within {timeout:g} seconds") from None
        if reply is None:
            reason = instance._exit_reason()
            instance._drain()
            if instance.sandbox_error is not None:
                raise SandboxSetupError(f"the sandbox did not start ({instance.sandbox_error})")
            raise InstanceStartError(f"the instance stopped while loading the model ({reason})")
        if reply.get("type") != "ready":
            instance.kill()
            raise InstanceStartError(str(reply.get("error")))
        instance.emit(None, "system", f"instance {instance.pid} started")
        return instance

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._process.poll() is None

    def call(self, request_id: str, data: Any, *, timeout: float | None) -> RequestOutcome:
        """Send one request and wait for its result; a timeout kills the instance and raises."""
        self.request_id = request_id
        try:
            return self._exchange(request_id, data, timeout)
        finally:
            self.request_id = None
            self.last_used = time.monotonic()

    def _exchange(self, request_id: str, data: Any, timeout: float | None) -> RequestOutcome:
        try:
            frame = encode_frame({"id": request_id, "data": data})
        except (TypeError, ValueError) as error:
            return RequestOutcome(False, None, f"the request data is not JSON: {error}")
        stdin = self._pipe(self._process.stdin)
        try:
            stdin.write(frame)
            stdin.flush()
            reply = self._replies.get(timeout=timeout)
        except OSError:
            reply = None
        except queue.Empty:
            self.kill()
            raise RequestTimeout from None
        if reply is None and self._killed and self._kill_reason:
            message = f"the instance was stopped while handling the request: {self._kill_reason}"
            self.emit(request_id, "system", message)
            return RequestOutcome(False, None, message)
        if reply is None and self._killed:
            message = "the instance was stopped while handling the request"
            return RequestOutcome(False, None, message, lost=True)
        if reply is None:
            message = f"the instance stopped while handling the request ({self._exit_reason()})"
            self.emit(request_id, "system", message)
            return RequestOutcome(False, None, message, lost=True)
        return RequestOutcome(bool(reply.get("success")), reply.get("result"), reply.get("error"))

    def _exit_reason(self) -> str:
        """Why the process ended, in words a model's author can act on."""
        try:
            code = self._process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.kill()
            return "it stopped answering"
        return exit_reason(code, self.spec)

    def stop(self) -> None:
        """Ask the shim to exit by closing its input, kill it if it does not; idempotent."""
        was_alive = self.alive
        self._close_stdin()
        try:
            self._process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.kill()
        self._drain()
        self._close_network()
        if was_alive:
            self.emit(None, "system", f"instance {self.pid} stopped")

    def kill(self, *, reason: str | None = None) -> None:
        """Kill the instance and everything it started; with a ``reason`` (a limit it broke)
        its request fails with it rather than being given up as lost."""
        self._kill_reason = self._kill_reason or reason
        self._killed = True
        if self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        self._process.wait()
        self._close_stdin()
        self._drain()
        self._close_network()

    def _close_network(self) -> None:
        if self._network is not None:
            self._network.close()

    def _drain(self) -> None:
        """Let the readers pass on the last output; a child the model left running may hold
        the pipes open, so the wait is short."""
        for reader in self._readers:
            if reader is not threading.current_thread():
                reader.join(timeout=DRAIN_TIMEOUT)

    def _close_stdin(self) -> None:
        stdin = self._process.stdin
        if stdin is not None and not stdin.closed:
            with contextlib.suppress(OSError):
                stdin.close()

    def emit(self, request_id: str | None, stream: Stream, line: str) -> None:
        """Send one log line for this instance's deployment to the sink."""
        emit(self._sink, self.spec.key, request_id, stream, line)

    def _read_frames(self) -> None:
        stdout = self._pipe(self._process.stdout)
        try:
            while (frame := read_frame(stdout)) is not None:
                if frame.get("type") == "log":
                    self.emit(frame.get("id"), frame.get("stream", "stdout"), frame["line"])
                else:
                    self._replies.put(frame)
        except Exception as error:
            self.emit(self.request_id, "system", f"protocol error from the instance: {error!r}")
        finally:
            stdout.close()
            self._replies.put(None)

    def _read_stderr(self) -> None:
        stderr = self._pipe(self._process.stderr)
        with stderr:
            for raw in stderr:
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if line.startswith("bwrap: ") and self.sandbox_error is None:
                    self.sandbox_error = line.removeprefix("bwrap: ")
                self.emit(self.request_id, "stderr", line)

    @staticmethod
    def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
        if stream is None:
            raise RuntimeError("instance pipes are missing")
        return stream
