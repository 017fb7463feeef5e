-- Plugins for DebugHeadersIT: the test finds the lines by their "line:" markers.

function dbg_ok(request, session, spec)
  return request, session
end

function dbg_fails(request, session, spec)
  error("lua says no") -- line: error
end

function dbg_auth(request, session, metadata, spec)
  local missing = nil
  return missing.field -- line: auth
end
