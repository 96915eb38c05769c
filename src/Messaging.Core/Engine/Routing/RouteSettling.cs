using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// The catch-up that makes the route cache safe: a publisher's cached route may miss a node for at most
/// <see cref="MessagingOptions.RouteCacheTtl"/> after a connection registered there (or the node started following a
/// conversation), so once that time has passed since the registration, the connection reads from the store once more
/// and gets anything sent with a stale route (committed before the registration plus the TTL, hence already stored).
/// Timers run on the engine's <see cref="TimeProvider"/>; nothing is scheduled when the cache is off.
/// </summary>
internal sealed class RouteSettling(EngineContext context)
{
    // The pending timers, kept so that they are not collected before they fire and so that stop can cancel them.
    private readonly ConcurrentDictionary<ITimer, byte> _pending = new();

    /// <summary>Refills a new connection from the store once the route cache TTL has passed.</summary>
    /// <param name="pipeline">The connection.</param>
    public void Schedule(ConnectionPipeline pipeline) => After(pipeline, conversationId: null);

    /// <summary>Catches a connection up on one conversation once the route cache TTL has passed (a new follow).</summary>
    /// <param name="pipeline">The connection.</param>
    /// <param name="conversationId">The conversation the node started following.</param>
    public void ScheduleConversation(ConnectionPipeline pipeline, string conversationId)
        => After(pipeline, conversationId);

    /// <summary>Cancels every pending catch-up (engine stop).</summary>
    public void CancelAll()
    {
        foreach (var timer in _pending.Keys)
        {
            if (_pending.TryRemove(timer, out _))
            {
                timer.Dispose();
            }
        }
    }

    // A null conversation refills every conversation of the connection.
    private void After(ConnectionPipeline pipeline, string? conversationId)
    {
        var ttl = context.Options.RouteCacheTtl;
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        var state = new Pending(this, pipeline, conversationId);
        var timer = context.Time.CreateTimer(static s => ((Pending)s!).Fire(), state, ttl, Timeout.InfiniteTimeSpan);
        state.Timer = timer;
        _pending.TryAdd(timer, 0);

        // A timer that fired before it was recorded removed nothing: remove it now.
        if (state.Fired)
        {
            Forget(timer);
        }
    }

    private void Forget(ITimer timer)
    {
        if (_pending.TryRemove(timer, out _))
        {
            timer.Dispose();
        }
    }

    private sealed class Pending(RouteSettling owner, ConnectionPipeline pipeline, string? conversationId)
    {
        private int _fired;

        public ITimer? Timer { get; set; }

        public bool Fired => Volatile.Read(ref _fired) != 0;

        public void Fire()
        {
            if (Interlocked.Exchange(ref _fired, 1) != 0)
            {
                return;
            }

            if (pipeline.IsAlive)
            {
                CatchUp();
            }

            if (Timer is { } timer)
            {
                owner.Forget(timer);
            }
        }

        private void CatchUp()
        {
            if (conversationId is null)
            {
                pipeline.EnqueueRefill();
            }
            else
            {
                pipeline.EnqueueConversationCatchUp(conversationId);
            }
        }
    }
}
