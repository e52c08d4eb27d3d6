-- Replays a list of requests for wrk, spread over many targets.
--
--   wrk ... -s requests.lua URL -- METHOD FILE [BODY]
--
-- FILE holds one request a line, "<bearer token> <path>": each request
-- carries its own token (Authorization: Bearer), so that a run can spread
-- over several users as well as over many cases. BODY, when given, is sent
-- as application/json with every request. The requests are formatted once,
-- in init, so that wrk spends as little CPU per request as possible (the
-- server under test shares the machine). Each wrk thread walks the list
-- from its own offset, so that the threads spread over the targets instead
-- of hitting the same case together. No response() callback: wrk then
-- hands no response to Lua (it counts non-2xx answers itself).

local threads_set_up = 0

function setup(thread)
  thread:set("thread_index", threads_set_up)
  threads_set_up = threads_set_up + 1
end

function init(args)
  local method, file, body = args[1], args[2], args[3]
  if method == nil or file == nil then
    error("usage: wrk ... -s requests.lua URL -- METHOD FILE [BODY]")
  end
  requests = {}
  for line in io.lines(file) do
    local token, path = line:match("^(%S+) (%S+)$")
    if token == nil then error("bad line in " .. file .. ": '" .. line .. "'") end
    local headers = { ["Authorization"] = "Bearer " .. token }
    if body ~= nil then headers["Content-Type"] = "application/json" end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  if #requests == 0 then error(file .. " holds no requests") end
  -- wrk sets up and starts each thread before the next, so the number of
  -- threads is unknown here: start points follow the golden ratio, which
  -- keeps any number of threads far apart (two: 0 and 0.62 of the list).
  local golden = 0.6180339887
  position = math.floor(#requests * ((thread_index * golden) % 1))
end

function request()
  position = position % #requests + 1
  return requests[position]
end
