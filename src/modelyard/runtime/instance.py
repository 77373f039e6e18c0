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

from modelyard.runtime.errors import InstanceStartError
from modelyard.runtime.shim import CONTEXT_ENV, MEMORY_ENV, MODEL_FILE_ENV, encode_frame, read_frame
from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome, Stream, emit

SHIM_PATH = Path(__file__).with_name("shim.py")
INHERITED_ENV = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
)
STOP_GRACE = 5.0
DRAIN_TIMEOUT = 1.0
MEMORY_SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)


class RequestTimeout(Exception):
    """A request ran past its timeout; the instance has been killed."""


def child_env(spec: InstanceSpec) -> dict[str, str]:
    """The instance's environment: a few host basics, never the server's own secrets."""
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(spec.env)
    env[CONTEXT_ENV] = json.dumps(spec.context)
    env[MEMORY_ENV] = str(spec.memory_mb)
    env[MODEL_FILE_ENV] = spec.model_file_name
    return env


class Instance:
    """A running shim process; create with ``Instance.start``."""

    def __init__(self, spec: InstanceSpec, log_sink: LogSink) -> None:
        self.spec = spec
        self.request_id: str | None = None
        self.last_used = time.monotonic()
        self._killed = False
        self._sink = log_sink
        self._replies: queue.Queue[Any] = queue.Queue()
        self._process = subprocess.Popen(
            [spec.python, "-X", "faulthandler", str(SHIM_PATH), spec.package_dir],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=spec.package_dir,
            env=child_env(spec),
            start_new_session=True,
        )
        self.pid = self._process.pid
        self._readers = [
            threading.Thread(target=target, name=f"instance-{self.pid}", daemon=True)
            for target in (self._read_frames, self._read_stderr)
        ]
        for reader in self._readers:
            reader.start()

    @classmethod
    def start(cls, spec: InstanceSpec, log_sink: LogSink, *, timeout: float) -> Instance:
        """Start an instance and wait until its model is loaded."""
        instance = cls(spec, log_sink)
        try:
            reply = instance._replies.get(timeout=timeout)
        except queue.Empty:
            instance.kill()
            raise InstanceStartError(f"the model did not load within {timeout:g} seconds") from None
        if reply is None:
            reason = instance._exit_reason()
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
        if code >= 0:
            return f"exit code {code}"
        reason = f"killed by {signal.Signals(-code).name}"
        if -code in MEMORY_SIGNALS:
            reason += f"; it may have exceeded its memory limit of {self.spec.memory_mb} MB"
        return reason

    def stop(self) -> None:
        """Ask the shim to exit by closing its input, kill it if it does not; idempotent."""
        was_alive = self.alive
        self._close_stdin()
        try:
            self._process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.kill()
        self._drain()
        if was_alive:
            self.emit(None, "system", f"instance {self.pid} stopped")

    def kill(self) -> None:
        """Kill the instance and everything it started."""
        self._killed = True
        if self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        self._process.wait()
        self._close_stdin()
        self._drain()

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
                self.emit(self.request_id, "stderr", line)

    @staticmethod
    def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
        if stream is None:
            raise RuntimeError("instance pipes are missing")
        return stream
