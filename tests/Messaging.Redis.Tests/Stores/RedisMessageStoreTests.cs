using Messaging.Stores.Redis;
using StackExchange.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

// Redis-only facts of the message store; the role's laws run in RedisMessageStoreConformanceTests.
public sealed class RedisMessageStoreTests(RedisFixture redis)
{
    private static readonly TimeSpan Window = TimeSpan.FromDays(7);

    private static readonly DateTimeOffset Now = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_resends_from_many_connections_store_one_message()
    {
        // Four connections, so the scripts really interleave at the server; the script is the only guard.
        await using var connections = await RedisConnections.OpenAsync(redis.Server, 4);
        var stores = connections.All.Select(c => new RedisMessageStore(c)).ToArray();
        var conversation = NewId("conv");
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            stores[i % stores.Length].SequenceAndAppendAsync(Draft(conversation, "alice", "same-cmid", "m" + i), Window, Token).AsTask()));

        var appended = Assert.Single(results, r => r.Outcome == AppendOutcome.Appended);
        Assert.All(results.Where(r => r.Outcome != AppendOutcome.Appended), r =>
        {
            Assert.Equal(AppendOutcome.DuplicateClientMessage, r.Outcome);
            Assert.Equal(appended.Existing, r.Existing);
        });
        Assert.Equal(1, await stores[0].GetLastSeqAsync(conversation, Token));
        Assert.Single(await stores[0].ReadAfterAsync(conversation, 0, 100, Token));
    }

    [Fact]
    public async Task Concurrent_senders_from_many_connections_get_distinct_gap_free_seqs()
    {
        await using var connections = await RedisConnections.OpenAsync(redis.Server, 4);
        var stores = connections.All.Select(c => new RedisMessageStore(c)).ToArray();
        var conversation = NewId("conv");
        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            stores[i % stores.Length].SequenceAndAppendAsync(Draft(conversation, "sender" + (i % 6), "cmid" + i, "m" + i), Window, Token).AsTask()));

        Assert.All(results, r => Assert.Equal(AppendOutcome.Appended, r.Outcome));
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), results.Select(r => r.Existing!.Seq).Order());
        var stored = await stores[0].ReadAfterAsync(conversation, 0, 100, Token);
        Assert.Equal(results.Select(r => r.Existing!).OrderBy(m => m.Seq), stored);
    }

    [Fact]
    public async Task Retention_keeps_the_newest_messages_and_reads_return_only_those()
    {
        var store = new RedisMessageStore(redis.Multiplexer, new RedisStoreOptions { MessageRetention = 3 });
        var conversation = NewId("conv");
        var sent = new List<Message>();
        for (var i = 1; i <= 5; i++)
        {
            sent.Add((await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid" + i, NewId("m")), Window, Token)).Existing!);
        }

        Assert.Equal(sent[2..], await store.ReadAfterAsync(conversation, 0, 10, Token));
        Assert.Equal([sent[2]], await store.ReadBeforeAsync(conversation, 4, 10, Token));
        Assert.Empty(await store.ReadBeforeAsync(conversation, 3, 10, Token));
        Assert.Null(await store.GetAsync(conversation, 1, Token));
        Assert.Equal(sent[4], await store.GetAsync(conversation, 5, Token));
        Assert.Equal(5, await store.GetLastSeqAsync(conversation, Token));
        Assert.Equal(3, await store.GetHistoryStartAsync(conversation, Token));

        // The de-duplication claim outlives the retention window: a resend still gets the original.
        var resend = await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid1", NewId("m")), Window, Token);
        Assert.Equal(new AppendResult(AppendOutcome.DuplicateClientMessage, sent[0]), resend);
        Assert.Equal(1, await new RedisDeduplicationStore(redis.Multiplexer).FindAsync(new DeduplicationKey(conversation, "alice", "cmid1"), Token));

        // A removed seq is still taken, but its message is gone.
        Assert.Equal(new AppendResult(AppendOutcome.SeqTaken, null), await store.AppendAsync(Draft(conversation, "bob", "late", NewId("m")) with { Seq = 1 }, Token));
        Assert.Equal(6, (await store.SequenceAndAppendAsync(Draft(conversation, "bob", "next", NewId("m")), Window, Token)).Existing!.Seq);
    }

    [Fact]
    public async Task Retention_removes_the_id_entries_of_the_messages_it_removes_on_either_path()
    {
        var store = new RedisMessageStore(redis.Multiplexer, new RedisStoreOptions { MessageRetention = 2 });
        var index = new RedisMessageIdIndex(redis.Multiplexer);
        var conversation = NewId("conv");
        var kept = new List<Message>();

        // The atomic step writes the entry itself; the composite path writes it through the index after the append.
        for (var i = 1; i <= 3; i++)
        {
            kept.Add((await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid" + i, NewId("m")), Window, Token)).Existing!);
        }

        for (var seq = 4; seq <= 6; seq++)
        {
            var message = Draft(conversation, "bob", "cmid" + seq, NewId("m")) with { Seq = seq };
            Assert.Equal(AppendOutcome.Appended, (await store.AppendAsync(message, Token)).Outcome);
            await index.AddAsync(message.MessageId, new MessageLocation(conversation, seq), Token);
            kept.Add(message);
        }

        // Only the two kept messages still have an entry (read on the store's connection, after its removals).
        var database = redis.Multiplexer.GetDatabase();
        var present = await Task.WhenAll(kept.Select(m => database.KeyExistsAsync($"messaging:msg:{m.MessageId}")));
        Assert.Equal([false, false, false, false, true, true], present);
        Assert.Equal(new MessageLocation(conversation, 6), await index.FindAsync(kept[5].MessageId, Token));
        Assert.Null(await index.FindAsync(kept[0].MessageId, Token));
    }

    [Fact]
    public async Task Stored_entries_follow_the_documented_layout_and_the_claim_expires_with_the_window()
    {
        var window = TimeSpan.FromHours(2);
        var store = new RedisMessageStore(redis.Multiplexer);
        var conversation = NewId("conv");
        var message = (await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid", NewId("m")), window, Token)).Existing!;
        var database = redis.Multiplexer.GetDatabase();

        var entries = await database.SortedSetRangeByScoreWithScoresAsync($"messaging:conv:{{{conversation}}}:messages");
        var entry = Assert.Single(entries);
        Assert.Equal(1, entry.Score);
        Assert.Equal(StoredMessageCodec.Encode(message), (string?)entry.Element);
        Assert.Equal("1", (string?)await database.HashGetAsync($"messaging:conv:{{{conversation}}}:log", "last"));
        // Without a retention the message stays at its seq for good: the claim holds the seq, not a second copy.
        Assert.Equal("1", (string?)await database.StringGetAsync($"messaging:conv:{{{conversation}}}:client:5:alicecmid"));
        Assert.Equal("1 " + conversation, (string?)await database.StringGetAsync($"messaging:msg:{message.MessageId}"));
        Assert.InRange((await database.KeyTimeToLiveAsync($"messaging:conv:{{{conversation}}}:client:5:alicecmid"))!.Value, window - TimeSpan.FromMinutes(1), window);
        Assert.Null(await database.KeyTimeToLiveAsync($"messaging:msg:{message.MessageId}"));
    }

    [Fact]
    public async Task Tombstones_claim_no_client_message_id()
    {
        var store = new RedisMessageStore(redis.Multiplexer);
        var conversation = NewId("conv");
        var tombstone = Draft(conversation, "alice", "cmid", NewId("m")) with { Seq = 1, Kind = MessageKind.Tombstone, Content = string.Empty };

        Assert.Equal(AppendOutcome.Appended, (await store.AppendAsync(tombstone, Token)).Outcome);
        var retry = await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid", NewId("m")), Window, Token);

        Assert.Equal(AppendOutcome.Appended, retry.Outcome);
        Assert.Equal(2, retry.Existing!.Seq);
    }

    [Fact]
    public async Task Appends_raise_the_sequencer_counter_so_both_paths_never_collide()
    {
        var store = new RedisMessageStore(redis.Multiplexer);
        var sequencer = new RedisSequencer(redis.Multiplexer, store);
        var conversation = NewId("conv");
        await store.AppendAsync(Draft(conversation, "alice", "a", NewId("m")) with { Seq = 5 }, Token);

        Assert.Equal(6, await sequencer.NextAsync(conversation, Token));
        Assert.Equal(7, (await store.SequenceAndAppendAsync(Draft(conversation, "alice", "b", NewId("m")), Window, Token)).Existing!.Seq);
        Assert.Equal(8, await sequencer.NextAsync(conversation, Token));
    }

    [Fact]
    public async Task Restart_with_an_fsynced_append_only_file_loses_nothing_acknowledged_and_reuses_no_seq()
    {
        await using var server = await RedisServer.StartAsync(persistent: true);
        await using var connection = await server.ConnectAsync();
        var store = new RedisMessageStore(connection);
        var sequencer = new RedisSequencer(connection, store);
        var conversation = NewId("conv");
        var acknowledged = new List<Message>();
        for (var i = 0; i < 20; i++)
        {
            acknowledged.Add((await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid" + i, NewId("m")), Window, Token)).Existing!);
        }

        await server.RestartAsync();

        Assert.Equal(acknowledged, await store.ReadAfterAsync(conversation, 0, 100, Token));
        Assert.Equal(new MessageLocation(conversation, 8), await new RedisMessageIdIndex(connection).FindAsync(acknowledged[7].MessageId, Token));
        Assert.Equal(acknowledged[7], await store.GetAsync(conversation, 8, Token));
        Assert.Equal(acknowledged[3], (await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid3", NewId("m")), Window, Token)).Existing);
        Assert.Equal(21, (await store.SequenceAndAppendAsync(Draft(conversation, "alice", "after", NewId("m")), Window, Token)).Existing!.Seq);
        Assert.Equal(22, await sequencer.NextAsync(conversation, Token));
    }

    [Fact]
    public async Task An_atomic_send_is_one_command_on_a_standalone_server()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var store = new RedisMessageStore(connection);
        var conversation = NewId("conv");
        await store.SequenceAndAppendAsync(Draft(conversation, "alice", "warm-up", NewId("m")), Window, Token);

        // MONITOR shows every command a client sends; commands a script runs are marked "lua" and are not round trips.
        using var monitor = new System.Net.Sockets.TcpClient();
        await monitor.ConnectAsync(System.Net.IPAddress.Loopback, server.Port, Token);
        using var reader = new StreamReader(monitor.GetStream());
        await monitor.GetStream().WriteAsync("MONITOR\r\n"u8.ToArray(), Token);
        Assert.Equal("+OK", await reader.ReadLineAsync(Token));

        const int Sends = 5;
        for (var i = 0; i < Sends; i++)
        {
            await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid" + i, NewId("m")), Window, Token);
        }

        await store.SequenceAndAppendAsync(Draft(conversation, "alice", "cmid0", NewId("m")), Window, Token);
        var marker = NewId("end");
        await connection.GetDatabase().StringGetAsync(marker);

        var fromClients = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (await reader.ReadLineAsync(timeout.Token) is { } line && !line.Contains(marker, StringComparison.Ordinal))
        {
            if (!line.Contains(" lua]", StringComparison.Ordinal) && !line.Contains("\"PING\"", StringComparison.OrdinalIgnoreCase))
            {
                fromClients.Add(line);
            }
        }

        // Five sends and one repeat: six script calls and nothing else (the id entry is written inside the script).
        Assert.Equal(Sends + 1, fromClients.Count);
        Assert.All(fromClients, line => Assert.Contains("\"EVALSHA\"", line, StringComparison.OrdinalIgnoreCase));
    }

    private static Message Draft(string conversationId, string senderId, string clientMsgId, string messageId) => new()
    {
        ConversationId = conversationId,
        Seq = 0,
        MessageId = messageId,
        SenderId = senderId,
        ClientMsgId = clientMsgId,
        Content = "hello " + clientMsgId,
        Timestamp = Now,
    };

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
