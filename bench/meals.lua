-- wrk script for bench/meals: every request is a new meal, POST /v1/meals with a fresh v4-style UUID.
--
--   wrk -t2 -c32 -d15s --latency -s bench/meals.lua http://127.0.0.1:18080 -- TOKEN OCCURRED_AT CARDS OFFSET THREADS [DIGITS]
--
-- TOKEN: a terminal token. OCCURRED_AT: RFC 3339 time for every meal (the run's start). CARDS: cards
-- BENCH000000 … BENCH<CARDS-1> exist (DIGITS digits after BENCH, default 6; bench/scale's cards have 7).
-- OFFSET: first card index, so that successive runs use other cards.
-- THREADS: wrk's -t. Thread k takes cards OFFSET+k, OFFSET+k+THREADS, … (mod CARDS): the threads never
-- post for the same card, and a card comes round again only after CARDS meals.
-- At the end it prints "meals status_2xx=… status_non2xx=… unanswered=… statuses=code:count,…" summed over
-- threads (unanswered: requests still in flight when wrk stopped), and wrk's latency percentiles.

local threads = {}
-- The first word of the summary lines (bench/cards.lua, which reuses this file, says "cards").
summary_label = "meals"

function setup(thread)
    thread:set("thread_id", #threads)
    table.insert(threads, thread)
end

function init(args)
    token = args[1] or error("meals.lua: pass TOKEN OCCURRED_AT CARDS OFFSET after --")
    occurred_at = args[2]
    cards = tonumber(args[3])
    offset = tonumber(args[4]) or 0
    thread_total = tonumber(args[5]) or 1
    card_format = "BENCH%0" .. (tonumber(args[6]) or 6) .. "d"
    -- Seed per thread: the thread id and the time (microseconds where the clock has them).
    math.randomseed(os.time() * 1000 + thread_id * 7919 + math.floor((os.clock() * 1e6) % 1000))
    for _ = 1, 10 do math.random() end
    next_index = 0
    sent, ok, failed, statuses = 0, 0, 0, {}
    headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
end

local hex = "0123456789abcdef"
local function hexdigit(n) return hex:sub(n + 1, n + 1) end

-- 8-4-4-4-12 hex digits, version 4, variant 10xx.
local function uuid4()
    local t = {}
    for i = 1, 32 do
        local d = math.random(0, 15)
        if i == 13 then d = 4 elseif i == 17 then d = 8 + d % 4 end
        t[#t + 1] = hexdigit(d)
        if i == 8 or i == 12 or i == 16 or i == 20 then t[#t + 1] = "-" end
    end
    return table.concat(t)
end

function request()
    local index = (offset + thread_id + next_index * thread_total) % cards
    next_index = next_index + 1
    sent = sent + 1
    local body = string.format('{"id":"%s","card_no":"%s","occurred_at":"%s","gross_fen":2000}',
        uuid4(), string.format(card_format, index), occurred_at)
    return wrk.format("POST", "/v1/meals", headers, body)
end

function response(status, headers, body)
    if status >= 200 and status < 300 then
        ok = ok + 1
    else
        failed = failed + 1
        statuses[status] = (statuses[status] or 0) + 1
        if failed <= 3 then io.stderr:write(string.format("non-2xx %d: %s\n", status, body)) end
    end
end

function done(summary, latency, requests)
    local total_sent, total_ok, total_failed, by_status = 0, 0, 0, {}
    for _, thread in ipairs(threads) do
        total_sent = total_sent + thread:get("sent")
        total_ok = total_ok + thread:get("ok")
        total_failed = total_failed + thread:get("failed")
        local s = thread:get("statuses")
        for code, n in pairs(s) do by_status[code] = (by_status[code] or 0) + n end
    end
    local parts = {}
    for code, n in pairs(by_status) do parts[#parts + 1] = code .. ":" .. n end
    table.sort(parts)
    -- Requests written but not answered when wrk stopped: the server may still have booked them.
    io.write(string.format("%s status_2xx=%d status_non2xx=%d unanswered=%d statuses=%s\n", summary_label,
        total_ok, total_failed, total_sent - total_ok - total_failed, #parts > 0 and table.concat(parts, ",") or "-"))
    io.write(string.format("%s p50_us=%d p99_us=%d requests=%d duration_us=%d\n", summary_label,
        latency:percentile(50), latency:percentile(99), summary.requests, summary.duration))
end
