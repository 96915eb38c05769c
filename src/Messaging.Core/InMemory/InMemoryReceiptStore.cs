using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IReceiptStore"/> held in process memory.</summary>
/// <remarks>
/// <para>
/// Guarantees: a device's marks never move backwards; advancing read also raises delivered to at least the same seq;
/// concurrent advances keep the maximum; a user's aggregate mark is the maximum over the user's devices, and
/// <see cref="AdvanceAsync"/> returns it as it was before the advance (atomically here, more than the role requires). An aggregate's
/// <see cref="Watermark.DeliveredAt"/> / <see cref="Watermark.ReadAt"/> are the times its mark last moved.
/// </para>
/// <para>
/// Each user's marks in a conversation have their own lock. <see cref="GetAllAsync"/> walks a per-conversation list of
/// the users kept sorted by id as they first appear, so listing sorts nothing and allocates only its answer.
/// </para>
/// <para>Limits: one process only; everything is lost on restart.</para>
/// </remarks>
public sealed class InMemoryReceiptStore : IReceiptStore
{
    private readonly ConcurrentDictionary<string, ConversationMarks> _conversations = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<Watermark> AdvanceAsync(string conversationId, string userId, string deviceId, long deliveredUpTo, long readUpTo, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        cancellationToken.ThrowIfCancellationRequested();
        var marks = _conversations.GetOrAdd(conversationId, static _ => new ConversationMarks()).GetOrAdd(userId);
        lock (marks)
        {
            var before = marks.Aggregate;
            var device = Raise(marks.Devices.GetValueOrDefault(deviceId), deliveredUpTo, readUpTo, at);
            marks.Devices[deviceId] = device;
            marks.Aggregate = Raise(before, device.DeliveredUpTo, device.ReadUpTo, at);
            return ValueTask.FromResult(before);
        }
    }

    /// <inheritdoc />
    public ValueTask<Watermark> GetDeviceAsync(string conversationId, string userId, string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        if (Find(conversationId, userId, cancellationToken) is not { } marks)
        {
            return ValueTask.FromResult(Watermark.None);
        }

        lock (marks)
        {
            return ValueTask.FromResult(marks.Devices.GetValueOrDefault(deviceId));
        }
    }

    /// <inheritdoc />
    public ValueTask<Watermark> GetUserAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        if (Find(conversationId, userId, cancellationToken) is not { } marks)
        {
            return ValueTask.FromResult(Watermark.None);
        }

        lock (marks)
        {
            return ValueTask.FromResult(marks.Aggregate);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Watermark>> GetDeviceManyAsync(string userId, string deviceId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        return GetManyAsync(userId, conversationIds, marks => marks.Devices.GetValueOrDefault(deviceId), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Watermark>> GetUserManyAsync(string userId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
        => GetManyAsync(userId, conversationIds, static marks => marks.Aggregate, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Watermark>> GetMembersAsync(string conversationId, IReadOnlyList<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var result = new Watermark[userIds.Count];
        for (var i = 0; i < result.Length; i++)
        {
            if (Find(conversationId, userIds[i], cancellationToken) is { } marks)
            {
                lock (marks)
                {
                    result[i] = marks.Aggregate;
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<Watermark>>(result);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MemberWatermark>> GetAllAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_conversations.TryGetValue(conversationId, out var users))
        {
            return ValueTask.FromResult<IReadOnlyList<MemberWatermark>>([]);
        }

        var sorted = users.Sorted;
        var result = new MemberWatermark[sorted.Length];
        var count = 0;
        foreach (var (userId, marks) in sorted)
        {
            lock (marks)
            {
                if (marks.Aggregate.DeliveredUpTo > 0)
                {
                    result[count++] = new MemberWatermark(userId, marks.Aggregate);
                }
            }
        }

        if (count < result.Length)
        {
            Array.Resize(ref result, count);
        }

        return ValueTask.FromResult<IReadOnlyList<MemberWatermark>>(result);
    }

    private static Watermark Raise(Watermark mark, long deliveredUpTo, long readUpTo, DateTimeOffset at)
    {
        var read = Math.Max(mark.ReadUpTo, readUpTo);
        var delivered = Math.Max(Math.Max(mark.DeliveredUpTo, deliveredUpTo), read);
        return new Watermark(
            delivered,
            read,
            delivered > mark.DeliveredUpTo ? at : mark.DeliveredAt,
            read > mark.ReadUpTo ? at : mark.ReadAt);
    }

    private ValueTask<IReadOnlyList<Watermark>> GetManyAsync(string userId, IReadOnlyList<string> conversationIds, Func<UserMarks, Watermark> pick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationIds);
        var result = new Watermark[conversationIds.Count];
        for (var i = 0; i < result.Length; i++)
        {
            if (Find(conversationIds[i], userId, cancellationToken) is { } marks)
            {
                lock (marks)
                {
                    result[i] = pick(marks);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<Watermark>>(result);
    }

    private UserMarks? Find(string conversationId, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return _conversations.TryGetValue(conversationId, out var users) ? users.Find(userId) : null;
    }

    // One conversation's users: looked up by id, and listed in id order from an array replaced (under the object's
    // lock) only when a user first appears.
    private sealed class ConversationMarks
    {
        private readonly ConcurrentDictionary<string, UserMarks> _users = new(StringComparer.Ordinal);
        private (string UserId, UserMarks Marks)[] _sorted = [];

        public (string UserId, UserMarks Marks)[] Sorted => Volatile.Read(ref _sorted);

        public UserMarks? Find(string userId) => _users.GetValueOrDefault(userId);

        public UserMarks GetOrAdd(string userId)
        {
            if (_users.TryGetValue(userId, out var marks))
            {
                return marks;
            }

            lock (this)
            {
                if (_users.TryGetValue(userId, out marks))
                {
                    return marks;
                }

                marks = new UserMarks();
                var sorted = _sorted;
                var at = 0;
                while (at < sorted.Length && string.CompareOrdinal(sorted[at].UserId, userId) < 0)
                {
                    at++;
                }

                Volatile.Write(ref _sorted, [.. sorted.AsSpan(0, at), (userId, marks), .. sorted.AsSpan(at)]);
                _users[userId] = marks;
                return marks;
            }
        }
    }

    private sealed class UserMarks
    {
        public Dictionary<string, Watermark> Devices { get; } = new(StringComparer.Ordinal);

        public Watermark Aggregate { get; set; }
    }
}
