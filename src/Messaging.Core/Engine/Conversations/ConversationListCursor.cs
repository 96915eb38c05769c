using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Messaging;

/// <summary>
/// The position after which the next page of a user's conversation list starts: the activity time (UTC ticks) and id
/// of the last conversation listed, the list's own sort key (most recent first, ties by id), so a page boundary does
/// not move when conversations before it change. Opaque to clients: <c>base64url("&lt;ticks&gt;:&lt;id&gt;")</c>.
/// </summary>
/// <param name="ActivityTicks">The last listed conversation's activity (UTC ticks).</param>
/// <param name="ConversationId">The last listed conversation's id.</param>
internal readonly record struct ConversationListCursor(long ActivityTicks, string ConversationId)
{
    /// <summary>The cursor after <paramref name="activity"/>.</summary>
    /// <param name="activity">The last listed conversation.</param>
    /// <returns>The cursor.</returns>
    public static ConversationListCursor After(ConversationActivity activity)
        => new(activity.LastActivity.UtcTicks, activity.Conversation.Id);

    /// <summary>Reads a cursor this class wrote; anything else is a <c>bad_request</c>.</summary>
    /// <param name="text">The cursor a client sent.</param>
    /// <returns>The cursor.</returns>
    public static ConversationListCursor Parse(string text)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        }
        catch (FormatException)
        {
            throw Invalid();
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == decoded.Length - 1
            || !long.TryParse(decoded.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            throw Invalid();
        }

        return new ConversationListCursor(ticks, decoded[(colon + 1)..]);
    }

    /// <summary>Whether <paramref name="activity"/> comes after this position in the list's order.</summary>
    /// <param name="activity">A listed conversation.</param>
    /// <returns><see langword="true"/> when it belongs to a later page.</returns>
    public bool Precedes(ConversationActivity activity)
    {
        var ticks = activity.LastActivity.UtcTicks;
        return ticks < ActivityTicks || (ticks == ActivityTicks && string.CompareOrdinal(activity.Conversation.Id, ConversationId) > 0);
    }

    /// <inheritdoc />
    public override string ToString()
        => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{ActivityTicks}:{ConversationId}")));

    private static MessagingValidationException Invalid() => Validation.BadRequest("cursor must be a next_cursor the server returned.");
}
