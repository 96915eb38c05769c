-- Records that ARGV[1] sent the other user of a pair a message in their direct conversation.
-- KEYS[1] the pair's SET of users who have sent the other a message (at most the two of them)
-- ARGV[1] the sender
-- Returns 1 when this call made the pair contacts (it added the second sender), else 0.
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 and redis.call('SCARD', KEYS[1]) == 2 then
  return 1
end
return 0
