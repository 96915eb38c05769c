-- Claims a client message id for a seq unless it is claimed (IDeduplicationStore.ClaimAsync): SET NX PX, answering
-- with the earlier claim when there is one (one round trip, also on servers before 7.0 that lack SET ... NX GET).
-- KEYS[1] client STRING "<seq>" or "<seq> <payload>" (see message_append.lua)
-- ARGV[1] seq in decimal   ARGV[2] window (ms)
-- Returns false when claimed now, else the earlier claim.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
return redis.call('GET', KEYS[1])
