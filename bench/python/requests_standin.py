"""A stand-in for the few calls of requests that docs/PYTHON.md makes
(get, post with json=, .ok, .status_code, .json(), raise_for_status,
ConnectionError), on urllib, for where requests is not installed."""
import json as _json
import urllib.error
import urllib.request


class ConnectionError(OSError):
    pass


class HTTPError(OSError):
    pass


class Response:
    def __init__(self, status, body):
        self.status_code, self.content = status, body
        self.ok = status < 400

    def json(self):
        return _json.loads(self.content)

    def raise_for_status(self):
        if not self.ok:
            raise HTTPError("%d: %s" % (self.status_code, self.content[:200]))


def _do(req, timeout):
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read())
    except (urllib.error.URLError, OSError) as e:
        raise ConnectionError(str(e))


def get(url, timeout=None):
    return _do(urllib.request.Request(url), timeout)


def post(url, json=None, timeout=None):
    req = urllib.request.Request(url, data=_json.dumps(json).encode(), headers={"Content-Type": "application/json"})
    return _do(req, timeout)
