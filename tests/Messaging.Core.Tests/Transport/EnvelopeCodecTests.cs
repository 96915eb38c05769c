using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Messaging.Tests.Transport;

// The one envelope format of Core, carried by every backplane as opaque bytes.
public sealed class EnvelopeCodecTests
{
    private static readonly DateTimeOffset Time = new(2024, 1, 15, 10, 30, 0, 123, TimeSpan.Zero);

    private static readonly Message FullMessage = new()
    {
        ConversationId = "c1",
        Seq = 1_234_567_890_123,
        MessageId = "0190f6b2-7c1e-7a00-8000-000000000001",
        SenderId = "alice",
        ClientMsgId = "uuid-1",
        Content = "Hello, 世界 👋 — \"quoted\"\n",
        MediaId = "media-42",
        Timestamp = Time.AddTicks(4567),
        Kind = MessageKind.Media,
        Media = new MediaAttachment("image/png", 5_242_881, "cat 🐈.png"),
    };

    private static readonly Envelope[] Kinds =
    [
        new MessageEnvelope(FullMessage, "conn-1"),
        new MessageEnvelope(FullMessage with { MediaId = null, Media = null, Content = string.Empty, Kind = MessageKind.Text }, null),
        new MessageEnvelope(FullMessage with { Kind = MessageKind.System }, null),
        new MessageEnvelope(FullMessage with { Kind = MessageKind.Tombstone }, null),
        new StatusEnvelope("c1", "m1", 41, ReceiptStatus.Sent, "uuid-1", Time),
        new StatusEnvelope("c1", "m1", 41, ReceiptStatus.Delivered, null, Time),
        new StatusEnvelope("c1", "m1", 41, ReceiptStatus.Read, null, Time),
        new TypingEnvelope("c1", "bob", true),
        new TypingEnvelope("c1", "bob", false),
        new PresenceEnvelope("bob", PresenceStatus.Online, null),
        new PresenceEnvelope("bob", PresenceStatus.Offline, Time),
        new MembershipEnvelope("c1", "dave", true),
        new MembershipEnvelope("c1", "dave", false),
    ];

    public static TheoryData<int> EveryKind() => [.. Enumerable.Range(0, Kinds.Length)];

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Every_kind_of_envelope_round_trips(int kind)
    {
        var envelope = Kinds[kind];
        Assert.Equal(Routed(envelope), EnvelopeCodec.Decode(EnvelopeCodec.Encode(Routed(envelope))));
        var audience = new Audience(["alice", "bob \u00e9", string.Empty], FollowTopic.Conversation("c1"));
        Assert.Equal(new NodeEnvelope(audience, envelope), EnvelopeCodec.Decode(EnvelopeCodec.Encode(new NodeEnvelope(audience, envelope))));
    }

    [Fact]
    public void Message_with_every_field_round_trips_exactly()
    {
        var read = (MessageEnvelope)EnvelopeCodec.Decode(EnvelopeCodec.Encode(Routed(new MessageEnvelope(FullMessage, "conn-1")))).Envelope;

        Assert.Equal(FullMessage, read.Message);
        Assert.Equal(FullMessage.Timestamp.UtcTicks, read.Message.Timestamp.UtcTicks);
        Assert.Equal("conn-1", read.OriginConnectionId);
    }

    [Fact]
    public void Typing_envelope_has_the_documented_layout()
    {
        var bytes = EnvelopeCodec.Encode(new NodeEnvelope(new Audience(["al"], FollowTopic.Presence("x")), new TypingEnvelope("c1", "bob", true)));

        // version 1, one user "al", follow kind 2 (presence) "x", type 3, "c1" (length 2), "bob" (length 3), true
        Assert.Equal([1, 1, 2, (byte)'a', (byte)'l', 2, 1, (byte)'x', 3, 2, (byte)'c', (byte)'1', 3, (byte)'b', (byte)'o', (byte)'b', 1], bytes);
    }

    [Fact]
    public void Messages_round_trip_for_generated_content()
    {
        var text = ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !HasLoneSurrogate(s));
        var messages = from content in text
                       from sender in text.Where(s => s.Length > 0)
                       from seq in Gen.Choose(1, int.MaxValue)
                       from ticks in Gen.Choose(0, int.MaxValue)
                       from media in Gen.OneOf(Gen.Constant<string?>(null), text.Select(s => (string?)s))
                       select FullMessage with { Content = content, SenderId = sender, Seq = seq * 1000L, MediaId = media, Timestamp = Time.AddTicks(ticks) };

