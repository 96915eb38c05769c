using FsCheck;
using FsCheck.Fluent;

namespace Messaging.Protocol.Tests;

/// <summary>FsCheck generators for every frame, with text that exercises JSON escaping and non-ASCII scripts.</summary>
public static class FrameGenerators
{
    private static readonly string[] TextPieces =
        ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u0000", "\u001f", "é", "ж", "中", "😀", "<", ">", "&", "'", "\u2028", "type", "{}"];

    public static Gen<string> Text { get; } = Gen.Elements(TextPieces).ListOf().Select(pieces => string.Concat(pieces));

    public static Gen<long> Int64 { get; } = Gen.OneOf(
        Gen.Elements(0L, 1L, -1L, long.MaxValue, long.MinValue),
        Gen.Choose(int.MinValue, int.MaxValue).Two().Select(t => ((long)t.Item1 << 32) ^ (uint)t.Item2));

    public static Gen<DateTimeOffset> Timestamp { get; } =
        from days in Gen.Choose(1, 2_900_000)
        from ticks in Gen.Choose(0, int.MaxValue)
        from offsetMinutes in Gen.Choose(-14 * 60, 14 * 60)
        select new DateTimeOffset(DateTime.MinValue.AddDays(days).AddTicks(ticks).Ticks, TimeSpan.FromMinutes(offsetMinutes));

    public static Gen<string[]> TextArray { get; } = Text.ArrayOf();

    public static Gen<Dictionary<string, long>> Cursors { get; } =
        Text.Zip(Int64).ListOf().Select(pairs => pairs
            .GroupBy(p => p.Item1, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Item2, StringComparer.Ordinal));

    public static Gen<MessageData> Message { get; } =
        from id in Text
        from conversation in Text
        from seq in Int64
        from sender in Text
        from clientMsgId in Text
        from content in Text
        from media in Text.OrNull()
        from timestamp in Timestamp
        select new MessageData
        {
            MessageId = id,
            ConversationId = conversation,
            Seq = seq,
            SenderId = sender,
            ClientMsgId = clientMsgId,
            Content = content,
            MediaId = media,
            Timestamp = timestamp,
        };

    private static Gen<DeliveryStatus> AckStatus { get; } = Gen.Elements(DeliveryStatus.Delivered, DeliveryStatus.Read);

    public static Arbitrary<ClientFrame> ClientFrames() => Gen.OneOf(
        from c in Text from content in Text from id in Text from media in Text.OrNull()
        select (ClientFrame)new SendMessageFrame(c, content, id, media),
        from c in Text from typing in Gen.Elements(true, false)
        select (ClientFrame)new TypingFrame(c, typing),
        from ids in TextArray from status in AckStatus
        select (ClientFrame)new AckMessagesFrame(ids, status),
        from c in Text from seq in Int64 from status in AckStatus
        select (ClientFrame)new AckUpToFrame(c, seq, status),
        from cursors in Cursors.OrNull()
        select (ClientFrame)new SyncFrame(cursors),
        from users in TextArray
        select (ClientFrame)new PresenceSubscribeFrame(users),
        Gen.Constant((ClientFrame)PingFrame.Instance)).ToArbitrary();

    public static Arbitrary<ServerFrame> ServerFrames() => Gen.OneOf(
        Message.Select(m => (ServerFrame)new MessageFrame(m)),
        from id in Text from c in Text from seq in Int64
        from status in Gen.Elements(DeliveryStatus.Sent, DeliveryStatus.Delivered, DeliveryStatus.Read)
        from clientMsgId in Text.OrNull() from at in Timestamp
        select (ServerFrame)new StatusUpdateFrame(id, c, seq, status, clientMsgId, at),
        from c in Text from user in Text from typing in Gen.Elements(true, false)
        select (ServerFrame)new UserTypingFrame(c, user, typing),
        from user in Text from state in Gen.Elements(PresenceState.Online, PresenceState.Offline)
        from lastSeen in Timestamp.Select(t => (DateTimeOffset?)t).Or(Gen.Constant((DateTimeOffset?)null))
        select (ServerFrame)new PresenceFrame(user, state, lastSeen),
        Cursors.Select(c => (ServerFrame)new SyncCompleteFrame(c)),
        from code in Gen.Elements(ErrorCodes.BadRequest, ErrorCodes.NotFound, ErrorCodes.TooLarge) from message in Text from clientMsgId in Text.OrNull()
        select (ServerFrame)new ErrorFrame(code, message, clientMsgId),
        Gen.Constant((ServerFrame)PongFrame.Instance)).ToArbitrary();

    /// <summary>Arbitrary bytes, biased towards JSON-looking input.</summary>
    public static Arbitrary<byte[]> Bytes() => Gen.OneOf(
        Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(),
        Gen.Elements("{", "}", "[", "]", "\"", ":", ",", "type", "\"type\"", "\"message\"", "\"ack\"", "null", "1", "-", "e", "\\u", "\\", " ", "\u00ff", "true")
            .ListOf().Select(parts => System.Text.Encoding.UTF8.GetBytes(string.Concat(parts)))).ToArbitrary();
}
