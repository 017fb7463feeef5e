# Plugin for TracingIT: tells the upstream the trace context the hook was given.
from tyk.decorators import *


@Hook
def TracePre(request, session, metadata, spec):
    request.add_header("X-Seen-Traceparent", request.traceparent or "none")
    return request, session, metadata