        Prop.ForAll(messages.ToArbitrary(), message =>
        {
            var envelope = new MessageEnvelope(message, null);
            Assert.Equal(Routed(envelope), RoundTrip(envelope));
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Every_truncation_throws_invalid_data(int kind)
    {
        var envelope = Kinds[kind];
        var bytes = EnvelopeCodec.Encode(new NodeEnvelope(new Audience(["alice"], FollowTopic.Conversation("c1")), envelope));
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            Assert.Throws<InvalidDataException>(() => EnvelopeCodec.Decode(prefix));
        }
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Extra_trailing_fields_are_ignored(int kind)
    {
        var envelope = Kinds[kind];
        byte[] bytes = [.. EnvelopeCodec.Encode(Routed(envelope)), 0x07, 0x2A, 0xFF];

        Assert.Equal(Routed(envelope), EnvelopeCodec.Decode(bytes));
    }

    [Fact]
    public void Message_block_of_a_writer_without_the_media_description_reads_as_no_media()
    {
        var envelope = new MessageEnvelope(FullMessage with { Content = "short", Media = null }, null);
        var bytes = EnvelopeCodec.Encode(Routed(envelope));

        // The block ends with hasMedia = 0; an older writer ended it one byte earlier, after the kind.
        Assert.Equal(0, bytes[^1]);
        Assert.True(bytes[5] < 0x80);
        byte[] older = [.. bytes[..5], (byte)(bytes[5] - 1), .. bytes[6..^1]];

        Assert.Equal(Routed(envelope), EnvelopeCodec.Decode(older));
    }

    [Fact]
    public void Extra_trailing_fields_inside_the_message_block_are_ignored()
    {
        var envelope = new MessageEnvelope(FullMessage with { Content = "short" }, null);
        var bytes = EnvelopeCodec.Encode(Routed(envelope));

        // Layout: version, no users (0), no topic (0), type, origin (0 = null), then the message block: a one-byte
        // length (the block is short) followed by the block, which ends the envelope. A newer writer appends two
        // fields inside the block.
        Assert.Equal(0, bytes[4]);
        Assert.True(bytes[5] < 0x80);
        byte[] extended = [.. bytes[..5], (byte)(bytes[5] + 2), .. bytes[6..], 0x01, 0x02];

        Assert.Equal(Routed(envelope), EnvelopeCodec.Decode(extended));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 3, 0, 0, 0 })]
    [InlineData(new byte[] { 2, 0, 0, 3, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 99 })]
    [InlineData(new byte[] { 1, 0, 3, 1, (byte)'c', 3, 1, (byte)'c', 1, (byte)'u', 1 })]
    [InlineData(new byte[] { 1, 0, 0, 3, 1, (byte)'c', 1, (byte)'u', 2 })]
    [InlineData(new byte[] { 1, 0, 0, 4, 1, (byte)'u', 7, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 3, 2, 0xC3, 0x28, 1, (byte)'u', 1 })]
    [InlineData(new byte[] { 1, 1, 2, 0xC3, 0x28, 0, 3, 1, (byte)'c', 1, (byte)'u', 1 })]
    [InlineData(new byte[] { 1, 9, 0, 0, 3, 1, (byte)'c', 1, (byte)'u', 1 })]
    public void Unknown_versions_types_topics_values_and_invalid_utf8_throw_invalid_data(byte[] input)
        => Assert.Throws<InvalidDataException>(() => EnvelopeCodec.Decode(input));

    [Fact]
    public void Length_prefix_beyond_the_input_throws_invalid_data()
    {
        // A string claiming 2^35 bytes, or 2^35 users, must not be sliced or allocated.
        byte[] input = [1, 0, 0, 3, 0x80, 0x80, 0x80, 0x80, 0x01, (byte)'c'];
        Assert.Throws<InvalidDataException>(() => EnvelopeCodec.Decode(input));
        byte[] users = [1, 0x80, 0x80, 0x80, 0x80, 0x01, 1, (byte)'u'];
        Assert.Throws<InvalidDataException>(() => EnvelopeCodec.Decode(users));
    }

