using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IReceiptStore"/> held in process memory.</summary>
/// <remarks>
/// <para>
/// Guarantees: a device's marks never move backwards; advancing read also raises delivered to at least the same seq;
/// concurrent advances keep the maximum; a user's aggregate mark is the maximum over the user's devices, and
/// <see cref="AdvanceAsync"/> returns it before and after the advance atomically. An aggregate's
/// <see cref="Watermark.DeliveredAt"/> / <see cref="Watermark.ReadAt"/> are the times its mark last moved.
/// </para>
/// <para>Limits: one process only; everything is lost on restart.</para>
/// </remarks>
public sealed class InMemoryReceiptStore : IReceiptStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, UserMarks>> _conversations = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<(Watermark Before, Watermark After)> AdvanceAsync(string conversationId, string userId, string deviceId, long deliveredUpTo, long readUpTo, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        cancellationToken.ThrowIfCancellationRequested();
        var users = _conversations.GetOrAdd(conversationId, static _ => new(StringComparer.Ordinal));
        var marks = users.GetOrAdd(userId, static _ => new UserMarks());
        lock (marks)
        {
            var before = marks.Aggregate;
            var device = Raise(marks.Devices.GetValueOrDefault(deviceId), deliveredUpTo, readUpTo, at);
            marks.Devices[deviceId] = device;
            marks.Aggregate = Raise(before, device.DeliveredUpTo, device.ReadUpTo, at);
            return ValueTask.FromResult((before, marks.Aggregate));
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
    public ValueTask<IReadOnlyList<MemberWatermark>> GetAllAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_conversations.TryGetValue(conversationId, out var users))
        {
            return ValueTask.FromResult<IReadOnlyList<MemberWatermark>>([]);
        }

        var result = new List<MemberWatermark>();
        foreach (var (userId, marks) in users)
        {
            lock (marks)
            {
                if (marks.Aggregate.DeliveredUpTo > 0)
                {
                    result.Add(new MemberWatermark(userId, marks.Aggregate));
                }
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.UserId, b.UserId));
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

    private UserMarks? Find(string conversationId, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return _conversations.TryGetValue(conversationId, out var users) ? users.GetValueOrDefault(userId) : null;
    }

    private sealed class UserMarks
    {
        public Dictionary<string, Watermark> Devices { get; } = new(StringComparer.Ordinal);

        public Watermark Aggregate { get; set; }
    }
}
