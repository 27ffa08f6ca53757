-- wrk script: count responses by status class across all threads (used by the burst run).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  s2, s429, s5, other = 0, 0, 0, 0
end

function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status < 300 then s2 = s2 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s2"); b = b + t:get("s429"); c = c + t:get("s5"); d = d + t:get("other")
  end
  io.write(string.format("STATUS 2xx=%d 429=%d 5xx=%d other=%d socket_errors connect=%d read=%d write=%d timeout=%d\n",
    a, b, c, d, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
