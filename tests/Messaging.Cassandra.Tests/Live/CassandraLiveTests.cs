using System.Collections.Concurrent;
using System.Diagnostics;
using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql.Protocol;
using Messaging.Stores.Cassandra.Cql.Routing;
using Messaging.Stores.Cassandra.Cql.Statements;

namespace Messaging.Cassandra.Tests.Live;

// What only a live node can show: the node's tokens and its hash of a key, reads that page across buckets, a claim
// expiring by its TTL, two gateways racing for one seq, a node restart in the middle of appends, and gateways
// contending for one conversation's sequencer.
public sealed class CassandraLiveTests(CassandraKeyspace keyspace) : IClassFixture<CassandraKeyspace>, IAsyncLifetime
{
    private readonly List<CassandraStoreContext> _contexts = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    [Fact]
    public async Task Range_reads_walk_buckets_and_pages_in_seq_order()
    {
        // Pages of 70 rows inside buckets of 1,000 seqs: every read below crosses pages, most cross buckets.
        var store = new CassandraMessageStore(Context(o => o.PageSize = 70));
        var conversation = "paging-" + Guid.NewGuid().ToString("N");
        const int count = 2150;
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = Ct }, async (seq, ct) =>
            Assert.Equal(AppendOutcome.Appended, (await store.AppendAsync(Message(conversation, seq), ct)).Outcome));

        Assert.Equal(count, await store.GetLastSeqAsync(conversation, Ct));
        Assert.Equal(Enumerable.Range(1, count).Select(s => (long)s), (await store.ReadAfterAsync(conversation, 0, 5000, Ct)).Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(990, 30).Select(s => (long)s), (await store.ReadAfterAsync(conversation, 989, 30, Ct)).Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(1, 2049).Reverse().Take(1100).Select(s => (long)s), (await store.ReadBeforeAsync(conversation, 2050, 1100, Ct)).Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(1, count).Reverse().Take(3).Select(s => (long)s), (await store.ReadBeforeAsync(conversation, long.MaxValue, 3, Ct)).Select(m => m.Seq));
        Assert.Equal(Message(conversation, 1000), await store.GetAsync(conversation, 1000, Ct));
    }

    [Fact]
    public async Task The_node_reports_its_tokens_and_a_key_hashes_to_the_token_the_node_gives_it()
    {
        var session = await Context().SessionAsync(Ct);
        Assert.Equal(session.Hosts, session.RingHosts);

        // The messages table's composite partition key, hashed by the client and by the node.
        var conversation = "token-" + Guid.NewGuid().ToString("N");
        var store = new CassandraMessageStore(Context());
        Assert.Equal(AppendOutcome.Appended, (await store.AppendAsync(Message(conversation, 1), Ct)).Outcome);
        var row = (await session.ExecuteAsync(new CqlStatement($"SELECT token(conversation_id, bucket) FROM {keyspace.Name}.messages WHERE conversation_id = ? AND bucket = ?", conversation, MessageBuckets.Of(1)), Ct)).Rows.Single();
        var key = RoutingKey.Of([0, 1], [CqlValueCodec.Encode(CqlType.Varchar, conversation), CqlValueCodec.Encode(CqlType.Bigint, MessageBuckets.Of(1))])!;
        Assert.Equal(Murmur3Token.Of(key), Assert.IsType<long>(row[0]));
    }

    [Fact]
    public async Task The_last_seq_is_found_when_its_hint_was_never_written()
    {
        // An append whose node stopped between the insert and the hint: the hint says 999, the bucket says 1,001.
        var context = Context();
        var store = new CassandraMessageStore(context);
        var conversation = "hint-" + Guid.NewGuid().ToString("N");
        foreach (var seq in new[] { 998, 999 })
        {
            await store.AppendAsync(Message(conversation, seq), Ct);
        }

        foreach (var seq in new[] { 1000, 1001 })
        {
            Assert.True((await context.ExecuteConditionalAsync(context.Statements.AppendMessage(Message(conversation, seq)), Ct)).Applied);
        }

        Assert.Equal(1001, await store.GetLastSeqAsync(conversation, Ct));
        Assert.Equal([1000L, 1001L], (await store.ReadAfterAsync(conversation, 999, 10, Ct)).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_claim_expires_after_its_window_and_the_key_can_be_claimed_again()
    {
        var store = new CassandraDeduplicationStore(Context());
        var key = new DeduplicationKey("dedup-" + Guid.NewGuid().ToString("N"), "alice", "k1");

        Assert.Equal(new DeduplicationClaim(true, 4), await store.ClaimAsync(key, 4, TimeSpan.FromSeconds(1), Ct));
        Assert.Equal(new DeduplicationClaim(false, 4), await store.ClaimAsync(key, 5, TimeSpan.FromSeconds(1), Ct));

        // The TTL runs on the node's clock: wait for the claim to go, then the key is free.
        await Eventually.TrueAsync(async () => await store.FindAsync(key, Ct) is null, "the claim expired");
        Assert.Equal(new DeduplicationClaim(true, 5), await store.ClaimAsync(key, 5, TimeSpan.FromMinutes(1), Ct));
    }

    [Fact]
    public async Task Of_two_gateways_appending_at_one_seq_exactly_one_wins_and_the_other_is_told_the_winner()
    {
        var first = new CassandraMessageStore(Context());
        var second = new CassandraMessageStore(Context());
        var conversation = "race-" + Guid.NewGuid().ToString("N");
        for (var seq = 1; seq <= 25; seq++)
        {
            var a = Message(conversation, seq) with { MessageId = $"a{seq}", SenderId = "alice" };
            var b = Message(conversation, seq) with { MessageId = $"b{seq}", SenderId = "bob" };

            var results = await Task.WhenAll(first.AppendAsync(a, Ct).AsTask(), second.AppendAsync(b, Ct).AsTask());

            var winner = Assert.Single(results, r => r.Outcome == AppendOutcome.Appended).Existing;
            var loser = Assert.Single(results, r => r.Outcome == AppendOutcome.SeqTaken);
            Assert.Equal(winner, loser.Existing);
            Assert.Equal(winner, await first.GetAsync(conversation, seq, Ct));
            Assert.Equal(winner, await second.GetAsync(conversation, seq, Ct));
        }
    }

    [Fact]
    public async Task Appends_acknowledged_across_a_node_restart_are_all_kept()
    {
        var restart = Environment.GetEnvironmentVariable(CassandraLive.RestartVariable);
        if (string.IsNullOrEmpty(restart))
        {
            var reason = $"{CassandraLive.RestartVariable} is not set: it names a shell command that restarts the node of {CassandraLive.ContactPointVariable} and returns when it was told to (e.g. 'docker restart cassandra')";
            TestContext.Current.TestOutputHelper?.WriteLine("Skipped: " + reason);
            Assert.Skip(reason);
        }

        var store = new CassandraMessageStore(Context());
        var conversation = "restart-" + Guid.NewGuid().ToString("N");
        var acknowledged = new ConcurrentBag<long>();
        using var restarting = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", restart]) { UseShellExecute = false })!;
        var deadline = Stopwatch.StartNew();
        long seq = 0;
        var afterRestart = 0;

        // One writer, as a sequencer hands out seqs: each seq is appended until the store answers for it; a failure
        // (the node going away) is retried at the same seq, and SeqTaken by our own message means an earlier try landed.
        while (afterRestart < 200)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(5), "the node did not come back within 5 minutes");
            var message = Message(conversation, ++seq);
            while (true)
            {
                try
                {
                    var result = await store.AppendAsync(message, Ct);
                    Assert.Equal(message, result.Existing);
                    acknowledged.Add(seq);
                    break;
                }
                catch (CassandraException)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), Ct);
                }
            }

            if (restarting.HasExited)
            {
                afterRestart++;
            }
        }

        Assert.Equal(0, restarting.ExitCode);
        foreach (var kept in acknowledged)
        {
            Assert.Equal(Message(conversation, kept), await store.GetAsync(conversation, kept, Ct));
        }

        Assert.Equal(seq, await store.GetLastSeqAsync(conversation, Ct));
    }

    // The sequencer on lightweight transactions under contention: several gateways (a session each) and several
    // concurrent callers per gateway taking seqs of one conversation.
    [Fact]
    public async Task Gateways_contending_for_one_conversation_take_each_seq_once_in_increasing_order()
    {
        const int gateways = 4, callersPerGateway = 8, seqsPerCaller = 25;
        var options = new CassandraSequencerOptions { MaxAttempts = 10_000 };
        var sequencers = Enumerable.Range(0, gateways).Select(_ =>
        {
            var context = Context();
            return new CassandraSequencer(context, new CassandraMessageStore(context), options);
        }).ToArray();
        var conversation = "contention-" + Guid.NewGuid().ToString("N");
        var taken = new ConcurrentBag<long[]>();

        await Task.WhenAll(sequencers.SelectMany(sequencer => Enumerable.Range(0, callersPerGateway).Select(_ => Task.Run(async () =>
        {
            var seqs = new long[seqsPerCaller];
            for (var i = 0; i < seqs.Length; i++)
            {
                seqs[i] = await sequencer.NextAsync(conversation, Ct);
            }

            taken.Add(seqs);
        }, Ct))));

        // Each caller's seqs increase; no seq is taken twice.
        Assert.All(taken, seqs => Assert.Equal(seqs.Order(), seqs));
        var all = taken.SelectMany(s => s).Order().ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());

        // Gap-free, except for a seq whose round ended without an answer, applied, and was moved past before the read
        // that settled it: at most one per such round.
        var unknown = sequencers.Sum(s => s.UnknownOutcomes);
        var highest = all[^1];
        Assert.InRange(highest - all.Length, 0, unknown);
        Assert.Equal(highest, await sequencers[0].CurrentAsync(conversation, Ct));

        var rounds = sequencers.Sum(s => s.Rounds);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{all.Length} seqs by {gateways * callersPerGateway} callers on {gateways} sessions: {rounds} rounds ({(double)rounds / all.Length:0.00} per seq), {sequencers.Sum(s => s.Refused)} refused, {unknown} settled by a serial read");
    }

    [Fact]
    public async Task A_new_counter_starts_above_the_messages_already_stored()
    {
        // A deployment that moves to this sequencer from another: the conversation has messages but no counter row.
        var context = Context();
        var store = new CassandraMessageStore(context);
        var conversation = "existing-" + Guid.NewGuid().ToString("N");
        for (var seq = 1; seq <= 5; seq++)
        {
            await store.AppendAsync(Message(conversation, seq), Ct);
        }

        var sequencer = new CassandraSequencer(context, store);

        Assert.Equal(5, await sequencer.CurrentAsync(conversation, Ct));
        Assert.Equal(6, await sequencer.NextAsync(conversation, Ct));
        await sequencer.FenceAsync(conversation, 4, Ct);
        Assert.Equal(7, await sequencer.NextAsync(conversation, Ct));
    }

    private CassandraStoreContext Context(Action<CassandraOptions>? configure = null)
    {
        var context = keyspace.NewContext(configure);
        _contexts.Add(context);
        return context;
    }

    // A message as a gateway appends it (also used by the tiered live tests).
    internal static Message Message(string conversationId, long seq) => new()
    {
        ConversationId = conversationId,
        Seq = seq,
        MessageId = $"m-{conversationId}-{seq}",
        SenderId = "alice",
        ClientMsgId = $"k{seq}",
        Content = $"message {seq}",
        Timestamp = new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero).AddTicks(seq * 12345),
    };
}
