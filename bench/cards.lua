-- wrk script for bench/scale: the card check, GET /v1/cards/{card_no}, over a range of cards.
--
--   wrk -t2 -c32 -d10s --latency -s bench/cards.lua http://127.0.0.1:18080 -- TOKEN CARDS OFFSET THREADS
--
-- TOKEN: a terminal token. CARDS: cards BENCH0000000 … BENCH<CARDS-1> exist (7 digits). OFFSET: first card index.
-- THREADS: wrk's -t; thread k asks for cards OFFSET+k, OFFSET+k+THREADS, … (mod CARDS).
-- At the end it prints "cards status_2xx=… status_non2xx=…" summed over threads, and wrk's latency percentiles.

local threads = {}

function setup(thread)
    thread:set("thread_id", #threads)
    table.insert(threads, thread)
end

function init(args)
    token = args[1] or error("cards.lua: pass TOKEN CARDS OFFSET THREADS after --")
    cards = tonumber(args[2])
    offset = tonumber(args[3]) or 0
    thread_total = tonumber(args[4]) or 1
    next_index = 0
    ok, failed = 0, 0
    headers = { ["Authorization"] = "Bearer " .. token }
end

function request()
    local index = (offset + thread_id + next_index * thread_total) % cards
    next_index = next_index + 1
    return wrk.format("GET", string.format("/v1/cards/BENCH%07d", index), headers)
end

function response(status, headers, body)
    if status >= 200 and status < 300 then
        ok = ok + 1
    else
        failed = failed + 1
        if failed <= 3 then io.stderr:write(string.format("non-2xx %d: %s\n", status, body)) end
    end
end

function done(summary, latency, requests)
    local total_ok, total_failed = 0, 0
    for _, thread in ipairs(threads) do
        total_ok = total_ok + thread:get("ok")
        total_failed = total_failed + thread:get("failed")
    end
    io.write(string.format("cards status_2xx=%d status_non2xx=%d\n", total_ok, total_failed))
    io.write(string.format("cards p50_us=%d p99_us=%d requests=%d duration_us=%d\n",
        latency:percentile(50), latency:percentile(99), summary.requests, summary.duration))
end
