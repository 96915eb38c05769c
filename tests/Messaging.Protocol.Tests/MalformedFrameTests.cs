using System.Text;

namespace Messaging.Protocol.Tests;

/// <summary>Bad input gives <see langword="false"/> and a message naming the problem, never an exception.</summary>
public sealed class MalformedFrameTests
{
    public static TheoryData<string, string> BadClientFrames => new()
    {
        { "", "Invalid JSON" },
        { "{", "Invalid JSON" },
        { "{\"type\":\"ping\"", "Invalid JSON" },
        { "{\"type\":\"ping\"} {}", "Invalid JSON" },
        { "{\"type\":\"ping\",}", "Invalid JSON" },
        { "[\"type\",\"ping\"]", "must be a JSON object" },
        { "\"ping\"", "must be a JSON object" },
        { "null", "must be a JSON object" },
        { "{}", "must have a \"type\"" },
        { "{\"type\":null}", "must have a \"type\"" },
        { "{\"type\":7}", "\"type\" must be a string" },
        { "{\"type\":\"teleport\"}", "Unknown frame type \"teleport\"" },
        { "{\"type\":\"pong\"}", "Unknown frame type \"pong\"" },
        { "{\"type\":\"message\",\"conversation_id\":\"c1\",\"content\":\"hi\"}", "\"message\" frame is missing \"client_msg_id\"" },
        { "{\"type\":\"message\",\"conversation_id\":\"c1\",\"client_msg_id\":\"k\"}", "\"message\" frame is missing \"content\"" },
        { "{\"type\":\"message\",\"content\":\"hi\",\"client_msg_id\":\"k\"}", "\"message\" frame is missing \"conversation_id\"" },
        { "{\"type\":\"message\",\"conversation_id\":null,\"content\":\"hi\",\"client_msg_id\":\"k\"}", "\"message\" frame is missing \"conversation_id\"" },
        { "{\"type\":\"message\",\"conversation_id\":42,\"content\":\"hi\",\"client_msg_id\":\"k\"}", "\"conversation_id\" of a \"message\" frame must be a string" },
        { "{\"type\":\"message\",\"conversation_id\":\"c1\",\"content\":[\"hi\"],\"client_msg_id\":\"k\"}", "\"content\" of a \"message\" frame must be a string" },
        { "{\"type\":\"message\",\"conversation_id\":\"c1\",\"content\":\"hi\",\"client_msg_id\":\"k\",\"media_id\":5}", "\"media_id\" of a \"message\" frame must be a string" },
        { "{\"type\":\"typing\",\"conversation_id\":\"c1\"}", "\"typing\" frame is missing \"is_typing\"" },
        { "{\"type\":\"typing\",\"conversation_id\":\"c1\",\"is_typing\":\"yes\"}", "\"is_typing\" of a \"typing\" frame must be true or false" },
        { "{\"type\":\"ack\",\"status\":\"read\"}", "either \"message_ids\", or \"conversation_id\" with \"up_to_seq\"" },
        { "{\"type\":\"ack\",\"message_ids\":[\"m1\"],\"conversation_id\":\"c1\",\"up_to_seq\":1,\"status\":\"read\"}", "either \"message_ids\"" },
        { "{\"type\":\"ack\",\"message_ids\":[\"m1\"]}", "\"ack\" frame is missing \"status\"" },
        { "{\"type\":\"ack\",\"message_ids\":[\"m1\",2],\"status\":\"read\"}", "\"message_ids\" of a \"ack\" frame must be an array of strings" },
        { "{\"type\":\"ack\",\"message_ids\":\"m1\",\"status\":\"read\"}", "\"message_ids\" of a \"ack\" frame must be an array of strings" },
        { "{\"type\":\"ack\",\"message_ids\":[\"m1\"],\"status\":\"sent\"}", "must be \"delivered\" or \"read\"" },
        { "{\"type\":\"ack\",\"message_ids\":[\"m1\"],\"status\":\"READ\"}", "must be one of \"sent\", \"delivered\", \"read\"" },
        { "{\"type\":\"ack\",\"message_ids\":[\"m1\"],\"status\":2}", "\"status\" of a \"ack\" frame must be one of" },
        { "{\"type\":\"ack\",\"conversation_id\":\"c1\",\"status\":\"read\"}", "\"ack\" frame is missing \"up_to_seq\"" },
        { "{\"type\":\"ack\",\"up_to_seq\":3,\"status\":\"read\"}", "\"ack\" frame is missing \"conversation_id\"" },
        { "{\"type\":\"ack\",\"conversation_id\":\"c1\",\"up_to_seq\":1.5,\"status\":\"read\"}", "\"up_to_seq\" of a \"ack\" frame must be an integer" },
        { "{\"type\":\"ack\",\"conversation_id\":\"c1\",\"up_to_seq\":99999999999999999999,\"status\":\"read\"}", "must be an integer" },
        { "{\"type\":\"sync\",\"cursors\":[1]}", "\"cursors\" of a \"sync\" frame must be an object of integers" },
        { "{\"type\":\"sync\",\"cursors\":{\"c1\":\"40\"}}", "\"cursors\" of a \"sync\" frame must be an object of integers" },
        { "{\"type\":\"presence_subscribe\"}", "\"presence_subscribe\" frame is missing \"user_ids\"" },
        { "{\"type\":\"presence_subscribe\",\"user_ids\":[null]}", "must be an array of strings" },
    };

