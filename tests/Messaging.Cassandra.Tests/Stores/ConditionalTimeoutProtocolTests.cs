using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql.Protocol;

namespace Messaging.Cassandra.Tests.Stores;

// Protocol tests of the stores against the scripted CQL peer (a protocol double, not Cassandra): a lightweight
// transaction whose Paxos round timed out is run again, and the store tells its own earlier attempt from another
// writer's by what the second run finds.
public sealed class ConditionalTimeoutProtocolTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_append_whose_first_paxos_round_timed_out_and_landed_is_appended()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var context = Context(peer);
        var message = Message("alice");

        var append = new CassandraMessageStore(context).AppendAsync(message, Ct).AsTask();
        await AnswerPrepareAsync(peer);
        await (await peer.NextAsync()).ReplyAsync(CasTimeout());
        await (await peer.NextAsync()).ReplyAsync(NotApplied(message));
        await AnswerPrepareAsync(peer);
        var hint = await peer.NextAsync();
        await hint.ReplyAsync(new VoidResult());

        Assert.Equal(new AppendResult(AppendOutcome.Appended, message), await append);
        Assert.Equal(CqlOpcode.Execute, hint.Request.Opcode);
    }

    [Fact]
    public async Task An_append_that_finds_another_message_after_a_timeout_reports_the_seq_taken()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var context = Context(peer);
        var other = Message("bob");

        var append = new CassandraMessageStore(context).AppendAsync(Message("alice"), Ct).AsTask();
        await AnswerPrepareAsync(peer);
        await (await peer.NextAsync()).ReplyAsync(CasTimeout());
        await (await peer.NextAsync()).ReplyAsync(NotApplied(other));

        Assert.Equal(new AppendResult(AppendOutcome.SeqTaken, other), await append);
    }

    [Fact]
    public async Task A_claim_whose_first_paxos_round_timed_out_and_landed_is_claimed()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var context = Context(peer);

        var claim = new CassandraDeduplicationStore(context).ClaimAsync(new DeduplicationKey("c1", "alice", "k1"), 7, TimeSpan.FromMinutes(5), Ct).AsTask();
        await AnswerPrepareAsync(peer);
        await (await peer.NextAsync()).ReplyAsync(CasTimeout());
        await (await peer.NextAsync()).ReplyAsync(Row(("[applied]", CqlType.Boolean, false), ("seq", CqlType.Bigint, 7L)));

        Assert.Equal(new DeduplicationClaim(true, 7), await claim);
    }

    [Fact]
    public async Task A_paxos_round_that_keeps_timing_out_fails_after_three_runs()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var context = Context(peer);

        var append = new CassandraMessageStore(context).AppendAsync(Message("alice"), Ct).AsTask();
        await AnswerPrepareAsync(peer);
        for (var run = 0; run < CassandraStoreContext.ConditionalAttempts; run++)
        {
            await (await peer.NextAsync()).ReplyAsync(CasTimeout());
        }

        Assert.Equal("CAS", (await Assert.ThrowsAsync<CassandraReplicaException>(() => append)).WriteType);
    }

    private static CassandraStoreContext Context(ScriptedCqlPeer peer)
    {
        var options = new CassandraOptions { Keyspace = null, ConnectionsPerHost = 1 };
        options.ContactPoints.Add(peer.ContactPoint);
        return new CassandraStoreContext(options);
    }

    // Answers the PREPARE of the next statement with a bind marker type per marker, from the column names it binds.
    private static async Task AnswerPrepareAsync(ScriptedCqlPeer peer)
    {
        var prepare = await peer.NextAsync();
        Assert.Equal(CqlOpcode.Prepare, prepare.Request.Opcode);
        var cql = prepare.Text;
        List<CqlColumn> markers;
        if (cql.StartsWith("INSERT", StringComparison.Ordinal))
        {
            var names = cql[(cql.IndexOf('(') + 1)..cql.IndexOf(')')].Split(", ");
            markers = [.. names.Select(Column)];
            if (cql.Contains("USING TTL ?", StringComparison.Ordinal))
            {
                markers.Add(new CqlColumn("ks", "t", "[ttl]", CqlType.Int));
            }
        }
        else
        {
            // UPDATE ... USING TIMESTAMP ? SET last_seq = ? WHERE conversation_id = ?
            Assert.Contains("SET last_seq = ?", cql, StringComparison.Ordinal);
            markers = [new CqlColumn("ks", "t", "[timestamp]", CqlType.Bigint), Column("last_seq"), Column("conversation_id")];
        }

        await prepare.ReplyAsync(new PreparedResult([1, 2, (byte)markers.Count], new CqlPreparedMetadata([0], markers), new CqlRowsMetadata(0, [])));
    }

    private static CqlColumn Column(string name)
        => new("ks", "t", name, name is "bucket" or "seq" or "sent_at" or "media_length" or "last_seq" ? CqlType.Bigint : CqlType.Varchar);

    // A Paxos round that timed out (also answered by the sequencer's protocol tests).
    internal static ErrorResponse CasTimeout()
        => new(CqlErrorCodes.WriteTimeout, "CAS operation timed out") { Consistency = CassandraConsistency.LocalSerial, WriteType = "CAS" };

    // The answer of a refused IF NOT EXISTS: [applied] false and the existing row.
    private static RowsResult NotApplied(Message holder)
    {
        var names = StoredRows.MessageColumns.Split(", ");
        var values = StoredRows.MessageValues(holder);
        return Row([("[applied]", CqlType.Boolean, false), .. names.Select((n, i) => (n, Column(n).Type, values[i]))]);
    }

    private static RowsResult Row(params (string Name, CqlType Type, object? Value)[] columns)
        => new(
            new CqlRowsMetadata(columns.Length, [.. columns.Select(c => new CqlColumn("ks", "t", c.Name, c.Type))]),
            [[.. columns.Select(c => c.Value is null ? null : CqlValueCodec.Encode(c.Type, c.Value))]]);

    private static Message Message(string sender) => new()
    {
        ConversationId = "c1",
        Seq = 3,
        MessageId = "m-" + sender,
        SenderId = sender,
        ClientMsgId = "k-" + sender,
        Content = "hello from " + sender,
        Timestamp = At,
    };
}
