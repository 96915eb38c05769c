namespace Messaging;

/// <summary>The receipt statuses a message goes through for its sender.</summary>
public enum ReceiptStatus
{
    /// <summary>Stored by the server (the send is committed).</summary>
    Sent,

    /// <summary>Delivered to a device of the recipient (in a group: of every other member).</summary>
    Delivered,

    /// <summary>Read by the recipient (in a group: by every other member).</summary>
    Read,
}

/// <summary>
/// The receipt watermarks of one user (or one device) in one conversation. Messages with
/// <c>seq &lt;= DeliveredUpTo</c> are delivered, with <c>seq &lt;= ReadUpTo</c> read. Marks only move forward and
/// <c>ReadUpTo &lt;= DeliveredUpTo</c> always holds.
/// </summary>
/// <param name="DeliveredUpTo">Highest delivered seq.</param>
/// <param name="ReadUpTo">Highest read seq.</param>
/// <param name="DeliveredAt">When <paramref name="DeliveredUpTo"/> last moved, if ever.</param>
/// <param name="ReadAt">When <paramref name="ReadUpTo"/> last moved, if ever.</param>
public readonly record struct Watermark(long DeliveredUpTo, long ReadUpTo, DateTimeOffset? DeliveredAt = null, DateTimeOffset? ReadAt = null)
{
    /// <summary>No message delivered or read.</summary>
    public static Watermark None => default;
}

/// <summary>A member's watermark in a conversation, aggregated over the member's devices.</summary>
/// <param name="UserId">The member.</param>
/// <param name="Mark">The highest marks any of the member's devices reached.</param>
public readonly record struct MemberWatermark(string UserId, Watermark Mark);

/// <summary>One member's receipt for one message ("message info").</summary>
/// <param name="UserId">The member.</param>
/// <param name="DeliveredAt">When the member's delivered mark passed the message, if it has.</param>
/// <param name="ReadAt">When the member's read mark passed the message, if it has.</param>
public sealed record MessageReceipt(string UserId, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt);
