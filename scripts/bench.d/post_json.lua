-- wrk: POST one JSON body (the file RL_BENCH_BODY) to the URL given on the
-- command line, with the bench API key. Every request creates a new object,
-- so no Idempotency-Key is sent.
-- Environment: RL_BENCH_D (this folder), RL_BENCH_KEY, RL_BENCH_BODY.
dofile(os.getenv("RL_BENCH_D") .. "/report.lua")
local f = assert(io.open(os.getenv("RL_BENCH_BODY"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Authorization"] = "Bearer " .. os.getenv("RL_BENCH_KEY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
