"""Building a model's virtual environment with uv, shared by every version that needs the same one.

An environment lives in ``root_dir/<key>``, the key being a hash of the interpreter's version and
the normalised requirements, so versions with the same requirements share it and a rebuild with
cached requirements costs a directory check. It is built in a temporary folder under a per-key
file lock and renamed into place only when complete (uv's ``--relocatable`` venvs survive the
move), so a reader never sees half an environment and two builds of one key never collide.

uv installs from the index it is configured for; on this project's machines it reaches PyPI
directly, so no pip fallback is needed. Requirements files are installed from the package folder,
so relative paths in them (a wheel under ``libraries/``) resolve.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.runtime.errors import BuildError, InstanceStartError
from modelyard.runtime.instance import Instance
from modelyard.runtime.interpreters import (
    Interpreter,
    InterpreterChoice,
    choose_interpreter,
    default_interpreter_dirs,
    discover_interpreters,
)
from modelyard.runtime.sandbox import Sandbox
from modelyard.runtime.spec import InstanceSpec, LogRecord

BuildLog = Callable[[str], None]
READY_MARKER = ".modelyard-ready"
DEFAULT_INSTALL_TIMEOUT = 1800.0
DEFAULT_IMPORT_TIMEOUT = 600.0
LOCAL_REFERENCE = re.compile(
    r"(-[rce]\b|--(requirement|constraint|editable|find-links)\b|-f\b|\.|/|file:)"
    r"|.*@\s*file:|.*\.(whl|zip|tar\.gz)$"
)


@dataclass(frozen=True)
class BuiltEnvironment:
    """A ready environment: the python to run instances with, and how it was chosen."""

    python: Path
    key: str
    reused: bool
    interpreter: Interpreter
    note: str | None


def normalize_requirements(text: str) -> str:
    """Requirements without comments, blank lines or stray whitespace, one per line."""
    lines = (re.sub(r"(^|\s)#.*$", "", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def environment_key(interpreter: Interpreter, requirements: str, model_dir: Path) -> str:
    """The sha256 naming the environment for this interpreter and these requirements.

    Requirements that point at files (a wheel in the package, ``-r other.txt``) can change
    without their text changing, so such an environment belongs to its package alone.
    """
    normalized = normalize_requirements(requirements)
    material = f"{interpreter.version_text}\n{normalized}"
    if any(LOCAL_REFERENCE.match(line) for line in normalized.splitlines()):
        material += f"\n{model_dir.resolve()}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class EnvironmentBuilder:
    """Builds (or reuses) environments under ``root_dir`` and import-checks packages in them."""

    def __init__(
        self,
        root_dir: Path,
        uv_path: Path | str,
        *,
        sandbox: Sandbox,
        interpreter_dirs: Sequence[Path] | None = None,
        install_timeout: float = DEFAULT_INSTALL_TIMEOUT,
    ) -> None:
        self.root_dir = root_dir
        self.sandbox = sandbox
        self.uv_path = str(uv_path)
        self.install_timeout = install_timeout
        self._interpreter_dirs = interpreter_dirs
        self._interpreters: dict[int, Interpreter] | None = None
        self._lock = threading.Lock()

    def resolve_interpreter(self, language: str) -> InterpreterChoice:
        """The interpreter for a language string such as ``python3.8``; raises BuildError."""
        with self._lock:
            if self._interpreters is None:
                dirs = self._interpreter_dirs
                found = discover_interpreters(default_interpreter_dirs() if dirs is None else dirs)
                self._interpreters = found
        return choose_interpreter(language, self._interpreters)

    def build(
        self,
        model_dir: Path,
        *,
        language: str,
        log: BuildLog,
        model_file_name: str = "model.py",
        context: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        memory_mb: int = 2048,
    ) -> BuiltEnvironment:
        """Prepare the environment for an unpacked ``model_package`` and import-check it."""
        built = self.prepare(model_dir, language=language, log=log)
        scratch = self.root_dir / ".scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="check-", dir=scratch) as check_dir:
            spec = InstanceSpec(
                key=built.key,
                python=str(built.python),
                package_dir=str(model_dir),
                scratch_dir=check_dir,
                sandbox=self.sandbox,
                model_file_name=model_file_name,
                context=context or {},
                env=env or {},
                memory_mb=memory_mb,
            )
            import_check(spec, log=log)
        return built

    def prepare(self, model_dir: Path, *, language: str, log: BuildLog) -> BuiltEnvironment:
        """Make sure the environment for this package's requirements exists; reuse if it does."""
        choice = self.resolve_interpreter(language)
        if choice.note:
            log(choice.note)
        requirements_file = model_dir / "requirements.txt"
        text = requirements_file.read_text("utf-8") if requirements_file.is_file() else ""
        key = environment_key(choice.interpreter, text, model_dir)
        final = self.root_dir / key
        reused = (final / READY_MARKER).exists()
        if not reused:
            with self._key_lock(key):
                reused = (final / READY_MARKER).exists()
                if not reused:
                    self._create(final, choice.interpreter, model_dir, text, log=log)
        log(f"using environment {key[:12]} ({'reused' if reused else 'new'})")
        python = final / "bin" / "python"
        return BuiltEnvironment(python, key, reused, choice.interpreter, choice.note)

    @contextmanager
    def _key_lock(self, key: str) -> Iterator[None]:
        locks = self.root_dir / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with (locks / f"{key}.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _create(
        self, final: Path, interpreter: Interpreter, model_dir: Path, text: str, *, log: BuildLog
    ) -> None:
        staging = Path(tempfile.mkdtemp(prefix=f".building-{final.name[:12]}-", dir=self.root_dir))
        try:
            venv = staging / "venv"
            self._uv(["venv", "--relocatable", "--python", str(interpreter.path), str(venv)], log)
            if normalize_requirements(text):
                self._install(venv, model_dir, text, interpreter=interpreter.path, log=log)
            (venv / READY_MARKER).write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            if final.exists():
                shutil.rmtree(final)
            venv.rename(final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _install(
        self, venv: Path, model_dir: Path, text: str, *, interpreter: Path, log: BuildLog
    ) -> None:
        """Install the requirements into ``venv``, in the sandbox: building a requirement runs
        its own code (``setup.py``), so it sees only the staging directory, the package, the
        interpreter and uv's build cache, as an unprivileged uid when the server is root."""
        install = ["pip", "install", "--python", str(venv / "bin" / "python")]
        arguments = [*install, "-r", str(model_dir / "requirements.txt")]
        try:
            if self.sandbox.enabled:
                self._uv_confined(
                    arguments,
                    log,
                    staging=venv.parent,
                    model_dir=model_dir,
                    interpreter=interpreter,
                )
            else:
                self._uv(arguments, log, cwd=model_dir)
        except BuildError as error:
            raise BuildError(explain_failure(error.message, text)) from None
        (venv / "requirements.txt").write_text(text, "utf-8")

    def _uv_confined(
        self,
        arguments: list[str],
        log: BuildLog,
        *,
        staging: Path,
        model_dir: Path,
        interpreter: Path,
    ) -> None:
        log("$ uv " + " ".join(arguments) + "  (sandboxed)")
        cache = self.root_dir / ".uv-cache"
        self.sandbox.prepare_scratch(cache, BUILD_KEY)
        self.sandbox.hand_over(staging, BUILD_KEY)
        env = {**build_env(os.environ), "UV_CACHE_DIR": str(cache)}
        env.update(HOME=str(staging), TMPDIR=str(staging))
        process, network = self.sandbox.popen(
            [self.uv_path, *arguments, "--color", "never"],
            key=BUILD_KEY,
            python=str(interpreter),
            package_dir=str(model_dir),
            scratch_dir=str(staging),
            env=env,
            read_only=[self.uv_path],
            writable=[str(cache)],
            stderr=subprocess.STDOUT,
        )
        try:
            output = stream_lines(process, log, timeout=self.install_timeout)
        finally:
            if network is not None:
                network.close()
        if process.returncode != 0:
            raise BuildError(uv_error(output) or f"uv {arguments[0]} failed")

    def _uv(self, arguments: list[str], log: BuildLog, *, cwd: Path | None = None) -> None:
        """Run uv, streaming its output to the build log; raise with uv's error if it fails."""
        command = [self.uv_path, *arguments, "--color", "never"]
        log("$ uv " + " ".join(arguments))
        env = build_env(os.environ)
        try:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, env=env
            )
        except OSError as error:
            raise BuildError(f"cannot run uv at {self.uv_path}: {error.strerror}") from None
        output = stream_lines(process, log, timeout=self.install_timeout)
        if process.returncode != 0:
            raise BuildError(uv_error(output) or f"uv {arguments[0]} failed")


