-- Mixed Autofill traffic for wrk (driven by bench/load.py): 40% prefill of ct01 (one
-- citizen), 10% prefill of business-change (a business and its representative), 35%
-- citizen lookups, 15% business lookups, over the IDs the seeder wrote.
local citizens, businesses = {}, {}
local headers = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function init(args)
  for line in io.lines(os.getenv("AUTOFILL_BENCH_CITIZENS")) do
    citizens[#citizens + 1] = line
  end
  for line in io.lines(os.getenv("AUTOFILL_BENCH_BUSINESSES")) do
    businesses[#businesses + 1] = line
  end
  headers["Authorization"] = "Bearer " .. os.getenv("AUTOFILL_BENCH_KEY")
  headers["Content-Type"] = "application/json"
  math.randomseed(os.time() * 100 + (thread_id or 0))
end

local PURPOSE = '"purpose":"Giải quyết thủ tục hành chính"'

function request()
  local r = math.random(100)
  if r <= 40 then
    local id = citizens[math.random(#citizens)]
    local body = '{"subjects":{"applicant":"' .. id .. '"},' .. PURPOSE .. '}'
    return wrk.format("POST", "/v1/forms/ct01/prefill", headers, body)
  elseif r <= 50 then
    local code = businesses[math.random(#businesses)]
    local body = '{"subjects":{"company":"' .. code .. '"},' .. PURPOSE .. '}'
    return wrk.format("POST", "/v1/forms/business-change/prefill", headers, body)
  elseif r <= 85 then
    return wrk.format("GET", "/v1/citizens/" .. citizens[math.random(#citizens)], headers)
  else
    return wrk.format("GET", "/v1/businesses/" .. businesses[math.random(#businesses)], headers)
  end
end
