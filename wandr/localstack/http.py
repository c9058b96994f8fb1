"""Serve the Chalice API and the built dashboard over HTTP on 127.0.0.1.

API Gateway plus Lambda become a WSGI app here: requests under `/api` are handed to
chalice's own `LocalGateway` (the class `chalice local` uses, which runs the app's
authorizers and CORS handling exactly as declared), everything else is the static
dashboard from frontend/dist with the single-page-app fallback to index.html, as
CloudFront is configured to do.

Two ways to serve it: `HttpServer`, a threaded werkzeug server in the stack's own process
(the default: tests may reach into the API's process state), and `WorkerServer`, granian
(a Rust HTTP server) running the same WSGI app in worker processes of their own, so the API
does not share one interpreter lock with moto, the workflows and the callers. The workers
inherit the stack's environment (`point_at()`: endpoint URL, table and bucket names, the
Cognito pool), which is everything the API Lambda gets from CDK in the cloud.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import mimetypes
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from wandr.resources import REPO_ROOT

API_PREFIX = "/api"
DASHBOARD_DIR = REPO_ROOT / "frontend" / "dist"
_NOT_BUILT = (
    "<!doctype html><title>Wandr</title><h1>Wandr</h1>"
    "<p>The dashboard is not built yet: run <code>make frontend</code>. "
    "The API is at <a href='/api/openapi.json'>/api/openapi.json</a>.</p>"
)


def load_chalice_app() -> Any:
    """Import functions/api/app.py the way the Lambda runtime would (app dir on the path)."""
    api_dir = str(REPO_ROOT / "functions" / "api")
    if api_dir not in sys.path:
        sys.path.insert(0, api_dir)
    return importlib.import_module("app").app


class ChaliceWsgi:
    """A WSGI application: API requests through chalice's LocalGateway, the rest static."""

    def __init__(self, chalice_app: Any, dashboard_dir: Path = DASHBOARD_DIR):
        self.gateway = LocalGateway(chalice_app, Config(chalice_stage="local"))
        self.dashboard_dir = dashboard_dir

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
            response = self._api(request)
        else:
            response = self._static(request.path)
        return response(environ, start_response)

    def _api(self, request: Request) -> Response:
        path = request.full_path[len(API_PREFIX) :] or "/"
        path = path.rstrip("?") or "/"
        headers = {k: v for k, v in request.headers.items()}
        body = request.get_data() or None
        if body is None and headers.get("Content-Type", "").startswith("text/plain"):
            headers.pop("Content-Type")  # wsgiref adds it to bodiless requests; chalice says 415
        headers.setdefault("Content-Type", "application/json")
        try:
            result = self.gateway.handle_request(request.method, path, headers, body)
        except LocalGatewayException as error:
            return Response(error.body, status=error.CODE, headers=error.headers)
        payload = result.get("body")
        if result.get("isBase64Encoded") and payload is not None:
            payload = base64.b64decode(payload)
        response = Response(payload, status=result["statusCode"])
        response.headers.clear()
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = value
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(name, value)
        response.headers.setdefault("Content-Type", "application/json")
        return response

    def _static(self, path: str) -> Response:
        root = self.dashboard_dir.resolve()
        if not (root / "index.html").is_file():
            return Response(_NOT_BUILT, mimetype="text/html")
        candidate = (root / path.lstrip("/")).resolve()
        if root in candidate.parents and candidate.is_file():
            return _file_response(candidate, immutable="/assets/" in path)
        return _file_response(root / "index.html", immutable=False)


def _file_response(path: Path, immutable: bool) -> Response:
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = Response(path.read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if immutable else "no-cache"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class HttpServer:
    """The WSGI app on a threaded werkzeug server in a background thread."""

    def __init__(self, app: ChaliceWsgi, host: str = "127.0.0.1", port: int = 0):
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


def create_app() -> ChaliceWsgi:
    """What each granian worker serves (its `--factory` target)."""
    return ChaliceWsgi(load_chalice_app())


# Run first in the fresh (single-threaded) child, then replaced by granian: on Linux the child
# gets SIGTERM when the stack's process dies, so no worker outlives a killed stack and holds
# its port (Linux ties the signal to the thread that started the child: LocalStack.start runs
# in a thread that lives as long as the stack). preexec_fn would do this in the forked child,
# which is unsafe in a process with threads.
_LAUNCH = """
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG, kept across exec
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit("the local stack is gone")
os.execv(sys.executable, [sys.executable, "-m", "granian", *sys.argv[2:]])
"""


class WorkerServer:
    """The WSGI app served by granian: `workers` processes of `threads` threads each.

    Enough threads for every connection a dashboard load keeps open: a request waiting for
    its tenant's version read holds a thread, and the more requests wait together, the more
    share one GetItem (8 threads per worker halved the card throughput at 50 clients).
    """

    def __init__(self, port: int, workers: int = 2, threads: int = 32, host: str = "127.0.0.1"):
        self.host, self.port, self.workers, self.threads = host, port, workers, threads
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-c",
            _LAUNCH,
            str(os.getpid()),
            "--interface",
            "wsgi",
            "--factory",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--blocking-threads",
            str(self.threads),
            "--no-ws",
            "--log-level",
            "error",
            "--working-dir",
            str(REPO_ROOT),
            "wandr.localstack.http:create_app",
        ]

    def start(self, timeout: float = 60.0) -> None:
        self._process = subprocess.Popen(self.command(), env=dict(os.environ))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"granian exited with {self._process.returncode}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}{API_PREFIX}/openapi.json", timeout=2).ok:
                    return
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"granian did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)