    [Fact]
    public void Every_kind_of_envelope_with_any_audience_round_trips()
    {
        var text = ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !HasLoneSurrogate(s));
        var topic = Gen.OneOf(
            Gen.Constant<FollowTopic?>(null),
            text.Select(id => (FollowTopic?)FollowTopic.Conversation(id)),
            text.Select(id => (FollowTopic?)FollowTopic.Presence(id)));
        var kinds = Kinds;
        var routed = from users in text.ArrayOf()
                     from followers in topic
                     from kind in Gen.Elements(kinds)
                     from id in text
                     select new NodeEnvelope(new Audience(users, followers), Vary(kind, id));

        Prop.ForAll(routed.ToArbitrary(), envelope => Assert.Equal(envelope, EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope)))).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_batch_decodes_into_its_envelopes_in_order_and_a_single_envelope_payload_into_itself()
    {
        var text = ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !HasLoneSurrogate(s));
        var kinds = Kinds;
        var routed = from users in text.ArrayOf()
                     from kind in Gen.Elements(kinds)
                     from id in text
                     select new NodeEnvelope(new Audience(users, null), Vary(kind, id));

        Prop.ForAll(routed.ArrayOf().ToArbitrary(), envelopes =>
        {
            var decoded = new List<NodeEnvelope>();
            EnvelopeCodec.DecodePayload(EnvelopeCodec.EncodeBatch([.. envelopes.Select(EnvelopeCodec.Encode)]), decoded);
            Assert.Equal(envelopes, decoded);
        }).QuickCheckThrowOnFailure();

        var single = new List<NodeEnvelope>();
        EnvelopeCodec.DecodePayload(EnvelopeCodec.Encode(Routed(Kinds[0])), single);
        Assert.Equal([Routed(Kinds[0])], single);
    }

    [Fact]
    public void Every_truncation_of_a_batch_throws_invalid_data_and_yields_nothing()
    {
        var bytes = EnvelopeCodec.EncodeBatch([.. Kinds.Select(k => EnvelopeCodec.Encode(Routed(k)))]);
        for (var length = 0; length < bytes.Length; length++)
        {
            var decoded = new List<NodeEnvelope>();
            Assert.Throws<InvalidDataException>(() => EnvelopeCodec.DecodePayload(bytes.AsSpan(0, length), decoded));
            Assert.Empty(decoded);
        }

        // A count of 2^35 envelopes must not be allocated.
        Assert.Throws<InvalidDataException>(() => EnvelopeCodec.DecodePayload([EnvelopeCodec.BatchVersion, 0x80, 0x80, 0x80, 0x80, 0x01, 1], []));
    }

    [Fact]
    public void Garbage_never_decodes_into_anything_but_an_envelope_or_invalid_data()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            try
            {
                Assert.NotNull(EnvelopeCodec.Decode(bytes));
            }
            catch (InvalidDataException)
            {
                // Rejected with the one exception the inbox handles.
            }
        }).QuickCheckThrowOnFailure();

        // Valid envelopes with one byte flipped: the same, and never another exception.
        var kinds = Kinds.Select(envelope => EnvelopeCodec.Encode(new NodeEnvelope(new Audience(["alice"], FollowTopic.Conversation("c1")), envelope))).ToArray();
        var flips = from encoded in Gen.Elements(kinds)
                    from index in Gen.Choose(0, encoded.Length - 1)
                    from value in Gen.Choose(0, 255)
                    select (encoded, index, value);
        Prop.ForAll(flips.ToArbitrary(), flip =>
        {
            var bytes = (byte[])flip.encoded.Clone();
            bytes[flip.index] = (byte)flip.value;
            try
            {
                Assert.NotNull(EnvelopeCodec.Decode(bytes));
            }
            catch (InvalidDataException)
            {
                // Rejected.
            }
        }).QuickCheckThrowOnFailure();
    }

    private static NodeEnvelope Routed(Envelope envelope) => new(Audience.Of([]), envelope);

    private static NodeEnvelope RoundTrip(Envelope envelope) => EnvelopeCodec.Decode(EnvelopeCodec.Encode(Routed(envelope)));

    // The same kind of envelope with a generated id in its string fields.
    private static Envelope Vary(Envelope envelope, string id) => envelope switch
    {
        MessageEnvelope m => m with { Message = m.Message with { ConversationId = id, Content = id } },
        StatusEnvelope s => s with { ConversationId = id, ClientMsgId = id },
        TypingEnvelope t => t with { UserId = id },
        PresenceEnvelope p => p with { UserId = id },
        MembershipEnvelope b => b with { ConversationId = id },
        _ => envelope,
    };

    private static bool HasLoneSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return true;
            }
        }

        return false;
    }
}
