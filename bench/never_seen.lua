-- wrk script: every request asks the proposals list for a filter combination no earlier request of
-- the run asked for (bench/scale.py). The combinations are numbered in mixed radix over the choices
-- below (the first choice of each is "no such filter", 46,656 in all); each wrk thread walks them
-- from its own starting point with a stride coprime to their count, so a thread repeats none
-- before it has sent them all (far more than a run sends).
local choices = {
  {"year", {"", "2024", "2025", "2026"}},
  {"type", {"", "suggestion", "proposal"}},
  {"status", {"", "in_hand", "extended", "replied", "rehandling", "following_up", "feedback",
              "opinion_sent", "closed"}},
  {"area", {"", "education", "healthcare", "elderly-care", "childcare", "housing", "employment",
            "social-assistance"}},
  {"role", {"", "sole", "lead", "co", "split", "replying"}},
  {"replied", {"", "yes", "no"}},
  {"met", {"", "yes", "no"}},
  {"on_time", {"", "yes", "no"}},
}
local total = 1
for _, choice in ipairs(choices) do total = total * #choice[2] end
local stride = 7919  -- prime, and not a factor of total
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local n = 0
local path = "/zh/proposals"

function init(args)
  if args[1] then path = args[1] end
  n = (id or 0) * 104729 + os.time() % 1000 * 31
end

function request()
  n = n + 1
  local k = (n * stride) % total
  local query = {}
  for _, choice in ipairs(choices) do
    local values = choice[2]
    local pick = k % #values
    k = math.floor(k / #values)
    if pick > 0 then
      query[#query + 1] = choice[1] .. "=" .. values[pick + 1]
    end
  end
  local url = path
  if #query > 0 then url = url .. "?" .. table.concat(query, "&") end
  return wrk.format("GET", url)
end
