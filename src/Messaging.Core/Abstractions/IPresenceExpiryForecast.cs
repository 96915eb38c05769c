namespace Messaging;

/// <summary>
/// An optional capability of an <see cref="IPresenceStore"/>, detected with <c>is</c>: the store can tell when the
/// earliest lease it holds lapses, so a node calls <see cref="IPresenceStore.ExpireAsync"/> only once a lease may have
/// lapsed instead of on every <see cref="MessagingOptions.PresenceSweepInterval"/>.
/// </summary>
/// <remarks>
/// The node still looks every sweep interval, but only reads the forecast again when the time it gave has come or the
/// shortest lease a touch writes (the smaller of <see cref="MessagingOptions.PresenceGracePeriod"/> and
/// <see cref="MessagingOptions.PresenceTtl"/>) has passed since the last read, whichever is first: a lease that any
/// node writes after a read lapses no earlier than that, so it is swept as soon as it lapses, as without a forecast.
/// Nodes that share a store must use the same presence options; skew between their clocks adds to that delay.
/// </remarks>
public interface IPresenceExpiryForecast
{
    /// <summary>When the earliest lease the store knows of lapses.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>
    /// That time; <see cref="DateTimeOffset.MaxValue"/> when the store knows of no lease; <see langword="null"/> when
    /// it cannot tell (the node then sweeps on every interval).
    /// </returns>
    ValueTask<DateTimeOffset?> GetNextExpiryAsync(CancellationToken cancellationToken = default);
}
