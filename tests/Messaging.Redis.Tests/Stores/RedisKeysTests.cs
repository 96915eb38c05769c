using Messaging.Stores.Redis;
using StackExchange.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

public sealed class RedisKeysTests(RedisFixture redis)
{
    [Fact]
    public void Keys_follow_the_documented_layout()
    {
        Assert.Equal("messaging:conv:{c1}:messages", (string?)RedisKeys.Messages("c1"));
        Assert.Equal("messaging:conv:{c1}:log", (string?)RedisKeys.MessageLog("c1"));
        Assert.Equal("messaging:conv:{c1}:client:5:alicecmid-1", (string?)RedisKeys.ClientMessage("c1", "alice", "cmid-1"));
        Assert.Equal("messaging:conv:{c1}:seq", (string?)RedisKeys.Counter("c1"));
        Assert.Equal("messaging:conv:{c1}:seq-fence", (string?)RedisKeys.CounterFence("c1"));
        Assert.Equal("messaging:conv:{c1}:info", (string?)RedisKeys.ConversationInfo("c1"));
        Assert.Equal("messaging:conv:{c1}:members", (string?)RedisKeys.ConversationMembers("c1"));
        Assert.Equal("messaging:conv:{c1}:receipts:devices", (string?)RedisKeys.DeviceReceipts("c1"));
        Assert.Equal("messaging:conv:{c1}:receipts:users", (string?)RedisKeys.UserReceipts("c1"));
        Assert.Equal("messaging:msg:m1", (string?)RedisKeys.MessageIndex("m1"));
        Assert.Equal("messaging:user:{alice}:conversations", (string?)RedisKeys.UserConversations("alice"));
        Assert.Equal("messaging:presence:{p3}:expiries", (string?)RedisKeys.PresenceExpiries(3));
        Assert.Equal("messaging:presence:{p3}:leases:alice", (string?)RedisKeys.PresenceLeases(3, "alice"));
        Assert.Equal("messaging:presence:{p3}:user:alice", (string?)RedisKeys.PresenceState(3, "alice"));
        Assert.Equal("messaging:contacts:{5:alicebob}", (string?)RedisKeys.Contacts("alice", "bob"));
        Assert.Equal("messaging:contacts:{5:alicebob}", (string?)RedisKeys.Contacts("bob", "alice"));
        Assert.Equal("5:alicephone", RedisKeys.DeviceField("alice", "phone"));
    }

    [Theory]
    [InlineData("c1")]
    [InlineData("d_0123456789abcdef0123456789abcdef")]
    [InlineData("a}b{c")]
    [InlineData("{x}")]
    [InlineData("100%")]
    public void Every_key_of_a_conversation_is_in_one_cluster_slot(string conversationId)
    {
        RedisKey[] keys =
        [
            RedisKeys.Messages(conversationId), RedisKeys.MessageLog(conversationId),
            RedisKeys.ClientMessage(conversationId, "alice", "x}{"), RedisKeys.Counter(conversationId), RedisKeys.CounterFence(conversationId),
            RedisKeys.ConversationInfo(conversationId), RedisKeys.ConversationMembers(conversationId),
            RedisKeys.DeviceReceipts(conversationId), RedisKeys.UserReceipts(conversationId),
        ];

        Assert.Single(keys.Select(redis.Multiplexer.HashSlot).Distinct());
    }

    [Fact]
    public void A_users_presence_keys_share_the_slot_of_the_users_shard()
    {
        var shard = RedisKeys.PresenceShard("alice", 16);
        RedisKey[] keys = [RedisKeys.PresenceExpiries(shard), RedisKeys.PresenceLeases(shard, "alice"), RedisKeys.PresenceState(shard, "alice")];

        Assert.Single(keys.Select(redis.Multiplexer.HashSlot).Distinct());
    }

    [Fact]
    public void Braces_in_ids_are_escaped_so_the_tag_is_exactly_the_id()
    {
        Assert.Equal("messaging:conv:{a%7Db%7Bc}:seq", (string?)RedisKeys.Counter("a}b{c"));
        Assert.Equal("messaging:conv:{100%25}:seq", (string?)RedisKeys.Counter("100%"));
        Assert.NotEqual((string?)RedisKeys.Counter("a}:seq"), (string?)RedisKeys.Counter("a"));
        Assert.NotEqual((string?)RedisKeys.Counter("%7D"), (string?)RedisKeys.Counter("}"));
    }

    [Fact]
    public void Presence_shards_are_stable_across_processes()
    {
        // FNV-1a 32 of the UTF-8 bytes: a change here would strand every deployed lease.
        Assert.Equal(0x872213E7u % 16, (uint)RedisKeys.PresenceShard("alice", 16));
        Assert.InRange(RedisKeys.PresenceShard("bob", 7), 0, 6);
        Assert.Equal(0, RedisKeys.PresenceShard("anyone", 1));
    }
}
