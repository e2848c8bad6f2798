"""Runs TickStockAppV2's own cache-sync client code (seeds 000 and 001) against TickStockPL.

admin_historical_data.py and cache_sync_event_listener.py are the seed's code blocks, byte for
byte. Only what AppV2's application provides around them is replaced, by minimal stand-ins:
flask (current_app, request, jsonify, session: flask.py), the module globals the seed code
expects from the rest of AppV2's files (logger, socketio, admin_bp, require_admin), and
src.data.cache_manager (seed 001's SQL through psql as AppV2's read-only role). The listener
class also gets the one method it calls but the seed does not define, _update_universe_cache.

usage: run_appv2.py <mode>   triggers through AppV2's admin route, polls every 0.2 s until the
                             job ends, waits for the listener to see it end
       run_appv2.py down     the same calls with TickStockPL unreachable
Prints one JSON document of what AppV2 saw.
"""
import importlib.util
import json
import logging
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import flask  # noqa: E402  (the stand-in next to this file)
import redis  # noqa: E402
from src.data.cache_manager import cache_manager  # noqa: E402

TERMINAL = ("completed", "failed", "error")


class SocketIO:
    """Records what AppV2 would push to its admin dashboard."""

    def __init__(self):
        self.emits = []

    def emit(self, event, data, namespace=None):
        self.emits.append({"event": event, "data": data, "namespace": namespace})


class Blueprint:
    def route(self, rule, methods=None):
        return lambda view: view


def require_admin(view):
    return view


def load(name, **module_globals):
    """Executes a seed file as a module whose globals AppV2's app would have provided."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(module_globals)
    spec.loader.exec_module(module)
    return module


def wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def main(mode):
    socketio = SocketIO()
    admin = load(
        "admin_historical_data",
        session=flask.session, logger=logging.getLogger("appv2"), admin_bp=Blueprint(),
        require_admin=require_admin, request=flask.request, jsonify=flask.jsonify,
    )
    seed_listener = load("cache_sync_event_listener", socketio=socketio)

    class Listener(seed_listener.CacheSyncEventListener):
        def __init__(self, redis_client):
            super().__init__(redis_client)
            self.events = []
            self.universes = []

        def _handle_event(self, event):
            self.events.append(event)
            super()._handle_event(event)

        def _update_universe_cache(self, universe):
            self.universes.append(universe)

    if mode == "down":
        flask.request.json = {"mode": "full"}
        body, status = admin.trigger_cache_sync()
        return {"route_status": status, "trigger": body, "status": admin.get_cache_sync_status("550e8400-e29b-41d4-a716-446655440000")}

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    listener = Listener(client)
    listener.start()
    channels = ["tickstock:cache:sync_triggered", "tickstock:cache:sync_complete", "tickstock:universe:updated"]
    wait(lambda: all(n >= 1 for _, n in client.pubsub_numsub(*channels)), 10, "the listener's subscriptions")

    flask.request.json = {"mode": mode, "force": False}
    body, status = admin.trigger_cache_sync()
    job_id = body.get("job_id")
    polls = []
    deadline = time.monotonic() + 60
    while True:
        job = admin.get_cache_sync_status(job_id)
        polls.append(job)
        if job and job["status"] in TERMINAL:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_id} did not end in 60 s: {job}")
        time.sleep(0.2)

    ended = lambda: any(e["event"] == "cache_sync_completed" and e["data"]["job_id"] == job_id for e in socketio.emits)  # noqa: E731
    wait(ended, 10, "cache_sync_completed at the listener")
    if job["status"] == "completed":
        wait(lambda: len(cache_manager.refreshes) > 0, 10, "the cache refresh")
    listener.running = False
    return {
        "route_status": status,
        "trigger": body,
        "session_job_id": flask.session.get("cache_sync_job_id"),
        "polls": polls,
        "unknown_job_status": admin.get_cache_sync_status("00000000-0000-4000-8000-000000000000"),
        "emits": socketio.emits,
        "events": listener.events,
        "universes_refreshed": listener.universes,
        "refreshes": cache_manager.refreshes,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
