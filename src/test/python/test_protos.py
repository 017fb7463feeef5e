"""Message classes built from the descriptor set, by the runner and by the example gRPC server,
on whichever protobuf runtime runs the tests (Debian's 3.21; PyPI's 5.x to 7.x have no GetPrototype)."""

import importlib
import os
import subprocess
import sys
import unittest
import warnings

from coproxy_testing import EXAMPLE_DIR, WAIT_SECONDS, descriptor_set, protos

import coproxy_protos

MODULES = ["coprocess_common_pb2", "coprocess_mini_request_object_pb2", "coprocess_object_pb2",
           "coprocess_response_object_pb2", "coprocess_return_overrides_pb2", "coprocess_session_state_pb2"]


class RunnerProtosTest(unittest.TestCase):

    def test_install_registers_tyks_module_names(self):
        self.assertEqual(MODULES, sorted(protos()))
        for name in MODULES:
            self.assertIs(protos()[name], importlib.import_module(name))

    def test_building_the_classes_warns_of_nothing(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            modules = coproxy_protos.install(descriptor_set())
        self.assertIn("Object", dir(modules["coprocess_object_pb2"]))
        for name in MODULES:  # the first install's modules stay in place for the runner
            sys.modules[name] = protos()[name]

    def test_messages_round_trip_with_nested_maps_and_enums(self):
        pb = protos()
        obj = pb["coprocess_object_pb2"].Object(hook_name="MyPreHook", hook_type=pb["coprocess_common_pb2"].Pre)
        obj.request.headers["Authorization"] = "token"
        obj.request.return_overrides.response_code = 403
        obj.session.rate = 10.5
        obj.session.metadata["user"] = "someone"
        obj.response.raw_body = b"\x00\xff"
        copy = pb["coprocess_object_pb2"].Object.FromString(obj.SerializeToString())
        self.assertEqual(obj, copy)
        self.assertEqual("Pre", pb["coprocess_common_pb2"].HookType.Name(copy.hook_type))
        self.assertEqual(403, copy.request.return_overrides.response_code)

    def test_session_names_under_tyks_module(self):
        from tyk.session import SessionState, TykSession
        self.assertIs(SessionState, TykSession)
        self.assertEqual(5, SessionState(rate=5).rate)


class ExampleServerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if EXAMPLE_DIR not in sys.path:
            sys.path.insert(0, EXAMPLE_DIR)
        import plugin_server
        cls.example = plugin_server

    def test_load_messages_builds_the_service_messages(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            messages = self.example.load_messages(descriptor_set())
        obj = messages["Object"](hook_name="MyPreHook")
        obj = self.example.my_pre_hook(messages["Object"].FromString(obj.SerializeToString()))
        self.assertEqual("pre", obj.request.set_headers["X-Python-Plugin"])
        self.assertEqual(b"", messages["EventReply"]().SerializeToString())

    def test_the_server_answers_dispatch_over_grpc(self):
        import grpc
        server = subprocess.Popen([sys.executable, os.path.join(EXAMPLE_DIR, "plugin_server.py"), "--port", "0",
                                   "--desc", descriptor_set()], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(server.stdout.close)
        self.addCleanup(server.wait)
        self.addCleanup(server.kill)
        line = server.stdout.readline().decode("utf-8")
        if not line.startswith("plugin server ready on port "):
            server.kill()
            self.fail("the example server did not start: " + line + server.stdout.read().decode("utf-8", "replace"))
        port = int(line.rsplit(" ", 1)[1])
        messages = self.example.load_messages(descriptor_set())
        with grpc.insecure_channel("127.0.0.1:%d" % port) as channel:
            dispatch = channel.unary_unary("/coprocess.Dispatcher/Dispatch",
                                           request_serializer=messages["Object"].SerializeToString,
                                           response_deserializer=messages["Object"].FromString)
            obj = messages["Object"](hook_name="MyAuthCheck")
            obj.request.headers["Authorization"] = "python-token"
            reply = dispatch(obj, timeout=WAIT_SECONDS)
        self.assertEqual(("python", 100), (reply.session.metadata["user"], reply.session.rate))


if __name__ == "__main__":
    unittest.main()
