using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// An <see cref="IConversationStore"/> held in process memory, which is also its <see cref="IConversationIndex"/>: the
/// index lists the memberships this store records.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: <see cref="CreateAsync"/> is idempotent by conversation id (the first create wins, later ones return
/// it); membership changes are atomic, with the member limit, and only the call that changed something reports
/// <see cref="MembershipOutcome.Changed"/>; removing the last admin promotes the remaining member who joined first; each user's index lists exactly the conversations the user is a member of,
/// most recent activity first (ties by id); a removed member's departure is listed by <see cref="ListDepartedAsync"/>
/// until the user is added again; <see cref="TouchAsync"/> never moves a conversation's last seq or activity time
/// backwards. All members are thread-safe.
/// </para>
/// <para>
/// Each conversation and each user's index has its own lock, so operations on different conversations and users never
/// contend; <see cref="GetAsync"/> and <see cref="TouchAsync"/> take no lock. Activity times are kept as UTC instants
/// (read back with a zero offset).
/// </para>
/// <para>Limits: one process only; everything is lost on restart; listing sorts a user's conversations per call.</para>
/// </remarks>
public sealed class InMemoryConversationStore : IConversationStore, IConversationIndex
{
    private static readonly Comparison<(long Recency, ConversationActivity Activity)> MostRecentFirst = static (a, b) =>
    {
        var byTime = b.Recency.CompareTo(a.Recency);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Activity.Conversation.Id, b.Activity.Conversation.Id);
    };

    private readonly ConcurrentDictionary<string, Entry> _conversations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UserIndex> _users = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<(Conversation Conversation, bool Created)> CreateAsync(Conversation conversation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        cancellationToken.ThrowIfCancellationRequested();
        if (_conversations.TryGetValue(conversation.Id, out var found))
        {
            return ValueTask.FromResult((Published(found), false));
        }

        // Copy the members so a caller mutating its list cannot change the stored conversation.
        var stored = conversation with { Members = [.. conversation.Members] };
        var entry = new Entry(stored);
        lock (entry)
        {
            var existing = _conversations.GetOrAdd(stored.Id, entry);
            if (existing == entry)
            {
                foreach (var member in stored.Members)
                {
                    var index = IndexOf(member.UserId);
                    lock (index)
                    {
                        index.Add(stored.Id);
                    }
                }

                // The create takes effect here: before it, readers skip the entry.
                Volatile.Write(ref entry.IsPublished, true);
                return ValueTask.FromResult((stored, true));
            }

            found = existing;
        }

        return ValueTask.FromResult((Published(found), false));
    }

    /// <inheritdoc />
    public ValueTask<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Find(conversationId)?.Conversation);
    }

    /// <inheritdoc />
    public ValueTask<MembershipChange?> AddMemberAsync(string conversationId, ConversationMember member, int maxMembers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMembers);
        return ChangeMembersAsync(conversationId, member.UserId, leftAtSeq: 0, c => MembershipRules.Add(c, member, maxMembers), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<MembershipChange?> RemoveMemberAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leftAtSeq);
        return ChangeMembersAsync(conversationId, userId, leftAtSeq, c => MembershipRules.Remove(c, userId), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask AdvanceDepartureAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(leftAtSeq);
        cancellationToken.ThrowIfCancellationRequested();
        if (Find(conversationId) is not { } entry || !_users.TryGetValue(userId, out var index))
        {
            return ValueTask.CompletedTask;
        }

        // Same lock order as a membership change, so a concurrent re-add cannot be overtaken.
        lock (entry)
        {
            lock (index)
            {
                if (!entry.Conversation.IsMember(userId))
                {
                    index.AdvanceDeparture(conversationId, leftAtSeq);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask TouchAsync(string conversationId, long seq, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (Find(conversationId) is { } entry)
        {
            AtomicMax.RaiseTo(ref entry.LastSeq, seq);
            AtomicMax.RaiseTo(ref entry.LastActivityTicks, timestamp.UtcTicks);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ConversationActivity>> ListForUserAsync(string userId, int limit, CancellationToken cancellationToken = default)
    {
        Validate(userId, limit, cancellationToken);
        if (!_users.TryGetValue(userId, out var index))
        {
            return ValueTask.FromResult<IReadOnlyList<ConversationActivity>>([]);
        }

        List<(long, ConversationActivity)> list;
        lock (index)
        {
            list = new(index.Memberships.Count);
            foreach (var conversationId in index.Memberships)
            {
                if (Find(conversationId) is { } entry)
                {
                    var activity = entry.Activity(leftAtSeq: null);
                    list.Add((activity.LastActivity.UtcTicks, activity));
                }
            }
        }

        return ValueTask.FromResult(MostRecent(list, limit));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ConversationActivity>> ListDepartedAsync(string userId, int limit, CancellationToken cancellationToken = default)
    {
        Validate(userId, limit, cancellationToken);
        if (!_users.TryGetValue(userId, out var index))
        {
            return ValueTask.FromResult<IReadOnlyList<ConversationActivity>>([]);
        }

        List<(long, ConversationActivity)> list;
        lock (index)
        {
            if (index.Departures is not { Count: > 0 } departures)
            {
                return ValueTask.FromResult<IReadOnlyList<ConversationActivity>>([]);
            }

            list = new(departures.Count);
            foreach (var (conversationId, (seq, at)) in departures)
            {
                if (Find(conversationId) is { } entry)
                {
                    list.Add((at.UtcTicks, entry.Activity(seq)));
                }
            }
        }

        return ValueTask.FromResult(MostRecent(list, limit));
    }

    private static void Validate(string userId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
    }

    // Sorts by the recency each activity was listed with (most recent first, ties by id) and keeps the first limit.
    private static IReadOnlyList<ConversationActivity> MostRecent(List<(long Recency, ConversationActivity Activity)> list, int limit)
    {
        list.Sort(MostRecentFirst);
        var result = new ConversationActivity[Math.Min(limit, list.Count)];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = list[i].Activity;
        }

        return result;
    }

    // An entry another create is still publishing is waited for under its lock.
    private static Conversation Published(Entry entry)
    {
        if (!Volatile.Read(ref entry.IsPublished))
        {
            lock (entry)
            {
            }
        }

        return entry.Conversation;
    }

    private Entry? Find(string conversationId)
        => _conversations.TryGetValue(conversationId, out var entry) && Volatile.Read(ref entry.IsPublished) ? entry : null;

    private UserIndex IndexOf(string userId) => _users.GetOrAdd(userId, static _ => new UserIndex());

    // Applies a membership change of one user atomically; edit decides it from the current conversation (new members,
    // or null for none, with the outcome). A removal records the departure at leftAtSeq; an addition forgets it. Lock
    // order: the conversation, then the user's index; the conversation is replaced under both, so the index and the
    // members never disagree for a lister.
    private ValueTask<MembershipChange?> ChangeMembersAsync(string conversationId, string userId, long leftAtSeq, Func<Conversation, (IReadOnlyList<ConversationMember>? Members, MembershipOutcome Outcome, string? PromotedUserId)> edit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_conversations.TryGetValue(conversationId, out var entry))
        {
            return ValueTask.FromResult<MembershipChange?>(null);
        }

        lock (entry)
        {
            if (!entry.IsPublished)
            {
                return ValueTask.FromResult<MembershipChange?>(null);
            }

            var (members, outcome, promoted) = edit(entry.Conversation);
            if (members is not null)
            {
                var changed = entry.Conversation with { Members = members };
                var index = IndexOf(userId);
                lock (index)
                {
                    if (changed.IsMember(userId))
                    {
                        index.Add(conversationId);
                    }
                    else
                    {
                        index.Depart(conversationId, leftAtSeq, entry.LastActivity);
                    }

                    entry.Conversation = changed;
                }
            }

            return ValueTask.FromResult<MembershipChange?>(new MembershipChange(entry.Conversation, outcome, promoted));
        }
    }

    private sealed class Entry(Conversation conversation)
    {
        public long LastSeq;
        public long LastActivityTicks = conversation.CreatedAt.UtcTicks;
        public bool IsPublished;
        private Conversation _conversation = conversation;

        public Conversation Conversation
        {
            get => Volatile.Read(ref _conversation);
            set => Volatile.Write(ref _conversation, value);
        }

        public DateTimeOffset LastActivity => new(Volatile.Read(ref LastActivityTicks), TimeSpan.Zero);

        public ConversationActivity Activity(long? leftAtSeq) => new(Conversation, Volatile.Read(ref LastSeq), LastActivity, leftAtSeq);
    }

    // One user's conversations and departures, guarded by the object's lock.
    private sealed class UserIndex
    {
        public HashSet<string> Memberships { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (long Seq, DateTimeOffset At)>? Departures { get; private set; }

        public void Add(string conversationId)
        {
            Memberships.Add(conversationId);
            Departures?.Remove(conversationId);
        }

        public void Depart(string conversationId, long leftAtSeq, DateTimeOffset at)
        {
            Memberships.Remove(conversationId);
            (Departures ??= new(StringComparer.Ordinal))[conversationId] = (leftAtSeq, at);
        }

        public void AdvanceDeparture(string conversationId, long leftAtSeq)
        {
            if (Departures is { } departures && departures.TryGetValue(conversationId, out var departure) && departure.Seq < leftAtSeq)
            {
                departures[conversationId] = (leftAtSeq, departure.At);
            }
        }
    }
}
