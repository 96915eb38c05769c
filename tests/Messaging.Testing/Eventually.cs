using Xunit;

namespace Messaging.Testing;

/// <summary>Waits for a condition on state that raises no event (a counter, a key), failing after a deadline.</summary>
public static class Eventually
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="what">What is awaited (for the failure message).</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task TrueAsync(Func<bool> condition, string what) => TrueAsync(() => Task.FromResult(condition()), what);

    /// <summary>Polls <paramref name="condition"/> until it holds, with a deadline of the caller's (a wait that includes a consumer group's rebalance).</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="what">What is awaited (for the failure message).</param>
    /// <param name="deadline">How long to wait before failing.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan deadline) => TrueAsync(() => Task.FromResult(condition()), what, deadline);

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="what">What is awaited (for the failure message).</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task TrueAsync(Func<Task<bool>> condition, string what) => TrueAsync(condition, what, Deadline);

    private static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Timed out after {deadline} waiting for {what}.");
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
