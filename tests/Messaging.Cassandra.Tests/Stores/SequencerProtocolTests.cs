using System.Text;
using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql.Protocol;

namespace Messaging.Cassandra.Tests.Stores;

// Protocol tests of the sequencer on lightweight transactions against the scripted CQL peer (a protocol double, not
// Cassandra): the statements it sends, a refused compare-and-set starting the next round from the value its answer
// carries, and a compare-and-set without a known outcome settled by a read at the serial consistency, never sent again
// blindly.
public sealed class SequencerProtocolTests
{
    private const string Conversation = "c1";

    private static readonly DateTimeOffset At = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_first_seq_reads_the_counter_then_creates_it_if_not_exists_above_the_stored_last_seq()
    {
        var store = new InMemoryMessageStore();
        foreach (var seq in new[] { 1L, 2L, 3L })
        {
            await store.AppendAsync(Message(seq), Ct);
        }

        await using var run = SequencerRun.Start(store: store);
        var script = run.Script;
        var next = run.Sequencer.NextAsync(Conversation, Ct).AsTask();

        var read = await script.NextExecuteAsync();
        Assert.Equal("SELECT last, owner FROM messaging.seq_counters WHERE conversation_id = ?", read.Cql);
        Assert.Equal(CassandraConsistency.LocalQuorum, read.Parameters.Consistency);
        Assert.Null(read.Parameters.SerialConsistency);
        Assert.Equal([Conversation], read.Values);
        await read.ReplyAsync(CounterScript.NoRows);

        var create = await script.NextExecuteAsync();
        Assert.Equal("INSERT INTO messaging.seq_counters (conversation_id, last, owner) VALUES (?, ?, ?) IF NOT EXISTS", create.Cql);
        Assert.Equal(CassandraConsistency.LocalSerial, create.Parameters.SerialConsistency);
        Assert.Equal(Conversation, create.Values[0]);
        Assert.Equal(4L, create.Values[1]);
        Assert.IsType<Guid>(create.Values[2]);
        await create.ReplyAsync(CounterScript.Applied(true));

        Assert.Equal(4, await next);
    }

    [Fact]
    public async Task A_refused_round_starts_the_next_from_the_value_its_answer_carries()
    {
        await using var run = SequencerRun.Start();
        var (script, sequencer) = (run.Script, run.Sequencer);
        var next = sequencer.NextAsync(Conversation, Ct).AsTask();

        await (await script.NextExecuteAsync()).ReplyAsync(CounterScript.Counter(4, Guid.NewGuid()));
        var first = await script.NextExecuteAsync();
        Assert.Equal("UPDATE messaging.seq_counters SET last = ?, owner = ? WHERE conversation_id = ? IF last = ?", first.Cql);
        Assert.Equal(CassandraConsistency.LocalSerial, first.Parameters.SerialConsistency);
        Assert.Equal([5L, first.Values[1], Conversation, 4L], first.Values);

        // Another gateway moved the counter to 9: the refusal says so, and the next round proposes 10 from 9.
        await first.ReplyAsync(CounterScript.Applied(false, last: 9));
        var second = await script.NextExecuteAsync();
        Assert.Equal(first.Cql, second.Cql);
        Assert.Equal([10L, first.Values[1], Conversation, 9L], second.Values);
        await second.ReplyAsync(CounterScript.Applied(true));

        Assert.Equal(10, await next);
        Assert.Equal(1, sequencer.Refused);
        Assert.Equal(0, sequencer.UnknownOutcomes);
    }

    [Fact]
    public async Task A_write_timeout_on_the_compare_and_set_is_settled_by_a_serial_read_and_the_round_is_not_sent_again()
    {
        await using var run = SequencerRun.Start();
        var (peer, script, sequencer) = (run.Peer, run.Script, run.Sequencer);
        var next = sequencer.NextAsync(Conversation, Ct).AsTask();

        await (await script.NextExecuteAsync()).ReplyAsync(CounterScript.Counter(4, Guid.NewGuid()));
        var proposal = await script.NextExecuteAsync();
        var owner = Assert.IsType<Guid>(proposal.Values[1]);
        await proposal.ReplyAsync(CasTimeout());

        // Not the same compare-and-set again: a read at the serial consistency, which finds this call's value.
        var settle = await script.NextExecuteAsync();
        Assert.Equal("SELECT last, owner FROM messaging.seq_counters WHERE conversation_id = ?", settle.Cql);
        Assert.Equal(CassandraConsistency.LocalSerial, settle.Parameters.Consistency);
        await settle.ReplyAsync(CounterScript.Counter(5, owner));

        Assert.Equal(5, await next);
        Assert.False(peer.Requests.Reader.TryRead(out var extra), $"nothing is sent after the settling read ({extra?.Text})");
        Assert.Equal(1, sequencer.UnknownOutcomes);
    }

