using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IContactStore"/> held in process memory: one entry per pair of users with the directions recorded.</summary>
/// <remarks>
/// Guarantees: see <see cref="IContactStore"/>; a record is a lock-free flag update, so exactly one call completes a
/// pair. Limits: one process only; everything is lost on restart (pairs then need a message from each side again).
/// Thread-safe.
/// </remarks>
public sealed class InMemoryContactStore : IContactStore
{
    private const int FirstSent = 1;
    private const int SecondSent = 2;
    private const int BothSent = FirstSent | SecondSent;

    // Keyed by the ordinally sorted pair; the value holds one flag per direction.
    private readonly ConcurrentDictionary<(string First, string Second), Directions> _pairs = new();

    /// <inheritdoc />
    public ValueTask<bool> RecordMessageAsync(string senderId, string recipientId, CancellationToken cancellationToken = default)
    {
        var (key, senderIsFirst) = Key(senderId, recipientId);
        cancellationToken.ThrowIfCancellationRequested();
        var flag = senderIsFirst ? FirstSent : SecondSent;
        var sent = _pairs.GetOrAdd(key, static _ => new Directions());
        var before = Interlocked.Or(ref sent.Sent, flag);
        return ValueTask.FromResult(before != BothSent && (before | flag) == BothSent);
    }

    /// <inheritdoc />
    public ValueTask<bool> AreContactsAsync(string userId, string otherUserId, CancellationToken cancellationToken = default)
    {
        var (key, _) = Key(userId, otherUserId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_pairs.TryGetValue(key, out var sent) && Volatile.Read(ref sent.Sent) == BothSent);
    }

    private static ((string First, string Second) Key, bool FirstIsA) Key(string userA, string userB)
    {
        ArgumentException.ThrowIfNullOrEmpty(userA);
        ArgumentException.ThrowIfNullOrEmpty(userB);
        if (string.Equals(userA, userB, StringComparison.Ordinal))
        {
            throw new ArgumentException("A pair of contacts needs two different users.", nameof(userB));
        }

        return string.CompareOrdinal(userA, userB) < 0 ? ((userA, userB), true) : ((userB, userA), false);
    }

    private sealed class Directions
    {
        // FirstSent and SecondSent, set with Interlocked.Or and never cleared.
        public int Sent;
    }
}
