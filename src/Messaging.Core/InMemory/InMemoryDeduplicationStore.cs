using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IDeduplicationStore"/> held in process memory; claims expire by the given <see cref="TimeProvider"/>.</summary>
/// <remarks>
/// <para>
/// Guarantees: claims are insert-if-absent and linearizable; a claim is gone once its window has passed on the time
/// provider's clock (checked on every read, so expiry is exact, also with a fake clock in tests).
/// </para>
/// <para>
/// Limits: one process only; lost on restart. Claims are kept in a map of independently locked stripes (no store-wide
/// lock, and the map grows a stripe at a time without stalling other claims) and queued in the order they were made;
/// each new claim removes up to two expired ones from the head of that queue, so memory follows the number of claims
/// made within one window at a constant cost per claim. A claim is kept under a 128-bit digest of its key, not the
/// key's strings: the map and the queue hold no reference, so a window of millions of claims costs the garbage
/// collector nothing to keep (two different keys sharing a digest, about 2^-64 among four billion keys, would read as
/// one).
/// </para>
/// </remarks>
public sealed class InMemoryDeduplicationStore : IDeduplicationStore
{
    // Expired claims removed per new claim: more than one, so the queue drains faster than it fills once claims expire.
    private const int SweepPerClaim = 2;

    private readonly DigestMap<Claim> _claims = new();
    private readonly ConcurrentQueue<KeyValuePair<KeyDigest, Claim>> _made = new();
    private readonly Lock _sweep = new();
    private readonly TimeProvider _time;

    /// <summary>Creates an empty store.</summary>
    /// <param name="time">The clock claims expire by; the system clock when omitted.</param>
    public InMemoryDeduplicationStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<long?> FindAsync(DeduplicationKey key, CancellationToken cancellationToken = default)
    {
        Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(FindClaim(key));
    }

    /// <inheritdoc />
    public ValueTask<DeduplicationClaim> ClaimAsync(DeduplicationKey key, long seq, TimeSpan window, CancellationToken cancellationToken = default)
    {
        Validate(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seq);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(TryClaim(key, seq, window));
    }

    // Starts loading the digest's slot (see DigestMap.Prefetch).
    internal void Prefetch(KeyDigest digest) => _claims.Prefetch(digest);

    // Claims held, live or expired and not yet removed (tests).
    internal int Count => _claims.Count;

    // The seq a live claim holds.
    internal long? FindClaim(DeduplicationKey key)
        => _claims.TryGetValue(KeyDigest.Of(key), out var claim) && claim.Expires > _time.GetUtcNow().UtcTicks ? claim.Seq : null;

    // Claims the key for the seq unless a live claim holds it.
    internal DeduplicationClaim TryClaim(DeduplicationKey key, long seq, TimeSpan window)
        => ClaimUnlessHeld(KeyDigest.Of(key), seq, window) is { } held ? new DeduplicationClaim(held == seq, held) : new DeduplicationClaim(true, seq);

    // The seq a live claim of the key holds (the same seq included), or null once the key is claimed for the seq: one
    // look-up for InMemoryMessageStore's atomic step, which must not take a seq for a repeat.
    internal long? ClaimUnlessHeld(KeyDigest digest, long seq, TimeSpan window)
    {
        var now = _time.GetUtcNow().UtcTicks;

        // A window reaching past the clock's range never expires.
        var made = new Claim(seq, window.Ticks > long.MaxValue - now ? long.MaxValue : now + window.Ticks);
        using (var stripe = _claims.Enter(digest))
        {
            ref var slot = ref stripe.GetValueRefOrAddDefault(digest, out var exists);
            if (exists && slot.Expires > now)
            {
                return slot.Seq;
            }

            // New, or an expired claim replaced.
            slot = made;
        }

        _made.Enqueue(new(digest, made));
        Sweep(now);
        return null;
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(DeduplicationKey key, long seq, CancellationToken cancellationToken = default)
    {
        Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Remove(KeyDigest.Of(key), seq, expires: null));
    }

    // Removes the key's claim if it holds the seq (and expires then, when given); a claim made again meanwhile stays.
    private bool Remove(KeyDigest key, long seq, long? expires)
    {
        using var stripe = _claims.Enter(key);
        return stripe.TryGetValue(key, out var claim)
            && claim.Seq == seq
            && (expires is not { } at || claim.Expires == at)
            && stripe.Remove(key);
    }

    // Removes expired claims from the head of the queue of claims made; a claim replaced since stays (the map holds
    // another value for its key, so the conditional removal leaves it). One sweeper at a time (peek and dequeue must
    // see the same head); a claim that finds another sweeping leaves it to them.
    private void Sweep(long now)
    {
        if (!_sweep.TryEnter())
        {
            return;
        }

        try
        {
            for (var i = 0; i < SweepPerClaim && _made.TryPeek(out var oldest) && oldest.Value.Expires <= now && _made.TryDequeue(out oldest); i++)
            {
                Remove(oldest.Key, oldest.Value.Seq, oldest.Value.Expires);
            }
        }
        finally
        {
            _sweep.Exit();
        }
    }

    private static void Validate(DeduplicationKey key)
    {
        ArgumentNullException.ThrowIfNull(key.ConversationId, nameof(key));
        ArgumentNullException.ThrowIfNull(key.SenderId, nameof(key));
        ArgumentNullException.ThrowIfNull(key.ClientMsgId, nameof(key));
    }

    // Expires: UTC ticks (a claim is 16 bytes, so a slot of the map is 32).
    private readonly record struct Claim(long Seq, long Expires);
}
