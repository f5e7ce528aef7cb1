-- wrk script for bench/bench.py: POST a 1 KiB body (keep-alive).
-- BENCH_DELAY_MS > 0 paces each connection: a random pause of 0..2*BENCH_DELAY_MS ms
-- (mean BENCH_DELAY_MS) before each request, so that both gateways get the same offered load.
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
-- bench.py's API_KEY: the bench channel requires it (client-auth).
wrk.headers["X-API-Key"] = "bench-client-key"

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
if pause > 0 then
    function delay()
        return math.random(0, 2 * pause)
    end
end
