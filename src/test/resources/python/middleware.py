# Test plugins for PythonDriverIT, written as Tyk plugin authors write them.
import json
import os
import time

from tyk.decorators import *
from gateway import TykGateway as tyk
import coprocess_object_pb2
import coprocess_mini_request_object_pb2
import coprocess_session_state_pb2
import coprocess_return_overrides_pb2
import coprocess_response_object_pb2
import coprocess_common_pb2


# Tyk's coprocess/python test: auth hook with quota, and with a policy named by the request (4 arguments).
@Hook
def MyAuthHook(request, session, metadata, spec):
    auth_header = request.get_header('Authorization')
    if auth_header == 'valid_token':
        session.rate = 1000.0
        session.per = 1.0
        session.max_query_depth = 1
        session.quota_max = 1
        session.quota_renewal_rate = 60
        metadata["token"] = "valid_token"
    if auth_header == 'token_without_quota':
        policy_id = request.get_header('Policy')
        session.apply_policy_id = policy_id
        metadata["token"] = "token_without_quota"
    return request, session, metadata


# Tyk's post hook reading session metadata (3 arguments).
@Hook
def MyPostHook(request, session, spec):
    if "testkey" not in session.metadata.keys():
        request.object.return_overrides.response_code = 400
        request.object.return_overrides.response_error = "'testkey' not found in metadata"
        return request, session
    nested_data = json.loads(session.metadata["testkey"])
    if "nestedkey" not in nested_data:
        request.object.return_overrides.response_code = 400
        request.object.return_overrides.response_error = "'nestedkey' not found in nested metadata"
        return request, session
    if session.metadata.get("stringkey") != "testvalue":
        request.object.return_overrides.response_code = 400
        request.object.return_overrides.response_error = "'stringkey' value doesn't match"
        return request, session
    return request, session


# Tyk's response hook (5 arguments).
@Hook
def MyResponseHook(request, response, session, metadata, spec):
    response.raw_body = b'newbody'
    return response


# Tyk's pre hook with the body rules (4 arguments on a pre hook).
@Hook
def MyPreHook(request, session, metadata, spec):
    content_type = request.get_header("Content-Type") or ""
    if "json" in content_type:
        if len(request.object.raw_body) <= 0:
            request.object.return_overrides.response_code = 400
            request.object.return_overrides.response_error = "Raw body field is empty"
            return request, session, metadata
        if "{}" not in request.object.body:
            request.object.return_overrides.response_code = 400
            request.object.return_overrides.response_error = "Body field doesn't match"
            return request, session, metadata
    if "multipart" in content_type:
        if len(request.object.body) != 0:
            request.object.return_overrides.response_code = 400
            request.object.return_overrides.response_error = "Body field isn't empty"
        if len(request.object.raw_body) <= 0:
            request.object.return_overrides.response_code = 400
            request.object.return_overrides.response_error = "Raw body field is empty"
    return request, session, metadata


@Hook
def Helpers(request, session, spec):
    request.add_header("X-Added", "yes")
    request.delete_header("X-Drop")
    request.add_param("added", "1")
    request.delete_param("drop")
    request.add_header("X-Seen-Probe", request.get_header("X-Probe") or "none")
    request.add_header("X-Missing-Is-None", str(request.get_header("X-Not-There") is None))
    request.add_header("X-Seen-Traceparent", request.traceparent or "none")
    request.add_header("X-Api", spec["APIID"])
    request.add_header("X-Config", json.loads(spec["config_data"])["greeting"])
    request.add_header("X-Hook-Type", str(coprocess_common_pb2.HookType.Name(coprocess_common_pb2.Pre)))
    print("a plugin print goes to the log, not into the frame channel")
    return request, session


@Pre
def LegacyPre(request, session, spec):
    request.add_header("X-Legacy", "pre")
    return request, session


@Hook
def StoreAndRead(request, session, spec):
    value = request.get_header("X-Value")
    if value:
        tyk.store_data("py-key", value, 60)
    stored = tyk.get_data("py-key")
    request.add_header("X-Stored", stored.decode("utf-8"))
    tyk.trigger_event("FromPython", "payload-" + stored.decode("utf-8"))
    tyk.log("stored " + stored.decode("utf-8"), "info")
    tyk.log_error("a log_error line")
    return request, session


@Hook
def Sleepy(request, session, spec):
    start = time.time()
    time.sleep(0.2)
    request.add_header("X-Pid", str(os.getpid()))
    request.add_header("X-Span", "%.6f %.6f" % (start, time.time()))
    return request, session


@Hook
def Pid(request, session, spec):
    request.add_header("X-Pid", str(os.getpid()))
    return request, session


@Hook
def Raises(request, session, spec):
    raise ValueError("raised on purpose")


@Hook
def Hangs(request, session, spec):
    time.sleep(60)
    return request, session


@Hook
def ExitsHard(request, session, spec):
    os._exit(3)


@Hook
def KillsItself(request, session, spec):
    os.kill(os.getpid(), 9)


@Hook
def Segfaults(request, session, spec):
    import ctypes
    ctypes.string_at(0)


@Hook
def Authoriser(request, session, metadata, spec):
    if request.get_header("Authorization") == "py-user":
        session.rate = 100
        session.per = 1
        session.metadata["user"] = "python"
        metadata["token"] = "py-user"
    else:
        request.object.return_overrides.response_code = 401
        request.object.return_overrides.response_error = "not you"
    return request, session, metadata


@Event
def on_auth_failure(event, spec):
    tyk.store_data("event-seen", "%s:%s:%s" % (event.message["Type"], event.message["Meta"]["Key"], spec["APIID"]), 60)
