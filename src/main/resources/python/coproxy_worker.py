"""A Coproxy Python worker: runs Tyk plugins for the gateway, one call at a time.

Started by the gateway as `python3 coproxy_worker.py <descriptor set>`. Frames travel over the
process's original stdin/stdout; fd 0 then reads /dev/null and fd 1 writes to stderr, so a plugin
that prints (or reads stdin) cannot corrupt the channel. A frame is: u32 length of the rest,
one type byte, u32 header length, a JSON header, the body bytes.

gateway -> worker: D dispatch (header gen, dirs, default; body Object), E event (body payload),
                   A answer to a callback
worker -> gateway: K ready, R reply (body Object, empty for events), F failure (header message,
                   traceback), C callback awaiting an answer, N notification (log, trigger_event)
"""

import json
import os
import struct
import sys
import threading
import traceback

_HEAD = struct.Struct(">IBI")


class Channel(object):
    def __init__(self, reader, writer):
        self._reader = reader
        self._writer = writer
        self._lock = threading.Lock()  # a plugin's own threads may log while a hook runs

    def read(self):
        head = self._reader.read(_HEAD.size)
        if len(head) < _HEAD.size:
            raise EOFError()
        length, kind, header_length = _HEAD.unpack(head)
        rest = self._exact(length - 5)
        header = json.loads(rest[:header_length].decode("utf-8")) if header_length else {}
        return chr(kind), header, rest[header_length:]

    def _exact(self, size):
        chunks = []
        while size > 0:
            chunk = self._reader.read(size)
            if not chunk:
                raise EOFError()
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def send(self, kind, header=None, body=b""):
        encoded = json.dumps(header or {}).encode("utf-8")
        with self._lock:
            self._writer.write(_HEAD.pack(5 + len(encoded) + len(body), ord(kind), len(encoded)))
            self._writer.write(encoded)
            self._writer.write(body)
            self._writer.flush()

    def callback(self, fields):
        self.send("C", fields)
        kind, header, _ = self.read()
        if kind != "A":
            raise RuntimeError("the gateway answered a callback with frame %r" % kind)
        if header.get("error"):
            raise RuntimeError("gateway: " + header["error"])
        return header

    def notify(self, fields):
        self.send("N", fields)


def _take_standard_streams():
    reader = os.fdopen(os.dup(0), "rb", buffering=0)
    writer = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, "r")
    sys.stdout = sys.stderr
    return Channel(reader, writer)


class Worker(object):
    def __init__(self, channel, desc_path):
        import coproxy_protos
        coproxy_protos.install(desc_path)
        import gateway
        gateway._channel = channel
        from coproxy_plugins import NotFound, Plugins
        from tyk import decorators
        from tyk.request import TykCoProcessRequest
        from tyk.event import TykEvent
        import coprocess_object_pb2
        self.channel = channel
        self.not_found = NotFound
        self.decorators = decorators
        self.request_class = TykCoProcessRequest
        self.event_class = TykEvent
        self.object_class = coprocess_object_pb2.Object
        self.plugins = Plugins(lambda text: channel.notify({"op": "log", "level": "error", "message": text,
                                                            "load_error": True}))

    def serve(self):
        self.channel.send("K", {"pid": os.getpid(), "python": sys.version.split()[0]})
        while True:
            try:
                kind, header, body = self.channel.read()
            except EOFError:
                return
            try:
                self.plugins.refresh(header.get("gen"))
                if kind == "D":
                    reply = self.dispatch(header, body)
                elif kind == "E":
                    self.event(header, body)
                    reply = b""
                else:
                    raise RuntimeError("unexpected frame %r" % kind)
            except self.not_found as e:
                self.fail(str(e), "")
            except SystemExit as e:
                self.fail("a plugin called sys.exit(%s)" % (e.code,), _plugin_traceback(e))
            except Exception as e:
                self.fail("%s: %s" % (type(e).__name__, e), _plugin_traceback(e))
            else:
                self.channel.send("R", {}, reply)

    def fail(self, message, trace):
        self.channel.send("F", {"message": message, "traceback": trace.rstrip()})

    def dispatch(self, header, body):
        obj = self.object_class()
        obj.ParseFromString(body)
        hook = self.plugins.find(obj.hook_name, header.get("dirs") or [], header.get("default", ""))
        if isinstance(hook, self.decorators.Event):
            raise TypeError("%s is an @Event handler, not a hook" % obj.hook_name)
        request = self.request_class(obj.request)
        session = obj.session
        metadata = session.metadata
        count = hook.arg_count
        if count == 5:
            returned = hook(request, obj.response, session, metadata, obj.spec)
            self._adopt(obj.response, returned)
        elif count == 4:
            returned = hook(request, session, metadata, obj.spec)
            if isinstance(returned, tuple) and len(returned) == 3:
                self._adopt_request(obj, returned[0])
                self._adopt(obj.session, returned[1])
                self._merge_metadata(obj.session, returned[2])
        elif count == 3:
            returned = hook(request, session, obj.spec)
            if isinstance(returned, tuple) and len(returned) == 2:
                self._adopt_request(obj, returned[0])
                self._adopt(obj.session, returned[1])
        else:
            raise TypeError("hook %s takes %d arguments; Tyk's forms take 3, 4 or 5" % (hook.name, count))
        return obj.SerializeToString()

    # Hooks normally change their arguments in place; a returned replacement is copied in.
    @staticmethod
    def _adopt(target, returned):
        if returned is not None and returned is not target and type(returned) is type(target):
            target.CopyFrom(returned)

    def _adopt_request(self, obj, returned):
        if isinstance(returned, self.request_class) and returned.object is not obj.request:
            obj.request.CopyFrom(returned.object)

    @staticmethod
    def _merge_metadata(session, returned):
        if returned is None or returned is session.metadata:
            return
        for key in list(returned.keys()):
            session.metadata[str(key)] = returned[key] if isinstance(returned[key], str) else json.dumps(returned[key])

    def event(self, header, body):
        payload = body.decode("utf-8")
        event = self.event_class(payload)
        name = getattr(event, "handler_name", "")
        handler = self.plugins.find(name, header.get("dirs") or [], header.get("default", ""))
        spec = getattr(event, "spec", {}) or {}
        if isinstance(handler, self.decorators.Event) or handler.arg_count == 2:
            handler(event, spec)
        else:
            raise TypeError("%s is not an @Event handler" % name)


def _plugin_traceback(error):
    """The traceback from the plugin's frames on (the runner's own frames are left out)."""
    runner = os.path.dirname(os.path.abspath(__file__))
    tb = error.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(runner + os.sep):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def main():
    channel = _take_standard_streams()
    try:
        worker = Worker(channel, sys.argv[1])
    except Exception as e:
        sys.stderr.write("coproxy worker cannot start: %s\n%s" % (e, traceback.format_exc()))
        sys.stderr.flush()
        sys.exit(3)
    worker.serve()


if __name__ == "__main__":
    main()
