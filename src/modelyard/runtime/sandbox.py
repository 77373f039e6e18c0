"""The one place that launches user code: a bubblewrap sandbox around every instance.

An instance sees only what it needs: the system's ``/usr`` and a few files of ``/etc``, its
interpreter and environment, the shim, its package (read-only, writable only for a private train
copy) and its scratch directory (read-write: its ``TMPDIR`` and ``HOME``, where request blobs
arrive and output files are left). It has its own PID, IPC, UTS and network namespaces and a
scrubbed environment, so the data directory, the secret key, the database, other tenants' files
and the server's ``/proc`` are out of sight and the server's pid cannot be named. Outbound network
goes through slirp4netns with the host's loopback cut off, so a model reaches the internet but not
the database or broker listening on ``127.0.0.1``. When the server runs as root, the instance drops
to an unprivileged uid of its own (one per deployment key) before anything of the user runs.

Resource limits (processes, open files, file size, CPU share, address space) are applied by the
shim before it imports user code; the supervisor watches the scratch directory's size.

bubblewrap runs with ``--die-with-parent``, so killing it (a timeout, the server's death) kills
everything inside. Its parent-death signal follows the *thread* that started it, and instances
are started from short-lived threads, so every sandbox is spawned by one long-lived thread
(``spawn``).

``Sandbox.off()`` runs instances as plain subprocesses (the operator chose ``MODELYARD_SANDBOX=off``
or the platform has no sandbox); ``probe()`` finds what the machine offers and says why not.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from modelyard.runtime.errors import SandboxSetupError

ETC_FILES = (
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/localtime",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/mime.types",
)
MERGED_USR = ("/bin", "/lib", "/lib64", "/sbin")
INHERITED_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
INSTALL_HINT = "install them (Debian/Ubuntu: apt-get install bubblewrap slirp4netns)"
PRIVATE_TMP = "/tmp"  # noqa: S108 - a fresh tmpfs inside the sandbox, not the host's /tmp


@dataclass(frozen=True)
class Limits:
    """Per-instance limits beside memory (which each deployment sets itself)."""

    processes: int = 256
    open_files: int = 1024
    disk_mb: int = 2048
    nice: int = 5

    def as_env(self, *, own_uid: bool) -> str:
        """The JSON the shim reads from ``MODELYARD_LIMITS`` before importing user code. The
        process count is per uid, so it is only set where the instance has a uid of its own."""
        limits = {"open_files": self.open_files, "file_mb": self.disk_mb, "nice": self.nice}
        if own_uid:
            limits["processes"] = self.processes
        return json.dumps(limits)


@dataclass(frozen=True)
class Sandbox:
    """How instances are confined; ``bwrap`` None means not at all."""

    bwrap: str | None = None
    slirp4netns: str | None = None
    setpriv: str | None = None
    uid_base: int = 3_000_000
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def off(cls, limits: Limits | None = None) -> Sandbox:
        """Plain subprocesses: the operator's explicit choice, or no sandbox on this machine."""
        return cls(limits=limits or Limits())

    @property
    def enabled(self) -> bool:
        """Whether instances run inside bubblewrap."""
        return self.bwrap is not None

    @property
    def own_uid(self) -> bool:
        """Whether instances drop to a uid of their own (the server runs as root)."""
        return self.enabled and self.setpriv is not None and os.geteuid() == 0

    def uid_for(self, key: str) -> int:
        """The unprivileged uid a deployment's instances run as when the server is root."""
        return self.uid_base + zlib.crc32(key.encode("utf-8")) % 1_000_000

    def prepare_scratch(self, scratch: Path, key: str) -> None:
        """Create the scratch directory, owned by the instance's own uid when there is one."""
        scratch.mkdir(parents=True, exist_ok=True)
        if self.own_uid:
            uid = self.uid_for(key)
            os.chown(scratch, uid, uid)
        scratch.chmod(0o700)

    def hand_over(self, folder: Path, key: str) -> None:
        """Give a writable package (a train job's private copy) to the instance's own uid."""
        if not self.own_uid:
            return
        uid = self.uid_for(key)
        os.chown(folder, uid, uid)
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)

    def command(
        self,
        argv: list[str],
        *,
        key: str,
        python: str,
        package_dir: str,
        scratch_dir: str,
        env: dict[str, str],
        read_only: Iterable[str] = (),
        writable: Iterable[str] = (),
        package_writable: bool = False,
        info_fd: int | None = None,
        block_fd: int | None = None,
    ) -> list[str]:
        """The full command line that runs ``argv`` in this sandbox (``argv`` itself when off)."""
        if self.bwrap is None:
            return argv
        binds = Binds()
        binds.tmpfs(PRIVATE_TMP, self.limits.disk_mb)
        for path in (*ETC_FILES, *interpreter_paths(python), *read_only):
            binds.add(path, writable=False)
        binds.add(package_dir, writable=package_writable)
        binds.add(scratch_dir, writable=True)
        for path in writable:
            binds.add(path, writable=True)
        command = [
            self.bwrap,
            "--ro-bind",
            "/usr",
            "/usr",
            *merged_usr_links(),
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            *binds.arguments,
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-net",
            "--unshare-cgroup-try",
            "--hostname",
            "modelyard",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            *_setenv(env),
            "--chdir",
            package_dir,
        ]
        if info_fd is not None:
            command += ["--info-fd", str(info_fd)]
        if block_fd is not None:
            command += ["--block-fd", str(block_fd)]
        command.append("--")
        if self.own_uid and self.setpriv is not None:
            uid = str(self.uid_for(key))
            command += [
                self.setpriv,
                f"--reuid={uid}",
                f"--regid={uid}",
                "--clear-groups",
                "--no-new-privs",
                "--inh-caps=-all",
                "--bounding-set=-all",
            ]
        return command + argv

    def popen(
        self,
        argv: list[str],
        *,
        key: str,
        python: str,
        package_dir: str,
        scratch_dir: str,
        env: dict[str, str],
        read_only: Iterable[str] = (),
        writable: Iterable[str] = (),
        package_writable: bool = False,
        stdin: int | None = None,
        stderr: int | None = None,
    ) -> tuple[subprocess.Popen[bytes], Network | None]:
        """Start ``argv`` in this sandbox (stdout a pipe), its network up before it runs."""
        network = Network(self.slirp4netns) if self.enabled and self.slirp4netns else None
        command = self.command(
            argv,
            key=key,
            python=python,
            package_dir=package_dir,
            scratch_dir=scratch_dir,
            env=env,
            read_only=read_only,
            writable=writable,
            package_writable=package_writable,
            info_fd=network.info_fd if network else None,
            block_fd=network.block_fd if network else None,
        )

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                command,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=package_dir,
                env=env if not self.enabled else {},
                start_new_session=True,
                pass_fds=network.child_fds if network else (),
            )

        try:
            process = spawn(start) if self.enabled else start()
        except BaseException:
            if network is not None:
                network.close()
            raise
        if network is not None:
            try:
                network.attach()
            except SandboxSetupError:
                _discard(process)
                network.close()
                raise
        return process, network

    def environment(self, env: dict[str, str], *, python: str, scratch_dir: str) -> dict[str, str]:
        """The instance's whole environment: the deployment's variables and the runtime's own,
        nothing of the server's (a few locale settings aside)."""
        base = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        base["PATH"] = f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin"
        base["HOME"] = scratch_dir
        base["TMPDIR"] = scratch_dir
        base["USER"] = base["LOGNAME"] = "modelyard"
        base.update(env)
        return base


