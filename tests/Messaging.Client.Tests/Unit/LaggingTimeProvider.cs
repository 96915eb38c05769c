using Microsoft.Extensions.Time.Testing;

namespace Messaging.Client.Tests.Unit;

/// <summary>
/// A fake clock whose wall-clock reading can fall behind its timers, as the system's may drift from the timer's
/// monotonic clock: a timer then fires "early" by <see cref="TimeProvider.GetUtcNow"/>.
/// </summary>
internal sealed class LaggingTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    public TimeSpan Lag { get; set; }

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() - Lag;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
