namespace Messaging;

/// <summary>An <see cref="IDeduplicationStore"/> held in process memory; claims expire by the given <see cref="TimeProvider"/>.</summary>
/// <remarks>
/// <para>
/// Guarantees: claims are insert-if-absent and linearizable; a claim is gone once its window has passed on the time
/// provider's clock (checked on every read, so expiry is exact, also with a fake clock in tests).
/// </para>
/// <para>
/// Limits: one process only; lost on restart. Expired claims are swept now and then while claiming, so memory follows
/// the number of claims made within one window.
/// </para>
/// </remarks>
public sealed class InMemoryDeduplicationStore : IDeduplicationStore
{
    // A sweep of expired claims after this many new claims keeps the cost per claim constant on average.
    private const int SweepEvery = 4096;

    private readonly Dictionary<DeduplicationKey, Claim> _claims = [];
    private readonly TimeProvider _time;
    private int _claimsSinceSweep;

    /// <summary>Creates an empty store.</summary>
    /// <param name="time">The clock claims expire by; the system clock when omitted.</param>
    public InMemoryDeduplicationStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<long?> FindAsync(DeduplicationKey key, CancellationToken cancellationToken = default)
    {
        Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        lock (_claims)
        {
            return ValueTask.FromResult(_claims.TryGetValue(key, out var claim) && claim.Expires > now ? claim.Seq : (long?)null);
        }
    }

    /// <inheritdoc />
    public ValueTask<DeduplicationClaim> ClaimAsync(DeduplicationKey key, long seq, TimeSpan window, CancellationToken cancellationToken = default)
    {
        Validate(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seq);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        lock (_claims)
        {
            if (_claims.TryGetValue(key, out var claim) && claim.Expires > now)
            {
                return ValueTask.FromResult(new DeduplicationClaim(claim.Seq == seq, claim.Seq));
            }

            _claims[key] = new Claim(seq, now + window);
            if (++_claimsSinceSweep >= SweepEvery)
            {
                _claimsSinceSweep = 0;
                foreach (var (expiredKey, expired) in _claims)
                {
                    if (expired.Expires <= now)
                    {
                        _claims.Remove(expiredKey);
                    }
                }
            }

            return ValueTask.FromResult(new DeduplicationClaim(true, seq));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(DeduplicationKey key, long seq, CancellationToken cancellationToken = default)
    {
        Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_claims)
        {
            return ValueTask.FromResult(_claims.TryGetValue(key, out var claim) && claim.Seq == seq && _claims.Remove(key));
        }
    }

    private static void Validate(DeduplicationKey key)
    {
        ArgumentNullException.ThrowIfNull(key.ConversationId, nameof(key));
        ArgumentNullException.ThrowIfNull(key.SenderId, nameof(key));
        ArgumentNullException.ThrowIfNull(key.ClientMsgId, nameof(key));
    }

    private readonly record struct Claim(long Seq, DateTimeOffset Expires);
}
