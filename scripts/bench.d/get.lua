-- wrk: GET the URL given on the command line with the bench API key.
-- Environment: RL_BENCH_D (this folder), RL_BENCH_KEY (an API key).
dofile(os.getenv("RL_BENCH_D") .. "/report.lua")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("RL_BENCH_KEY")
wrk.headers["Accept"] = "application/json"