    [Theory]
    [MemberData(nameof(BadClientFrames))]
    public void Bad_client_frame_is_rejected_with_a_clear_error(string json, string expectedError)
    {
        var ok = ProtocolReader.TryParse(Encoding.UTF8.GetBytes(json), out ClientFrame? frame, out var error);

        Assert.False(ok);
        Assert.Null(frame);
        Assert.Contains(expectedError, error, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadServerFrames => new()
    {
        { "{\"type\":\"ping\"}", "Unknown frame type \"ping\"" },
        { "{\"type\":\"message\",\"message_id\":\"m1\",\"conversation_id\":\"c1\",\"seq\":1,\"sender_id\":\"a\",\"client_msg_id\":\"k\",\"content\":\"x\"}", "\"message\" frame is missing \"timestamp\"" },
        { "{\"type\":\"message\",\"message_id\":\"m1\",\"conversation_id\":\"c1\",\"seq\":1,\"sender_id\":\"a\",\"client_msg_id\":\"k\",\"content\":\"x\",\"timestamp\":\"yesterday\"}", "must be an ISO-8601 timestamp" },
        { "{\"type\":\"status_update\",\"message_id\":\"m1\",\"conversation_id\":\"c1\",\"seq\":1,\"status\":\"lost\",\"timestamp\":\"2024-01-15T10:30:00Z\"}", "\"status\" of a \"status_update\" frame must be one of" },
        { "{\"type\":\"presence\",\"user_id\":\"bob\",\"status\":\"delivered\"}", "must be one of \"offline\", \"online\"" },
        { "{\"type\":\"sync_complete\"}", "\"sync_complete\" frame is missing \"cursors\"" },
        { "{\"type\":\"error\",\"message\":\"x\"}", "\"error\" frame is missing \"code\"" },
    };

    [Theory]
    [MemberData(nameof(BadServerFrames))]
    public void Bad_server_frame_is_rejected_with_a_clear_error(string json, string expectedError)
    {
        var ok = ProtocolReader.TryParse(Encoding.UTF8.GetBytes(json), out ServerFrame? frame, out var error);

        Assert.False(ok);
        Assert.Null(frame);
        Assert.Contains(expectedError, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_rejected()
    {
        byte[] json = [.. "{\"type\":\"typing\",\"conversation_id\":\""u8, 0xC3, 0x28, .. "\",\"is_typing\":true}"u8];

        Assert.False(ProtocolReader.TryParse(json, out ClientFrame? _, out var error));
        Assert.StartsWith("Invalid JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_unknown_field_is_rejected_without_throwing()
    {
        var json = "{\"type\":\"ping\",\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "}";

        Assert.False(ProtocolReader.TryParse(Encoding.UTF8.GetBytes(json), out ClientFrame? _, out var error));
        Assert.StartsWith("Invalid JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrongly_typed_field_that_the_frame_type_does_not_use_is_ignored()
    {
        var json = "{\"type\":\"ping\",\"content\":5,\"seq\":\"x\",\"cursors\":[]}";

        Assert.True(ProtocolReader.TryParse(Encoding.UTF8.GetBytes(json), out ClientFrame? frame, out var error), error);
        Assert.IsType<PingFrame>(frame);
    }
}
