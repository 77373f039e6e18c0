"""Interpreter choice and environment builds with the real uv and the real package index."""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from modelyard.runtime import (
    BuildError,
    BuiltEnvironment,
    EnvironmentBuilder,
    Interpreter,
    Supervisor,
)
from modelyard.runtime.environment import environment_key, normalize_requirements
from modelyard.runtime.interpreters import choose_interpreter, discover_interpreters
from tests.runtime.support import LogCollector, machine_sandbox, spec_for, write_package

SIX_MODEL = """
    import six

    class Model:
        def __init__(self, base_directory, context):
            pass

        def request(self, data):
            import sys
            return {"six": six.__version__, "python": list(sys.version_info[:2])}
"""


def fake(minor: int) -> Interpreter:
    return Interpreter(Path(f"/opt/python3.{minor}/bin/python3.{minor}"), (3, minor, 4))


def find_uv() -> str:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed")
    return found


@pytest.fixture
def builder(tmp_path: Path) -> EnvironmentBuilder:
    return EnvironmentBuilder(tmp_path / "envs", find_uv(), sandbox=machine_sandbox())


@pytest.fixture
def language(host_interpreters: dict[int, Interpreter]) -> str:
    """The oldest language this host serves exactly, so builds cross Python versions."""
    return f"python3.{min(host_interpreters)}"


class TestInterpreterChoice:
    def test_the_exact_version_is_used_without_a_note(self) -> None:
        choice = choose_interpreter("python3.9", {8: fake(8), 9: fake(9), 11: fake(11)})
        assert choice.interpreter == fake(9)
        assert choice.note is None

    def test_a_missing_version_gets_the_closest_newer_one_with_a_note(self) -> None:
        choice = choose_interpreter("python3.5", {11: fake(11), 8: fake(8), 10: fake(10)})
        assert choice.interpreter == fake(8)
        assert choice.note == (
            "python3.5 is not available on this host; using Python 3.8.4 "
            "(/opt/python3.8/bin/python3.8), the closest newer version"
        )

    def test_a_version_newer_than_all_gets_the_newest_with_a_note(self) -> None:
        choice = choose_interpreter("python3.14", {8: fake(8), 12: fake(12)})
        assert choice.interpreter == fake(12)
        assert choice.note is not None
        assert "closest older version" in choice.note

    @pytest.mark.parametrize("language", ["ruby2.7", "python2.7", "python3", ""])
    def test_a_language_that_is_not_python3_is_refused(self, language: str) -> None:
        with pytest.raises(BuildError, match="unsupported language"):
            choose_interpreter(language, {8: fake(8)})


class TestInterpreterDiscovery:
    def test_only_interpreters_that_run_and_match_their_name_count(self, tmp_path: Path) -> None:
        minor = sys.version_info.minor
        (tmp_path / f"python3.{minor}").symlink_to(sys.executable)
        (tmp_path / "python3.99").symlink_to(sys.executable)
        broken = tmp_path / "python3.12"
        broken.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
        broken.chmod(0o755)
        found = discover_interpreters([tmp_path])
        assert list(found) == [minor]
        assert found[minor].path == tmp_path / f"python3.{minor}"
        assert found[minor].version == tuple(sys.version_info[:3])

    def test_the_host_resolves_python3_5_to_its_oldest_interpreter_with_a_note(
        self, builder: EnvironmentBuilder, host_interpreters: dict[int, Interpreter]
    ) -> None:
        choice = builder.resolve_interpreter("python3.5")
        assert choice.interpreter == host_interpreters[min(host_interpreters)]
        assert choice.note is not None
        assert choice.note.startswith("python3.5 is not available on this host; using Python 3.")


class TestEnvironmentKey:
    def test_comments_blank_lines_and_spacing_do_not_change_the_key(self, tmp_path: Path) -> None:
        text = "# pinned\n six==1.16.0  # tiny\n\n\nattrs>=23\n"
        assert normalize_requirements(text) == "six==1.16.0\nattrs>=23"
        same = environment_key(fake(8), "six==1.16.0\r\nattrs>=23", tmp_path / "a")
        assert environment_key(fake(8), text, tmp_path / "b") == same
        assert environment_key(fake(9), text, tmp_path / "a") != same
        assert environment_key(fake(8), "six==1.15.0\nattrs>=23", tmp_path / "a") != same
        indexed = "--index-url https://pypi.org/simple\nsix==1.16.0"
        assert environment_key(fake(8), indexed, tmp_path / "a") == environment_key(
            fake(8), indexed, tmp_path / "b"
        )

    @pytest.mark.parametrize(
        "requirement",
        [
            "./libraries/mylib-1.0-py3-none-any.whl",
            "-r extra.txt",
            "libs/x.tar.gz",
            "mylib @ file:///opt/mylib",
            "--find-links libraries",
        ],
    )
    def test_requirements_pointing_at_files_are_not_shared_between_packages(
        self, tmp_path: Path, requirement: str
    ) -> None:
        text = f"six==1.16.0\n{requirement}\n"
        first = environment_key(fake(8), text, tmp_path / "v1")
        assert environment_key(fake(8), text, tmp_path / "v1") == first
        assert environment_key(fake(8), text, tmp_path / "v2") != first


