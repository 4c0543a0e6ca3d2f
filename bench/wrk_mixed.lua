-- wrk script for `make load` (bench/load_mixed.py): a mixed read/write run, every answer
-- counted per kind of request and status.
--
--   wrk -t2 -c64 -d60s -s bench/wrk_mixed.lua http://127.0.0.1:PORT -- DATA.lua
--
-- DATA.lua (written by load_mixed.py) returns the paths, review ids, accounts and tokens.
-- Each request carries an X-Request-ID starting with its kind; Eldo echoes it, which is how
-- response() knows what it answers (wrk does not say which request a response belongs to).
-- Visitors come from many addresses (X-Forwarded-For, one trusted proxy as behind the
-- gateway), so that per-address throttles see visitors; three abusers each use one address
-- or one account, so that their 429s are the intended ones.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local data, deck
local n = 0
local seq = {}
counts = {}

-- kind -> share of the requests (out of the deck's length).
local MIX = {
   {"home", 10}, {"search", 10}, {"landing", 8}, {"profile", 12}, {"reviews_page", 4},
   {"api_pros", 10}, {"api_pro", 6}, {"api_pro_reviews", 6}, {"api_latest", 5},
   {"api_badge", 5},
   {"quote", 8}, {"review_report", 4}, {"login", 1},
   {"quote_abuse", 4}, {"report_abuse", 4}, {"login_abuse", 3},
}

function init(args)
   data = dofile(args[1])
   deck = {}
   for _, entry in ipairs(MIX) do
      for _ = 1, entry[2] do table.insert(deck, entry[1]) end
   end
   -- Interleave deterministically: a stride prime to the deck's length visits every slot.
   local shuffled, size, stride = {}, #deck, 37
   for i = 0, size - 1 do shuffled[i + 1] = deck[(i * stride) % size + 1] end
   deck = shuffled
end

local function pick(list, i)
   return list[(i - 1) % #list + 1]
end

local function visitor_address()
   -- 10.<thread>.x.y: tens of thousands of visitors, a handful of requests each.
   local k = n % 65000
   return string.format("10.%d.%d.%d", tid, math.floor(k / 250), k % 250 + 1)
end

local function headers_for(kind, address)
   return {
      ["X-Forwarded-Proto"] = "https",
      ["X-Forwarded-For"] = address,
      ["X-Request-ID"] = string.format("%s.%d.%08d", kind, tid, n),
      ["Accept-Encoding"] = "gzip",
   }
end

local function json_post(path, headers, body)
   headers["Content-Type"] = "application/json"
   return wrk.format("POST", path, headers, body)
end

function request()
   n = n + 1
   local kind = pick(deck, n)
   if data.reads[kind] then
      return wrk.format("GET", pick(data.reads[kind], n), headers_for(kind, visitor_address()))
   end
   if kind == "quote" or kind == "quote_abuse" then
      local address = kind == "quote" and visitor_address() or "192.0.2.66"
      local body = string.format(
         '{"category": "%s", "description": "Ravalement de façade, maison de %d m², '
            .. 'enduit à refaire entièrement.", "postcode": "%s", "first_name": "Charge", '
            .. '"email": "charge-%d-%d@exemple.fr", "phone": "06 12 34 56 78", '
            .. '"consent": true}',
         data.category, 80 + n % 100, data.postcode, tid, n)
      return json_post("/api/v1/quotes/", headers_for(kind, address), body)
   end
   if kind == "review_report" or kind == "report_abuse" then
      -- Every report of a run names another (account, review) pair: a second report of
      -- the same review by the same account is a 409 by design, not what is measured.
      seq[kind] = (seq[kind] or 0) + 1
      local headers = headers_for(kind, visitor_address())
      local token, list = data.abuser_token, data.abuse_review_ids
      if kind == "review_report" then
         -- Spread over the accounts: each reports a few reviews, well under its limit.
         token, list = pick(data.tokens, seq[kind]), data.review_ids
      end
      headers["Authorization"] = "Bearer " .. token
      local review = pick(list, (seq[kind] - 1) * data.threads + tid)
      return json_post(string.format("/api/v1/reviews/%d/report/", review), headers,
                       '{"reason": "off_topic"}')
   end
   if kind == "login" then
      -- Each login of a thread names the next account of its share: every account logs in
      -- a few times a run, under its 5/min limit. (Picking by the request counter visited
      -- only a handful of accounts: the deck's period and the stride shared a factor.)
      seq[kind] = (seq[kind] or 0) + 1
      local body = string.format('{"email": "%s", "password": "%s"}',
                                 pick(data.logins, (seq[kind] - 1) * data.threads + tid),
                                 data.password)
      return json_post("/api/v1/auth/token/", headers_for(kind, visitor_address()), body)
   end
   -- login_abuse: password guessing on one account from one address.
   local body = string.format('{"email": "%s", "password": "devine-%d"}', data.victim, n)
   return json_post("/api/v1/auth/token/", headers_for(kind, "192.0.2.99"), body)
end

function response(status, headers, body)
   local id = headers["X-Request-ID"] or headers["x-request-id"] or ""
   local kind = string.match(id, "^([%a_]+)%.") or "unknown"
   local key = kind .. " " .. status
   counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      for key, value in pairs(thread:get("counts")) do
         total[key] = (total[key] or 0) + value
      end
   end
   local parts = {}
   for key, value in pairs(total) do
      table.insert(parts, string.format('"%s": %d', key, value))
   end
   local errors = summary.errors
   io.write(string.format(
      'LOAD_JSON {"requests": %d, "duration_s": %.3f, "requests_per_s": %.2f, '
         .. '"latency_ms": {"mean": %.3f, "max": %.3f, "p50": %.3f, "p90": %.3f, '
         .. '"p95": %.3f, "p99": %.3f}, "errors": {"connect": %d, "read": %d, '
         .. '"write": %d, "timeout": %d}, "counts": {%s}}\n',
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency.mean / 1000, latency.max / 1000, latency:percentile(50) / 1000,
      latency:percentile(90) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, errors.connect, errors.read, errors.write,
      errors.timeout, table.concat(parts, ", ")))
end
