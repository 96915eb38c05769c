namespace Messaging;

/// <summary>
/// An optional capability of an <see cref="IPresenceStore"/>, detected with <c>is</c>: the store can tell when the next
/// of its users goes offline (the last of the user's leases lapses), so a node calls
/// <see cref="IPresenceStore.ExpireAsync"/> only once that may have happened instead of on every
/// <see cref="MessagingOptions.PresenceSweepInterval"/>.
/// </summary>
/// <remarks>
/// Guarantee: the forecast is never later than the time any user the store holds goes offline, also right after a
/// touch shortened a lease; it may be earlier. The node still looks every sweep interval, but only reads the forecast
/// again when the time it gave has come or the shortest lease a touch writes (the smaller of
/// <see cref="MessagingOptions.PresenceGracePeriod"/> and <see cref="MessagingOptions.PresenceTtl"/>) has passed since
/// the last read, whichever is first: a lease that any node writes after a read lapses no earlier than that, so an
/// offline change is still reported within one interval, as without a forecast. Nodes that share a store must use the
/// same presence options; skew between their clocks adds to that delay.
/// </remarks>
public interface IPresenceExpiryForecast
{
    /// <summary>When the next user the store knows of goes offline, unless touched again.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>
    /// That time (or an earlier one); <see cref="DateTimeOffset.MaxValue"/> when the store knows of no online user;
    /// <see langword="null"/> when it cannot tell (the node then sweeps on every interval).
    /// </returns>
    ValueTask<DateTimeOffset?> GetNextExpiryAsync(CancellationToken cancellationToken = default);
}
