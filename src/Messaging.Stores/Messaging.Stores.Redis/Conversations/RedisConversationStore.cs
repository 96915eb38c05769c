using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// An <see cref="IConversationStore"/> in Redis: per conversation a hash of its fields (with its last seq and activity,
/// which <see cref="RedisConversationIndex"/> moves), a hash of its members and a hash of its former members'
/// departures (changed only by Lua scripts, so creation and membership changes are atomic, membership changes with the
/// member limit and the promotion of a new admin when the last one leaves), and per user sorted sets of the user's
/// conversations (written only on membership changes; <see cref="RedisConversationIndex"/> orders them when read) and
/// of the conversations the user left, scored by the activity when they left.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: <see cref="CreateAsync"/> is idempotent by conversation id (the first create wins); membership
/// changes are atomic per conversation, never exceed the member limit, and report <see cref="MembershipOutcome.Changed"/>
/// only to the call whose change took effect; <see cref="ListDepartedAsync"/> returns the conversations the user left
/// and did not rejoin, with the seq of the removal.
/// </para>
/// <para>
/// Limits: a user's index lives in the user's hash slot, so it is updated right after the conversation's script,
/// not inside it, and read back against the membership until they agree (so concurrent changes of one user leave it
/// matching the final membership); a crash in between leaves the index behind until the user's next membership change
/// of that conversation or a repeated create of it (listing re-checks membership and drops stale entries).
/// </para>
/// </remarks>
public sealed class RedisConversationStore : IConversationStore
{
    // How often a membership follow-up re-writes a user's indexes that concurrent changes moved under it.
    private const int IndexFollowRounds = 8;

    private readonly RedisStoreContext _context;

    /// <summary>Creates a store on a multiplexer owned by the host (never disposed by the store).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    public RedisConversationStore(IConnectionMultiplexer multiplexer)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), null))
    {
    }

    internal RedisConversationStore(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <inheritdoc />
    public async ValueTask<(Conversation Conversation, bool Created)> CreateAsync(Conversation conversation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentException.ThrowIfNullOrEmpty(conversation.Id, nameof(conversation));
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var arguments = new List<RedisValue>
        {
            ConversationRecord.KindName(conversation.Kind),
            conversation.Name ?? string.Empty,
            conversation.Name is null ? "0" : "1",
            StoredTime.Ticks(conversation.CreatedAt),
            conversation.CreatedAt.ToUnixTimeMilliseconds(),
        };
        foreach (var member in conversation.Members)
        {
            arguments.Add(member.UserId);
            arguments.Add(ConversationRecord.RoleName(member.Role));
            arguments.Add(StoredTime.Ticks(member.JoinedAt));
        }

        var reply = (RedisResult[])(await RedisStoreContext.Guard(
            RedisScripts.ConversationCreate.EvaluateAsync(database, Keys(conversation.Id), [.. arguments]),
            cancellationToken).ConfigureAwait(false))!;
        var stored = ConversationRecord.Read(conversation.Id, reply[1], reply[2]);
        var created = (int)reply[0] == 1;

        // Also when it existed: a repeated create (of a direct conversation) repairs entries an interrupted one left out.
        await IndexAsync(database, stored, stored.Conversation.Members.Select(m => m.UserId), cancellationToken).ConfigureAwait(false);

        return (stored.Conversation, created);
    }

    /// <inheritdoc />
    public async ValueTask<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var activities = await ReadAsync(database, [conversationId], cancellationToken).ConfigureAwait(false);
        return activities[0]?.Conversation;
    }

