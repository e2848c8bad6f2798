"""Minimal stand-in for the parts of Flask that AppV2's seed code uses.

AppV2 runs its cache-sync client inside a Flask app; here the app's configuration is read from
the environment (as AppV2's `.env` provides it, seed 001), `request.json` is set by the harness,
`jsonify` returns its argument, and `session` is a plain dict.
"""
import os


class _App:
    def __init__(self):
        self.config = {}
        for key in ("TICKSTOCKPL_HOST", "TICKSTOCKPL_PORT", "TICKSTOCKPL_API_KEY"):
            if os.environ.get(key):
                self.config[key] = os.environ[key]


class _Request:
    json = None


current_app = _App()
request = _Request()
session = {}


def jsonify(value):
    return value
