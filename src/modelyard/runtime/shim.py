"""The process that runs inside a model's own environment and serves its ``Model``.

It is started as ``python shim.py PACKAGE_DIR`` with the environment's interpreter (any Python
3.8 or newer) and must import nothing but the standard library: the model's environment has no
modelyard in it. The parent imports it only for the frame codec below, so both sides share one
definition of the wire format.

Protocol: frames of a 4-byte big-endian length followed by UTF-8 JSON, requests on stdin and
replies on stdout. Before user code is imported, the protocol pipes are moved to private
descriptors, fd 0 is pointed at /dev/null and fd 1 at fd 2, so nothing the model writes can
corrupt a frame. Python-level ``print`` and ``sys.stderr`` writes become ``log`` frames tagged
with the request id being served; output written straight to the file descriptors (C code,
child processes) reaches the parent on its stderr pipe.

Frames sent: ``ready`` or ``init_error`` once, then per request any number of ``log`` frames
followed by one ``result`` frame ``{"id", "success", "result", "error"}``.

Configuration comes from the environment, removed before user code runs: ``MODELYARD_CONTEXT``
(the JSON ``context`` dict), ``MODELYARD_MEMORY_MB`` (address-space limit), ``MODELYARD_LIMITS``
(processes, open files, file size, CPU share) and ``ML_MODEL_FILE_NAME`` (kept, as UbiOps models
may read it).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import struct
import sys
import threading
import time
import traceback
from typing import IO, Any, Dict

HEADER = struct.Struct(">I")
MAX_FRAME_BYTES = 1 << 30
CONTEXT_ENV = "MODELYARD_CONTEXT"
MEMORY_ENV = "MODELYARD_MEMORY_MB"
LIMITS_ENV = "MODELYARD_LIMITS"
MODEL_FILE_ENV = "ML_MODEL_FILE_NAME"


class FrameError(Exception):
    """A frame could not be read: the peer broke the protocol or the stream was cut."""


_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""Made once: ``json.dumps`` with an argument makes an encoder on every call (both sides of
every request encode a frame)."""


def encode_frame(message: Any) -> bytes:
    """Serialise one message as a length-prefixed JSON frame."""
    body = _ENCODER.encode(message).encode("utf-8")
    return HEADER.pack(len(body)) + body


