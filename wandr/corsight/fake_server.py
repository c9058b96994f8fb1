"""A fake Corsight server on 127.0.0.1 for tests and the local demo.

It speaks the endpoints the client uses, in both layouts (`/users_service/auth/login/` +
`/history_service/history/events/`, and the legacy `/auth/login` + `/history/events`), with
real JWTs that expire, `limit`/`after_id` paging over a deterministic, seeded set of
appearance events, and knobs to inject what real servers do: 429 and 5xx answers, tokens
that die mid-pull, and malformed pages. It is a werkzeug WSGI app served from a thread.

    with start(count=200, seed=7) as fake:
        settings = fake.settings()          # CorsightSettings pointing at it
        fake.fail_next(503, times=2)        # the next two event requests answer 503

    python -m wandr.corsight.fake_server --port 8765 --events 500 --seed 7
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import secrets
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any, Literal

import jwt
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from wandr.corsight import mapping
from wandr.corsight.client import (
    LEGACY_EVENTS,
    LEGACY_LOGIN,
    USERS_SERVICE_EVENTS,
    USERS_SERVICE_LOGIN,
    CorsightSettings,
)

DEFAULT_USERNAME = "demo"
DEFAULT_PASSWORD = "demo"  # a throwaway credential of the fake server, not a secret
DEFAULT_SEED = 7
DEMO_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MAX_LIMIT = 1000

Malformation = Literal["not_json", "no_events", "not_object", "bad_event", "missing_id"]

# (camera_id, description, group id, group name, zone id, zone name, node)
CAMERAS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("cam-01", "North entrance", "grp-entr", "Entrances", "z-north", "North wing", "node-a"),
    ("cam-02", "South entrance", "grp-entr", "Entrances", "z-south", "South wing", "node-a"),
    ("cam-03", "Food court east", "grp-food", "Food court", "z-food", "Food court", "node-b"),
    ("cam-04", "Food court west", "grp-food", "Food court", "z-food", "Food court", "node-b"),
    ("cam-05", "Fashion atrium", "grp-shop", "Retail", "z-north", "North wing", "node-c"),
    ("cam-06", "Electronics", "grp-shop", "Retail", "z-south", "South wing", "node-c"),
)
AGE_GROUPS = ("18-25", "25-35", "35-45", "45-55", "55+")
GENDERS = ("male", "female")
NOT_DETERMINED = "not_determined"


# --- deterministic events -------------------------------------------------------------
class EventFactory:
    """Seeded Corsight appearance events, in id order; the same seed gives the same events.

    Times are whole epoch seconds (within mall hours, 09:00-22:00 UTC, over several days)
    so an upload of the export CSV and a pull parse to the very same instants. Each event
    also carries the image fields a real one has, which the mapping must drop.
    """

    def __init__(self, seed: int = DEFAULT_SEED, start: datetime = DEMO_START, people: int = 150):
        self.seed = seed
        self._rng = random.Random(seed)
        self._clock = int(start.timestamp())
        self._ids = itertools.count(1)
        self._people = [self._person(n) for n in range(people)]

    def take(self, count: int) -> list[dict[str, Any]]:
        return [self._event() for _ in range(count)]

    def _person(self, number: int) -> dict[str, str]:
        rng = self._rng
        return {
            "poi_id": f"poi-{self.seed}-{number:04d}",
            "age": rng.choice(AGE_GROUPS) if rng.random() > 0.1 else NOT_DETERMINED,
            "gender": rng.choice(GENDERS) if rng.random() > 0.1 else NOT_DETERMINED,
        }

    def _tick(self) -> int:
        self._clock += self._rng.randint(5, 120)
        moment = datetime.fromtimestamp(self._clock, UTC)
        if moment.hour >= 22:  # closed: open again at 09:00 the next day
            moment = (moment + timedelta(days=1)).replace(hour=9, minute=0, second=0)
            self._clock = int(moment.timestamp()) + self._rng.randint(0, 300)
        return self._clock

    def _event(self) -> dict[str, Any]:
        rng = self._rng
        number = next(self._ids)
        started = self._tick()
        dwell = int(min(3 * 3600, max(5, rng.lognormvariate(math.log(240), 0.9))))
        camera, description, group_id, group, zone_id, zone, node = rng.choice(CAMERAS)
        person = rng.choice(self._people)
        matched = rng.random() > 0.05
        watchlists = []
        if matched and rng.random() < 0.1:
            watchlists = [
                {"watchlist_id": "wl-vip", "watchlist_type": "vip", "display_name": "VIP"}
            ]
        return {
            "event_id": str(number),
            "event_type": "appearance",
            "camera_data": {
                "camera_id": camera,
                "camera_description": description,
                "camera_group_id": group_id,
                "camera_group_data": {"group_name": group},
                "zone_id": zone_id,
                "zone_name": zone,
                "node_id": node,
            },
            "frame_data": {
                "utc_time_recorded": started + min(dwell, rng.randint(0, 30)),
                "face_score": round(rng.uniform(0.5, 1.0), 3),
                "bounding_box": {"x": 10, "y": 20, "w": 64, "h": 64},
                "image": "aW1hZ2UtYnl0ZXM=",  # stands for a base64 frame: never copied
            },
            "appearance_data": {
                "appearance_id": f"app-{self.seed}-{number}",
                "utc_time_started": started,
                "utc_time_ended": started + dwell,
                "appearance_category": "face",
            },
            "face_features_data": {
                "age_group_outcome": person["age"],
                "gender_outcome": person["gender"],
                "liveness_outcome": "live" if rng.random() > 0.02 else "not_determined",
                "mask_outcome": "no_mask" if rng.random() > 0.1 else "mask",
                "features": [round(rng.random(), 4) for _ in range(8)],  # never copied
            },
            "match_data": {
                "poi_id": person["poi_id"] if matched else None,
                "watchlists": watchlists,
                "poi_confidence": round(rng.uniform(0.6, 1.0), 3) if matched else None,
            },
            "crop_data": {"face_crop_img": "Y3JvcC1ieXRlcw=="},  # never copied
        }


def demo_events(count: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The first `count` events a fake server started with this seed serves."""
    return EventFactory(seed).take(count)


