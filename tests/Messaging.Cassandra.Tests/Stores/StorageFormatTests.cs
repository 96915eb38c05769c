using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql.Statements;

namespace Messaging.Cassandra.Tests.Stores;

// What the stores write and read, without a node: bucket math, write times derived from the data, the rows of
// messages and members, and the statements (text, values, retry class). The live suite runs them against a node.
public sealed class StorageFormatTests
{
    private static readonly CassandraStatements Statements = new(new CassandraOptions { Keyspace = "ks1", SerialConsistency = CassandraConsistency.Serial });

    [Theory]
    [InlineData(1, 0)]
    [InlineData(999, 0)]
    [InlineData(1000, 1)]
    [InlineData(1999, 1)]
    [InlineData(2000, 2)]
    [InlineData(long.MaxValue, long.MaxValue / 1000)]
    public void A_seq_lives_in_the_bucket_of_its_thousand(long seq, long bucket)
    {
        Assert.Equal(bucket, MessageBuckets.Of(seq));
        Assert.InRange(seq, MessageBuckets.FirstSeq(bucket), MessageBuckets.LastSeq(bucket));
    }

    [Fact]
    public void Buckets_are_adjacent_and_never_overlap()
    {
        for (long bucket = 0; bucket < 5; bucket++)
        {
            Assert.Equal(MessageBuckets.LastSeq(bucket) + 1, MessageBuckets.FirstSeq(bucket + 1));
            Assert.Equal(bucket, MessageBuckets.Of(MessageBuckets.LastSeq(bucket)));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => MessageBuckets.Of(-1));
    }

