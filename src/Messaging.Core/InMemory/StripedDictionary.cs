using System.Runtime.CompilerServices;

namespace Messaging;

/// <summary>
/// A map for in-memory stores that grow with every message (de-duplication claims, message ids): plain dictionaries,
/// each behind its own lock, a key's stripe chosen by its hash.
/// </summary>
/// <remarks>
/// A <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey,TValue}"/> this large grows by taking every
/// lock and allocating a new node for every entry it holds: with a few million entries that stalls every writer for
/// tens of milliseconds and allocates its whole size again. Here a stripe grows alone, by copying an array of entries
/// (no allocation per entry), while the other stripes go on; lookups take the stripe's lock, which is uncontended
/// unless two threads hit one stripe at once.
/// </remarks>
internal sealed class StripedDictionary<TKey, TValue>
    where TKey : notnull
{
    // 256 stripes: enough that one stripe's growth is a small share of the map and collisions between threads rare.
    private const int StripeBits = 8;

    private readonly Stripe[] _stripes = new Stripe[1 << StripeBits];
    private readonly IEqualityComparer<TKey> _comparer;

    public StripedDictionary(IEqualityComparer<TKey>? comparer = null)
    {
        _comparer = comparer ?? EqualityComparer<TKey>.Default;
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Stripe(_comparer);
        }
    }

    /// <summary>Entries in all stripes (each counted under its lock; for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var stripe in _stripes)
            {
                using var scope = new Scope(stripe);
                count += scope.Map.Count;
            }

            return count;
        }
    }

    /// <summary>Locks the stripe that holds <paramref name="key"/> until the scope is disposed; work on its map inside.</summary>
    public Scope Enter(TKey key) => new(_stripes[StripeOf(key)]);

    public bool TryGetValue(TKey key, out TValue value)
    {
        using var scope = Enter(key);
        return scope.Map.TryGetValue(key, out value!);
    }

    public void Set(TKey key, TValue value)
    {
        using var scope = Enter(key);
        scope.Map[key] = value;
    }

    // The dictionary inside a stripe buckets by the hash modulo a prime; the stripe takes the hash's high bits after a
    // multiplicative mix (Fibonacci hashing), so the two choices are unrelated and a weak hash still spreads.
    private int StripeOf(TKey key)
        => (int)(((uint)_comparer.GetHashCode(key) * 0x9E3779B9u) >> (32 - StripeBits));

    /// <summary>A stripe held locked: its <see cref="Map"/> may be read and changed until <see cref="Dispose"/>.</summary>
    public readonly ref struct Scope
    {
        private readonly Stripe _stripe;

        internal Scope(Stripe stripe)
        {
            _stripe = stripe;
            stripe.Lock.Enter();
        }

        public Dictionary<TKey, TValue> Map
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => _stripe.Map;
        }

        public void Dispose() => _stripe.Lock.Exit();
    }

    internal sealed class Stripe(IEqualityComparer<TKey> comparer)
    {
        public Lock Lock { get; } = new();

        public Dictionary<TKey, TValue> Map { get; } = new(comparer);
    }
}
