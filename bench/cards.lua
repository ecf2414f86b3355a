-- wrk script for bench/scale: the card check, GET /v1/cards/{card_no}, over a range of cards. It reuses
-- bench/meals.lua's thread bookkeeping, answer counts and summary, and asks for cards instead of posting meals.
--
--   wrk -t2 -c32 -d10s --latency -s bench/cards.lua http://127.0.0.1:18080 -- TOKEN CARDS OFFSET THREADS
--
-- TOKEN: a terminal token. CARDS: cards BENCH0000000 … BENCH<CARDS-1> exist (7 digits). OFFSET: first card index.
-- THREADS: wrk's -t; thread k asks for cards OFFSET+k, OFFSET+k+THREADS, … (mod CARDS).
-- At the end it prints "cards status_2xx=… status_non2xx=… …" summed over threads, and wrk's latency percentiles.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "meals.lua")
summary_label = "cards"

function init(args)
    token = args[1] or error("cards.lua: pass TOKEN CARDS OFFSET THREADS after --")
    cards = tonumber(args[2])
    offset = tonumber(args[3]) or 0
    thread_total = tonumber(args[4]) or 1
    next_index = 0
    sent, ok, failed, statuses = 0, 0, 0, {}
    headers = { ["Authorization"] = "Bearer " .. token }
end

function request()
    local index = (offset + thread_id + next_index * thread_total) % cards
    next_index = next_index + 1
    sent = sent + 1
    return wrk.format("GET", string.format("/v1/cards/BENCH%07d", index), headers)
end
