-- Plugins for LuaDriverIT: one global function per hook, Tyk's contract.

function lua_pre(request, session, spec)
  tyk.req.set_header("X-Lua-Pre", "yes")
  tyk.req.set_header("X-Api", spec.APIID)
  tyk.req.clear_header("X-Drop-1")
  tyk.req.clear_header("X-Drop-2")
  local headers = tyk.req.get_headers()
  request.set_headers["X-Seen-Probe"] = headers["X-Probe"] or "none"
  request.add_params["added"] = "1"
  return request, session
end

function lua_post(request, session, spec)
  request.set_headers["X-User"] = session.metadata.user or "none"
  request.set_headers["X-Rate"] = tostring(session.rate)
  return request, session
end

function lua_response(request, response, session, metadata, spec)
  response.raw_body = "lua:" .. response.status_code
  response.headers["X-Resp"] = "lua"
  return response
end

function lua_trace_seen(request, response, session, metadata, spec)
  response.headers["X-Seen-Traceparent"] = metadata["traceparent"] or "none"
  return response
end

function lua_auth(request, session, metadata, spec)
  local token = request.headers["Authorization"]
  if token == "good-lua-token" then
    session.rate = 100
    session.per = 1
    session.quota_max = 2
    session.quota_remaining = 2
    session.quota_renewal_rate = 3600
    session.metadata = { user = "lua-user" }
    metadata.token = token
  end
  if token == "lua-policy-token" then
    session.apply_policy_id = request.headers["Policy"]
    metadata.token = token
  end
  return request, session, metadata
end

function lua_helpers(request, session, spec)
  local value = request.headers["X-Value"]
  if value then
    tyk.store_data("helper-key", value, 60)
  end
  tyk.req.set_header("X-Stored", tyk.get_data("helper-key"))
  tyk.trigger_event("LuaTriggered", "payload-" .. (value or "none"))
  tyk.log("lua_helpers ran", "info")
  return request, session
end

function lua_runtime_error(request, session, spec)
  error("boom from lua")
end

function lua_loop(request, session, spec)
  local i = 0
  while true do
    i = i + 1
  end
end

function lua_loop_pcall(request, session, spec)
  while true do
    pcall(function() while true do end end)
  end
end

function lua_os(request, session, spec)
  os.execute("touch " .. request.headers["X-Path"])
  return request, session
end

function lua_os_visible(request, session, spec)
  tyk.req.set_header("X-Os", tostring(os.execute ~= nil) .. "," .. tostring(io.popen ~= nil) .. ","
    .. tostring(os.exit ~= nil) .. "," .. tostring(luajava ~= nil) .. "," .. tostring(debug ~= nil))
  return request, session
end

function lua_binary(request, session, spec)
  local body = request.raw_body
  request.raw_body = string.reverse(string.reverse(body))
  tyk.req.set_header("X-Len", tostring(#body))
  return request, session
end

function lua_event(message, spec)
  tyk.store_data("event-seen", message.Type .. ":" .. spec.APIID .. ":" .. message.Meta.Message, 60)
end

function lua_event_read(request, session, spec)
  tyk.req.set_header("X-Event", tyk.get_data("event-seen"))
  return request, session
end

calls = 0
function lua_counter(request, session, spec)
  calls = calls + 1
  tyk.req.set_header("X-Calls", tostring(calls))
  return request, session
end

function lua_loop_coroutine(request, session, spec)
  local spin = coroutine.wrap(function()
    while true do end
  end)
  spin()
  return request, session
end

function lua_coroutine_ok(request, session, spec)
  local gen = coroutine.wrap(function(a)
    local b = coroutine.yield(a + 1)
    return b * 2
  end)
  local first = gen(1)
  local second = gen(10)
  tyk.req.set_header("X-Co", first .. "," .. second)
  return request, session
end

function lua_stdin(request, session, spec)
  tyk.req.set_header("X-Stdin", tostring(io.read("*l")))
  return request, session
end

-- Millions of instructions (past the event-loop budget, well under the deadline), after an event
-- and a log line that must happen once per call.
function lua_busy(request, session, spec)
  tyk.trigger_event("LuaBusy", request.headers["X-Call"] or "")
  tyk.log("lua_busy ran", "info")
  local sum = 0
  for i = 1, 2000000 do
    sum = sum + i
  end
  tyk.req.set_header("X-Busy", sum > 0 and "done" or "?")
  return request, session
end

-- Reads a file: io may block, so this hook never runs on an event loop.
function lua_reads_file(request, session, spec)
  local f = io.open(request.headers["X-Path"], "r")
  tyk.req.set_header("X-File", f:read("*l"))
  f:close()
  return request, session
end
