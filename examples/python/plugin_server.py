#!/usr/bin/env python3
"""A Coproxy (and Tyk) gRPC plugin server in Python: implements coprocess.Dispatcher with grpcio.

No generated _pb2 modules: the message classes are built at run time from the descriptor set the
Maven build writes (target/classes/proto/coprocess.desc), which works with Debian's protobuf 3.21
as well as with protobuf 5.x to 7.x from PyPI.

    python3 examples/python/plugin_server.py [--port 5555] [--desc target/classes/proto/coprocess.desc]

Hooks (use them in an API's custom_middleware with "driver": "grpc"):
  MyPreHook       pre: adds the request header X-Python-Plugin: pre
  MyAuthCheck     auth_check: the Authorization header "python-token" gets a session (rate 100 per 1,
                  metadata user=python); anything else is answered 403 by the plugin
  MyResponseHook  response: adds the header X-Python-Plugin: response and replaces the body
It prints "plugin server ready on port N" once it listens.
"""

import argparse
import os
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DESC = os.path.join(HERE, "..", "..", "target", "classes", "proto", "coprocess.desc")


def message_class_maker(pool):
    """Descriptor -> message class: GetMessageClass on protobuf 4.22 and newer (5.x, 6.x and 7.x
    have nothing else), MessageFactory.GetPrototype on older runtimes such as Debian's 3.21."""
    make = getattr(message_factory, "GetMessageClass", None)
    return make if make is not None else message_factory.MessageFactory(pool).GetPrototype


def load_messages(path):
    files = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        files.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for proto in files.file:  # protoc writes a file after the files it imports
        pool.AddSerializedFile(proto.SerializeToString())
    make = message_class_maker(pool)
    return {name: make(pool.FindMessageTypeByName("coprocess." + name))
            for name in ("Object", "Event", "EventReply")}


def my_pre_hook(obj):
    obj.request.set_headers["X-Python-Plugin"] = "pre"
    return obj


def my_auth_check(obj):
    token = obj.request.headers.get("Authorization", "")
    if token != "python-token":
        obj.request.return_overrides.response_code = 403
        obj.request.return_overrides.response_error = "Access to this API has been disallowed"
        return obj
    obj.session.rate = 100
    obj.session.per = 1
    obj.session.metadata["user"] = "python"
    obj.metadata["token"] = token  # the key is stored under this token
    return obj


def my_response_hook(obj):
    obj.response.headers["X-Python-Plugin"] = "response"
    obj.response.raw_body = b"rewritten by python"
    obj.response.body = ""
    return obj


HOOKS = {"MyPreHook": my_pre_hook, "MyAuthCheck": my_auth_check, "MyResponseHook": my_response_hook}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=5555)
    ap.add_argument("--desc", default=DEFAULT_DESC)
    args = ap.parse_args()
    messages = load_messages(args.desc)

    def dispatch(obj, context):
        hook = HOOKS.get(obj.hook_name)
        return hook(obj) if hook else obj

    def dispatch_event(event, context):
        print("event: " + event.payload, flush=True)
        return messages["EventReply"]()

    handler = grpc.method_handlers_generic_handler("coprocess.Dispatcher", {
        "Dispatch": grpc.unary_unary_rpc_method_handler(
            dispatch, request_deserializer=messages["Object"].FromString,
            response_serializer=messages["Object"].SerializeToString),
        "DispatchEvent": grpc.unary_unary_rpc_method_handler(
            dispatch_event, request_deserializer=messages["Event"].FromString,
            response_serializer=messages["EventReply"].SerializeToString),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:%d" % args.port)
    server.start()
    print("plugin server ready on port %d" % port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
