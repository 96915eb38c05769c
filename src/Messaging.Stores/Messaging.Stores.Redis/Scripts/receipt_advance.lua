-- Advances one device's delivered/read marks and the user's aggregate (max over devices), in one step.
-- (receipt_marks.lua is put before this script.)
-- KEYS[1] device marks HASH "<userId length>:<userId><deviceId>" -> mark
-- KEYS[2] user marks   HASH userId -> mark
-- ARGV[1] device field   ARGV[2] userId   ARGV[3] delivered wanted   ARGV[4] read wanted   ARGV[5] at (UTC ticks)
-- Returns the user mark before the advance (false for a user without marks).
return advance_marks(KEYS[1], KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5])
