using System.Globalization;
using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// An <see cref="IConversationIndex"/> in Redis, over the keys of <see cref="RedisConversationStore"/>: a message's
/// activity is one script call on the conversation's own hash (its last seq and time), and a user's list is ordered
/// when read, from the user's membership set (written only on membership changes) and one pipelined read of those
/// conversations' activities.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: <see cref="TouchAsync"/> never moves a conversation's last seq or activity backwards and writes nothing
/// per member; <see cref="ListForUserAsync"/> returns the user's conversations, most recent activity first (ties by
/// id), and never one the user is no longer a member of (a stale membership entry left by an interrupted change is
/// dropped when met).
/// </para>
/// <para>
/// Cost: listing takes three round trips whatever the number of conversations (the membership set; the activity of
/// each, pipelined; the records of the page, pipelined), plus one more per round that met stale entries. Use it with
/// the <see cref="RedisConversationStore"/> of the same Redis: it lists the memberships that store records.
/// </para>
/// </remarks>
public sealed class RedisConversationIndex : IConversationIndex
{
    private readonly RedisStoreContext _context;

    /// <summary>Creates an index on a multiplexer owned by the host (never disposed by the index).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    public RedisConversationIndex(IConnectionMultiplexer multiplexer)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), null))
    {
    }

    internal RedisConversationIndex(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    // The connection and options this store runs on (a message store on the same one keeps its books, see
    // RedisMessageStore.KeepsBooksFor).
    internal RedisStoreContext Context => _context;

    /// <inheritdoc />
    public async ValueTask TouchAsync(string conversationId, long seq, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await RedisStoreContext.Guard(
            RedisScripts.ConversationTouch.EvaluateAsync(database, [RedisKeys.ConversationInfo(conversationId)], [seq, StoredTime.Ticks(timestamp), timestamp.ToUnixTimeMilliseconds()]),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ConversationActivity>> ListForUserAsync(string userId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0)
        {
            return [];
        }

        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var index = RedisKeys.UserConversations(userId);
        var members = await RedisStoreContext.Guard(database.SortedSetRangeByRankAsync(index, 0, -1), cancellationToken).ConfigureAwait(false);
        if (members.Length == 0)
        {
            return [];
        }

        // Order every membership by its conversation's activity (ticks, then id), then read the records of the top
        // entries only; entries whose conversation is gone or no longer has the user are dropped and the next ones
        // taken, so the page stays full.
        var ids = Array.ConvertAll(members, m => (string)m!);
        var ordered = await OrderByActivityAsync(database, ids, cancellationToken).ConfigureAwait(false);
        var result = new List<ConversationActivity>(Math.Min(limit, ordered.Length));
        var next = 0;
        while (result.Count < limit && next < ordered.Length)
        {
            var take = ordered.AsSpan(next, Math.Min(limit - result.Count, ordered.Length - next)).ToArray();
            next += take.Length;
            var activities = await RedisConversationStore.ReadAsync(database, take, cancellationToken).ConfigureAwait(false);
            var (kept, _) = await RedisConversationStore.KeepOrPruneAsync(
                database, index, take, i => activities[i] is { } activity && activity.Conversation.IsMember(userId) ? activity : null, cancellationToken).ConfigureAwait(false);
            result.AddRange(kept);
        }

        // The records were read after the activities: a conversation touched meanwhile sorts by its newer activity.
        result.Sort(static (a, b) => RedisConversationStore.ByRecency(a.LastActivity, a.Conversation.Id, b.LastActivity, b.Conversation.Id));
        return result;
    }

    // The ids, most recent activity first (ties by id), from one pipelined read of each conversation's activity.
    private static async Task<string[]> OrderByActivityAsync(IDatabase database, string[] ids, CancellationToken cancellationToken)
    {
        var batch = database.CreateBatch();
        var reads = new Task<RedisValue>[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            reads[i] = batch.HashGetAsync(RedisKeys.ConversationInfo(ids[i]), "activity");
        }

        var ticks = await RedisStoreContext.Guard(RedisConnection.Send(batch, Task.WhenAll(reads)), cancellationToken).ConfigureAwait(false);
        var keys = new long[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            // A conversation without a record sorts last; reading its record later drops the entry.
            keys[i] = long.TryParse((string?)ticks[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : long.MinValue;
        }

        var order = new int[ids.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => RedisConversationStore.ByRecency(keys[a], ids[a], keys[b], ids[b]));
        return Array.ConvertAll(order, i => ids[i]);
    }
}
