namespace Messaging.Client.Connection;

/// <summary>Computes reconnect delays from <see cref="ReconnectOptions"/>: exponential, capped, with subtractive jitter.</summary>
internal static class Backoff
{
    /// <summary>The delay before reconnect attempt <paramref name="attempt"/> (1-based).</summary>
    /// <param name="options">The policy.</param>
    /// <param name="attempt">The attempt about to be made, 1 for the first retry.</param>
    /// <param name="random">A uniform random number in [0, 1).</param>
    /// <returns>A delay in [base * (1 - jitter), base], where base = min(max, initial * multiplier^(attempt - 1)).</returns>
    public static TimeSpan GetDelay(ReconnectOptions options, int attempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var maxMs = options.MaxDelay.TotalMilliseconds;

        // Computed in doubles and clamped before converting, so large attempt counts saturate instead of overflowing.
        var baseMs = Math.Min(maxMs, options.InitialDelay.TotalMilliseconds * Math.Pow(options.Multiplier, attempt - 1));
        if (double.IsNaN(baseMs))
        {
            baseMs = maxMs;
        }

        var jittered = baseMs * (1.0 - (options.JitterRatio * Math.Clamp(random, 0.0, 1.0)));
        return TimeSpan.FromMilliseconds(Math.Clamp(jittered, 0.0, maxMs));
    }
}
