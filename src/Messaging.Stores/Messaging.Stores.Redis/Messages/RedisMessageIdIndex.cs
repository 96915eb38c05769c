using System.Globalization;
using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// Where each message is stored, by message id: one string key per message, <c>"&lt;seq&gt; &lt;conversation id&gt;"</c>
/// (see <c>RedisKeys</c>). A plain write without a uniqueness check.
/// </summary>
/// <remarks>
/// Entries do not expire: a message is kept for good by default, and look-ups by id (acks, message info) must work as
/// long as the message does. With a message retention, <see cref="RedisMessageStore"/> removes the entries of the
/// messages it removes, right after the append that removed them; an entry left behind (its removal lost with the
/// connection, or a message store elsewhere) reads as unknown.
/// </remarks>
public sealed class RedisMessageIdIndex : IMessageIdIndex
{
    private readonly RedisStoreContext _context;

    /// <summary>Creates an index on a multiplexer owned by the host (never disposed by the index).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    public RedisMessageIdIndex(IConnectionMultiplexer multiplexer)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), null))
    {
    }

    internal RedisMessageIdIndex(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    // The connection and options this store runs on (a message store on the same one sequences for it, see
    // RedisMessageStore.SequencesFor).
    internal RedisStoreContext Context => _context;

    /// <inheritdoc />
    public async ValueTask AddAsync(string messageId, MessageLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(location.ConversationId, nameof(location));
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await RedisStoreContext.Guard(WriteAsync(database, messageId, location.ConversationId, location.Seq), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<MessageLocation?> FindAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entry = await RedisStoreContext.Guard(database.StringGetAsync(RedisKeys.MessageIndex(messageId)), cancellationToken).ConfigureAwait(false);
        if (entry.IsNull)
        {
            return null;
        }

        string text = entry!;
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && long.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? new MessageLocation(text[(space + 1)..], seq)
            : throw new InvalidDataException("A message id entry is malformed.");
    }

    // The one writer of the entry's format (message_append.lua writes the same on a standalone server).
    internal static Task<bool> WriteAsync(IDatabaseAsync database, string messageId, string conversationId, long seq)
        => database.StringSetAsync(RedisKeys.MessageIndex(messageId), string.Create(CultureInfo.InvariantCulture, $"{seq} {conversationId}"));

    // Removes the entries of messages a retention removed (message_append.lua answers with their ids): sent on the
    // store's connection right after its append (so a later look-up finds them gone), without waiting. One lost with
    // the connection stays behind and reads as unknown, as an entry whose message is gone always does.
    internal static void RemoveInBackground(IDatabase database, RedisResult[] messageIds)
    {
        foreach (var id in messageIds)
        {
            database.KeyDelete(RedisKeys.MessageIndex((string)id!), CommandFlags.FireAndForget);
        }
    }
}
