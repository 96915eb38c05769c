using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// An <see cref="IContactStore"/> in Redis: per pair of users one set of the users who have sent the other a message
/// in their direct conversation; the pair are contacts when it holds both.
/// </summary>
/// <remarks>
/// Guarantees: see <see cref="IContactStore"/>. A record is one script (add the sender, report whether this added the
/// second one), so exactly one record completes a pair, also with several nodes recording at once; a look-up is one
/// <c>SCARD</c>, whatever the number of conversations of either user. A pair's key is never removed or expired.
/// </remarks>
public sealed class RedisContactStore : IContactStore
{
    private readonly RedisStoreContext _context;

    /// <summary>Creates a store on a multiplexer owned by the host (never disposed by the store).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    public RedisContactStore(IConnectionMultiplexer multiplexer)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), null))
    {
    }

    internal RedisContactStore(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RecordMessageAsync(string senderId, string recipientId, CancellationToken cancellationToken = default)
    {
        var key = PairKey(senderId, recipientId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var completed = (int)await RedisStoreContext.Guard(RedisScripts.ContactRecord.EvaluateAsync(database, [key], [senderId]), cancellationToken).ConfigureAwait(false);
        return completed == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> AreContactsAsync(string userId, string otherUserId, CancellationToken cancellationToken = default)
    {
        var key = PairKey(userId, otherUserId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await RedisStoreContext.Guard(database.SetLengthAsync(key), cancellationToken).ConfigureAwait(false) == 2;
    }

    private static RedisKey PairKey(string userA, string userB)
    {
        ArgumentException.ThrowIfNullOrEmpty(userA);
        ArgumentException.ThrowIfNullOrEmpty(userB);
        if (string.Equals(userA, userB, StringComparison.Ordinal))
        {
            throw new ArgumentException("A pair of contacts needs two different users.", nameof(userB));
        }

        return RedisKeys.Contacts(userA, userB);
    }
}
