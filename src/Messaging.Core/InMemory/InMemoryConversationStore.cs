namespace Messaging;

/// <summary>An <see cref="IConversationStore"/> held in process memory.</summary>
/// <remarks>
/// <para>
/// Guarantees: <see cref="CreateAsync"/> is idempotent by conversation id (the first create wins, later ones return
/// it); membership changes are atomic; each user's index lists exactly the conversations the user is a member of,
/// most recent activity first (ties by id); a removed member's departure is listed by <see cref="ListDepartedAsync"/>
/// until the user is added again; <see cref="TouchAsync"/> never moves a conversation's last seq or activity time
/// backwards. All members are thread-safe.
/// </para>
/// <para>Limits: one process only; everything is lost on restart; listing sorts a user's conversations per call.</para>
/// </remarks>
public sealed class InMemoryConversationStore : IConversationStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _conversations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, (long Seq, DateTimeOffset At)>> _departedByUser = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<(Conversation Conversation, bool Created)> CreateAsync(Conversation conversation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_conversations.TryGetValue(conversation.Id, out var existing))
            {
                return ValueTask.FromResult((existing.Conversation, false));
            }

            // Copy the members so a caller mutating its list cannot change the stored conversation.
            var stored = conversation with { Members = [.. conversation.Members] };
            _conversations.Add(stored.Id, new Entry(stored, 0, stored.CreatedAt));
            foreach (var member in stored.Members)
            {
                Index(member.UserId, stored.Id);
            }

            return ValueTask.FromResult((stored, true));
        }
    }

    /// <inheritdoc />
    public ValueTask<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_conversations.GetValueOrDefault(conversationId)?.Conversation);
        }
    }

    /// <inheritdoc />
    public ValueTask<Conversation?> AddMemberAsync(string conversationId, ConversationMember member, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        return ChangeMembersAsync(conversationId, member.UserId, leftAtSeq: 0, c => c.IsMember(member.UserId) ? null : [.. c.Members, member], cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<Conversation?> RemoveMemberAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leftAtSeq);
        return ChangeMembersAsync(
            conversationId,
            userId,
            leftAtSeq,
            c => c.IsMember(userId) ? [.. c.Members.Where(m => !string.Equals(m.UserId, userId, StringComparison.Ordinal))] : null,
            cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask TouchAsync(string conversationId, long seq, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_conversations.TryGetValue(conversationId, out var entry))
            {
                entry.LastSeq = Math.Max(entry.LastSeq, seq);
                entry.LastActivity = timestamp > entry.LastActivity ? timestamp : entry.LastActivity;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ConversationActivity>> ListForUserAsync(string userId, int limit, CancellationToken cancellationToken = default)
        => ListAsync(userId, limit, user => _byUser.GetValueOrDefault(user)?.Select(id => (_conversations[id], _conversations[id].LastActivity, (long?)null)), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ConversationActivity>> ListDepartedAsync(string userId, int limit, CancellationToken cancellationToken = default)
        => ListAsync(userId, limit, user => _departedByUser.GetValueOrDefault(user)?.Select(d => (_conversations[d.Key], d.Value.At, (long?)d.Value.Seq)), cancellationToken);

    // Lists a user's entries most recent first by the given time (ties by id), under the lock.
    private ValueTask<IReadOnlyList<ConversationActivity>> ListAsync(
        string userId, int limit, Func<string, IEnumerable<(Entry Entry, DateTimeOffset Recency, long? LeftAtSeq)>?> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<ConversationActivity> list =
            [
                .. (entries(userId) ?? [])
                    .OrderByDescending(e => e.Recency)
                    .ThenBy(e => e.Entry.Conversation.Id, StringComparer.Ordinal)
                    .Take(limit)
                    .Select(e => new ConversationActivity(e.Entry.Conversation, e.Entry.LastSeq, e.Entry.LastActivity, e.LeftAtSeq)),
            ];
            return ValueTask.FromResult(list);
        }
    }

    // Applies a membership change of one user atomically; change returns the new members, or null for "no change".
    // A removal records the departure at leftAtSeq; an addition forgets it.
    private ValueTask<Conversation?> ChangeMembersAsync(string conversationId, string userId, long leftAtSeq, Func<Conversation, IReadOnlyList<ConversationMember>?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var entry))
            {
                return ValueTask.FromResult<Conversation?>(null);
            }

            if (change(entry.Conversation) is { } members)
            {
                entry.Conversation = entry.Conversation with { Members = members };
                if (entry.Conversation.IsMember(userId))
                {
                    Index(userId, conversationId);
                    if (_departedByUser.TryGetValue(userId, out var departures))
                    {
                        departures.Remove(conversationId);
                    }
                }
                else
                {
                    _byUser.GetValueOrDefault(userId)?.Remove(conversationId);
                    if (!_departedByUser.TryGetValue(userId, out var departures))
                    {
                        _departedByUser.Add(userId, departures = new Dictionary<string, (long, DateTimeOffset)>(StringComparer.Ordinal));
                    }

                    departures[conversationId] = (leftAtSeq, entry.LastActivity);
                }
            }

            return ValueTask.FromResult<Conversation?>(entry.Conversation);
        }
    }

    private void Index(string userId, string conversationId)
    {
        if (!_byUser.TryGetValue(userId, out var ids))
        {
            ids = new HashSet<string>(StringComparer.Ordinal);
            _byUser.Add(userId, ids);
        }

        ids.Add(conversationId);
    }

    private sealed class Entry(Conversation conversation, long lastSeq, DateTimeOffset lastActivity)
    {
        public Conversation Conversation { get; set; } = conversation;

        public long LastSeq { get; set; } = lastSeq;

        public DateTimeOffset LastActivity { get; set; } = lastActivity;
    }
}
