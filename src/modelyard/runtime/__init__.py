"""What runs user code: safe package unpacking, environment builds, the instance supervisor and
the executors that carry requests to it. Nothing here imports the rest of modelyard; ``shim.py``
runs inside user environments and imports only the standard library.
"""

from modelyard.runtime.environment import BuiltEnvironment, EnvironmentBuilder
from modelyard.runtime.errors import (
    BuildError,
    InstanceStartError,
    NotDeployedError,
    PackageError,
    RuntimeFailure,
)
from modelyard.runtime.executor import (
    Executor,
    LocalExecutor,
    create_executor,
    executor_names,
    register_executor,
    unregister_executor,
)
from modelyard.runtime.interpreters import Interpreter, InterpreterChoice
from modelyard.runtime.package import PackageInfo, unpack_package
from modelyard.runtime.spec import InstanceSpec, LogRecord, LogSink, RequestOutcome
from modelyard.runtime.supervisor import Supervisor

__all__ = [
    "BuildError",
    "BuiltEnvironment",
    "EnvironmentBuilder",
    "Executor",
    "InstanceSpec",
    "InstanceStartError",
    "Interpreter",
    "InterpreterChoice",
    "LocalExecutor",
    "LogRecord",
    "LogSink",
    "NotDeployedError",
    "PackageError",
    "PackageInfo",
    "RequestOutcome",
    "RuntimeFailure",
    "Supervisor",
    "create_executor",
    "executor_names",
    "register_executor",
    "unpack_package",
    "unregister_executor",
]
