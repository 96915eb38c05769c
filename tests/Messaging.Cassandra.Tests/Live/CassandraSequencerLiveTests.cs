using System.Collections.Concurrent;
using Messaging.Stores.Cassandra;

namespace Messaging.Cassandra.Tests.Live;

// The sequencer on lightweight transactions under contention on a live node: several gateways (a session each) and
// several concurrent callers per gateway taking seqs of one conversation.
public sealed class CassandraSequencerLiveTests(CassandraKeyspace keyspace) : IClassFixture<CassandraKeyspace>, IAsyncLifetime
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
            await store.AppendAsync(new Message
            {
                ConversationId = conversation,
                Seq = seq,
                MessageId = $"{conversation}-{seq}",
                SenderId = "alice",
                ClientMsgId = $"k{seq}",
                Content = "before the counter",
                Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(seq),
            }, Ct);
        }

        var sequencer = new CassandraSequencer(context, store);

        Assert.Equal(5, await sequencer.CurrentAsync(conversation, Ct));
        Assert.Equal(6, await sequencer.NextAsync(conversation, Ct));
        await sequencer.FenceAsync(conversation, 4, Ct);
        Assert.Equal(7, await sequencer.NextAsync(conversation, Ct));
    }

    private CassandraStoreContext Context()
    {
        var context = keyspace.NewContext();
        _contexts.Add(context);
        return context;
    }
}
