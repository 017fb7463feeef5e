"""What the runner's tests share: where things are, the frame format written out independently of
the runner, and a fake gateway that drives a real worker process over its pipes.

Run from the repository root after `mvn compile` (which writes the descriptor set):
    /usr/bin/python3 -m unittest discover -s src/test/python
COPROXY_DESC and COPROXY_RUNNER_DIR override the descriptor set and the runner directory.
"""

import json
import os
import queue
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
RUNNER_DIR = os.environ.get("COPROXY_RUNNER_DIR") or os.path.join(ROOT, "src", "main", "resources", "python")
DESC = os.environ.get("COPROXY_DESC") or os.path.join(ROOT, "target", "classes", "proto", "coprocess.desc")
EXAMPLE_DIR = os.path.join(ROOT, "examples", "python")

# Generous: the build machine has two cores shared with other work.
WAIT_SECONDS = 30

if RUNNER_DIR not in sys.path:
    sys.path.insert(0, RUNNER_DIR)

_PREFIX = struct.Struct(">IBI")
_installed = []


def descriptor_set():
    """The descriptor set's path; a clear error (not a skip) when the build has not written it."""
    if not os.path.isfile(DESC):
        raise AssertionError("no descriptor set at %s: run `mvn compile` first, or set COPROXY_DESC" % DESC)
    return DESC


def protos():
    """The coprocess message modules by name, built once per test process."""
    if not _installed:
        import coproxy_protos
        _installed.append(coproxy_protos.install(descriptor_set()))
    return _installed[0]


def encode(kind, header=b"", body=b""):
    return _PREFIX.pack(5 + len(header) + len(body), ord(kind), len(header)) + header + body


def read_frame(stream):
    """(kind, header, body) from a binary stream; EOFError at its end, AssertionError on garbage."""
    prefix = _read_exactly(stream, _PREFIX.size)
    length, kind, header_length = _PREFIX.unpack(prefix)
    if length < 5 or header_length > length - 5:
        raise AssertionError("malformed frame: length %d, header length %d" % (length, header_length))
    rest = _read_exactly(stream, length - 5)
    return chr(kind), rest[:header_length], rest[header_length:]


def _read_exactly(stream, size):
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError()
        data += chunk
    return data


def call_header(generation, deadline_ms, dirs):
    return struct.pack(">IQ", generation, deadline_ms) + "\0".join(dirs).encode("utf-8")


def write_plugin(directory, name, source):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w") as handle:
        handle.write(source)


class FakeGateway(object):
    """Starts coproxy_worker.py as the gateway does and plays the gateway's side of the frames.

    Callbacks are answered from a thread of their own (a store answers later, on another thread),
    from a dict standing in for the store. A key passed to hold() is not answered until released.
    """

    def __init__(self, default_dir, python=None):
        self.store = {}
        self.notes = []
        self.malformed = []
        self._held = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._answers = queue.Queue()
        self._ready = threading.Event()
        self._stderr = []
        self.process = subprocess.Popen(
            [python or sys.executable, os.path.join(RUNNER_DIR, "coproxy_worker.py"), descriptor_set(), default_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._threads = [threading.Thread(target=self._read_frames, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for thread in self._threads:
            thread.start()
        if not self._ready.wait(WAIT_SECONDS):
            self.close()
            raise AssertionError("the worker did not start: " + self.stderr())

    def keys(self):
        with self._lock:
            return list(self.store)

    def stored(self, key):
        with self._lock:
            return self.store.get(key)

    def hold(self, key):
        """Keeps the answer to get_data(key) back until the returned event is set."""
        release = threading.Event()
        with self._lock:
            self._held[key] = release
        return release

    def send(self, kind, header=b"", body=b""):
        with self._write_lock:
            self.process.stdin.write(encode(kind, header, body))
            self.process.stdin.flush()

    def call(self, obj, dirs=(), generation=1, deadline_ms=None):
        """Sends a D frame; ("R", Object) or ("F", failure JSON)."""
        deadline_ms = deadline_ms if deadline_ms is not None else int(time.time() * 1000) + WAIT_SECONDS * 1000
        self.send("D", call_header(generation, deadline_ms, list(dirs)), obj.SerializeToString())
        kind, header, body = self.answer()
        if kind == "R":
            reply = type(obj)()
            reply.ParseFromString(body)
            return kind, reply
        return kind, json.loads(header.decode("utf-8"))

    def event(self, payload, dirs=(), generation=1):
        deadline_ms = int(time.time() * 1000) + WAIT_SECONDS * 1000
        self.send("E", call_header(generation, deadline_ms, list(dirs)), json.dumps(payload).encode("utf-8"))
        kind, header, body = self.answer()
        return kind, (json.loads(header.decode("utf-8")) if header else body)

    def answer(self):
        try:
            return self._answers.get(timeout=WAIT_SECONDS)
        except queue.Empty:
            raise AssertionError("no reply within %d s; worker stderr: %s" % (WAIT_SECONDS, self.stderr()))

    def stderr(self):
        with self._lock:
            return "".join(self._stderr)

    def poll(self, condition, what):
        """Waits until condition() holds, checking every few milliseconds, for at most WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for " + what + "; worker stderr: " + self.stderr())
            threading.Event().wait(0.005)

    def close(self):
        """Closes the worker's stdin, as the gateway's end going away would; returns its exit code."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            return self.process.wait(WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None
        finally:
            self.process.stdout.close()
            self.process.stderr.close()

    def _read_frames(self):
        try:
            while True:
                kind, header, body = read_frame(self.process.stdout)
                if kind == "K":
                    self._ready.set()
                elif kind in ("R", "F"):
                    self._answers.put((kind, header, body))
                elif kind == "C":
                    fields = json.loads(header.decode("utf-8"))
                    threading.Thread(target=self._answer_callback, args=(fields,), daemon=True).start()
                elif kind == "N":
                    with self._lock:
                        self.notes.append(json.loads(header.decode("utf-8")))
                else:
                    raise AssertionError("unknown frame kind %r" % kind)
        except (EOFError, ValueError, OSError):
            pass
        except AssertionError as e:
            with self._lock:
                self.malformed.append(str(e))

    def _answer_callback(self, fields):
        key = fields.get("key", "")
        with self._lock:
            release = self._held.get(key) if fields.get("op") == "get_data" else None
        if release is not None:
            release.wait(WAIT_SECONDS)
        with self._lock:
            if fields.get("op") == "store_data":
                self.store[key] = fields.get("value", "")
                answer = {}
            elif fields.get("op") == "get_data":
                answer = {"value": self.store.get(key, "")}
            else:
                answer = {"error": "unknown gateway function " + str(fields.get("op"))}
        try:
            self.send("A", json.dumps(answer).encode("utf-8"))
        except (OSError, ValueError):
            pass

    def _read_stderr(self):
        for line in iter(self.process.stderr.readline, b""):
            with self._lock:
                self._stderr.append(line.decode("utf-8", "replace"))
