namespace Messaging;

/// <summary>
/// An optional capability of an <see cref="IMessageTransport"/> whose subscriptions can be interrupted (a broken
/// connection, a restarted broker) and are re-established by the transport itself. Envelopes published during the
/// interruption may be lost and, when no later envelope arrives on their conversation, no gap ever reveals them; the
/// engine therefore refills every local connection from the store when this capability reports a recovery. Detected
/// with <c>is</c>; a transport that never loses its subscriptions (the in-memory one) does not implement it.
/// </summary>
public interface ISubscriptionRecoveringTransport
{
    /// <summary>
    /// Raised after the transport's subscriptions were re-established following an interruption during which
    /// envelopes may have been lost. Guarantee: an envelope published after the event was raised reaches every
    /// subscription that was active before the interruption (or the event is raised again later). It may be raised
    /// more than once for one interruption, and spuriously; handlers must be idempotent and must not block.
    /// </summary>
    event EventHandler? SubscriptionsRestored;
}
