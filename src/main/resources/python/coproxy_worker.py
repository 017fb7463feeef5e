"""A Coproxy Python worker: runs Tyk plugins for the gateway, one call at a time.

Started by the gateway as `python3 coproxy_worker.py <descriptor set> <default plugin folder>`.
Frames travel over the process's original stdin/stdout; fd 0 then reads /dev/null and fd 1 writes
to stderr, so a plugin that prints (or reads stdin) cannot corrupt the channel. A frame is: u32
length of the rest, one type byte, u32 header length, the header, the body bytes.

gateway -> worker: D dispatch (body Object), E event (body payload), A answer to a callback
worker -> gateway: K ready, R reply (body Object, empty for events), F failure (header message,
                   traceback; timeout when the call was not run because its deadline passed),
                   C callback awaiting an answer, N notification (log, trigger_event)

The hot frames carry no JSON: the header of D and E is binary (u32 reload generation, u64 deadline
in epoch milliseconds, then the API's plugin directories joined by NUL bytes, none meaning the
default folder) and R has an empty header; the other frames carry a JSON object. The channel is
read through a buffer (one read for a frame, or for several when the gateway wrote a call behind
the running one) and every frame is sent in one write. A call whose deadline passed while it waited
in the buffer is answered with a failure without running.

Hooks run one at a time on the main thread, but a plugin may start threads of its own: they may
call tyk.store_data, get_data, log and trigger_event at any time, inside a hook or between calls
(see Channel). When the gateway closes the channel the worker exits, plugin threads or not.
"""

import collections
import json
import os
import struct
import sys
import threading
import time
import traceback

_HEAD = struct.Struct(">IBI")
_CALL = struct.Struct(">IQ")


class Channel(object):
    """The framed channel to the gateway, safe to use from a plugin's own threads.

    Writes: one lock around each whole frame, so a plugin thread's log line or callback never lands
    inside a reply. Reads: one thread at a time reads the pipe (whichever is waiting: the main loop
    for its next call, or a thread for a callback's answer) and hands each frame to the one it is
    for. Callbacks: one awaits its answer at a time, so the next A frame is always its answer,
    whatever order the gateway's store completes them in.
    """

    def __init__(self, reader, fd):
        self._reader = reader
        self._fd = fd
        self._write_lock = threading.Lock()
        self._callback_lock = threading.Lock()
        self._state = threading.Condition(threading.Lock())
        self._reading = False  # some thread is inside _read_frame
        self._closed = False
        self._calls = collections.deque()  # D and E frames read but not yet taken by the main loop
        self._answer = None  # the A frame read for the callback in flight

    def read(self):
        """The next call frame: (kind, header bytes, body bytes); EOFError when the gateway closed."""
        return self._receive(self._take_call)

    def _take_call(self):
        return self._calls.popleft() if self._calls else None

    def _take_answer(self):
        answer, self._answer = self._answer, None
        return answer

    def _receive(self, take):
        while True:
            with self._state:
                while True:
                    frame = take()
                    if frame is not None:
                        return frame
                    if self._closed:
                        raise EOFError()
                    if not self._reading:
                        self._reading = True
                        break
                    self._state.wait()
            try:
                frame = self._read_frame()
            except BaseException:
                # A frame cut short leaves the pipe at an unknown position: nothing after it can be trusted.
                with self._state:
                    self._reading = False
                    self._closed = True
                    self._state.notify_all()
                raise
            with self._state:
                self._reading = False
                if frame[0] == "A":
                    self._answer = frame
                else:
                    self._calls.append(frame)
                self._state.notify_all()

    def _read_frame(self):
        head = self._reader.read(_HEAD.size)
        if len(head) < _HEAD.size:
            raise EOFError()
        length, kind, header_length = _HEAD.unpack(head)
        rest = self._reader.read(length - 5)
        if len(rest) < length - 5:
            raise EOFError()
        return chr(kind), rest[:header_length], rest[header_length:]

    def send(self, kind, header=b"", body=b""):
        frame = b"".join((_HEAD.pack(5 + len(header) + len(body), ord(kind), len(header)), header, body))
        with self._write_lock:
            view = memoryview(frame)
            while view:
                view = view[os.write(self._fd, view):]

    def send_json(self, kind, fields):
        self.send(kind, json.dumps(fields).encode("utf-8"))

    def callback(self, fields):
        """Sends a C frame and waits for its answer; any thread may call it, inside a hook or not."""
        with self._callback_lock:
            self.send_json("C", fields)
            try:
                _, header, _ = self._receive(self._take_answer)
            except EOFError:
                raise RuntimeError("gateway: the channel to the gateway is closed")
        answer = json.loads(header.decode("utf-8")) if header else {}
        if answer.get("error"):
            raise RuntimeError("gateway: " + answer["error"])
        return answer

    def notify(self, fields):
        self.send_json("N", fields)


def call_header(header):
    """(generation, deadline in ms, plugin directories) of a D or E frame."""
    generation, deadline = _CALL.unpack_from(header)
    dirs = header[_CALL.size:]
    return generation, deadline, dirs.decode("utf-8").split("\0") if dirs else []


def _take_standard_streams():
    reader = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
    writer = os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, "r")
    sys.stdout = sys.stderr
    return Channel(reader, writer)


