"""Run our real Lambda handlers in-process when moto invokes a function.

moto can run Lambda functions only in Docker (absent here) or echo the payload back; it
has no hook for a Python handler. Its single choke point is
`moto.awslambda.models.LambdaFunction._invoke_lambda(self, event) -> (payload, is_error,
logs)`, which every path goes through: a direct Invoke, a Step Functions Task and an SQS
event-source call. We replace it with a function that imports the handler named in the
function's configuration (the same `module.callable` string the Lambda runtime gets) and
calls it. Because this patches a private method, moto is pinned and `install()` refuses
to run on a moto whose method no longer looks the way this module expects.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.models import LambdaFunction

from wandr.resources import REPO_ROOT

log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]
_EXPECTED_PARAMETERS = ["self", "event"]
_original_invoke = LambdaFunction._invoke_lambda
_original_public_invoke = LambdaFunction.invoke


class LambdaAdapterError(RuntimeError):
    """The installed moto no longer offers the method this adapter replaces."""


@dataclass
class LocalContext:
    """The subset of the Lambda context object that our handlers and powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    invoked_function_arn: str
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve_handler(path: str) -> Handler:
    """Import `package.module.callable` the way the Lambda runtime resolves `_HANDLER`."""
    module_name, _, attribute = path.rpartition(".")
    if not module_name:
        raise LambdaAdapterError(f"handler {path!r} is not of the form module.callable")
    handler = getattr(importlib.import_module(module_name), attribute)
    if not callable(handler):
        raise LambdaAdapterError(f"handler {path!r} is not callable")
    return handler  # type: ignore[no-any-return]


def _invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    if isinstance(event, str | bytes):
        event = json.loads(event or "{}")
    context = LocalContext(
        function_name=self.function_name,
        memory_limit_in_mb=int(self.memory_size),
        timeout_s=int(self.timeout),
        invoked_function_arn=self.function_arn,
    )
    try:
        result = resolve_handler(str(self.handler))(event, context)
    except Exception as exc:  # a handler error is a function error, as in Lambda
        log.warning(
            "lambda %s raised %s: %s", self.function_name, type(exc).__name__, str(exc)[:300]
        )
        error = {
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(exc)[-6:],
        }
        return json.dumps(error), True, traceback.format_exc()
    return json.dumps(result, default=str), False, ""


def _invoke_honouring_event_type(
    self: LambdaFunction, body: str, request_headers: Any, response_headers: Any
) -> str | bytes:
    """`InvocationType=Event` returns at once and runs the handler in the background.

    moto runs even asynchronous invocations before answering; Lambda queues them. An API
    route that starts a long job this way (an admin's Corsight pull) must not wait for it.
    """
    invocation_type = {k.lower(): v for k, v in dict(request_headers).items()}.get(
        "x-amz-invocation-type", "RequestResponse"
    )
    if invocation_type != "Event":
        return _original_public_invoke(self, body, request_headers, response_headers)
    worker = threading.Thread(
        target=_original_public_invoke,
        args=(self, body, dict(request_headers), {}),
        name=f"lambda-event-{self.function_name}",
        daemon=True,
    )
    worker.start()
    return ""


def check_compatible() -> None:
    """Fail loudly if moto's invoke method changed shape (a moto upgrade broke us)."""
    parameters = list(inspect.signature(_original_invoke).parameters)
    if parameters != _EXPECTED_PARAMETERS:
        raise LambdaAdapterError(
            "moto.awslambda.models.LambdaFunction._invoke_lambda now takes "
            f"{parameters}, expected {_EXPECTED_PARAMETERS}; the in-process Lambda adapter "
            "must be updated for this moto version"
        )
    source = inspect.getsource(LambdaFunction.invoke)
    if "self._invoke_lambda(" not in source:
        raise LambdaAdapterError(
            "moto's LambdaFunction.invoke no longer calls _invoke_lambda; "
            "the in-process Lambda adapter would be bypassed"
        )


def install() -> None:
    """Route every moto Lambda invocation to our in-process handlers.

    The repository root plays the Lambda code root, so `functions.*` handlers import as
    they do in the deployed package.
    """
    check_compatible()
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    LambdaFunction._invoke_lambda = _invoke_in_process  # type: ignore[method-assign]
    LambdaFunction.invoke = _invoke_honouring_event_type  # type: ignore[method-assign]


def uninstall() -> None:
    LambdaFunction._invoke_lambda = _original_invoke  # type: ignore[method-assign]
    LambdaFunction.invoke = _original_public_invoke  # type: ignore[method-assign]
