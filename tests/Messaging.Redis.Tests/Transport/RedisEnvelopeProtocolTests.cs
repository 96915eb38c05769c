using FsCheck;
using FsCheck.Fluent;
using Messaging.Transports.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Transport;

public sealed class RedisEnvelopeProtocolTests
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

    public static TheoryData<Envelope> EveryKind() =>
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

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Every_kind_of_envelope_round_trips(Envelope envelope)
        => Assert.Equal(envelope, RedisEnvelopeProtocol.Read(RedisEnvelopeProtocol.Write(envelope)));

    [Fact]
    public void Message_with_every_field_round_trips_exactly()
    {
        var read = (MessageEnvelope)RedisEnvelopeProtocol.Read(RedisEnvelopeProtocol.Write(new MessageEnvelope(FullMessage, "conn-1")));

        Assert.Equal(FullMessage, read.Message);
        Assert.Equal(FullMessage.Timestamp.UtcTicks, read.Message.Timestamp.UtcTicks);
        Assert.Equal("conn-1", read.OriginConnectionId);
    }

    [Fact]
    public void Typing_envelope_has_the_documented_layout()
    {
        var bytes = RedisEnvelopeProtocol.Write(new TypingEnvelope("c1", "bob", true));

        // version 1, type 3, "c1" (length 2), "bob" (length 3), true
        Assert.Equal([1, 3, 2, (byte)'c', (byte)'1', 3, (byte)'b', (byte)'o', (byte)'b', 1], bytes);
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
            Assert.Equal(envelope, RedisEnvelopeProtocol.Read(RedisEnvelopeProtocol.Write(envelope)));
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Every_truncation_throws_invalid_data(Envelope envelope)
    {
        var bytes = RedisEnvelopeProtocol.Write(envelope);
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            Assert.Throws<InvalidDataException>(() => RedisEnvelopeProtocol.Read(prefix));
        }
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Extra_trailing_fields_are_ignored(Envelope envelope)
    {
        byte[] bytes = [.. RedisEnvelopeProtocol.Write(envelope), 0x07, 0x2A, 0xFF];

        Assert.Equal(envelope, RedisEnvelopeProtocol.Read(bytes));
    }

    [Fact]
    public void Message_block_of_a_writer_without_the_media_description_reads_as_no_media()
    {
        var envelope = new MessageEnvelope(FullMessage with { Content = "short", Media = null }, null);
        var bytes = RedisEnvelopeProtocol.Write(envelope);

        // The block ends with hasMedia = 0; an older writer ended it one byte earlier, after the kind.
        Assert.Equal(0, bytes[^1]);
        Assert.True(bytes[3] < 0x80);
        byte[] older = [.. bytes[..3], (byte)(bytes[3] - 1), .. bytes[4..^1]];

        Assert.Equal(envelope, RedisEnvelopeProtocol.Read(older));
    }

    [Fact]
    public void Extra_trailing_fields_inside_the_message_block_are_ignored()
    {
        var envelope = new MessageEnvelope(FullMessage with { Content = "short" }, null);
        var bytes = RedisEnvelopeProtocol.Write(envelope);

        // Layout: version, type, origin (0 = null), then the message block: a one-byte length (the block is short)
        // followed by the block, which ends the envelope. A newer writer appends two fields inside the block.
        Assert.Equal(0, bytes[2]);
        Assert.True(bytes[3] < 0x80);
        byte[] extended = [.. bytes[..3], (byte)(bytes[3] + 2), .. bytes[4..], 0x01, 0x02];

        Assert.Equal(envelope, RedisEnvelopeProtocol.Read(extended));
    }

    [Theory]
    [InlineData(new byte[] { 2, 3, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 99 })]
    [InlineData(new byte[] { 1, 3, 1, (byte)'c', 1, (byte)'u', 2 })]
    [InlineData(new byte[] { 1, 4, 1, (byte)'u', 7, 0 })]
    [InlineData(new byte[] { 1, 3, 2, 0xC3, 0x28, 1, (byte)'u', 1 })]
    public void Unknown_versions_types_values_and_invalid_utf8_throw_invalid_data(byte[] input)
        => Assert.Throws<InvalidDataException>(() => RedisEnvelopeProtocol.Read(input));

    [Fact]
    public void Length_prefix_beyond_the_input_throws_invalid_data()
    {
        // A string claiming 2^35 bytes must not be sliced or allocated.
        byte[] input = [1, 3, 0x80, 0x80, 0x80, 0x80, 0x01, (byte)'c'];
        Assert.Throws<InvalidDataException>(() => RedisEnvelopeProtocol.Read(input));
    }

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