class Worker(object):
    def __init__(self, channel, desc_path, default_dir):
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
        self.default_dir = default_dir
        self.not_found = NotFound
        self.decorators = decorators
        self.request_class = TykCoProcessRequest
        self.event_class = TykEvent
        self.object_class = coprocess_object_pb2.Object
        self.plugins = Plugins(lambda text: channel.notify({"op": "log", "level": "error", "message": text,
                                                            "load_error": True}),
                               os.environ.get("COPROXY_PLUGIN_CACHE"))

    def serve(self):
        """Answers calls until the gateway closes the channel (or can no longer be written to)."""
        try:
            self._serve()
        except BrokenPipeError:
            return

    def _serve(self):
        self.channel.send_json("K", {"pid": os.getpid(), "python": sys.version.split()[0]})
        while True:
            try:
                kind, header, body = self.channel.read()
            except EOFError:
                return
            dirs = []
            try:
                if kind not in ("D", "E"):
                    raise RuntimeError("unexpected frame %r" % kind)
                generation, deadline, dirs = call_header(header)
                if deadline < time.time() * 1000:
                    self.channel.send_json("F", {"message": "the call's deadline passed before a worker could run it",
                                                 "timeout": True})
                    continue
                self.plugins.refresh(generation)
                if kind == "D":
                    reply = self.dispatch(dirs, body)
                else:
                    self.event(dirs, body)
                    reply = b""
            except self.not_found as e:
                self.fail(str(e), "")
            except SystemExit as e:
                self.fail("a plugin called sys.exit(%s)" % (e.code,), _plugin_traceback(e), self._location(e, dirs))
            except Exception as e:
                self.fail("%s: %s" % (type(e).__name__, e), _plugin_traceback(e), self._location(e, dirs))
            else:
                self.channel.send("R", b"", reply)

    def fail(self, message, trace, location=None):
        answer = {"message": message, "traceback": trace.rstrip()}
        if location:
            answer["file"], answer["line"] = location
        self.channel.send_json("F", answer)

    def _location(self, error, dirs):
        """(file, line) of the innermost frame in the plugin's files, the file relative to its plugin
        folder; else of the innermost frame outside the runner (a library the plugin called); else None."""
        folders = [os.path.abspath(d) + os.sep for d in (dirs or [self.default_dir]) if d]
        runner = os.path.dirname(os.path.abspath(__file__)) + os.sep
        plugin = library = None
        for frame, line in traceback.walk_tb(error.__traceback__):
            path = os.path.abspath(frame.f_code.co_filename)
            if path.startswith(runner):
                continue
            folder = next((f for f in folders if path.startswith(f)), None)
            if folder is not None:
                plugin = (path[len(folder):], line)
            else:
                library = (os.path.basename(path), line)
        return plugin or library

    def dispatch(self, dirs, body):
        obj = self.object_class()
        obj.ParseFromString(body)
        hook = self.plugins.find(obj.hook_name, dirs, self.default_dir)
        if isinstance(hook, self.decorators.Event):
            raise TypeError("%s is an @Event handler, not a hook" % obj.hook_name)
        request = self.request_class(obj.request)
        # Tyk hands Python hooks the session's metadata, never the object's: a traced request's
        # W3C context (which the gateway put in the object's metadata) moves onto the request, and
        # out of the reply, which the gateway would otherwise have to clean.
        request.traceparent = self._take(obj.metadata, "traceparent")
        request.tracestate = self._take(obj.metadata, "tracestate")
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
                self._merge_metadata(hook.name, obj.session, returned[2])
        elif count == 3:
            returned = hook(request, session, obj.spec)
            if isinstance(returned, tuple) and len(returned) == 2:
                self._adopt_request(obj, returned[0])
                self._adopt(obj.session, returned[1])
        else:
            raise TypeError("hook %s takes %d arguments; Tyk's forms take 3, 4 or 5" % (hook.name, count))
        return obj.SerializeToString()

    # Hooks normally change their arguments in place; a returned replacement is copied in, and a
    # return value of another shape is ignored (Tyk ignores returned values too).
    @staticmethod
    def _adopt(target, returned):
        if returned is not None and returned is not target and type(returned) is type(target):
            target.CopyFrom(returned)

    def _adopt_request(self, obj, returned):
        if isinstance(returned, self.request_class) and returned.object is not obj.request:
            obj.request.CopyFrom(returned.object)

    @staticmethod
    def _take(metadata, key):
        if key not in metadata:
            return None
        value = metadata[key]
        del metadata[key]
        return value

    @staticmethod
    def _merge_metadata(hook_name, session, returned):
        if returned is None or returned is session.metadata:
            return
        if not callable(getattr(returned, "keys", None)):
            raise TypeError("hook %s returned metadata of type %s; a dict (or None) was expected"
                            % (hook_name, type(returned).__name__))
        for key in list(returned.keys()):
            session.metadata[str(key)] = returned[key] if isinstance(returned[key], str) else json.dumps(returned[key])

    def event(self, dirs, body):
        payload = body.decode("utf-8")
        event = self.event_class(payload)
        name = getattr(event, "handler_name", "")
        handler = self.plugins.find(name, dirs, self.default_dir)
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
        worker = Worker(channel, sys.argv[1], sys.argv[2])
    except Exception as e:
        sys.stderr.write("coproxy worker cannot start: %s\n%s" % (e, traceback.format_exc()))
        sys.stderr.flush()
        sys.exit(3)
    worker.serve()
    # A plugin's non-daemon threads would keep the interpreter alive after the gateway went away.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