    [Fact]
    public async Task A_timed_out_round_that_another_writer_won_continues_from_the_value_the_serial_read_found()
    {
        await using var run = SequencerRun.Start();
        var script = run.Script;
        var next = run.Sequencer.NextAsync(Conversation, Ct).AsTask();

        await (await script.NextExecuteAsync()).ReplyAsync(CounterScript.Counter(4, Guid.NewGuid()));
        var proposal = await script.NextExecuteAsync();
        await proposal.ReplyAsync(CasTimeout());

        // 5 is there, written by another call: it is not this call's seq.
        var settle = await script.NextExecuteAsync();
        Assert.Equal(CassandraConsistency.LocalSerial, settle.Parameters.Consistency);
        await settle.ReplyAsync(CounterScript.Counter(5, Guid.NewGuid()));
        var retry = await script.NextExecuteAsync();
        Assert.Equal([6L, proposal.Values[1], Conversation, 5L], retry.Values);
        await retry.ReplyAsync(CounterScript.Applied(true));

        Assert.Equal(6, await next);
    }

    [Fact]
    public async Task A_round_without_any_answer_is_proposed_again_only_after_the_serial_read_found_it_not_applied()
    {
        await using var run = SequencerRun.Start(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        var (script, sequencer) = (run.Script, run.Sequencer);
        var next = sequencer.NextAsync(Conversation, Ct).AsTask();

        var previous = Guid.NewGuid();
        await (await script.NextExecuteAsync()).ReplyAsync(CounterScript.Counter(4, previous));
        var unanswered = await script.NextExecuteAsync();

        // The node never answers: the client's request timeout ends the wait, and the outcome is unknown.
        var settle = await script.NextExecuteAsync();
        Assert.Equal("SELECT last, owner FROM messaging.seq_counters WHERE conversation_id = ?", settle.Cql);
        Assert.Equal(CassandraConsistency.LocalSerial, settle.Parameters.Consistency);
        await settle.ReplyAsync(CounterScript.Counter(4, previous));
        var again = await script.NextExecuteAsync();
        Assert.Equal(unanswered.Cql, again.Cql);
        Assert.Equal(unanswered.Values, again.Values);
        await again.ReplyAsync(CounterScript.Applied(true));

        Assert.Equal(5, await next);
        Assert.Equal(1, sequencer.UnknownOutcomes);
    }

    [Fact]
    public async Task Rounds_lost_as_often_as_allowed_fail_with_contention()
    {
        await using var run = SequencerRun.Start(sequencer: new CassandraSequencerOptions { MaxAttempts = 3, RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero });
        var script = run.Script;
        var next = run.Sequencer.NextAsync(Conversation, Ct).AsTask();

        await (await script.NextExecuteAsync()).ReplyAsync(CounterScript.Counter(4, Guid.NewGuid()));
        for (var round = 0; round < 3; round++)
        {
            var proposal = await script.NextExecuteAsync();
            Assert.Equal(5L + round, proposal.Values[0]);
            await proposal.ReplyAsync(CounterScript.Applied(false, last: 5 + round));
        }

        Assert.Equal(CassandraErrorKind.Contention, (await Assert.ThrowsAsync<CassandraException>(() => next)).Kind);
    }

    [Fact]
    public async Task A_fence_only_moves_the_counter_up()
    {
        await using var run = SequencerRun.Start();
        var (peer, script, sequencer) = (run.Peer, run.Script, run.Sequencer);

        // Below the counter: read, nothing written.
        var low = sequencer.FenceAsync(Conversation, 3, Ct).AsTask();
        await (await script.NextExecuteAsync()).ReplyAsync(CounterScript.Counter(4, Guid.NewGuid()));
        await low;
        Assert.False(peer.Requests.Reader.TryRead(out _));

        // Above it: moved up by compare-and-set; a refusal with a value already past the fence ends it.
        var high = sequencer.FenceAsync(Conversation, 10, Ct).AsTask();
        await (await script.NextExecuteAsync()).ReplyAsync(CounterScript.Counter(4, Guid.NewGuid()));
        var raise = await script.NextExecuteAsync();
        Assert.Equal([10L, raise.Values[1], Conversation, 4L], raise.Values);
        await raise.ReplyAsync(CounterScript.Applied(false, last: 12));
        await high;
        Assert.False(peer.Requests.Reader.TryRead(out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Concurrent_callers_on_several_sessions_never_share_a_seq_when_rounds_time_out_after_applying_or_not(int seed)
    {
        // The peer keeps one counter row and answers each statement as one Paxos replica set would, one at a time
        // (linearizable): a compare-and-set applies only from the value it names; one in five ends in WRITE_TIMEOUT,
        // half of those after applying. The callers must still never share a seq, and leave a gap only for a round
        // that applied, timed out and was moved past before its settling read.
        await using var peer = ScriptedCqlPeer.Start();
        var contexts = Enumerable.Range(0, 3).Select(_ => Context(peer)).ToArray();
        var model = new CounterModel(peer, new Random(seed));
        using var stop = new CancellationTokenSource();
        var serving = model.ServeAsync(stop.Token);
        try
        {
            var sequencers = contexts.Select(c => new CassandraSequencer(c, new InMemoryMessageStore(), new CassandraSequencerOptions { MaxAttempts = 10_000 })).ToArray();
            var taken = await Task.WhenAll(Enumerable.Range(0, 12).Select(caller => Task.Run(async () =>
            {
                var seqs = new List<long>();
                for (var i = 0; i < 15; i++)
                {
                    seqs.Add(await sequencers[caller % sequencers.Length].NextAsync(Conversation, Ct));
                }

                return seqs;
            }, Ct)));

            Assert.All(taken, seqs => Assert.Equal(seqs.Order(), seqs));
            var all = taken.SelectMany(s => s).Order().ToArray();
            Assert.Equal(all.Length, all.Distinct().Count());
            Assert.Equal(model.Last, all[^1]);
            Assert.InRange(all[^1] - all.Length, 0, model.AppliedThenTimedOut);
            Assert.Equal(model.TimedOut, sequencers.Sum(s => s.UnknownOutcomes));
            Assert.True(model.TimedOut > 0, "the seed gives timeouts");
        }
        finally
        {
            await stop.CancelAsync();
            await serving;
            foreach (var context in contexts)
            {
                await context.DisposeAsync();
            }
        }
    }

    private static CassandraStoreContext Context(ScriptedCqlPeer peer, Action<CassandraOptions>? configure = null)
    {
        var options = new CassandraOptions { ConnectionsPerHost = 1 };
        options.ContactPoints.Add(peer.ContactPoint);
        configure?.Invoke(options);
        return new CassandraStoreContext(options);
    }

    private static ErrorResponse CasTimeout() => ConditionalTimeoutProtocolTests.CasTimeout();

    private static Message Message(long seq) => new()
    {
        ConversationId = Conversation,
        Seq = seq,
        MessageId = "m" + seq,
        SenderId = "alice",
        ClientMsgId = "k" + seq,
        Content = "hello",
        Timestamp = At,
    };

    // The scripted peer, a session on it, and a sequencer on that session (over the given message store).
    private sealed class SequencerRun : IAsyncDisposable
    {
        private SequencerRun(ScriptedCqlPeer peer, CassandraStoreContext context, CassandraSequencer sequencer)
        {
            Peer = peer;
            Context = context;
            Sequencer = sequencer;
            Script = new CounterScript(peer);
        }

        public ScriptedCqlPeer Peer { get; }

        public CassandraStoreContext Context { get; }

        public CassandraSequencer Sequencer { get; }

        public CounterScript Script { get; }

        public static SequencerRun Start(Action<CassandraOptions>? configure = null, CassandraSequencerOptions? sequencer = null, IMessageStore? store = null)
        {
            var peer = ScriptedCqlPeer.Start();
            var context = Context(peer, configure);
            return new SequencerRun(peer, context, new CassandraSequencer(context, store ?? new InMemoryMessageStore(), sequencer));
        }

        public async ValueTask DisposeAsync()
        {
            await Context.DisposeAsync();
            await Peer.DisposeAsync();
        }
    }

    // Plays the node for the counter statements: answers each PREPARE with the markers of its text, and hands out each
    // EXECUTE with its text and decoded values.
    private sealed class CounterScript(ScriptedCqlPeer peer)
    {
        private static readonly CqlColumn Last = Column("last", CqlType.Bigint);
        private static readonly CqlColumn Owner = Column("owner", CqlType.Uuid);
        private static readonly CqlColumn Id = Column("conversation_id", CqlType.Varchar);
        private readonly Dictionary<string, (string Cql, CqlColumn[] Markers)> _prepared = [];

        public static RowsResult NoRows { get; } = new(new CqlRowsMetadata(2, [Last, Owner]), []);

        public static RowsResult Counter(long last, Guid owner) => Rows([Last, Owner], [last, owner]);

        public static RowsResult Applied(bool applied, long? last = null)
            => last is { } value ? Rows([Column("[applied]", CqlType.Boolean), Last], [applied, value]) : Rows([Column("[applied]", CqlType.Boolean)], [applied]);

        public async Task<Execution> NextExecuteAsync(TimeSpan? timeout = null)
        {
            while (true)
            {
                var request = await peer.NextAsync(timeout);
                if (request.Request is PrepareRequest prepare)
                {
                    var markers = MarkersOf(prepare.Query);
                    var id = Encoding.UTF8.GetBytes(prepare.Query.GetHashCode(StringComparison.Ordinal).ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
                    _prepared[Convert.ToHexString(id)] = (prepare.Query, markers);
                    await request.ReplyAsync(new PreparedResult(id, new CqlPreparedMetadata([0], markers), new CqlRowsMetadata(0, [])));
                    continue;
                }

                var execute = Assert.IsType<ExecuteRequest>(request.Request);
                var (cql, types) = _prepared[Convert.ToHexString(execute.Id)];
                var values = execute.Parameters.Values.Select((bytes, i) => bytes is null ? null : CqlValueCodec.Decode(types[i].Type, bytes)).ToArray();
                return new Execution(request, cql, execute.Parameters, values);
            }
        }

        private static CqlColumn[] MarkersOf(string cql) => cql switch
        {
            _ when cql.StartsWith("SELECT", StringComparison.Ordinal) => [Id],
            _ when cql.StartsWith("INSERT", StringComparison.Ordinal) => [Id, Last, Owner],
            _ when cql.StartsWith("UPDATE", StringComparison.Ordinal) => [Last, Owner, Id, Last],
            _ => throw new InvalidOperationException("Not a counter statement: " + cql),
        };

        private static CqlColumn Column(string name, CqlType type) => new("messaging", "seq_counters", name, type);

        private static RowsResult Rows(CqlColumn[] columns, object[] values)
            => new(new CqlRowsMetadata(columns.Length, columns), [[.. values.Select((v, i) => CqlValueCodec.Encode(columns[i].Type, v))]]);
    }

    // One counter row answered as Cassandra would, statement by statement, with write timeouts drawn at random.
    private sealed class CounterModel(ScriptedCqlPeer peer, Random random)
    {
        private readonly CounterScript _script = new(peer);
        private Guid _owner;

        public long? Last { get; private set; }

        public int TimedOut { get; private set; }

        public int AppliedThenTimedOut { get; private set; }

        public async Task ServeAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Execution execution;
                try
                {
                    // A short wait, so a stop is noticed; a request that was not taken stays queued for the next wait.
                    execution = await _script.NextExecuteAsync(TimeSpan.FromMilliseconds(200));
                }
                catch (OperationCanceledException)
                {
                    continue;
                }

                await execution.ReplyAsync(Answer(execution));
            }
        }

        private CqlResponse Answer(Execution execution)
        {
            if (execution.Cql.StartsWith("SELECT", StringComparison.Ordinal))
            {
                return Last is { } last ? CounterScript.Counter(last, _owner) : CounterScript.NoRows;
            }

            var (expected, value, owner) = execution.Cql.StartsWith("INSERT", StringComparison.Ordinal)
                ? ((long?)null, (long)execution.Values[1]!, (Guid)execution.Values[2]!)
                : ((long?)execution.Values[3]!, (long)execution.Values[0]!, (Guid)execution.Values[1]!);
            var applies = Last == expected;
            if (applies)
            {
                (Last, _owner) = (value, owner);
            }

            if (random.Next(5) == 0)
            {
                TimedOut++;
                AppliedThenTimedOut += applies ? 1 : 0;
                return CasTimeout();
            }

            return CounterScript.Applied(applies, applies ? null : Last);
        }
    }

    private sealed record Execution(PeerRequest Request, string Cql, CqlQueryParameters Parameters, object?[] Values)
    {
        public Task ReplyAsync(CqlResponse response) => Request.ReplyAsync(response);
    }
}