    /// <inheritdoc />
    public ValueTask<MembershipChange?> AddMemberAsync(string conversationId, ConversationMember member, int maxMembers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(member);
        ArgumentException.ThrowIfNullOrEmpty(member.UserId, nameof(member));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMembers);
        return ChangeMemberAsync(conversationId, ["add", member.UserId, ConversationRecord.RoleName(member.Role), StoredTime.Ticks(member.JoinedAt), 0, maxMembers], member.UserId, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<MembershipChange?> RemoveMemberAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(leftAtSeq);
        return ChangeMemberAsync(conversationId, ["remove", userId, string.Empty, string.Empty, leftAtSeq, 0], userId, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask AdvanceDepartureAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(leftAtSeq);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        RedisKey[] keys = [RedisKeys.ConversationMembers(conversationId), RedisKeys.ConversationDepartures(conversationId)];
        await RedisStoreContext.Guard(RedisScripts.ConversationDeparture.EvaluateAsync(database, keys, [userId, leftAtSeq]), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ConversationActivity>> ListDepartedAsync(string userId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0)
        {
            return [];
        }

        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var index = RedisKeys.UserDeparted(userId);
        var top = await RedisStoreContext.Guard(database.SortedSetRangeByRankWithScoresAsync(index, 0, limit - 1, Order.Descending), cancellationToken).ConfigureAwait(false);
        if (top.Length == 0)
        {
            return [];
        }

        var ids = top.Select(e => (string)e.Element!).ToArray();
        var activities = await ReadAsync(database, ids, cancellationToken).ConfigureAwait(false);
        var batch = database.CreateBatch();
        var departures = ids.Select(id => batch.HashGetAsync(RedisKeys.ConversationDepartures(id), userId)).ToArray();
        await RedisStoreContext.Guard(RedisConnection.Send(batch, Task.WhenAll(departures)), cancellationToken).ConfigureAwait(false);

        var (result, pruned) = await KeepOrPruneAsync(
            database,
            index,
            ids,
            i => activities[i] is { } activity && !activity.Conversation.IsMember(userId) && departures[i].Result.TryParse(out long seq) ? activity with { LeftAtSeq = seq } : null,
            cancellationToken).ConfigureAwait(false);
        if (pruned)
        {
            return await ListDepartedAsync(userId, limit, cancellationToken).ConfigureAwait(false);
        }

        // Ordered by the activity when the user left (the index score), not the conversation's current activity.
        var leftWhen = top.ToDictionary(e => (string)e.Element!, e => e.Score, StringComparer.Ordinal);
        result.Sort((a, b) => ByRecency(leftWhen[a.Conversation.Id], a.Conversation.Id, leftWhen[b.Conversation.Id], b.Conversation.Id));
        return result;
    }

    // Most recent first, ties by conversation id.
    internal static int ByRecency<TTime>(TTime timeA, string idA, TTime timeB, string idB)
        where TTime : IComparable<TTime>
    {
        var byTime = timeB.CompareTo(timeA);
        return byTime != 0 ? byTime : string.CompareOrdinal(idA, idB);
    }

    // Keeps the index entries keep accepts; the others were left behind by an interrupted change and are dropped from
    // the index, and the caller lists again so that the page is still full.
    internal static async Task<(List<T> Kept, bool Pruned)> KeepOrPruneAsync<T>(IDatabase database, RedisKey index, string[] ids, Func<int, T?> keep, CancellationToken cancellationToken)
    {
        var kept = new List<T>(ids.Length);
        var stale = new List<RedisValue>();
        for (var i = 0; i < ids.Length; i++)
        {
            if (keep(i) is { } entry)
            {
                kept.Add(entry);
            }
            else
            {
                stale.Add(ids[i]);
            }
        }

        if (stale.Count > 0)
        {
            await RedisStoreContext.Guard(database.SortedSetRemoveAsync(index, [.. stale]), cancellationToken).ConfigureAwait(false);
        }

        return (kept, stale.Count > 0);
    }

    private static RedisKey[] Keys(string conversationId) => [RedisKeys.ConversationInfo(conversationId), RedisKeys.ConversationMembers(conversationId)];

    // Adds each user's missing index entry (the score, the activity when added, is not used for ordering).
    private static Task IndexAsync(IDatabase database, ConversationActivity activity, IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        var batch = database.CreateBatch();
        var score = activity.LastActivity.ToUnixTimeMilliseconds();
        var added = userIds.Select(u => batch.SortedSetAddAsync(RedisKeys.UserConversations(u), activity.Conversation.Id, score, SortedSetWhen.NotExists)).ToArray();
        return RedisStoreContext.Guard(RedisConnection.Send(batch, Task.WhenAll(added)), cancellationToken);
    }

    // One command per conversation (conversation_read.lua), pipelined.
    internal static async Task<ConversationActivity?[]> ReadAsync(IDatabase database, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken)
    {
        var result = new ConversationActivity?[conversationIds.Count];
        if (conversationIds.Count == 1)
        {
            result[0] = Read(conversationIds[0], await RedisStoreContext.Guard(ReadOne(database, database, conversationIds[0]), cancellationToken).ConfigureAwait(false));
            return result;
        }

        var batch = database.CreateBatch();
        var reads = new Task<RedisResult>[conversationIds.Count];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = ReadOne(batch, database, conversationIds[i]);
        }

        var replies = await RedisStoreContext.Guard(RedisConnection.Send(batch, Task.WhenAll(reads)), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < replies.Length; i++)
        {
            result[i] = Read(conversationIds[i], replies[i]);
        }

        return result;
    }

    // database: where it runs (a batch, or the database itself); outside: the database of the batch.
    private static Task<RedisResult> ReadOne(IDatabaseAsync database, IDatabaseAsync outside, string conversationId)
        => RedisScripts.ConversationRead.EvaluateAsync(database, Keys(conversationId), [], outside);

    private static ConversationActivity? Read(string conversationId, RedisResult reply)
    {
        var parts = (RedisResult[])reply!;
        return parts[0].Length == 0 ? null : ConversationRecord.Read(conversationId, parts[0], parts[1]);
    }

    // The user's indexes live in the user's slot, so they follow the script. Follow-ups of concurrent changes of one
    // user may land out of order, so each one reads the membership back after writing and writes again until the
    // indexes agree with it: the last follow-up written always saw the final membership.
    private static async Task FollowMembershipAsync(IDatabase database, string conversationId, string userId, bool isMember, long score, CancellationToken cancellationToken)
    {
        for (var round = 0; round < IndexFollowRounds; round++)
        {
            var batch = database.CreateBatch();
            Task<bool>[] updates = isMember
                ? [batch.SortedSetAddAsync(RedisKeys.UserConversations(userId), conversationId, score), batch.SortedSetRemoveAsync(RedisKeys.UserDeparted(userId), conversationId)]
                : [batch.SortedSetRemoveAsync(RedisKeys.UserConversations(userId), conversationId), batch.SortedSetAddAsync(RedisKeys.UserDeparted(userId), conversationId, score)];
            await RedisStoreContext.Guard(RedisConnection.Send(batch, Task.WhenAll(updates)), cancellationToken).ConfigureAwait(false);
            var now = await RedisStoreContext.Guard(database.HashExistsAsync(RedisKeys.ConversationMembers(conversationId), userId), cancellationToken).ConfigureAwait(false);
            if (now == isMember)
            {
                return;
            }

            isMember = now;
        }
    }

    // One membership change (conversation_member.lua), then the user's indexes when it took effect.
    private async ValueTask<MembershipChange?> ChangeMemberAsync(string conversationId, RedisValue[] arguments, string userId, CancellationToken cancellationToken)
    {
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        RedisKey[] keys = [.. Keys(conversationId), RedisKeys.ConversationDepartures(conversationId)];
        var reply = await RedisStoreContext.Guard(RedisScripts.ConversationMember.EvaluateAsync(database, keys, arguments), cancellationToken).ConfigureAwait(false);
        if (reply.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])reply!;
        var stored = ConversationRecord.Read(conversationId, parts[1], parts[2]);
        var outcome = (int)parts[0] switch
        {
            1 => MembershipOutcome.Changed,
            2 => MembershipOutcome.Full,
            _ => MembershipOutcome.Unchanged,
        };
        if (outcome == MembershipOutcome.Changed)
        {
            await FollowMembershipAsync(database, conversationId, userId, stored.Conversation.IsMember(userId), stored.LastActivity.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        }

        var promoted = (string?)parts[3];
        return new MembershipChange(stored.Conversation, outcome, string.IsNullOrEmpty(promoted) ? null : promoted);
    }
}
