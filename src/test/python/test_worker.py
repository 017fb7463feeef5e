"""A real worker process (coproxy_worker.py) driven through its pipes: dispatch by name, error
paths, and plugin threads that call the gateway while hooks run and between calls."""

import os
import shutil
import tempfile
import time
import unittest

from coproxy_testing import FakeGateway, protos, write_plugin

PLUGINS = '''
import sys
import threading
from tyk.decorators import *
from gateway import TykGateway as tyk

state = {"rounds": 0, "wrong": [], "errors": []}
threads = []


def _chatter(prefix, rounds):
    for i in range(rounds):
        key = "%s-%d" % (prefix, i)
        try:
            tyk.store_data(key, "value of " + key, 0)
            got = tyk.get_data(key)
            if got != ("value of " + key).encode("utf-8"):
                state["wrong"].append((key, got))
            tyk.log("chatter " + key, "debug")
        except Exception as e:
            state["errors"].append(repr(e))
        state["rounds"] += 1


def _start(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    threads.append(thread)
    thread.start()


@Hook
def StartChatter(request, session, spec):
    _start(_chatter, "busy", int(request.get_header("Rounds")))
    return request, session


@Hook
def StartIdleChatter(request, session, spec):
    def after_gate():
        tyk.get_data("gate")  # answered only once the test saw this hook's reply
        _chatter("idle", int(request.get_header("Rounds")))
        tyk.store_data("idle-done", "yes", 0)
    _start(after_gate)
    return request, session


@Hook
def Echo(request, session, spec):
    key = request.get_header("Key")
    tyk.store_data(key, "stored " + key, 0)
    request.add_header("Got", tyk.get_data(key).decode("utf-8"))
    return request, session


@Hook
def Report(request, session, spec):
    for thread in threads:
        thread.join(60)
    request.add_header("Rounds", str(state["rounds"]))
    request.add_header("Wrong", repr(state["wrong"][:3]))
    request.add_header("Errors", repr(state["errors"][:3]))
    return request, session


@Hook
def Raises(request, session, spec):
    raise ValueError("boom from the plugin")


@Hook
def ReturnsGarbage(request, session, spec):
    request.add_header("Kept", "yes")
    return "not", "a request"


@Hook
def ReturnsNothing(request, session, metadata, spec):
    session.rate = 7
    metadata["who"] = "in place"


@Hook
def ReturnsGarbageMetadata(request, session, metadata, spec):
    return request, session, 42


@Hook
def ReplacesSession(request, session, metadata, spec):
    from coprocess_session_state_pb2 import SessionState
    replacement = SessionState()
    replacement.rate = 99
    return request, replacement, {"count": 3}


@Hook
def Prints(request, session, spec):
    print("a plugin that prints must not break the channel")
    sys.stdout.flush()
    request.add_header("Printed", "yes")
    return request, session


@Hook
def Exits(request, session, spec):
    sys.exit(4)


@Hook
def TooMany(a, b, c, d, e, f):
    pass


@Hook
def StartBlockingThread(request, session, spec):
    threading.Thread(target=threading.Event().wait).start()  # not a daemon: never ends by itself
    return request, session


@Event
def OnEvent(event, spec):
    tyk.store_data("event", event.EventType, 0)
'''

BUNDLE = '''
from tyk.decorators import *


@Hook
def MyPreHook(request, session, spec):
    request.add_header("Bundle", "%s")
    return request, session
'''


class WorkerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pb = protos()["coprocess_object_pb2"]
        cls.root = tempfile.mkdtemp(prefix="coproxy-pytest-")
        cls.default_dir = os.path.join(cls.root, "python")
        write_plugin(cls.default_dir, "middleware.py", PLUGINS)
        for name in ("one", "two"):
            write_plugin(os.path.join(cls.root, name), "middleware.py", BUNDLE % name)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        self.gateway = FakeGateway(self.default_dir)
        self.addCleanup(self.gateway.close)

    def request(self, hook_name, **headers):
        obj = self.pb.Object(hook_name=hook_name)
        for key, value in headers.items():
            obj.request.headers[key] = str(value)
        return obj

    def ok(self, obj, **kwargs):
        kind, reply = self.gateway.call(obj, **kwargs)
        self.assertEqual("R", kind, "expected a reply, got %r; stderr: %s" % (reply, self.gateway.stderr()))
        return reply

    def failure(self, obj, **kwargs):
        kind, reply = self.gateway.call(obj, **kwargs)
        self.assertEqual("F", kind, "expected a failure, got %r" % (reply,))
        return reply

    def test_hooks_are_dispatched_by_name_per_directory(self):
        self.assertEqual("yes", self.ok(self.request("ReturnsGarbage")).request.set_headers["Kept"])
        one = os.path.join(self.root, "one")
        two = os.path.join(self.root, "two")
        self.assertEqual("one", self.ok(self.request("MyPreHook"), dirs=[one]).request.set_headers["Bundle"])
        self.assertEqual("two", self.ok(self.request("MyPreHook"), dirs=[two]).request.set_headers["Bundle"])
        self.assertEqual("two", self.ok(self.request("MyPreHook"), dirs=[os.path.join(self.root, "none"), two])
                         .request.set_headers["Bundle"])

    def test_an_unknown_hook_fails_with_where_it_was_looked_for(self):
        message = self.failure(self.request("NoSuchHook"))["message"]
        self.assertIn("no hook named 'NoSuchHook'", message)
        self.assertIn(self.default_dir, message)

    def test_a_hook_that_raises_fails_the_call_and_the_worker_goes_on(self):
        failure = self.failure(self.request("Raises"))
        self.assertEqual("ValueError: boom from the plugin", failure["message"])
        self.assertIn("middleware.py", failure["traceback"])
        self.assertNotIn("coproxy_worker.py", failure["traceback"])
        self.assertIn("Kept", self.ok(self.request("ReturnsGarbage")).request.set_headers)

    def test_a_returned_value_of_another_shape_is_ignored_and_in_place_changes_kept(self):
        self.assertEqual("yes", self.ok(self.request("ReturnsGarbage")).request.set_headers["Kept"])
        reply = self.ok(self.request("ReturnsNothing"))
        self.assertEqual(7, reply.session.rate)
        self.assertEqual("in place", reply.session.metadata["who"])

    def test_returned_replacements_are_adopted(self):
        reply = self.ok(self.request("ReplacesSession"))
        self.assertEqual(99, reply.session.rate)
        self.assertEqual("3", reply.session.metadata["count"])

    def test_garbage_metadata_is_a_clear_failure(self):
        message = self.failure(self.request("ReturnsGarbageMetadata"))["message"]
        self.assertEqual("TypeError: hook ReturnsGarbageMetadata returned metadata of type int; "
                         "a dict (or None) was expected", message)

    def test_a_hook_of_an_unknown_form_and_sys_exit_fail_the_call_only(self):
        self.assertIn("takes 6 arguments", self.failure(self.request("TooMany"))["message"])
        self.assertEqual("a plugin called sys.exit(4)", self.failure(self.request("Exits"))["message"])
        self.assertEqual("yes", self.ok(self.request("Prints")).request.set_headers["Printed"])
        self.gateway.poll(lambda: "must not break the channel" in self.gateway.stderr(), "the print on stderr")

    def test_a_call_past_its_deadline_is_not_run(self):
        failure = self.failure(self.request("ReturnsGarbage"), deadline_ms=int(time.time() * 1000) - 1)
        self.assertTrue(failure["timeout"])

    def test_an_event_reaches_its_handler(self):
        kind, _ = self.gateway.event({"handler_name": "OnEvent", "EventType": "KeyExpired"})
        self.assertEqual("R", kind)
        self.assertEqual("KeyExpired", self.gateway.stored("event"))

    def test_a_plugin_thread_calling_the_gateway_during_hooks_never_crosses_frames(self):
        rounds = 300
        self.ok(self.request("StartChatter", Rounds=rounds))
        echoes = 0
        # Hooks that call back themselves run for as long as the thread chatters, and at least 30 times.
        while echoes < 30 or len([k for k in self.gateway.keys() if k.startswith("busy-")]) < rounds:
            key = "echo-%d" % echoes
            reply = self.ok(self.request("Echo", Key=key))
            self.assertEqual("stored " + key, reply.request.set_headers["Got"])
            echoes += 1
            self.assertLess(echoes, 100000, "the plugin thread made no progress")
        self.assert_report(rounds)

    def test_a_plugin_thread_calling_the_gateway_between_calls_is_answered(self):
        rounds = 50
        gate = self.gateway.hold("gate")
        self.ok(self.request("StartIdleChatter", Rounds=rounds))
        gate.set()  # from now on the worker is idle: no call is sent until the thread has finished
        self.gateway.poll(lambda: self.gateway.stored("idle-done") == "yes", "the idle thread's callbacks")
        self.assert_report(rounds)

    def assert_report(self, rounds):
        reply = self.ok(self.request("Report")).request.set_headers
        self.assertEqual(("[]", "[]"), (reply["Wrong"], reply["Errors"]))
        self.assertEqual(str(rounds), reply["Rounds"])
        self.assertEqual([], self.gateway.malformed)
        logs = [n for n in self.gateway.notes if n.get("op") == "log" and n["message"].startswith("chatter ")]
        self.assertEqual(rounds, len(logs))

    def test_the_worker_exits_when_the_gateway_closes_even_with_a_plugin_thread_running(self):
        self.ok(self.request("StartBlockingThread"))
        self.assertEqual(0, self.gateway.close())


if __name__ == "__main__":
    unittest.main()