def export_csv(count: int, seed: int = DEFAULT_SEED) -> bytes:
    """Those events as the CSV an operator would export from Corsight and upload by hand."""
    return mapping.export_csv(demo_events(count, seed))


# --- the server -----------------------------------------------------------------------
@dataclass
class _Failure:
    status: int
    times: int
    retry_after: int | None


class FakeCorsight:
    """The WSGI app and its state; every knob is safe to turn while a pull runs."""

    def __init__(
        self,
        count: int = 100,
        seed: int = DEFAULT_SEED,
        *,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        token_ttl_s: int = 3600,
    ) -> None:
        self.username = username
        self.password = password
        self.token_ttl_s = token_ttl_s
        self._key = secrets.token_hex(32)
        self._lock = threading.Lock()
        self._factory = EventFactory(seed)
        self.events: list[dict[str, Any]] = []
        self._position: dict[str, int] = {}
        self._failures: dict[str, list[_Failure]] = {"login": [], "events": []}
        self._malformed: dict[str | None, Malformation] = {}
        self._revoked_before = 0.0
        self._token_uses: Counter[str] = Counter()
        self._uses_per_token: int | None = None
        self.logins = 0
        self.event_requests = 0
        self.statuses: Counter[int] = Counter()
        self.add_events(count)
        self._urls = Map(
            [
                Rule(USERS_SERVICE_LOGIN, endpoint="login", methods=["POST"]),
                Rule(LEGACY_LOGIN, endpoint="login", methods=["POST"]),
                Rule(USERS_SERVICE_EVENTS, endpoint="events", methods=["GET"]),
                Rule(LEGACY_EVENTS, endpoint="events", methods=["GET"]),
            ],
            strict_slashes=False,
        )

    # --- knobs ------------------------------------------------------------------------
    def add_events(self, count: int) -> list[dict[str, Any]]:
        """New events arrive (continuing the same seeded sequence)."""
        new = self._factory.take(count)
        with self._lock:
            for event in new:
                self._position[event["event_id"]] = len(self.events)
                self.events.append(event)
        return new

    def fail_next(
        self, status: int, times: int = 1, *, endpoint: str = "events", retry_after: int | None = 0
    ) -> None:
        """The next `times` requests to `endpoint` ("events" or "login") answer `status`."""
        with self._lock:
            self._failures[endpoint].append(_Failure(status, times, retry_after))

    def malform(self, after_id: str | None, how: Malformation = "not_json") -> None:
        """The page after `after_id` (None: the first page) is malformed until `heal()`."""
        with self._lock:
            self._malformed[after_id] = how

    def heal(self) -> None:
        with self._lock:
            self._malformed.clear()
            self._failures = {"login": [], "events": []}

    def set_token_ttl(self, seconds: int) -> None:
        """Tokens issued from now on live `seconds`."""
        with self._lock:
            self.token_ttl_s = seconds

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now (as if it had expired)."""
        with self._lock:
            self._revoked_before = time.time() + 1e-6

    def expire_tokens_after(self, requests: int | None) -> None:
        """Each token works for `requests` event requests, then answers 401 (None: no cap)."""
        with self._lock:
            self._uses_per_token = requests

    # --- WSGI -------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, _ = self._urls.bind_to_environ(environ).match()
            response = self._login(request) if endpoint == "login" else self._events(request)
        except NotFound:
            response = _json(404, {"metadata": {"msg": f"no route {request.path}"}})
        except HTTPException as error:
            response = _json(error.code or 500, {"metadata": {"msg": error.description}})
        with self._lock:
            self.statuses[response.status_code] += 1
        return response(environ, start_response)

    def _injected(self, endpoint: str) -> Response | None:
        with self._lock:
            queue = self._failures[endpoint]
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
        response = _json(failure.status, {"metadata": {"msg": "injected failure"}})
        if failure.retry_after is not None:
            response.headers["Retry-After"] = str(failure.retry_after)
        return response

    def _login(self, request: Request) -> Response:
        injected = self._injected("login")
        if injected is not None:
            return injected
        body = request.get_json(silent=True) or {}
        if body.get("username") != self.username or body.get("password") != self.password:
            return _json(401, {"metadata": {"msg": "invalid credentials"}})
        with self._lock:
            self.logins += 1
            number = self.logins
        now = time.time()
        claims = {
            "sub": self.username,
            "iat": now,
            "exp": now + self.token_ttl_s,
            "jti": str(number),
        }
        token = jwt.encode(claims, self._key, algorithm="HS256")
        return _json(200, {"metadata": {"msg": "OK"}, "data": {"token": token}})

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        try:
            claims = jwt.decode(header[7:], self._key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        with self._lock:
            if claims["iat"] < self._revoked_before:
                return False
            self._token_uses[claims["jti"]] += 1
            cap = self._uses_per_token
            return cap is None or self._token_uses[claims["jti"]] <= cap

    def _events(self, request: Request) -> Response:
        with self._lock:
            self.event_requests += 1
        injected = self._injected("events")
        if injected is not None:
            return injected
        if not self._authorised(request):
            return _json(401, {"metadata": {"msg": "token expired or invalid"}})
        after_id = request.args.get("after_id")
        try:
            limit = int(request.args.get("limit", "100"))
        except ValueError:
            return _json(400, {"metadata": {"msg": "limit must be an integer"}})
        if not 1 <= limit <= MAX_LIMIT:
            return _json(400, {"metadata": {"msg": f"limit must be 1..{MAX_LIMIT}"}})
        with self._lock:
            how = self._malformed.get(after_id)
            if after_id is not None and after_id not in self._position:
                return _json(400, {"metadata": {"msg": f"unknown after_id {after_id}"}})
            start = 0 if after_id is None else self._position[after_id] + 1
            page = [dict(e) for e in self.events[start : start + limit]]
        if how is not None:
            return _malformed(how, page)
        return _json(200, {"metadata": {"msg": "OK"}, "data": {"events": page}})


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _malformed(how: Malformation, page: list[dict[str, Any]]) -> Response:
    if how == "not_json":
        return Response("<html><body>Gateway error</body></html>", status=200, mimetype="text/html")
    if how == "no_events":
        return _json(200, {"metadata": {"msg": "OK"}, "data": {}})
    if how == "not_object":
        return _json(200, [page])
    broken = [dict(e) for e in page] or [{"event_id": "999999"}]
    if how == "missing_id":
        broken[0].pop("event_id", None)
    else:  # bad_event: the appearance lost its times
        broken[0]["appearance_data"] = {"appearance_id": "x", "utc_time_started": "soon"}
    return _json(200, {"metadata": {"msg": "OK"}, "data": {"events": broken}})


# --- running it -----------------------------------------------------------------------
class RunningFakeCorsight:
    """A fake server listening on 127.0.0.1 in a background thread."""

    def __init__(self, app: FakeCorsight, server: BaseWSGIServer) -> None:
        self.app = app
        self._server = server
        self.port = server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-corsight", daemon=True
        )  # a short poll interval makes stop() quick
        self._thread.start()

    def __getattr__(self, name: str) -> Any:  # the knobs and counters of the app
        return getattr(self.app, name)

    def settings(self, *, layout: str = "users_service", **overrides: Any) -> CorsightSettings:
        """Settings that reach this server (what a tenant's secret would hold)."""
        return CorsightSettings.model_validate(self.secret(layout=layout, **overrides))

    def secret(self, *, layout: str = "users_service", **overrides: Any) -> dict[str, Any]:
        """The secret JSON a tenant would store for this server."""
        value: dict[str, Any] = {
            "base_url": self.url,
            "username": self.app.username,
            "password": self.app.password,
            "layout": layout,
        }
        if layout == "legacy_port":
            value.update(base_url="http://127.0.0.1", auth_port=self.port, history_port=self.port)
        value.update(overrides)
        return value

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningFakeCorsight:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    count: int = 100, seed: int = DEFAULT_SEED, *, port: int = 0, **options: Any
) -> RunningFakeCorsight:
    """Start a fake server on 127.0.0.1 (port 0: a free one) serving `count` seeded events."""
    app = FakeCorsight(count, seed, **options)
    server = make_server("127.0.0.1", port, app, threaded=True)
    return RunningFakeCorsight(app, server)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Corsight API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--events", type=int, default=500, help="seeded events to serve")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--token-ttl", type=int, default=3600, help="token lifetime, seconds")
    parser.add_argument(
        "--export-csv",
        metavar="PATH",
        help="write the same events as an export CSV to PATH and exit",
    )
    args = parser.parse_args(argv)
    if args.export_csv:
        with open(args.export_csv, "wb") as handle:
            handle.write(export_csv(args.events, args.seed))
        print(f"wrote {args.events} events (seed {args.seed}) to {args.export_csv}")
        return
    running = start(
        args.events,
        args.seed,
        port=args.port,
        username=args.username,
        password=args.password,
        token_ttl_s=args.token_ttl,
    )
    print(
        f"fake Corsight on {running.url} ({args.events} events, seed {args.seed}, "
        f"user {args.username})",
        flush=True,
    )
    stopped = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    stopped.wait()
    running.stop()


if __name__ == "__main__":
    main()