class _Spawner:
    """One daemon thread that starts every sandboxed process (see the module's docstring)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[
            tuple[Callable[[], subprocess.Popen[bytes]], Future[subprocess.Popen[bytes]]]
        ] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def spawn(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="modelyard-sandbox-spawner", daemon=True
                )
                self._thread.start()
        future: Future[subprocess.Popen[bytes]] = Future()
        self._jobs.put((start, future))
        return future.result()

    def _run(self) -> None:
        while True:
            start, future = self._jobs.get()
            try:
                future.set_result(start())
            except BaseException as error:
                future.set_exception(error)


_SPAWNER = _Spawner()


def _discard(process: subprocess.Popen[bytes]) -> None:
    """Kill a sandbox that failed to set up, and close its pipes."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def spawn(start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """Run ``start`` (a ``subprocess.Popen`` call) on the one spawner thread."""
    return _SPAWNER.spawn(start)


class Binds:
    """bubblewrap mount arguments, creating each missing parent directory world-traversable
    (bubblewrap would make them 0700, which an unprivileged instance cannot cross)."""

    def __init__(self) -> None:
        self.arguments: list[str] = []
        self._made: set[str] = {"/", "/usr", "/proc", "/dev"}

    def tmpfs(self, path: str, size_mb: int) -> None:
        self.arguments += ["--size", str(size_mb * 1024 * 1024), "--tmpfs", path]
        self._made.add(path)

    def add(self, path: str, *, writable: bool) -> None:
        if not os.path.exists(path) or _under(path, "/usr"):
            return
        for parent in reversed(Path(path).parents):
            text = str(parent)
            if text not in self._made:
                self.arguments += ["--perms", "0755", "--dir", text]
                self._made.add(text)
        self.arguments += ["--bind" if writable else "--ro-bind", path, path]
        self._made.add(path)


def interpreter_paths(python: str) -> list[str]:
    """What an interpreter needs to run: its virtual environment and the base installation
    that environment points to (``pyvenv.cfg``'s ``home``), wherever they live."""
    executable = Path(python)
    paths: list[str] = []
    environment = executable.parent.parent
    config = environment / "pyvenv.cfg"
    if config.is_file():
        paths.append(str(environment))
        for line in config.read_text("utf-8", errors="replace").splitlines():
            name, _, value = line.partition("=")
            if name.strip() == "home" and value.strip():
                paths.append(str(Path(value.strip()).parent))
    real = Path(os.path.realpath(executable))
    paths.append(str(real.parent.parent))
    return list(dict.fromkeys(paths))


def merged_usr_links() -> list[str]:
    """``/bin``, ``/lib``... as the host has them: symlinks into ``/usr`` or read-only binds."""
    arguments: list[str] = []
    for path in MERGED_USR:
        if os.path.islink(path):
            arguments += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            arguments += ["--ro-bind", path, path]
    return arguments


def _setenv(env: dict[str, str]) -> list[str]:
    arguments: list[str] = []
    for name, value in env.items():
        arguments += ["--setenv", name, value]
    return arguments


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


@dataclass(frozen=True)
class Probe:
    """What this machine offers: a working sandbox, or the reason there is none."""

    sandbox: Sandbox | None
    reason: str


@lru_cache(maxsize=1)
def probe() -> Probe:
    """Find bubblewrap and slirp4netns and try them once (a few milliseconds, cached)."""
    if not os.path.exists("/proc/self/ns/user"):
        return Probe(None, f"no Linux namespaces on this machine; {INSTALL_HINT}")
    bwrap, slirp = shutil.which("bwrap"), shutil.which("slirp4netns")
    if bwrap is None or slirp is None:
        missing = " and ".join(n for n, p in (("bwrap", bwrap), ("slirp4netns", slirp)) if not p)
        return Probe(None, f"{missing} not found; {INSTALL_HINT}")
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv is None:
        return Probe(None, "setpriv not found (util-linux), needed to drop root in the sandbox")
    trial = [bwrap, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--", "true"]
    result = subprocess.run(trial, capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0:
        reason = result.stderr.strip() or f"exit code {result.returncode}"
        return Probe(None, f"bubblewrap cannot create namespaces here ({reason})")
    return Probe(Sandbox(bwrap=bwrap, slirp4netns=slirp, setpriv=setpriv), "")


class Network:
    """Outbound network for one sandbox: bubblewrap reports its child's pid on one pipe and
    waits on another until slirp4netns has configured the namespace, so user code never runs
    before the network exists. slirp4netns ends when ``close`` is called or this process dies
    (its exit pipe closes)."""

    def __init__(self, slirp4netns: str) -> None:
        self._slirp4netns = slirp4netns
        self._info_read, self.info_fd = os.pipe()
        self.block_fd, self._block_write = os.pipe()
        self._exit_read, self._exit_write = os.pipe()
        self._open = {
            self._info_read,
            self.info_fd,
            self.block_fd,
            self._block_write,
            self._exit_read,
            self._exit_write,
        }
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def child_fds(self) -> tuple[int, int]:
        """The descriptors bubblewrap inherits."""
        return (self.info_fd, self.block_fd)

    def attach(self, timeout: float = 30.0) -> None:
        """Configure the sandbox's network, then let it run; raises SandboxSetupError."""
        self._close_fd(self.info_fd)
        self._close_fd(self.block_fd)
        pid = self._child_pid(timeout)
        _await_loopback(pid, timeout)
        ready_read, ready_write = os.pipe()
        command = [self._slirp4netns, "--configure", "--mtu=65520", "--disable-host-loopback"]
        if os.geteuid() != 0:
            command.append(f"--userns-path=/proc/{pid}/ns/user")
        command += [f"--ready-fd={ready_write}", f"--exit-fd={self._exit_read}", str(pid), "tap0"]
        try:
            self._process = subprocess.Popen(
                command,
                pass_fds=(ready_write, self._exit_read),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        finally:
            os.close(ready_write)
        try:
            if not _read_within(ready_read, timeout):
                reason = self._stderr()
                raise SandboxSetupError(f"slirp4netns did not configure the network ({reason})")
        finally:
            os.close(ready_read)
        try:
            os.write(self._block_write, b"1")
        except BrokenPipeError:
            raise SandboxSetupError("the sandbox stopped while starting") from None

    def _child_pid(self, timeout: float) -> int:
        data = b""
        while not data.rstrip().endswith(b"}"):
            chunk = _read_within(self._info_read, timeout)
            if not chunk:
                raise SandboxSetupError("the sandbox did not start")
            data += chunk
        pid: int = json.loads(data)["child-pid"]
        return pid

    def _close_fd(self, fd: int) -> None:
        if fd in self._open:
            self._open.discard(fd)
            os.close(fd)

    def _stderr(self) -> str:
        process = self._process
        if process is None or process.poll() is None or process.stderr is None:
            return "no answer"
        return process.stderr.read().decode("utf-8", "replace").strip() or "no message"

    def close(self) -> None:
        """Stop slirp4netns and release the pipes; idempotent, from any thread."""
        with self._lock:
            for fd in list(self._open):
                self._close_fd(fd)
            process, self._process = self._process, None
        if process is None:
            return
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _await_loopback(pid: int, timeout: float) -> None:
    """Wait until bubblewrap has brought up the sandbox's loopback: it reports the child's pid
    before doing so, and slirp4netns configuring the namespace meanwhile makes bubblewrap's
    own set-up fail (``loopback: Failed RTM_NEWADDR``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/net/fib_trie", encoding="ascii", errors="replace") as table:
                if "host LOCAL" in table.read():
                    return
        except OSError:
            raise SandboxSetupError("the sandbox stopped while starting") from None
        time.sleep(0.0005)
    raise SandboxSetupError("the sandbox's loopback did not come up")


def _read_within(fd: int, timeout: float) -> bytes:
    import select

    ready, _, _ = select.select([fd], [], [], timeout)
    return os.read(fd, 4096) if ready else b""
