-- wrk script for bench/ingest.py: one fixed POST, repeated.
-- Parameters come from the environment so that one script serves every target:
--   BENCH_AUTH  value of the Authorization header (required)
--   BENCH_BODY  application/x-www-form-urlencoded request body (required)
--   BENCH_PATH  request path; defaults to the path of the URL given to wrk
-- No request()/response() callbacks are defined, so wrk sends the same
-- pre-built request without calling into Lua per request.

local auth = os.getenv("BENCH_AUTH")
local body = os.getenv("BENCH_BODY")
assert(auth and auth ~= "", "post.lua: BENCH_AUTH is not set")
assert(body and body ~= "", "post.lua: BENCH_BODY is not set")

wrk.method = "POST"
wrk.body = body
wrk.headers["Authorization"] = auth
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

local path = os.getenv("BENCH_PATH")
if path and path ~= "" then
  wrk.path = path
end
