using System.Text;
using System.Text.Json;

namespace Messaging.Protocol.Tests;

/// <summary>The REST bodies of DESIGN section 6 through the source-generated context.</summary>
public sealed class RestBodyTests
{
    private static readonly DateTimeOffset Timestamp = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static readonly MessageData Message = new()
    {
        MessageId = "m1", ConversationId = "c1", Seq = 41, SenderId = "alice", ClientMsgId = "uuid-1", Content = "Hello!", Timestamp = Timestamp,
    };

    [Fact]
    public void Conversation_body_has_the_documented_shape()
    {
        var body = new ConversationBody
        {
            ConversationId = "g1",
            Type = ConversationType.Group,
            Name = "Team",
            Members = [new MemberBody("alice", ConversationRole.Admin), new MemberBody("bob", ConversationRole.Member)],
            CreatedAt = new DateTimeOffset(2024, 1, 15, 12, 30, 0, TimeSpan.FromHours(2)),
            LastSeq = 41,
            UnreadCount = 3,
            HistoryStartSeq = 7,
            LastMessage = Message,
        };

        var json = JsonSerializer.Serialize(body, ProtocolJsonContext.Default.ConversationBody);

        Assert.Equal(
            """{"conversation_id":"g1","type":"group","name":"Team","members":[{"user_id":"alice","role":"admin"},{"user_id":"bob","role":"member"}],"created_at":"2024-01-15T10:30:00Z","last_seq":41,"unread_count":3,"history_start_seq":7,"last_message":{"message_id":"m1","conversation_id":"c1","seq":41,"sender_id":"alice","client_msg_id":"uuid-1","content":"Hello!","media_id":null,"kind":"text","timestamp":"2024-01-15T10:30:00Z"}}""",
            json);
    }

    [Fact]
    public void Conversation_body_without_history_start_seq_reads_as_history_from_seq_1()
    {
        var body = JsonSerializer.Deserialize(
            """{"conversation_id":"d1","type":"direct","name":null,"members":[],"created_at":"2024-01-15T10:30:00Z","last_seq":4,"unread_count":2,"last_message":null}""",
            ProtocolJsonContext.Default.ConversationBody);

        Assert.NotNull(body);
        Assert.Equal(1, body.HistoryStartSeq);
    }

    [Fact]
    public void Rest_message_is_the_message_frame_without_type()
    {
        var rest = JsonSerializer.Serialize(Message, ProtocolJsonContext.Default.MessageData);
        var frame = Encoding.UTF8.GetString(ProtocolWriter.ToUtf8Bytes(new MessageFrame(Message)));

        Assert.Equal(frame.Replace("\"type\":\"message\",", string.Empty, StringComparison.Ordinal), rest);
        Assert.Equal(Message, JsonSerializer.Deserialize(rest, ProtocolJsonContext.Default.MessageData));
    }

    [Fact]
    public void Lists_pages_receipts_presence_and_errors_have_the_documented_shapes()
    {
        Assert.Equal(
            """{"conversations":[],"next_cursor":null}""",
            JsonSerializer.Serialize(new ConversationListBody([]), ProtocolJsonContext.Default.ConversationListBody));
        Assert.Equal(
            """{"messages":[]}""",
            JsonSerializer.Serialize(new MessagesPageBody([]), ProtocolJsonContext.Default.MessagesPageBody));
        Assert.Equal(
            """{"message_id":"m1","receipts":[{"user_id":"bob","delivered_at":"2024-01-15T10:30:00Z","read_at":null}]}""",
            JsonSerializer.Serialize(new ReceiptsBody("m1", [new ReceiptBody("bob", Timestamp, null)]), ProtocolJsonContext.Default.ReceiptsBody));
        Assert.Equal(
            """{"user_id":"bob","status":"offline","last_seen":"2024-01-15T10:30:00Z"}""",
            JsonSerializer.Serialize(new PresenceBody("bob", PresenceState.Offline, Timestamp), ProtocolJsonContext.Default.PresenceBody));
        Assert.Equal(
            """{"error":{"code":"not_found","message":"No such conversation."}}""",
            JsonSerializer.Serialize(new ErrorBody(new ErrorDetail(ErrorCodes.NotFound, "No such conversation.")), ProtocolJsonContext.Default.ErrorBody));
    }

    [Fact]
    public void Create_requests_read_both_documented_forms()
    {
        var direct = JsonSerializer.Deserialize("""{"type":"direct","user_id":"bob"}""", ProtocolJsonContext.Default.CreateConversationRequest);
        var group = JsonSerializer.Deserialize("""{"type":"group","name":"..","members":["bob","carol"]}""", ProtocolJsonContext.Default.CreateConversationRequest);

        Assert.Equal(ConversationType.Direct, direct!.Type);
        Assert.Equal("bob", direct.UserId);
        Assert.Equal(ConversationType.Group, group!.Type);
        Assert.Equal("..", group.Name);
        Assert.Equal(["bob", "carol"], group.Members);
    }

    [Fact]
    public void Privacy_and_add_member_requests_read_the_documented_forms()
    {
        Assert.Equal(LastSeenVisibility.Contacts, JsonSerializer.Deserialize("""{"last_seen":"contacts"}""", ProtocolJsonContext.Default.PrivacyRequest)!.LastSeen);
        Assert.Equal("dave", JsonSerializer.Deserialize("""{"user_id":"dave"}""", ProtocolJsonContext.Default.AddMemberRequest)!.UserId);
    }

    [Theory]
    [InlineData("""{"last_seen":"sometimes"}""")]
    [InlineData("""{"last_seen":1}""")]
    [InlineData("""{"last_seen":null}""")]
    [InlineData("""{}""")]
    public void Invalid_privacy_request_is_a_json_error(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.PrivacyRequest));

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"user_id":null}""")]
    public void Add_member_request_without_user_is_a_json_error(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.AddMemberRequest));

    [Fact]
    public void Create_request_without_type_is_a_json_error() =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"user_id":"bob"}""", ProtocolJsonContext.Default.CreateConversationRequest));
}
