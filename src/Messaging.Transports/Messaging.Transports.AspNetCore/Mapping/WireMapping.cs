using Messaging.Protocol;

namespace Messaging.Transports.AspNetCore;

/// <summary>Translates between the engine's model and the wire contract of <c>Messaging.Protocol</c>.</summary>
internal static class WireMapping
{
    public static ServerFrame ToFrame(ClientEvent clientEvent) => clientEvent switch
    {
        MessageEvent e => new MessageFrame(ToData(e.Message)),
        StatusEvent e => new StatusUpdateFrame(e.MessageId, e.ConversationId, e.Seq, ToWire(e.Status), e.ClientMsgId, e.Timestamp),
        TypingEvent e => new UserTypingFrame(e.ConversationId, e.UserId, e.IsTyping),
        PresenceEvent e => new PresenceFrame(e.Presence.UserId, ToWire(e.Presence.Status), e.Presence.LastSeen),
        SyncCompleteEvent e => new SyncCompleteFrame(e.Cursors),
        ErrorEvent e => new ErrorFrame(ErrorMapping.Code(e.Kind), e.Message, e.ClientMsgId),
        _ => throw new ArgumentOutOfRangeException(nameof(clientEvent), clientEvent.GetType().Name, "Unknown client event."),
    };

    public static MessageData ToData(Message message) => new()
    {
        MessageId = message.MessageId,
        ConversationId = message.ConversationId,
        Seq = message.Seq,
        SenderId = message.SenderId,
        ClientMsgId = message.ClientMsgId,
        Content = message.Content,
        MediaId = message.MediaId,
        Media = message.Media is { } media ? new MediaData(media.ContentType, media.Length, media.FileName) : null,
        Kind = ToWire(message.Kind),
        Timestamp = message.Timestamp,
    };

    public static ConversationBody ToBody(ConversationView view)
    {
        var conversation = view.Conversation;
        var members = new MemberBody[conversation.Members.Count];
        for (var i = 0; i < members.Length; i++)
        {
            var member = conversation.Members[i];
            members[i] = new MemberBody(member.UserId, member.Role == MemberRole.Admin ? ConversationRole.Admin : ConversationRole.Member);
        }

        return new ConversationBody
        {
            ConversationId = conversation.Id,
            Type = conversation.Kind == ConversationKind.Group ? ConversationType.Group : ConversationType.Direct,
            Name = conversation.Name,
            Members = members,
            CreatedAt = conversation.CreatedAt,
            LastSeq = view.LastSeq,
            UnreadCount = view.UnreadCount,
            HistoryStartSeq = view.HistoryStartSeq,
            LastMessage = view.LastMessage is { } last ? ToData(last) : null,
        };
    }

    public static ReceiptsBody ToBody(MessageReceipts receipts) =>
        new(receipts.Message.MessageId, receipts.Receipts.Select(r => new ReceiptBody(r.UserId, r.DeliveredAt, r.ReadAt)).ToArray());

    public static PresenceBody ToBody(PresenceInfo presence) => new(presence.UserId, ToWire(presence.Status), presence.LastSeen);

    public static DeliveryStatus ToWire(ReceiptStatus status) => status switch
    {
        ReceiptStatus.Sent => DeliveryStatus.Sent,
        ReceiptStatus.Delivered => DeliveryStatus.Delivered,
        _ => DeliveryStatus.Read,
    };

    public static ReceiptStatus ToCore(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Sent => ReceiptStatus.Sent,
        DeliveryStatus.Delivered => ReceiptStatus.Delivered,
        _ => ReceiptStatus.Read,
    };

    // Tombstones never reach clients (the engine filters them); anything that is not media or system is text.
    public static Protocol.MessageKind ToWire(Messaging.MessageKind kind) => kind switch
    {
        Messaging.MessageKind.Media => Protocol.MessageKind.Media,
        Messaging.MessageKind.System => Protocol.MessageKind.System,
        _ => Protocol.MessageKind.Text,
    };

    public static PresenceState ToWire(PresenceStatus status) => status == PresenceStatus.Online ? PresenceState.Online : PresenceState.Offline;

    public static PresenceVisibility ToCore(LastSeenVisibility visibility) => visibility switch
    {
        LastSeenVisibility.Everyone => PresenceVisibility.Everyone,
        LastSeenVisibility.Contacts => PresenceVisibility.Contacts,
        _ => PresenceVisibility.Nobody,
    };
}
