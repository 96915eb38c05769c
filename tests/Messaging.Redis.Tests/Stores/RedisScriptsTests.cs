using StackExchange.Redis;
using Messaging.Stores.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

public sealed class RedisScriptsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Every_script_is_embedded()
    {
        RedisScript[] scripts =
        [
            RedisScripts.MessageAppend, RedisScripts.DeduplicationClaim, RedisScripts.DeduplicationRelease, RedisScripts.SequencerNext, RedisScripts.SequencerFence,
            RedisScripts.ConversationCreate, RedisScripts.ConversationMember, RedisScripts.ConversationTouch, RedisScripts.ConversationRead,
            RedisScripts.ReceiptAdvance, RedisScripts.PresenceTouch, RedisScripts.PresenceExpire, RedisScripts.ContactRecord,
        ];

        Assert.All(scripts, s => Assert.StartsWith("-- ", s.Text, StringComparison.Ordinal));
        Assert.Equal(scripts.Length, scripts.Select(s => s.Name).Distinct().Count());
    }

    [Fact]
    public async Task Scripts_are_sent_by_hash_after_their_first_use_and_again_after_a_restart()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var sequencer = new RedisSequencer(connection);
        for (var i = 0; i < 10; i++)
        {
            await sequencer.NextAsync("conv", Token);
        }

        var stats = await RedisCommandStats.ReadAsync(connection);
        Assert.True(stats.GetValueOrDefault("evalsha") >= 9, $"EVALSHA calls: {stats.GetValueOrDefault("evalsha")}, EVAL calls: {stats.GetValueOrDefault("eval")}");

        // The restarted server has an empty script cache: NOSCRIPT must be answered by re-sending the script.
        await server.RestartAsync();
        Assert.Equal(1, await sequencer.NextAsync("conv", Token));
    }

    [Fact]
    public async Task A_script_in_a_batch_the_server_lost_is_sent_by_text_outside_the_batch()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var database = connection.GetDatabase();
        Assert.True((await RedisScripts.DeduplicationClaim.EvaluateAsync(database, ["first"], ["1", 60_000])).IsNull);
        await database.ExecuteAsync("SCRIPT", "FLUSH");

        var batch = database.CreateBatch();
        var reply = RedisScripts.DeduplicationClaim.EvaluateAsync(batch, ["claim"], ["7", 60_000], database);
        batch.Execute();

        Assert.True((await reply.WaitAsync(TimeSpan.FromSeconds(10), Token)).IsNull);
        Assert.Equal("7", await database.StringGetAsync("claim"));
        var stats = await RedisCommandStats.ReadAsync(connection);
        Assert.Equal((2L, 1L), (stats.GetValueOrDefault("eval"), stats.GetValueOrDefault("evalsha")));
    }

    [Fact]
    public async Task A_script_in_a_batch_needs_a_database_outside_it()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var batch = connection.GetDatabase().CreateBatch();
        Assert.Throws<ArgumentException>("outsideBatch", void () => _ = RedisScripts.SequencerNext.EvaluateAsync(batch, [], []));
    }
}

