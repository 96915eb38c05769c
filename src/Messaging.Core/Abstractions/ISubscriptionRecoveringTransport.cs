namespace Messaging;

/// <summary>
/// An optional capability of an <see cref="IMessageTransport"/> whose inboxes can be interrupted (a broken connection,
/// a restarted broker) and are re-opened by the transport itself. Payloads published during the interruption may be
/// lost and, when no later message arrives on their conversation, no gap ever reveals them; the engine therefore
/// refills every local connection from the store when this capability reports a recovery. Detected with <c>is</c>; a
/// transport that never loses its inboxes (the in-memory one) does not implement it.
/// </summary>
public interface ISubscriptionRecoveringTransport
{
    /// <summary>
    /// Raised after the transport's inboxes were re-established following an interruption during which payloads may
    /// have been lost. Guarantee: a payload published after the event was raised reaches every inbox that was open
    /// before the interruption (or the event is raised again later). It may be raised more than once for one
    /// interruption, and spuriously; handlers must be idempotent and must not block.
    /// </summary>
    event EventHandler? SubscriptionsRestored;
}