    [Fact]
    public void A_later_membership_version_wins_over_every_write_of_an_earlier_one()
    {
        // A removal at version 7 with the highest departure seq still loses to a re-addition at version 8.
        Assert.True(WriteTimestamps.OfMembership(8) > WriteTimestamps.OfMembership(7, WriteTimestamps.MaxDepartureSeq));

        // Within one removal, a higher departure seq wins.
        Assert.True(WriteTimestamps.OfMembership(7, 42) > WriteTimestamps.OfMembership(7, 41));

        // Forgetting a departure at a version is written with the low bits full: it wins over that version's departures.
        Assert.Equal((8L << 40) | ((1L << 40) - 1), WriteTimestamps.OfMembership(8, WriteTimestamps.MaxDepartureSeq));
        Assert.True(WriteTimestamps.OfMembership(WriteTimestamps.MaxMembershipVersion, WriteTimestamps.MaxDepartureSeq) > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteTimestamps.OfMembership(WriteTimestamps.MaxMembershipVersion + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteTimestamps.OfMembership(1, WriteTimestamps.MaxDepartureSeq + 1));
    }

    [Fact]
    public void Marks_and_activity_are_written_at_their_own_value()
    {
        var at = new DateTimeOffset(2026, 12, 4, 10, 30, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567);

        var delivered = Statements.RaiseDelivered("c1", "u1", "d1", 41, at);
        var read = Statements.RaiseRead("c1", "u1", "d1", 40, at);
        var lastSeq = Statements.RaiseLastSeq("c1", 41);
        var activity = Statements.TouchLastActivity("c1", at);

        Assert.Equal<object?>([41L, 41L, at.UtcTicks, "c1", "u1", "d1"], delivered.Values);
        Assert.Equal<object?>([40L, 40L, at.UtcTicks, "c1", "u1", "d1"], read.Values);
        Assert.Equal<object?>([41L, 41L, "c1"], lastSeq.Values);
        Assert.Equal<object?>([at.UtcTicks, at.UtcTicks, "c1"], activity.Values);
        Assert.All(new[] { delivered, read, lastSeq, activity }, s => Assert.Contains("USING TIMESTAMP ?", s.Cql, StringComparison.Ordinal));
    }

    [Fact]
    public void A_message_reads_back_from_its_row_exactly()
    {
        var message = new Message
        {
            ConversationId = "c1",
            Seq = 1234,
            MessageId = "m1",
            SenderId = "alice",
            ClientMsgId = "k1",
            Content = "hello",
            MediaId = "media1",
            Media = new MediaAttachment("image/png", 2048, "cat.png"),
            Timestamp = new DateTimeOffset(2026, 12, 4, 10, 30, 0, TimeSpan.Zero).AddTicks(1234567),
            Kind = MessageKind.Media,
        };

        var values = StoredRows.MessageValues(message);

        Assert.Equal(1L, values[1]);
        Assert.Equal(message, StoredRows.ReadMessage(Row(StoredRows.MessageColumns, values)));
        var tombstone = message with { Kind = MessageKind.Tombstone, Media = null, MediaId = null, Content = string.Empty };
        Assert.Equal(tombstone, StoredRows.ReadMessage(Row(StoredRows.MessageColumns, StoredRows.MessageValues(tombstone))));
    }

    [Fact]
    public void A_member_reads_back_from_its_list_element()
    {
        var member = new ConversationMember("user:with:colons", MemberRole.Admin, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(7));

        var stored = StoredRows.EncodeMember(member);

        Assert.Equal($"admin:{member.JoinedAt.UtcTicks}:user:with:colons", stored);
        Assert.Equal(member, StoredRows.DecodeMember(stored));
        Assert.Throws<InvalidDataException>(() => StoredRows.DecodeMember("owner:1:bob"));
        Assert.Throws<InvalidDataException>(() => StoredRows.DecodeMember("member:x:bob"));
    }

    public static TheoryData<string> AllStatements() => [.. Build().Keys];

    [Theory]
    [MemberData(nameof(AllStatements))]
    public void Every_statement_binds_one_value_per_marker_and_names_the_keyspace(string name)
    {
        var statement = Build()[name];

        Assert.Equal(statement.Cql.Count(c => c == '?'), statement.Values.Count);

        // A null bound is a tombstone cell written: statements leave absent values out instead.
        Assert.All(statement.Values, Assert.NotNull);
        Assert.Contains(" ks1.", statement.Cql, StringComparison.Ordinal);

        // Conditional statements are lightweight transactions, never retried once sent; everything else may be.
        var conditional = statement.Cql.Contains(" IF ", StringComparison.Ordinal);
        Assert.Equal(conditional, statement.IsLightweightTransaction);
        Assert.Equal(!conditional, statement.IsIdempotent);
        Assert.Equal(conditional ? CassandraConsistency.Serial : null, statement.SerialConsistency);
    }

    [Fact]
    public void The_sequencer_reads_its_counter_plainly_to_start_and_at_the_serial_consistency_to_settle_an_unknown_outcome()
    {
        var owner = Guid.NewGuid();

        Assert.Equal("SELECT last, owner FROM ks1.seq_counters WHERE conversation_id = ?", Statements.ReadCounter("c1").Cql);
        Assert.Null(Statements.ReadCounter("c1").Consistency);
        Assert.Equal(CassandraConsistency.Serial, Statements.ReadCounter("c1", serial: true).Consistency);
        Assert.Equal("INSERT INTO ks1.seq_counters (conversation_id, last, owner) VALUES (?, ?, ?) IF NOT EXISTS", Statements.CreateCounter("c1", 4, owner).Cql);
        Assert.Equal<object?>(["c1", 4L, owner], Statements.CreateCounter("c1", 4, owner).Values);
        Assert.Equal("UPDATE ks1.seq_counters SET last = ?, owner = ? WHERE conversation_id = ? IF last = ?", Statements.AdvanceCounter("c1", 4, 5, owner).Cql);
        Assert.Equal<object?>([5L, owner, "c1", 4L], Statements.AdvanceCounter("c1", 4, 5, owner).Values);
    }

    [Fact]
    public void An_append_writes_the_media_columns_only_for_a_message_with_media()
    {
        var text = new Message { ConversationId = "c1", Seq = 1, MessageId = "m1", SenderId = "a", ClientMsgId = "k", Content = "x", Timestamp = DateTimeOffset.UnixEpoch };
        var media = text with { Kind = MessageKind.Media, MediaId = "media1", Media = new MediaAttachment("image/png", 10, "a.png") };

        var textInsert = Statements.AppendMessage(text);
        var mediaInsert = Statements.AppendMessage(media);

        Assert.Equal(
            "INSERT INTO ks1.messages (conversation_id, bucket, seq, message_id, sender_id, client_msg_id, content, sent_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS",
            textInsert.Cql);
        Assert.Equal<object?>(["c1", 0L, 1L, "m1", "a", "k", "x", DateTimeOffset.UnixEpoch.UtcTicks, "text"], textInsert.Values);
        Assert.Equal(
            $"INSERT INTO ks1.messages ({StoredRows.MessageColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS",
            mediaInsert.Cql);
        Assert.Equal(StoredRows.MessageValues(media), mediaInsert.Values);
    }

    [Fact]
    public void The_append_and_the_claim_are_the_only_conditional_writes_of_a_send()
    {
        var message = new Message { ConversationId = "c1", Seq = 1, MessageId = "m1", SenderId = "a", ClientMsgId = "k", Content = "x", Timestamp = DateTimeOffset.UnixEpoch };
        var send = new[]
        {
            Statements.Claim(new DeduplicationKey("c1", "a", "k"), 1, TimeSpan.FromDays(7)),
            Statements.AppendMessage(message),
            Statements.RaiseLastSeq("c1", 1),
            Statements.AddMessageId("m1", new MessageLocation("c1", 1)),
            Statements.TouchLastSeq("c1", 1),
            Statements.TouchLastActivity("c1", message.Timestamp),
            Statements.RaiseDelivered("c1", "a", ReservedDeviceIds.Sender, 1, message.Timestamp),
            Statements.RaiseRead("c1", "a", ReservedDeviceIds.Sender, 1, message.Timestamp),
        };

        Assert.Equal(2, send.Count(s => s.IsLightweightTransaction));
        Assert.EndsWith("IF NOT EXISTS", send[1].Cql, StringComparison.Ordinal);
        Assert.EndsWith("IF NOT EXISTS USING TTL ?", send[0].Cql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7 * 24 * 3600.0, 604_800)]
    [InlineData(0.001, 1)]
    [InlineData(1.5, 2)]
    public void A_claim_lives_its_window_rounded_up_to_a_second(double seconds, int ttl)
    {
        Assert.Equal(ttl, CassandraStatements.TtlSeconds(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(ttl, Statements.Claim(new DeduplicationKey("c", "s", "k"), 3, TimeSpan.FromSeconds(seconds)).Values[^1]);
    }

    [Fact]
    public void A_window_cassandra_cannot_keep_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CassandraStatements.TtlSeconds(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => CassandraStatements.TtlSeconds(TimeSpan.FromDays(365 * 21)));
    }

    private static Dictionary<string, CqlStatement> Build()
    {
        var at = DateTimeOffset.UnixEpoch.AddDays(1);
        var key = new DeduplicationKey("c1", "alice", "k1");
        var message = new Message { ConversationId = "c1", Seq = 5, MessageId = "m1", SenderId = "alice", ClientMsgId = "k1", Content = "x", Timestamp = at };
        var conversation = new Conversation { Id = "c1", Kind = ConversationKind.Group, Name = "g", Members = [new("alice", MemberRole.Admin, at)], CreatedAt = at };
        return new Dictionary<string, CqlStatement>
        {
            ["AppendMessage"] = Statements.AppendMessage(message),
            ["GetMessage"] = Statements.GetMessage("c1", 5),
            ["ReadBucketAfter"] = Statements.ReadBucketAfter("c1", 0, 5, 10),
            ["ReadBucketBefore"] = Statements.ReadBucketBefore("c1", 0, 5, 10),
            ["NewestInBucket"] = Statements.NewestInBucket("c1", 0),
            ["RaiseLastSeq"] = Statements.RaiseLastSeq("c1", 5),
            ["ReadSeqRow"] = Statements.ReadSeqRow("c1"),
            ["Claim"] = Statements.Claim(key, 5, TimeSpan.FromMinutes(1)),
            ["FindClaim"] = Statements.FindClaim(key),
            ["ReleaseClaim"] = Statements.ReleaseClaim(key, 5),
            ["AddMessageId"] = Statements.AddMessageId("m1", new MessageLocation("c1", 5)),
            ["FindMessageId"] = Statements.FindMessageId("m1"),
            ["CreateConversation"] = Statements.CreateConversation(conversation),
            ["GetConversation"] = Statements.GetConversation("c1"),
            ["ChangeMembers"] = Statements.ChangeMembers("c1", conversation.Members, 3),
            ["GetActivity"] = Statements.GetActivity("c1"),
            ["TouchLastSeq"] = Statements.TouchLastSeq("c1", 5),
            ["TouchLastActivity"] = Statements.TouchLastActivity("c1", at),
            ["AddUserConversation"] = Statements.AddUserConversation("alice", "c1", 2),
            ["RemoveUserConversation"] = Statements.RemoveUserConversation("alice", "c1", 2),
            ["ListUserConversations"] = Statements.ListUserConversations("alice"),
            ["RecordDeparture"] = Statements.RecordDeparture("alice", "c1", 2, 5, at),
            ["ForgetDeparture"] = Statements.ForgetDeparture("alice", "c1", 3),
            ["AdvanceDeparture"] = Statements.AdvanceDeparture("alice", "c1", 2, 6),
            ["GetDeparture"] = Statements.GetDeparture("alice", "c1"),
            ["ListDepartures"] = Statements.ListDepartures("alice"),
            ["RaiseDelivered"] = Statements.RaiseDelivered("c1", "alice", "d1", 5, at),
            ["RaiseRead"] = Statements.RaiseRead("c1", "alice", "d1", 5, at),
            ["ReadUserMarks"] = Statements.ReadUserMarks("c1", "alice"),
            ["ReadDeviceMarks"] = Statements.ReadDeviceMarks("c1", "alice", "d1"),
            ["ReadAllMarks"] = Statements.ReadAllMarks("c1"),
            ["ReadCounter"] = Statements.ReadCounter("c1"),
            ["ReadCounterSerial"] = Statements.ReadCounter("c1", serial: true),
            ["CreateCounter"] = Statements.CreateCounter("c1", 1, Guid.NewGuid()),
            ["AdvanceCounter"] = Statements.AdvanceCounter("c1", 1, 2, Guid.NewGuid()),
        };
    }

    private static CqlRow Row(string columns, object?[] values)
    {
        var names = columns.Split(", ");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            index[names[i]] = i;
        }

        return new CqlRow(values, index);
    }
}
