namespace Messaging.Stores.Cassandra;

/// <summary>
/// Message id to (conversation, seq) on CQL: a table keyed by message id, written with a plain insert. Message ids are
/// unique by construction, so the entry is written once and needs no lightweight transaction; writing it again
/// (a retried insert) writes the same values.
/// </summary>
internal sealed class CassandraMessageIdIndex : IMessageIdIndex
{
    private readonly CassandraStoreContext _context;

    public CassandraMessageIdIndex(CassandraStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    public async ValueTask AddAsync(string messageId, MessageLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentNullException.ThrowIfNull(location.ConversationId, nameof(location));
        await _context.ExecuteAsync(_context.Statements.AddMessageId(messageId, location), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<MessageLocation?> FindAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        if (messageId.Length == 0)
        {
            return null;
        }

        var rows = await _context.ExecuteAsync(_context.Statements.FindMessageId(messageId), cancellationToken).ConfigureAwait(false);
        return rows.Rows.Count == 0 || rows.Rows[0]["conversation_id"] is not string conversationId || rows.Rows[0]["seq"] is not long seq
            ? null
            : new MessageLocation(conversationId, seq);
    }
}
