-- Plugin for TracingIT: shows the client the trace context the hook was given in its metadata.

function trace_seen(request, response, session, metadata, spec)
  response.headers["X-Seen-Traceparent"] = metadata["traceparent"] or "none"
  response.headers["X-Seen-Tracestate"] = metadata["tracestate"] or "none"
  return response
end

-- Hands the metadata back with the trace context in it, as a plugin that returns what it got does.
function trace_auth(request, session, metadata, spec)
  session.rate = 100
  session.per = 1
  session.metadata = { seen = metadata["traceparent"] or "none" }
  metadata.token = "trace-token"
  return request, session, metadata
end

-- A pre hook has no metadata argument: it reads the context from the tyk library.
function trace_pre(request, session, spec)
  tyk.req.set_header("X-Seen-Traceparent", tyk.traceparent() or "none")
  tyk.req.set_header("X-Seen-Tracestate", tyk.tracestate() or "none")
  return request, session
end