BUILD_KEY = "modelyard-build"
BUILD_ENV_PREFIXES = ("UV_", "PIP_", "SSL_CERT_", "LC_")
BUILD_ENV_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "LANG",
        "TZ",
        "TMPDIR",
        "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    }
)


def build_env(environ: Mapping[str, str]) -> dict[str, str]:
    """What uv sees of the server's environment: where to find packages and how to reach them,
    never its secrets (a requirement's build script runs user code with this environment)."""
    env = {
        name: value
        for name, value in environ.items()
        if name in BUILD_ENV_NAMES or name.startswith(BUILD_ENV_PREFIXES)
    }
    env.update(UV_PYTHON_DOWNLOADS="never", NO_COLOR="1")
    return env


def stream_lines(process: subprocess.Popen[bytes], log: BuildLog, *, timeout: float) -> list[str]:
    """Pass each output line to ``log`` as it comes; kill the process after ``timeout``."""
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        process.kill()

    timer = threading.Timer(timeout, expire)
    timer.start()
    lines: list[str] = []
    try:
        assert process.stdout is not None
        with process.stdout:
            for raw in process.stdout:
                line = raw.decode("utf-8", errors="replace").rstrip()
                lines.append(line)
                log(line)
        process.wait()
    finally:
        timer.cancel()
    if expired.is_set():
        raise BuildError(f"the build step took longer than {timeout:g} seconds and was stopped")
    return lines


