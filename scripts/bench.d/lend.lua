-- wrk: POST /api/v1/loans, each request lending its own device to its own
-- member: line i of the pool file RL_BENCH_POOL ("device_body member_body",
-- seeded by seed_loans.sql). Thread t of n (RL_BENCH_WRK_THREADS, wrk -t)
-- takes lines t+1, t+1+n, t+1+2n… Replies are counted by status: a loan
-- is made only by a 201, so done() prints one RL_LEND line (created, the
-- other replies, requests beyond the pool) before report.lua's RL_WRK.
-- Environment: RL_BENCH_D, RL_BENCH_KEY, RL_BENCH_POOL, RL_BENCH_WRK_THREADS.
dofile(os.getenv("RL_BENCH_D") .. "/report.lua")
local report_done = done

local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  pool = {}
  for line in io.lines(os.getenv("RL_BENCH_POOL")) do
    pool[#pool + 1] = line
  end
  nthreads = tonumber(os.getenv("RL_BENCH_WRK_THREADS") or "2")
  k, created, other, beyond = 0, 0, 0, 0
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("RL_BENCH_KEY"),
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
end

function request()
  local i = tid + 1 + k * nthreads
  k = k + 1
  local line = pool[i]
  if line == nil then -- the pool ran out: lend its last pair again (refused, so counted)
    beyond = beyond + 1
    line = pool[#pool]
  end
  local device, member = line:match("^(%S+) (%S+)$")
  return wrk.format("POST", nil, headers,
    '{"device":"' .. device .. '","member":"' .. member .. '"}')
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o, b = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    b = b + t:get("beyond")
  end
  io.write(string.format("RL_LEND created=%d other=%d beyond_pool=%d\n", c, o, b))
  report_done(summary, latency, requests)
end
