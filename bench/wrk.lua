-- wrk script of the benchmark driver (bench/run.pl).
--
-- Without arguments, wrk sends its one pre-built request (the URL given on the
-- command line). With the arguments `put PREFIX`, every request is a PUT of a
-- new user: <path><PREFIX>-<thread>-<n>, unique per thread and request, so
-- each one creates a user (give the warm-up and the measured run different
-- prefixes).
--
-- With the argument `fresh`, every request is the pre-built one with a
-- distinct `bench=<thread>-<n>` parameter added, which the API ignores, so no
-- answer cache serves it.
--
-- In every case it prints one line that run.pl reads:
--   wrk-result requests=... duration_us=... bytes=... (errors) mean_us=... p50_us=...

local counter = 0
local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
end

-- A request function for `method` on `path` .. n, n = 1, 2, ...: the bytes
-- wrk.format(method, path .. n) would build, cut once around the number so
-- that each request costs the client one concatenation (the client shares
-- the two cores with nginx).
local function numbered(method, path)
   local sample = wrk.format(method, path .. "0")
   local at = string.find(sample, path .. "0", 1, true)
   local head = string.sub(sample, 1, at - 1) .. path
   local tail = string.sub(sample, at + #path + 1)
   return function()
      counter = counter + 1
      return head .. counter .. tail
   end
end

function init(args)
   if args[1] == "fresh" then
      -- the same request with a distinct, ignored parameter each time
      local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
      local base = wrk.path .. sep .. "bench=" .. tostring(tid) .. "-"
      request = numbered(nil, base)
   elseif args[1] == "put" then
      local prefix = wrk.path .. (args[2] or "bench") .. "-" .. tostring(tid) .. "-"
      request = numbered("PUT", prefix)
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "wrk-result requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d " ..
      "timeout=%d mean_us=%.1f p50_us=%d p99_us=%d max_us=%d\n",
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
      e.timeout, latency.mean, latency:percentile(50), latency:percentile(99), latency.max))
end
