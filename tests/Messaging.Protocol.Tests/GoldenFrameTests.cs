using System.Text;

namespace Messaging.Protocol.Tests;

/// <summary>The samples of DESIGN section 6, byte for byte: each parses to the expected frame and is written back unchanged.</summary>
public sealed class GoldenFrameTests
{
    private static readonly DateTimeOffset Timestamp = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    public static TheoryData<string, ClientFrame> ClientSamples => new()
    {
        { """{"type":"message","conversation_id":"c1","content":"Hello!","client_msg_id":"uuid-1","media_id":null}""", new SendMessageFrame("c1", "Hello!", "uuid-1") },
        { """{"type":"typing","conversation_id":"c1","is_typing":true}""", new TypingFrame("c1", true) },
        { """{"type":"ack","message_ids":["m1","m2"],"status":"delivered"}""", new AckMessagesFrame(["m1", "m2"], DeliveryStatus.Delivered) },
        { """{"type":"ack","conversation_id":"c1","up_to_seq":42,"status":"read"}""", new AckUpToFrame("c1", 42, DeliveryStatus.Read) },
        { """{"type":"sync","cursors":{"c1":40,"c2":0}}""", new SyncFrame(new Dictionary<string, long> { ["c1"] = 40, ["c2"] = 0 }) },
        { """{"type":"sync"}""", new SyncFrame() },
        { """{"type":"presence_subscribe","user_ids":["bob"]}""", new PresenceSubscribeFrame(["bob"]) },
        { """{"type":"ping"}""", PingFrame.Instance },
    };

    public static TheoryData<string, ServerFrame> ServerSamples => new()
    {
        {
            """{"type":"message","message_id":"m1","conversation_id":"c1","seq":41,"sender_id":"alice","client_msg_id":"uuid-1","content":"Hello!","media_id":null,"kind":"text","timestamp":"2024-01-15T10:30:00Z"}""",
            new MessageFrame(new MessageData { MessageId = "m1", ConversationId = "c1", Seq = 41, SenderId = "alice", ClientMsgId = "uuid-1", Content = "Hello!", Timestamp = Timestamp })
        },
        {
            """{"type":"message","message_id":"m2","conversation_id":"g1","seq":42,"sender_id":"alice","client_msg_id":"system:m2","content":"alice added bob","media_id":null,"kind":"system","timestamp":"2024-01-15T10:30:00Z"}""",
            new MessageFrame(new MessageData { MessageId = "m2", ConversationId = "g1", Seq = 42, SenderId = "alice", ClientMsgId = "system:m2", Content = "alice added bob", Kind = MessageKind.System, Timestamp = Timestamp })
        },
        {
            """{"type":"status_update","message_id":"m1","conversation_id":"c1","seq":41,"status":"sent","client_msg_id":"uuid-1","timestamp":"2024-01-15T10:30:00Z"}""",
            new StatusUpdateFrame("m1", "c1", 41, DeliveryStatus.Sent, "uuid-1", Timestamp)
        },
        { """{"type":"typing","conversation_id":"c1","user_id":"bob","is_typing":true}""", new UserTypingFrame("c1", "bob", true) },
        { """{"type":"presence","user_id":"bob","status":"online","last_seen":null}""", new PresenceFrame("bob", PresenceState.Online, null) },
        { """{"type":"presence","user_id":"bob","status":"offline","last_seen":"2024-01-15T10:30:00.5Z"}""", new PresenceFrame("bob", PresenceState.Offline, Timestamp.AddMilliseconds(500)) },
        { """{"type":"sync_complete","cursors":{"c1":42}}""", new SyncCompleteFrame(new Dictionary<string, long> { ["c1"] = 42 }) },
        { """{"type":"error","code":"not_found","message":"...","client_msg_id":"uuid-1"}""", new ErrorFrame(ErrorCodes.NotFound, "...", "uuid-1") },
        { """{"type":"pong"}""", PongFrame.Instance },
    };

    [Theory]
    [MemberData(nameof(ClientSamples))]
    public void Client_sample_parses_to_its_frame(string json, ClientFrame expected)
    {
        Assert.True(ProtocolReader.TryParse(Encoding.UTF8.GetBytes(json), out ClientFrame? frame, out var error), error);
        FrameAssert.Equivalent(expected, frame);
    }

    [Theory]
    [MemberData(nameof(ClientSamples))]
    public void Client_frame_is_written_exactly_as_the_sample(string json, ClientFrame frame) =>
        Assert.Equal(json, Encoding.UTF8.GetString(ProtocolWriter.ToUtf8Bytes(frame)));

    [Theory]
    [MemberData(nameof(ServerSamples))]
    public void Server_sample_parses_to_its_frame(string json, ServerFrame expected)
    {
        Assert.True(ProtocolReader.TryParse(Encoding.UTF8.GetBytes(json), out ServerFrame? frame, out var error), error);
        FrameAssert.Equivalent(expected, frame);
    }

    [Theory]
    [MemberData(nameof(ServerSamples))]
    public void Server_frame_is_written_exactly_as_the_sample(string json, ServerFrame frame) =>
        Assert.Equal(json, Encoding.UTF8.GetString(ProtocolWriter.ToUtf8Bytes(frame)));

    [Fact]
    public void Type_may_come_last_and_unknown_fields_are_ignored()
    {
        var json = """{"future":{"nested":[1,{"x":null}]},"content":"hi","conversation_id":"c1","client_msg_id":"k","sender_id":"mallory","type":"message"}""";

        Assert.True(ProtocolReader.TryParse(Encoding.UTF8.GetBytes(json), out ClientFrame? frame, out var error), error);
        Assert.Equal(new SendMessageFrame("c1", "hi", "k"), frame);
    }

    [Fact]
    public void Timestamps_with_an_offset_are_read_as_utc()
    {
        var json = """{"type":"presence","user_id":"bob","status":"offline","last_seen":"2024-01-15T12:30:00+02:00"}""";

        Assert.True(ProtocolReader.TryParse(Encoding.UTF8.GetBytes(json), out ServerFrame? frame, out var error), error);
        var presence = Assert.IsType<PresenceFrame>(frame);
        Assert.Equal(TimeSpan.Zero, presence.LastSeen!.Value.Offset);
        Assert.Equal(Timestamp, presence.LastSeen.Value);
    }

    [Fact]
    public void Non_ascii_text_is_written_unescaped_and_read_back()
    {
        var frame = new SendMessageFrame("c1", "héllo 中文 😀 \"q\" <b>", "k");

        var bytes = ProtocolWriter.ToUtf8Bytes(frame);

        Assert.Contains("héllo 中文", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.True(ProtocolReader.TryParse(bytes, out ClientFrame? parsed, out var error), error);
        Assert.Equal(frame, parsed);
    }
}
