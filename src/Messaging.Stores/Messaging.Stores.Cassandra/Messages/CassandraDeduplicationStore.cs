namespace Messaging.Stores.Cassandra;

/// <summary>
/// De-duplication claims on CQL, in the conversation's partition: a claim is <c>INSERT ... IF NOT EXISTS USING TTL
/// &lt;window in seconds, rounded up&gt;</c> (one lightweight transaction), whose failed answer carries the earlier
/// claim's seq; a release is <c>DELETE ... IF seq = ?</c>. Claims expire on the server's clock.
/// </summary>
internal sealed class CassandraDeduplicationStore : IDeduplicationStore
{
    // A failed claim whose holder expired between the check and the answer has no seq to report: claim again, a few times.
    private const int ClaimAttempts = 3;

    private readonly CassandraStoreContext _context;

    public CassandraDeduplicationStore(CassandraStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    public async ValueTask<long?> FindAsync(DeduplicationKey key, CancellationToken cancellationToken = default)
    {
        Validate(key);
        var rows = await _context.ExecuteAsync(_context.Statements.FindClaim(key), cancellationToken).ConfigureAwait(false);
        return rows.Rows.Count == 0 ? null : rows.Rows[0]["seq"] as long?;
    }

    public async ValueTask<DeduplicationClaim> ClaimAsync(DeduplicationKey key, long seq, TimeSpan window, CancellationToken cancellationToken = default)
    {
        Validate(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        var statement = _context.Statements.Claim(key, seq, window);
        for (var attempt = 1; ; attempt++)
        {
            // A claim that timed out and is run again finds its own seq: that is a claim made (held == seq).
            var (applied, row, _) = await _context.ExecuteConditionalAsync(statement, cancellationToken).ConfigureAwait(false);
            if (applied)
            {
                return new DeduplicationClaim(true, seq);
            }

            if (row.Has("seq") && row["seq"] is long held)
            {
                return new DeduplicationClaim(held == seq, held);
            }

            if (attempt == ClaimAttempts)
            {
                throw new CassandraException(CassandraErrorKind.ProtocolError, "A refused de-duplication claim came back without the seq that holds it.");
            }
        }
    }

    public async ValueTask<bool> ReleaseAsync(DeduplicationKey key, long seq, CancellationToken cancellationToken = default)
    {
        Validate(key);
        // Run again after a timeout, a release finds the claim gone: the attempt that timed out removed it.
        var (applied, row, afterTimeout) = await _context.ExecuteConditionalAsync(_context.Statements.ReleaseClaim(key, seq), cancellationToken).ConfigureAwait(false);
        return applied || (afterTimeout && (!row.Has("seq") || row["seq"] is null));
    }

    private static void Validate(DeduplicationKey key)
    {
        ArgumentNullException.ThrowIfNull(key.ConversationId, nameof(key));
        ArgumentNullException.ThrowIfNull(key.SenderId, nameof(key));
        ArgumentNullException.ThrowIfNull(key.ClientMsgId, nameof(key));
    }
}
