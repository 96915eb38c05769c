namespace Messaging;

/// <summary>A lock-free "raise to at least" on a shared <see cref="long"/>: the value never moves backwards.</summary>
internal static class AtomicMax
{
    /// <summary>Raises <paramref name="field"/> to <paramref name="value"/> unless it is already at or above it.</summary>
    /// <param name="field">The shared value.</param>
    /// <param name="value">The value to raise it to.</param>
    public static void RaiseTo(ref long field, long value)
    {
        var current = Volatile.Read(ref field);
        while (current < value)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
