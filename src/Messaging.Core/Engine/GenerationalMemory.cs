using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Messaging;

/// <summary>
/// A bounded node-local memory: two generations of at most a fixed number of entries each; when the current one fills
/// up it becomes the previous one and the oldest is dropped. An entry found in the previous generation is copied into
/// the current one, so entries in use survive rotations. Safe for concurrent use.
/// </summary>
/// <typeparam name="TKey">The key.</typeparam>
/// <typeparam name="TValue">The remembered value.</typeparam>
/// <param name="perGeneration">How many entries one generation holds.</param>
internal sealed class GenerationalMemory<TKey, TValue>(int perGeneration)
    where TKey : notnull
{
    private readonly Lock _rotation = new();
    private ConcurrentDictionary<TKey, TValue> _current = new();
    private ConcurrentDictionary<TKey, TValue> _previous = new();
    private int _currentCount;

    /// <summary>The remembered value of <paramref name="key"/>, if it is remembered.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, when found.</param>
    /// <returns><see langword="true"/> when remembered.</returns>
    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (Volatile.Read(ref _current).TryGetValue(key, out value))
        {
            return true;
        }

        if (!Volatile.Read(ref _previous).TryGetValue(key, out value))
        {
            return false;
        }

        // Still in use: keep it in the generation that survives the next rotation.
        Remember(key, value);
        return true;
    }

    /// <summary>Remembers <paramref name="value"/> for <paramref name="key"/> (a key already remembered keeps its value).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    public void Remember(TKey key, TValue value)
    {
        var current = Volatile.Read(ref _current);
        if (!current.TryAdd(key, value) || Interlocked.Increment(ref _currentCount) < perGeneration)
        {
            return;
        }

        lock (_rotation)
        {
            // Another caller may have rotated meanwhile; rotate only the generation that filled up.
            if (ReferenceEquals(_current, current))
            {
                Volatile.Write(ref _previous, current);
                Volatile.Write(ref _current, new ConcurrentDictionary<TKey, TValue>());
                Volatile.Write(ref _currentCount, 0);
            }
        }
    }
}
