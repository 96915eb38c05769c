-- Moves a conversation's last seq and activity time forward (IConversationIndex.TouchAsync).
-- (conversation_activity.lua is put before this script.)
-- KEYS[1] info (see conversation_create.lua)
-- ARGV[1] seq   ARGV[2] activity (UTC ticks)   ARGV[3] activity (Unix ms)
-- Returns 1 when the activity time moved, else 0 (also for an unknown conversation).
return touch_conversation(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
