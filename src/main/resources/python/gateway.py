"""`from gateway import TykGateway as tyk`: functions that call back into the Coproxy gateway.

Data lives in the gateway's store (cluster-wide when clustered) under "coprocess-data:<key>";
events go to the gateway's event fan-out as system events; logs go to the gateway log. Every
function may be called from any thread of a plugin, inside a hook or not.
"""

_channel = None


def _channel_or_fail():
    if _channel is None:
        raise RuntimeError("the gateway is only reachable from inside a Coproxy Python worker")
    return _channel


def _call(op, **fields):
    fields["op"] = op
    return _channel_or_fail().callback(fields)


def _notify(op, **fields):
    fields["op"] = op
    _channel_or_fail().notify(fields)


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class TykGateway(object):
    @staticmethod
    def store_data(key, value, ttl=0):
        _call("store_data", key=_text(key), value=_text(value), ttl=int(ttl or 0))

    @staticmethod
    def get_data(key):
        """The stored value as bytes (as under Tyk), b"" when absent."""
        answer = _call("get_data", key=_text(key))
        return answer.get("value", "").encode("utf-8")

    @staticmethod
    def trigger_event(event_name, payload):
        _notify("trigger_event", name=_text(event_name), payload=_text(payload))

    @staticmethod
    def log(message, level="info"):
        _notify("log", message=_text(message), level=_text(level))

    @staticmethod
    def log_error(*args):
        _notify("log", message=" ".join(_text(a) for a in args), level="error")
