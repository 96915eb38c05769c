using Messaging.Stores.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

public sealed class StoredMessageCodecTests
{
    private static readonly Message Full = new()
    {
        ConversationId = "c1",
        Seq = 41,
        MessageId = "m1",
        SenderId = "alice",
        ClientMsgId = "uuid-1",
        Content = "Hello, 世界 \"quoted\" <b>",
        MediaId = "media-1",
        Timestamp = new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero).AddTicks(1234567),
        Kind = MessageKind.Media,
        Media = new MediaAttachment("image/png", 5_242_881, "cat.png"),
    };

    [Theory]
    [InlineData(MessageKind.Text)]
    [InlineData(MessageKind.Media)]
    [InlineData(MessageKind.System)]
    [InlineData(MessageKind.Tombstone)]
    public void Messages_of_every_kind_round_trip_exactly(MessageKind kind)
    {
        var message = Full with { Kind = kind };

        var decoded = StoredMessageCodec.Decode("c1", 41, StoredMessageCodec.Encode(message));

        Assert.Equal(message, decoded);
        Assert.Equal(message.Timestamp.UtcTicks, decoded.Timestamp.UtcTicks);
    }

    [Fact]
    public void Media_description_is_stored_beside_the_media_id()
    {
        var payload = StoredMessageCodec.Encode(Full with { Content = "hi" });

        Assert.Contains("\"desc\":{\"type\":\"image/png\",\"size\":5242881,\"name\":\"cat.png\"}", payload, StringComparison.Ordinal);
        Assert.Equal(Full.Media, StoredMessageCodec.Decode("c1", 41, payload).Media);
    }

    [Fact]
    public void Payload_has_the_documented_fields_and_omits_what_the_keys_hold()
    {
        var payload = StoredMessageCodec.Encode(Full with { MediaId = null, Media = null, Kind = MessageKind.Text, Content = "hi" });

        Assert.Equal("""{"id":"m1","from":"alice","cid":"uuid-1","text":"hi","ts":"2024-01-15T10:30:00.1234567+00:00","kind":"text"}""", payload);
    }

    [Fact]
    public void Client_entries_carry_the_seq_before_the_payload()
    {
        var entry = "41 " + StoredMessageCodec.Encode(Full);

        Assert.Equal(Full, StoredMessageCodec.DecodeClientEntry("c1", entry));
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        var payload = """{"id":"m1","from":"alice","cid":"c","text":"t","ts":"2024-01-15T10:30:00+00:00","kind":"text","added_later":[1,2]}""";

        Assert.Equal("m1", StoredMessageCodec.Decode("c1", 1, payload).MessageId);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"id":"m1"}""")]
    [InlineData("""{"id":"m1","from":"a","cid":"c","text":"t","ts":"2024-01-15T10:30:00+00:00","kind":"video"}""")]
    public void Malformed_payloads_throw_invalid_data(string payload)
        => Assert.Throws<InvalidDataException>(() => StoredMessageCodec.Decode("c1", 1, payload));

    [Theory]
    [InlineData("")]
    [InlineData("41")]
    [InlineData("x {}")]
    [InlineData(" {}")]
    public void Malformed_client_entries_throw_invalid_data(string entry)
        => Assert.Throws<InvalidDataException>(() => StoredMessageCodec.DecodeClientEntry("c1", entry));

    [Theory]
    [InlineData("41", 41)]
    [InlineData("41 {\"id\":\"m1\"}", 41)]
    public void A_claims_seq_is_read_with_or_without_the_payload(string claim, long seq)
        => Assert.Equal(seq, StoredMessageCodec.ClaimSeq(System.Text.Encoding.UTF8.GetBytes(claim)));

    [Theory]
    [InlineData("")]
    [InlineData(" 41")]
    [InlineData("-1")]
    [InlineData("4x1")]
    public void Malformed_claims_throw_invalid_data(string claim)
        => Assert.Throws<InvalidDataException>(() => StoredMessageCodec.ClaimSeq(System.Text.Encoding.UTF8.GetBytes(claim)));
}