def serve_once(built: BuiltEnvironment, package: Path, logs: LogCollector) -> object:
    supervisor = Supervisor(logs)
    try:
        supervisor.deploy(spec_for(package, key="k", python=str(built.python)))
        outcome = supervisor.request_blocking("k", None, request_id="r", timeout=30)
    finally:
        supervisor.shutdown()
    assert outcome.success, outcome.error
    return outcome.result


@pytest.mark.slow
class TestBuilds:
    def test_a_requirement_from_the_index_is_installed_and_importable(
        self, builder: EnvironmentBuilder, tmp_path: Path, language: str, logs: LogCollector
    ) -> None:
        package = write_package(
            tmp_path / "v1", SIX_MODEL, files={"requirements.txt": "six==1.16.0\n"}
        )
        lines: list[str] = []
        built = builder.build(package, language=language, log=lines.append)
        assert not built.reused
        assert built.python.is_relative_to(builder.root_dir / built.key)
        assert any("six==1.16.0" in line for line in lines)
        assert "checking that the model loads" in lines
        minor = int(language.removeprefix("python3."))
        assert serve_once(built, package, logs) == {"six": "1.16.0", "python": [3, minor]}

    def test_the_same_requirements_reuse_the_environment(
        self, builder: EnvironmentBuilder, tmp_path: Path, language: str
    ) -> None:
        first_package = write_package(
            tmp_path / "v1", SIX_MODEL, files={"requirements.txt": "six==1.16.0\n"}
        )
        second_package = write_package(
            tmp_path / "v2", SIX_MODEL, files={"requirements.txt": "# same\nsix==1.16.0\n\n"}
        )
        first = builder.build(first_package, language=language, log=lambda _: None)
        second = builder.build(second_package, language=language, log=lambda _: None)
        assert second.reused
        assert (second.key, second.python) == (first.key, first.python)

    def test_concurrent_builds_of_one_key_build_it_once(
        self, builder: EnvironmentBuilder, tmp_path: Path, language: str
    ) -> None:
        package = write_package(tmp_path, SIX_MODEL, files={"requirements.txt": "six==1.16.0\n"})
        results: list[BuiltEnvironment] = []
        threads = [
            threading.Thread(target=build_into, args=(builder, package, language, results.append))
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({result.key for result in results}) == 1
        assert sorted(result.reused for result in results) == [False, True, True]
        hidden = {".locks", ".scratch", ".uv-cache"}
        leftovers = [path.name for path in builder.root_dir.iterdir() if path.name not in hidden]
        assert leftovers == [results[0].key]

    def test_a_requirement_that_does_not_exist_fails_naming_it(
        self, builder: EnvironmentBuilder, tmp_path: Path, language: str
    ) -> None:
        requirements = "six==1.16.0\nmodelyard-no-such-package-zq==1.0\n"
        package = write_package(tmp_path, SIX_MODEL, files={"requirements.txt": requirements})
        with pytest.raises(BuildError) as caught:
            builder.build(package, language=language, log=lambda _: None)
        assert caught.value.message.startswith(
            "requirement 'modelyard-no-such-package-zq==1.0' could not be installed: "
        )
        left = {path.name for path in builder.root_dir.iterdir()}
        assert left <= {".locks", ".uv-cache"}, "no half-built environment stays"

    def test_a_model_that_fails_to_import_fails_the_build_with_its_error(
        self, builder: EnvironmentBuilder, tmp_path: Path, language: str
    ) -> None:
        package = write_package(tmp_path, "import six\n\nclass Model:\n    pass\n")
        lines: list[str] = []
        with pytest.raises(BuildError, match=r"the model failed to load: .*'six'"):
            builder.build(package, language=language, log=lines.append)
        assert "Traceback (most recent call last):" in lines


def build_into(
    builder: EnvironmentBuilder,
    package: Path,
    language: str,
    collect: Callable[[BuiltEnvironment], None],
) -> None:
    collect(builder.build(package, language=language, log=lambda _: None))


PROBING_SETUP = """
import os
import sys

seen = {
    "secret": os.environ.get("MODELYARD_SECRET_PROBE"),
    "uid": os.getuid(),
    "neighbour": os.path.exists(os.environ["PIP_NEIGHBOUR"]),
}
sys.stderr.write("SEEN %r\\n" % (seen,))
sys.exit(1)
"""


class TestBuildsInTheSandbox:
    def test_a_requirements_build_script_sees_no_secret_and_no_neighbour(
        self,
        builder: EnvironmentBuilder,
        language: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        neighbour = tmp_path / "neighbour.txt"
        neighbour.write_text("not yours")
        monkeypatch.setenv("MODELYARD_SECRET_PROBE", "leaked")
        monkeypatch.setenv("PIP_NEIGHBOUR", str(neighbour))
        package = write_package(
            tmp_path / "pkg",
            SIX_MODEL,
            files={
                "requirements.txt": "./libraries/prober\n",
                "libraries/prober/setup.py": PROBING_SETUP,
            },
        )
        lines: list[str] = []
        with pytest.raises(BuildError):
            builder.build(package, language=language, log=lines.append)
        (seen,) = [line for line in lines if "SEEN {" in line]
        assert "'secret': None" in seen
        assert "'neighbour': False" in seen
        assert "'uid': 0," not in seen
