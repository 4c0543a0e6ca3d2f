-- wrk script for `make bench`: adds the gateway's headers and prints one JSON line.
--
--   wrk -c32 -d20s -s bench/wrk_report.lua http://127.0.0.1:PORT/path
--
-- The gateway terminates TLS and sends X-Forwarded-Proto: https (docs/deploy.md); without
-- it production settings would answer every request with a redirect to HTTPS.
-- Non-2xx responses are counted here (wrk itself only counts status >= 400 as errors).

wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["Accept-Encoding"] = "gzip"

local threads = {}

function setup(thread)
   thread:set("non2xx", 0)
   table.insert(threads, thread)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local non2xx_total = 0
   for _, thread in ipairs(threads) do
      non2xx_total = non2xx_total + thread:get("non2xx")
   end
   local seconds = summary.duration / 1e6
   local errors = summary.errors
   -- Latencies in milliseconds; wrk reports microseconds.
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_s": %.3f, "requests_per_s": %.2f, '
         .. '"bytes": %d, "latency_ms": {"mean": %.3f, "stdev": %.3f, "max": %.3f, '
         .. '"p50": %.3f, "p90": %.3f, "p95": %.3f, "p99": %.3f}, '
         .. '"non_2xx": %d, "errors": {"connect": %d, "read": %d, "write": %d, '
         .. '"status": %d, "timeout": %d}}\n',
      summary.requests, seconds, summary.requests / seconds, summary.bytes,
      latency.mean / 1000, latency.stdev / 1000, latency.max / 1000,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(95) / 1000, latency:percentile(99) / 1000,
      non2xx_total, errors.connect, errors.read, errors.write, errors.status,
      errors.timeout))
end
