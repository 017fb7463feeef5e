-- auth_check plugins for the ID extractor tests. Like Tyk's TestValueExtractorHeaderSource plugins,
-- each authorises only its first call (a flag in the gateway's store, shared by all Lua instances)
-- and sets an id_extractor_deadline, so a second identical request can only pass from the cache.

local function first_call(flag)
  if tyk.get_data(flag) ~= "" then
    return false
  end
  tyk.store_data(flag, "used", 600)
  return true
end

local function authorise(session, metadata, token, ttl)
  session.rate = 1000
  session.per = 1
  session.id_extractor_deadline = os.time() + ttl
  metadata.token = token
end

function idx_header(request, session, metadata, spec)
  local auth = request.headers["Authorization"]
  if auth == "abc" and first_call("idx_header") then
    authorise(session, metadata, auth, 60)
  end
  return request, session, metadata
end

function idx_form(request, session, metadata, spec)
  local auth = string.match(request.body, "auth=([^&]*)")
  if auth == "form-abc" and first_call("idx_form") then
    authorise(session, metadata, auth, 60)
  end
  return request, session, metadata
end

function idx_regex(request, session, metadata, spec)
  local auth = request.headers["Authorization"]
  if auth == "prefix-12345" and first_call("idx_regex") then
    authorise(session, metadata, auth, 60)
  end
  return request, session, metadata
end

-- Authorises every call, with a deadline one second ahead: the cache ends within a second.
function idx_short(request, session, metadata, spec)
  authorise(session, metadata, request.headers["X-Id"], 1)
  return request, session, metadata
end
