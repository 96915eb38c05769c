-- Appends a message at its seq unless the seq is taken (IMessageStore.AppendAsync), or, with no seq given, claims the
-- client message id, takes the next seq, appends and records the message id in one atomic step
-- (IAtomicSequencingStore.SequenceAndAppendAsync), and with bookkeeping also advances the sender's read mark and the
-- conversation's activity (IAtomicBookkeepingStore). (receipt_marks.lua and conversation_activity.lua are put before
-- this script.)
-- KEYS[1] messages  ZSET   score seq, member payload (JSON without conversation id and seq)
-- KEYS[2] client    STRING the de-duplication claim "<seq>", or "<seq> <payload>" with a retention (so a repeat still
--                          gets the original after retention removed it), expires after the window
-- KEYS[3] log       HASH   last = highest stored seq, trimmed = highest seq removed by retention
-- KEYS[4] counter   STRING the sequencer's counter
-- KEYS[5] id index  STRING "<seq> <conversation id>" (when ARGV[6] is '1': only on a standalone server, another slot)
-- then, with bookkeeping: device receipts HASH, user receipts HASH (marks as in receipt_marks.lua), info HASH (see
-- conversation_touch.lua)
-- ARGV[1] seq, or '' to take the next one   ARGV[2] payload   ARGV[3] de-duplication window (ms)
-- ARGV[4] retention: messages kept per conversation, '' to keep every message   ARGV[5] conversation id
-- ARGV[6] '1' when KEYS[5] is the id index entry, else '0'
-- ARGV[7] '1' to answer with the message ids of the messages retention removes, else '0'
-- ARGV[8..12] bookkeeping (only with ARGV[1] = ''), or absent: sender's device field, sender id, mark time (UTC ticks),
-- activity (UTC ticks), activity (Unix ms)
-- Returns {0, seq, sender mark before or false, removed message ids} appended | {1, "<seq> <payload>"} duplicate
-- (payload as stored then, so trimmed originals still answer) | {2, payload or false} seq taken (false: removed by
-- retention)
local last = tonumber(redis.call('HGET', KEYS[3], 'last') or '0')
local counter = tonumber(redis.call('GET', KEYS[4]) or '0')
local seq
if ARGV[1] == '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then
    local space = string.find(existing, ' ', 1, true)
    if space then
      return {1, existing}
    end
    -- A claim that holds only the seq (the atomic step's without a retention, the composite path's): answer with
    -- the message stored there.
    local held = redis.call('ZRANGEBYSCORE', KEYS[1], existing, existing)
    if #held > 0 then
      return {1, existing .. ' ' .. held[1]}
    end
    return {2, false}
  end
  -- Above both the stored messages and the counter: never a seq a separate sequencer already handed out.
  seq = math.max(last, counter) + 1
else
  seq = tonumber(ARGV[1])
  local holder = redis.call('ZRANGEBYSCORE', KEYS[1], seq, seq)
  if #holder > 0 then
    return {2, holder[1]}
  end
  if seq <= tonumber(redis.call('HGET', KEYS[3], 'trimmed') or '0') then
    return {2, false}
  end
end
local seqText = string.format('%d', seq)

redis.call('ZADD', KEYS[1], seqText, ARGV[2])
if ARGV[1] == '' then
  -- Without a retention the message is never removed, so the claim need not hold a second copy of it.
  local claim = seqText
  if ARGV[4] ~= '' then
    claim = seqText .. ' ' .. ARGV[2]
  end
  redis.call('SET', KEYS[2], claim, 'PX', ARGV[3])
  if ARGV[6] == '1' then
    redis.call('SET', KEYS[5], seqText .. ' ' .. ARGV[5])
  end
end
if seq > last then
  redis.call('HSET', KEYS[3], 'last', seqText)
end
-- The counter never falls behind a stored seq, so the sequencer cannot hand this seq out again.
if seq > counter then
  redis.call('SET', KEYS[4], seqText)
end

-- Retention (when configured): keep the newest ARGV[4] messages and remember the highest removed seq, where the
-- conversation's history now starts (RedisMessageStore.GetHistoryStartAsync reads it).
-- The removed messages' ids go back to the caller, which removes their id index entries (they live in other slots).
local excess = 0
if ARGV[4] ~= '' then
  excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
end
local removed = {}
if excess > 0 then
  local cut
  if ARGV[7] == '1' then
    cut = redis.call('ZRANGE', KEYS[1], 0, excess - 1, 'WITHSCORES')
    for i = 1, #cut, 2 do
      -- A payload that does not decode is skipped: its entry stays (and reads as unknown), the append goes on.
      local decoded, message = pcall(cjson.decode, cut[i])
      if decoded and type(message) == 'table' and type(message.id) == 'string' then
        removed[#removed + 1] = message.id
      end
    end
  else
    cut = redis.call('ZRANGE', KEYS[1], excess - 1, excess - 1, 'WITHSCORES')
  end
  local top = cut[#cut]
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', top)
  if tonumber(top) > tonumber(redis.call('HGET', KEYS[3], 'trimmed') or '0') then
    redis.call('HSET', KEYS[3], 'trimmed', top)
  end
end
-- Bookkeeping: sending reads everything up to the message (the sender's pseudo-device), and the conversation moves.
-- The seq was just taken above every stored message, so the advance usually passes the user's marks and writes both
-- marks without reading the device's (see advance_marks).
local before = false
if ARGV[8] then
  local k = ARGV[6] == '1' and 6 or 5
  before = advance_marks(KEYS[k], KEYS[k + 1], ARGV[8], ARGV[9], seq, seq, ARGV[10])
  touch_conversation(KEYS[k + 2], seqText, ARGV[11], ARGV[12])
end
return {0, seq, before, removed}
