"""The shim, through real instances: data in and out, output capture, errors, package layout."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard.runtime import InstanceSpec, InstanceStartError
from modelyard.runtime.instance import SHIM_PATH, Instance, child_env
from modelyard.runtime.shim import encode_frame, read_frame
from tests.runtime.support import LogCollector, spec_for, write_package

ECHO = """
    class Model:
        def __init__(self, base_directory, context):
            self.base_directory = base_directory
            self.context = context

        def request(self, data):
            return data
"""


class Runner:
    """Starts instances of packages written under one folder and stops them afterwards."""

    def __init__(self, root: Path, python: str, logs: LogCollector) -> None:
        self.root = root
        self.python = python
        self.logs = logs
        self.started: list[Instance] = []

    def spec(self, package: Path, **fields: Any) -> InstanceSpec:
        return spec_for(package, key="shim-test", python=self.python, **fields)

    def start(self, source: str, **fields: Any) -> Instance:
        package = write_package(self.root / f"p{len(self.started)}", source, **_layout(fields))
        instance = Instance.start(self.spec(package, **fields), self.logs, timeout=30)
        self.started.append(instance)
        return instance


def _layout(fields: dict[str, Any]) -> dict[str, Any]:
    layout = {"files": fields.pop("files", None)}
    if "model_file_name" in fields:
        layout["file_name"] = fields["model_file_name"]
    return layout


@pytest.fixture
def runner(tmp_path: Path, shim_python: str, logs: LogCollector) -> Iterator[Runner]:
    running = Runner(tmp_path, shim_python, logs)
    yield running
    for instance in running.started:
        instance.stop()


class TestDataInAndOut:
    def test_a_structured_dict_comes_back_as_the_model_returned_it(self, runner: Runner) -> None:
        instance = runner.start(ECHO)
        data = {"a": 1, "b": [1.5, "x", None], "nested": {"ok": True}}
        outcome = instance.call("r1", data, timeout=10)
        assert outcome.success
        assert outcome.result == data
        assert outcome.error is None

    def test_plain_text_comes_back_as_a_string(self, runner: Runner) -> None:
        instance = runner.start(
            """
            class Model:
                def __init__(self, base_directory, context):
                    pass

                def request(self, data):
                    return data.upper() + " ✓"
            """
        )
        outcome = instance.call("r1", "hello", timeout=10)
        assert outcome.result == "HELLO ✓"

    def test_the_wire_format_is_a_ready_frame_then_a_result_frame_per_request(
        self, tmp_path: Path, shim_python: str
    ) -> None:
        package = write_package(tmp_path, ECHO)
        spec = spec_for(package, key="k", python=shim_python)
        process = subprocess.Popen(
            [shim_python, str(SHIM_PATH), str(package)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_env(spec),
        )
        assert process.stdin is not None
        assert process.stdout is not None
        assert read_frame(process.stdout)["type"] == "ready"
        process.stdin.write(encode_frame({"id": "abc", "data": {"x": 1}}))
        process.stdin.flush()
        reply = read_frame(process.stdout)
        process.stdin.close()
        assert process.wait(timeout=10) == 0
        process.stdout.close()
        assert reply == {
            "type": "result",
            "id": "abc",
            "success": True,
            "result": {"x": 1},
            "error": None,
        }


class TestModelOutput:
    PRINTER = """
        import os
        import sys

        class Model:
            def __init__(self, base_directory, context):
                print("loading weights")

            def request(self, data):
                print("got", data)
                print("to stderr", file=sys.stderr)
                os.write(1, b"straight to fd 1\\n")
                sys.stdout.write("no newline")
                return {"done": data}
    """

    def test_printing_to_stdout_does_not_break_the_protocol(self, runner: Runner) -> None:
        instance = runner.start(self.PRINTER)
        assert instance.call("r1", 1, timeout=10).result == {"done": 1}
        assert instance.call("r2", 2, timeout=10).result == {"done": 2}

    def test_prints_are_log_lines_tagged_with_the_request_id(
        self, runner: Runner, logs: LogCollector
    ) -> None:
        instance = runner.start(self.PRINTER)
        instance.call("req-7", 7, timeout=10)
        assert logs.lines("req-7", "stdout") == ["got 7", "no newline"]
        assert "to stderr" in logs.lines("req-7", "stderr")
        assert "loading weights" in logs.lines(None, "stdout")

    def test_output_written_to_file_descriptors_reaches_the_logs(
        self, runner: Runner, logs: LogCollector
    ) -> None:
        instance = runner.start(self.PRINTER)
        instance.call("r1", 1, timeout=10)
        instance.stop()
        assert "straight to fd 1" in [record.line for record in logs.records]


class TestRequestErrors:
    def test_a_raising_model_fails_the_request_with_the_last_traceback_line(
        self, runner: Runner, logs: LogCollector
    ) -> None:
        instance = runner.start(
            """
            class Model:
                def __init__(self, base_directory, context):
                    pass

                def request(self, data):
                    raise ValueError("expected a number, got " + repr(data))
            """
        )
        outcome = instance.call("bad", "x", timeout=10)
        assert not outcome.success
        assert outcome.result is None
        assert outcome.error == "ValueError: expected a number, got 'x'"
        traceback_lines = logs.lines("bad", "stderr")
        assert traceback_lines[0] == "Traceback (most recent call last):"
        assert any("model.py" in line for line in traceback_lines)
        assert not any("shim.py" in line for line in traceback_lines)
        assert instance.call("next", "y", timeout=10).error is not None
        assert instance.alive

    def test_output_that_is_not_json_fails_the_request_and_says_so(self, runner: Runner) -> None:
        instance = runner.start(
            """
            class Model:
                def __init__(self, base_directory, context):
                    pass

                def request(self, data):
                    return {"when": object()}
            """
        )
        outcome = instance.call("r1", None, timeout=10)
        assert not outcome.success
        assert outcome.error is not None
        assert "not JSON serializable" in outcome.error


class TestStartUp:
    def test_an_init_that_raises_is_an_init_error_with_its_message(
        self, runner: Runner, logs: LogCollector
    ) -> None:
        source = """
            class Model:
                def __init__(self, base_directory, context):
                    raise RuntimeError("weights.bin is missing")
        """
        with pytest.raises(InstanceStartError, match=r"RuntimeError: weights\.bin is missing"):
            runner.start(source)
        assert "Traceback (most recent call last):" in logs.lines(None, "stderr")

    def test_a_model_file_without_model_class_is_an_init_error(self, runner: Runner) -> None:
        with pytest.raises(InstanceStartError, match="defines no class Model"):
            runner.start("class Predictor:\n    pass\n")

    def test_a_syntax_error_is_an_init_error(self, runner: Runner) -> None:
        with pytest.raises(InstanceStartError, match="SyntaxError"):
            runner.start("class Model(:\n")


class TestPackageLayout:
    def test_libraries_are_importable(self, runner: Runner) -> None:
        instance = runner.start(
            """
            import helpers

            class Model:
                def __init__(self, base_directory, context):
                    pass

                def request(self, data):
                    return helpers.double(data)
            """,
            files={"libraries/helpers.py": "def double(x):\n    return 2 * x\n"},
        )
        assert instance.call("r1", 21, timeout=10).result == 42

    def test_the_model_file_name_setting_is_honoured(self, runner: Runner) -> None:
        source = ECHO.replace("return data", "return 'from main.py'")
        instance = runner.start(source, model_file_name="main.py")
        assert instance.call("r1", None, timeout=10).result == "from main.py"

    def test_the_model_receives_its_directory_context_and_environment(
        self, runner: Runner, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MODELYARD_DATABASE_URL", "postgresql://secret")
        context = {"model": "m", "version": "v1", "input_type": "structured"}
        instance = runner.start(
            """
            import os

            class Model:
                def __init__(self, base_directory, context):
                    self.seen = {
                        "base": base_directory,
                        "cwd": os.getcwd(),
                        "context": context,
                        "var": os.environ.get("THRESHOLD"),
                        "server_secret": os.environ.get("MODELYARD_DATABASE_URL"),
                    }

                def request(self, data):
                    return self.seen
            """,
            context=context,
            env={"THRESHOLD": "0.5"},
        )
        seen = instance.call("r1", None, timeout=10).result
        package = runner.root / "p0" / "model_package"
        assert seen["base"] == str(package)
        assert os.path.samefile(seen["cwd"], package)
        assert seen["context"] == context
        assert seen["var"] == "0.5"
        assert seen["server_secret"] is None

    def test_modelyard_modules_are_not_importable_by_the_model(self, runner: Runner) -> None:
        instance = runner.start(
            """
            import importlib.util

            class Model:
                def __init__(self, base_directory, context):
                    pass

                def request(self, data):
                    return [importlib.util.find_spec(name) is None for name in data]
            """
        )
        names = ["supervisor", "pool", "instance"]
        assert instance.call("r1", names, timeout=10).result == [True, True, True]