def uv_error(lines: list[str]) -> str:
    """uv's error and the causes under it, as one line."""
    for index, line in enumerate(lines):
        if line.startswith("error:"):
            tail = [part.strip() for part in lines[index:] if part.strip()]
            return " ".join(tail).removeprefix("error:").strip()
    return ""


def explain_failure(message: str, requirements: str) -> str:
    """Name the requirement uv could not install, when its error mentions one."""
    named = [
        line
        for line in normalize_requirements(requirements).splitlines()
        if (name := requirement_name(line)) and name in canonical(message)
    ]
    if len(named) == 1:
        return f"requirement {named[0]!r} could not be installed: {message}"
    return f"installing requirements.txt failed: {message}"


def requirement_name(line: str) -> str | None:
    """The canonical project name a requirements line asks for, if it names one."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
    return None if match is None or line.startswith("-") else canonical(match[0])


def canonical(text: str) -> str:
    """Lower-case with runs of ``-_.`` as one ``-``, as package names are compared."""
    return re.sub(r"[-_.]+", "-", text).lower()


def import_check(
    spec: InstanceSpec, *, log: BuildLog, timeout: float = DEFAULT_IMPORT_TIMEOUT
) -> None:
    """Start the model once and wait for it to load; its load error becomes a BuildError."""

    def sink(record: LogRecord) -> None:
        log(record.line)

    log("checking that the model loads")
    try:
        instance = Instance.start(spec, sink, timeout=timeout)
    except InstanceStartError as error:
        raise BuildError(f"the model failed to load: {error.message}") from None
    except OSError as error:
        raise BuildError(f"cannot start {spec.python}: {error.strerror}") from None
    instance.stop()