def read_frame(stream: IO[bytes]) -> Any:
    """Read one frame; ``None`` at a clean end of stream."""
    header = _read_exact(stream, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME_BYTES:
        raise FrameError("frame of %d bytes exceeds the limit" % size)
    body = _read_exact(stream, size)
    if body is None:
        raise FrameError("stream ended inside a frame")
    return json.loads(body.decode("utf-8"))


def _read_exact(stream: IO[bytes], size: int) -> bytes | None:
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if remaining == size:
                return None
            raise FrameError("stream ended inside a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class Channel:
    """The reply side of the protocol, shared by the serving loop and the log writers."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.request_id: Any = None

    def send(self, message: Any) -> None:
        """Write one message as a frame."""
        self.send_frame(encode_frame(message))

    def send_frame(self, frame: bytes) -> None:
        """Write one encoded frame; a lock keeps frames from threads in user code whole."""
        with self._lock:
            self._stream.write(frame)
            self._stream.flush()

    def log(self, stream: str, line: str) -> None:
        """Send one line of model output, tagged with the request being served."""
        self.send({"type": "log", "id": self.request_id, "stream": stream, "line": line})


class LineWriter(io.TextIOBase):
    """Stands in for ``sys.stdout``/``sys.stderr`` and turns each line into a log frame."""

    def __init__(self, channel: Channel, stream: str) -> None:
        super().__init__()
        self._channel = channel
        self._stream = stream
        self._pending = ""
        self._lock = threading.Lock()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return 2

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._pending + text).split("\n")
            self._pending = lines.pop()
        for line in lines:
            self._channel.log(self._stream, line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, ""
        if pending:
            self._channel.log(self._stream, pending)


def take_protocol_streams() -> tuple[IO[bytes], IO[bytes]]:
    """Move the protocol off fds 0 and 1 so user code cannot read or write it. The reader is
    buffered: a frame's header and body (and the frames queued behind it) come in one read."""
    reader = os.fdopen(os.dup(0), "rb")
    writer = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return reader, writer


def limit_memory(megabytes: int) -> None:
    """Cap the address space, so a runaway model gets ``MemoryError`` rather than the host."""
    import resource

    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def apply_limits(limits: Dict[str, int]) -> None:
    """Processes, open files, file size and CPU share, set before any user code runs (a fork
    bomb meets ``BlockingIOError``, a disk filler ``SIGXFSZ``, a spinning loop a low priority)."""
    import resource

    for name, value in (
        ("RLIMIT_NPROC", limits.get("processes")),
        ("RLIMIT_NOFILE", limits.get("open_files")),
        ("RLIMIT_FSIZE", (limits.get("file_mb") or 0) * 1024 * 1024),
    ):
        if value:
            _soft, hard = resource.getrlimit(getattr(resource, name))
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(getattr(resource, name), (value, value))
    if limits.get("nice"):
        os.nice(int(limits["nice"]))


def describe_error(error: BaseException, memory_mb: int | None) -> str:
    """The one line a user sees for a failure: the traceback's last line."""
    if isinstance(error, MemoryError) and memory_mb:
        return "memory limit of %d MB exceeded (MemoryError)" % memory_mb
    return traceback.format_exception_only(type(error), error)[-1].strip()


def load_model(package_dir: str, file_name: str, context: dict[str, Any]) -> Any:
    """Import the model file with ``libraries/`` on the path and build its ``Model`` once."""
    for entry in (os.path.join(package_dir, "libraries"), package_dir):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    module_name = os.path.splitext(file_name)[0]
    spec = importlib.util.spec_from_file_location(module_name, os.path.join(package_dir, file_name))
    if spec is None or spec.loader is None:
        raise ImportError("cannot load %s from %s" % (file_name, package_dir))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    model_class = getattr(module, "Model", None)
    if model_class is None:
        raise AttributeError("%s defines no class Model" % file_name)
    return model_class(package_dir, context)


PAST_DEADLINE = "the request waited past its timeout before the model could start it"


def answer(channel: Channel, model: Any, message: Any, memory_mb: int | None) -> None:
    """Run one request through the model and send its result frame; a request whose
    ``deadline`` (``time.monotonic``, the same clock the server reads) has passed is answered
    without being run: its caller has given up on it."""
    request_id = message.get("id")
    deadline = message.get("deadline")
    if deadline is not None and time.monotonic() > deadline:  # it waited in the pipe too long
        channel.send_frame(_result_frame(request_id, False, None, PAST_DEADLINE))
        return
    channel.request_id = request_id
    try:
        result = model.request(message.get("data"))
        frame = _result_frame(request_id, True, result, None)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        _log_traceback(channel, error)
        frame = _result_frame(request_id, False, None, describe_error(error, memory_mb))
    _flush_writers()
    channel.request_id = None
    channel.send_frame(frame)


def _result_frame(request_id: Any, success: bool, result: Any, error: str | None) -> bytes:
    reply = {
        "type": "result",
        "id": request_id,
        "success": success,
        "result": result,
        "error": error,
    }
    try:
        return encode_frame(reply)
    except (TypeError, ValueError) as failure:
        reason = "the model's output is not JSON serializable: %s" % failure
        return encode_frame(dict(reply, success=False, result=None, error=reason))


def _log_traceback(channel: Channel, error: BaseException) -> None:
    """Log the traceback from the user's first frame on, hiding the shim and importlib."""
    tb = error.__traceback__
    while tb is not None and _is_machinery(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(error), error, tb))
    for line in text.rstrip("\n").split("\n"):
        channel.log("stderr", line)


def _is_machinery(filename: str) -> bool:
    return filename == __file__ or filename.startswith("<frozen importlib")


def _flush_writers() -> None:
    for writer in (sys.stdout, sys.stderr):
        if writer is not None:
            writer.flush()


def serve(reader: IO[bytes], channel: Channel, model: Any, memory_mb: int | None) -> None:
    """Answer requests until the parent closes the pipe."""
    while True:
        message = read_frame(reader)
        if message is None:
            return
        answer(channel, model, message, memory_mb)


def main(argv: list[str]) -> int:
    """Start up, report ``ready`` or ``init_error``, then serve."""
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    package_dir = os.path.abspath(argv[1])
    context = json.loads(os.environ.pop(CONTEXT_ENV, "{}"))
    memory_mb = int(os.environ.pop(MEMORY_ENV, "0")) or None
    limits = json.loads(os.environ.pop(LIMITS_ENV, "{}"))
    file_name = os.environ.get(MODEL_FILE_ENV) or "model.py"
    reader, writer = take_protocol_streams()
    channel = Channel(writer)
    sys.stdout = LineWriter(channel, "stdout")
    sys.stderr = LineWriter(channel, "stderr")
    try:
        if memory_mb:
            limit_memory(memory_mb)
        apply_limits(limits)
        model = load_model(package_dir, file_name, context)
    except BaseException as error:
        _log_traceback(channel, error)
        _flush_writers()
        channel.send({"type": "init_error", "error": describe_error(error, memory_mb)})
        return 1
    _flush_writers()
    channel.send({"type": "ready", "pid": os.getpid()})
    serve(reader, channel, model, memory_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
