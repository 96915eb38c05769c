using System.Text;
using Messaging.Protocol;

namespace Messaging.Media.Tests.Messages;

/// <summary>The additive <c>media</c> object of message frames.</summary>
public sealed class MediaWireTests
{
    private static readonly MessageData Message = new()
    {
        MessageId = "m1",
        ConversationId = "c1",
        Seq = 1,
        SenderId = "alice",
        ClientMsgId = "u1",
        Content = string.Empty,
        MediaId = "0193e0a1b2c3",
        Media = new MediaData("image/png", 1234, "a \"quoted\" name.png"),
        Timestamp = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public void Message_frame_with_media_round_trips()
    {
        var bytes = ProtocolWriter.ToUtf8Bytes(new MessageFrame(Message));

        Assert.Contains("\"media\":{\"content_type\":\"image/png\",\"size\":1234,", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.True(ProtocolReader.TryParse(bytes, out ServerFrame? frame, out var error), error);
        Assert.Equal(Message.Media, Assert.IsType<MessageFrame>(frame).Message.Media);
    }

    [Fact]
    public void Message_without_media_has_no_media_field_and_a_malformed_one_is_ignored()
    {
        var plain = Encoding.UTF8.GetString(ProtocolWriter.ToUtf8Bytes(new MessageFrame(Message with { MediaId = null, Media = null })));
        var malformed = plain.Replace("\"media_id\":null", "\"media_id\":null,\"media\":{\"size\":\"big\"}", StringComparison.Ordinal);

        Assert.DoesNotContain("\"media\":", plain, StringComparison.Ordinal);
        Assert.NotEqual(plain, malformed);
        Assert.True(ProtocolReader.TryParse(Encoding.UTF8.GetBytes(malformed), out ServerFrame? frame, out var error), error);
        Assert.Null(Assert.IsType<MessageFrame>(frame).Message.Media);
    }
}
