using Messaging.Stores.Cassandra.Cql.Statements;

namespace Messaging.Stores.Cassandra;

/// <summary>
/// Reads conversations with their activity, one or many at once (the reads of many run concurrently, so a list costs
/// one round trip whatever its length), and orders activities the way the index promises.
/// </summary>
internal sealed class ConversationReader(CassandraStoreContext context)
{
    public CassandraStoreContext Context { get; } = context;

    /// <summary>A conversation with its membership version, or <see langword="null"/> when it does not exist.</summary>
    public async Task<(Conversation Conversation, long Version)?> GetAsync(string conversationId, CancellationToken cancellationToken)
    {
        var rows = await Context.ExecuteAsync(Context.Statements.GetConversation(conversationId), cancellationToken).ConfigureAwait(false);
        return rows.Rows.Count == 0 ? null : (StoredRows.ReadConversation(rows.Rows[0]), rows.Rows[0]["version"] as long? ?? 1);
    }

    /// <summary>A conversation's last seq and activity time (its creation when nothing was recorded).</summary>
    public async Task<(long LastSeq, DateTimeOffset LastActivity)> GetActivityAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        var rows = await Context.ExecuteAsync(Context.Statements.GetActivity(conversation.Id), cancellationToken).ConfigureAwait(false);
        var row = rows.Rows.Count == 0 ? null : rows.Rows[0];
        var ticks = Math.Max(row?["last_activity"] as long? ?? 0, conversation.CreatedAt.UtcTicks);
        return (row?["last_seq"] as long? ?? 0, new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    /// <summary>Many conversations with their activity, concurrently; ids of conversations that do not exist are left out.</summary>
    public async Task<List<ConversationActivity>> GetManyAsync(IEnumerable<(string ConversationId, long? LeftAtSeq)> ids, CancellationToken cancellationToken)
    {
        var reads = ids.Select(async id =>
        {
            if (await GetAsync(id.ConversationId, cancellationToken).ConfigureAwait(false) is not { } found)
            {
                return null;
            }

            var (lastSeq, lastActivity) = await GetActivityAsync(found.Conversation, cancellationToken).ConfigureAwait(false);
            return new ConversationActivity(found.Conversation, lastSeq, lastActivity, id.LeftAtSeq);
        });
        var activities = await Task.WhenAll(reads).ConfigureAwait(false);
        return [.. activities.OfType<ConversationActivity>()];
    }

    /// <summary>Most recent first by the recency given with each, ties by id; the first <paramref name="limit"/>.</summary>
    public static IReadOnlyList<ConversationActivity> MostRecent(List<(long Recency, ConversationActivity Activity)> list, int limit)
    {
        list.Sort(static (a, b) =>
        {
            var byTime = b.Recency.CompareTo(a.Recency);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Activity.Conversation.Id, b.Activity.Conversation.Id);
        });
        return [.. list.Take(limit).Select(static e => e.Activity)];
    }

    public Task<List<CqlRow>> ReadAllAsync(CqlStatement statement, CancellationToken cancellationToken) => Context.ReadAllAsync(statement, cancellationToken);
}
