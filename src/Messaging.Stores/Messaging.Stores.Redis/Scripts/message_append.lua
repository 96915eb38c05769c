-- Appends a message, unless its client message id or its seq is taken. With no seq given it de-duplicates, takes
-- the next seq and appends in one atomic step (IAtomicSequencingStore).
-- KEYS[1] messages  ZSET   score seq, member payload (JSON without conversation id and seq)
-- KEYS[2] ids       ZSET   score seq, member message id
-- KEYS[3] client    STRING "<seq> <payload>": the de-duplication entry, expires after the window
-- KEYS[4] log       HASH   last = highest stored seq, trimmed = highest seq removed by retention
-- KEYS[5] counter   STRING the sequencer's counter
-- ARGV[1] seq, or '' to take the next one   ARGV[2] message id   ARGV[3] payload
-- ARGV[4] '1' for a tombstone (it claims no client message id)   ARGV[5] de-duplication window (ms)
-- ARGV[6] retention: messages kept per conversation, '' to keep every message
-- Returns {0, seq} appended | {1, "<seq> <payload>"} duplicate | {2, payload or nil} seq taken (nil: trimmed)
local tombstone = ARGV[4] == '1'
if not tombstone then
  local existing = redis.call('GET', KEYS[3])
  if existing then
    return {1, existing}
  end
end

local last = tonumber(redis.call('HGET', KEYS[4], 'last') or '0')
local counter = tonumber(redis.call('GET', KEYS[5]) or '0')
local seq
if ARGV[1] == '' then
  -- Above both the stored messages and the counter: never a seq a separate sequencer already handed out.
  seq = math.max(last, counter) + 1
else
  seq = tonumber(ARGV[1])
  local holder = redis.call('ZRANGEBYSCORE', KEYS[1], seq, seq)
  if #holder > 0 then
    return {2, holder[1]}
  end
  if seq <= tonumber(redis.call('HGET', KEYS[4], 'trimmed') or '0') then
    return {2, false}
  end
end
local seqText = string.format('%d', seq)

redis.call('ZADD', KEYS[1], seqText, ARGV[3])
redis.call('ZADD', KEYS[2], seqText, ARGV[2])
if not tombstone then
  redis.call('SET', KEYS[3], seqText .. ' ' .. ARGV[3], 'PX', ARGV[5])
end
if seq > last then
  redis.call('HSET', KEYS[4], 'last', seqText)
end
-- The counter never falls behind a stored seq, so the sequencer cannot hand this seq out again.
if seq > counter then
  redis.call('SET', KEYS[5], seqText)
end

-- Retention (when configured): keep the newest ARGV[6] messages and remember the highest removed seq, where the
-- conversation's history now starts (RedisMessageStore.GetHistoryStartAsync reads it).
local excess = 0
if ARGV[6] ~= '' then
  excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[6])
end
if excess > 0 then
  local cut = redis.call('ZRANGE', KEYS[1], excess - 1, excess - 1, 'WITHSCORES')
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cut[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cut[2])
  if tonumber(cut[2]) > tonumber(redis.call('HGET', KEYS[4], 'trimmed') or '0') then
    redis.call('HSET', KEYS[4], 'trimmed', cut[2])
  end
end
return {0, seq}
