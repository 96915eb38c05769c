using System.Globalization;
using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// De-duplication claims in Redis: one key per <c>(conversation, sender, client_msg_id)</c> in the conversation's hash
/// slot, claimed with <c>SET NX PX</c> (in a small script that also answers with an earlier claim) and expired by Redis
/// after the window.
/// </summary>
/// <remarks>
/// Guarantees: a claim is insert-if-absent across every node sharing the server; it expires after its window by the
/// server's clock. The value is the seq in decimal, optionally followed by a space and the message payload (written
/// by <see cref="RedisMessageStore"/>'s atomic step when a retention may remove the message, so a repeat still answers
/// from the claim alone); see <c>RedisKeys</c>.
/// </remarks>
public sealed class RedisDeduplicationStore : IDeduplicationStore
{
    private readonly RedisStoreContext _context;

    /// <summary>Creates a store on a multiplexer owned by the host (never disposed by the store).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    public RedisDeduplicationStore(IConnectionMultiplexer multiplexer)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), null))
    {
    }

    internal RedisDeduplicationStore(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    // The connection and options this store runs on (a message store on the same one sequences for it, see
    // RedisMessageStore.SequencesFor).
    internal RedisStoreContext Context => _context;

    /// <inheritdoc />
    public async ValueTask<long?> FindAsync(DeduplicationKey key, CancellationToken cancellationToken = default)
    {
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var claim = await RedisStoreContext.Guard(database.StringGetAsync(Key(key)), cancellationToken).ConfigureAwait(false);
        return claim.IsNull ? null : StoredMessageCodec.ClaimSeq(((ReadOnlyMemory<byte>)claim).Span);
    }

    /// <inheritdoc />
    public async ValueTask<DeduplicationClaim> ClaimAsync(DeduplicationKey key, long seq, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seq);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromMilliseconds(1));
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var earlier = await RedisStoreContext.Guard(
            RedisScripts.DeduplicationClaim.EvaluateAsync(database, [Key(key)], [seq.ToString(CultureInfo.InvariantCulture), (long)window.TotalMilliseconds]),
            cancellationToken).ConfigureAwait(false);
        if (earlier.IsNull)
        {
            return new DeduplicationClaim(true, seq);
        }

        var held = StoredMessageCodec.ClaimSeq(((ReadOnlyMemory<byte>)(RedisValue)earlier).Span);
        return new DeduplicationClaim(held == seq, held);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReleaseAsync(DeduplicationKey key, long seq, CancellationToken cancellationToken = default)
    {
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var removed = await RedisStoreContext.Guard(
            RedisScripts.DeduplicationRelease.EvaluateAsync(database, [Key(key)], [seq.ToString(CultureInfo.InvariantCulture)]),
            cancellationToken).ConfigureAwait(false);
        return (long)removed == 1;
    }

    private static RedisKey Key(DeduplicationKey key)
    {
        ArgumentNullException.ThrowIfNull(key.ConversationId, nameof(key));
        ArgumentNullException.ThrowIfNull(key.SenderId, nameof(key));
        ArgumentNullException.ThrowIfNull(key.ClientMsgId, nameof(key));
        return RedisKeys.ClientMessage(key.ConversationId, key.SenderId, key.ClientMsgId);
    }
}
