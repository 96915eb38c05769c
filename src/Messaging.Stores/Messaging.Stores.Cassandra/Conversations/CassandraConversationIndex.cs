namespace Messaging.Stores.Cassandra;

/// <summary>
/// Each user's conversations on CQL: the user's partition of conversation ids (written by
/// <see cref="CassandraConversationStore"/> on membership changes), and an activity row per conversation whose last
/// seq and activity time are each written with their own value as the write time, so a touch is one write (two
/// cells) and never moves backwards. A list reads the user's partition, then the conversations and their activities
/// concurrently, keeps those the user is a member of, and orders them when read.
/// </summary>
internal sealed class CassandraConversationIndex : IConversationIndex
{
    private readonly ConversationReader _reader;

    public CassandraConversationIndex(CassandraStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _reader = new ConversationReader(context);
    }

    public async ValueTask TouchAsync(string conversationId, long seq, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(seq);
        var context = _reader.Context;
        await Task.WhenAll(
            context.ExecuteAsync(context.Statements.TouchLastSeq(conversationId, seq), cancellationToken),
            context.ExecuteAsync(context.Statements.TouchLastActivity(conversationId, timestamp), cancellationToken)).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ConversationActivity>> ListForUserAsync(string userId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var rows = await _reader.ReadAllAsync(_reader.Context.Statements.ListUserConversations(userId), cancellationToken).ConfigureAwait(false);
        var ids = rows.Select(r => r["conversation_id"]).OfType<string>().Select(id => (id, (long?)null));
        var activities = await _reader.GetManyAsync(ids, cancellationToken).ConfigureAwait(false);
        var list = activities.Where(a => a.Conversation.IsMember(userId)).Select(a => (a.LastActivity.UtcTicks, a)).ToList();
        return ConversationReader.MostRecent(list, limit);
    }
}
