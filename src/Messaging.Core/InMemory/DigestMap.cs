using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Messaging;

/// <summary>
/// A map from <see cref="KeyDigest"/> to a small value, for the in-memory stores that grow with every message
/// (de-duplication claims, message ids): open-addressing tables, each behind its own lock, a key's stripe chosen by its
/// digest.
/// </summary>
/// <remarks>
/// <para>
/// These maps hold millions of entries written and read at random places, so a look-up costs what its cache misses
/// cost. A slot holds the digest and the value side by side and is found at the digest's own position (linear probing,
/// at most three quarters full), so a look-up usually touches one slot: one miss, where a
/// <see cref="Dictionary{TKey,TValue}"/> touches its bucket array and then its entry array (two).
/// </para>
/// <para>
/// A stripe grows alone, by copying its array of slots (no allocation per entry), while the other stripes go on; a
/// stripe's lock is uncontended unless two threads hit it at once. A <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey,TValue}"/>
/// this large would grow by taking every lock and allocating a node per entry, stalling every writer.
/// </para>
/// <para>
/// A digest is uniformly distributed, so its bits are used as they are: the high lane's top bits pick the stripe and
/// the low lane picks the slot. An all-zero slot is empty; no digest is all zeros (<see cref="KeyDigest"/>).
/// </para>
/// </remarks>
internal sealed class DigestMap<TValue>
    where TValue : struct
{
    // 256 stripes: enough that one stripe's growth is a small share of the map and collisions between threads rare.
    private const int StripeBits = 8;

    private readonly Stripe[] _stripes = new Stripe[1 << StripeBits];

    public DigestMap()
    {
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Stripe();
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
                count += scope.Count;
            }

            return count;
        }
    }

    /// <summary>Locks the stripe that holds <paramref name="key"/> until the scope is disposed; work on it inside.</summary>
    public Scope Enter(KeyDigest key) => new(_stripes[key.High >> (64 - StripeBits)]);

    /// <summary>
    /// Starts loading the key's slot into the cache, so that a caller with two maps to look up (see
    /// <see cref="InMemoryMessageStore"/>) waits for both cache misses at once rather than one after the other.
    /// </summary>
    public void Prefetch(KeyDigest key)
    {
        if (Sse.IsSupported)
        {
            // Read without the lock: a stale array only makes the hint useless, and a prefetch never faults.
            var slots = _stripes[key.High >> (64 - StripeBits)].Slots;
            PrefetchSlot(ref slots[(int)key.Low & (slots.Length - 1)]);
        }
    }

    public bool TryGetValue(KeyDigest key, out TValue value)
    {
        using var scope = Enter(key);
        return scope.TryGetValue(key, out value);
    }

    public void Set(KeyDigest key, TValue value)
    {
        using var scope = Enter(key);
        scope.GetValueRefOrAddDefault(key, out _) = value;
    }

    private static unsafe void PrefetchSlot(ref Slot slot) => Sse.Prefetch0(Unsafe.AsPointer(ref slot));

    /// <summary>A stripe held locked: its entries may be read and changed until <see cref="Dispose"/>.</summary>
    public readonly ref struct Scope
    {
        private readonly Stripe _stripe;

        internal Scope(Stripe stripe)
        {
            _stripe = stripe;
            stripe.Lock.Enter();
        }

        public int Count => _stripe.Count;

        public bool TryGetValue(KeyDigest key, out TValue value)
        {
            var index = _stripe.Find(key);
            value = index < 0 ? default : _stripe.Slots[index].Value;
            return index >= 0;
        }

        /// <summary>The value stored for the key, added as <see langword="default"/> when absent; valid until the next change.</summary>
        public ref TValue GetValueRefOrAddDefault(KeyDigest key, out bool exists) => ref _stripe.GetOrAdd(key, out exists);

        public bool Remove(KeyDigest key) => _stripe.Remove(key);

        public void Dispose() => _stripe.Lock.Exit();
    }

    internal sealed class Stripe
    {
        private const int InitialCapacity = 16;

        public Lock Lock { get; } = new();

        public Slot[] Slots { get; private set; } = new Slot[InitialCapacity];

        public int Count { get; private set; }

        public int Find(KeyDigest key)
        {
            var index = Probe(key, out var found);
            return found ? index : -1;
        }

        public ref TValue GetOrAdd(KeyDigest key, out bool exists)
        {
            // At most three quarters full, so a probe always ends at an empty slot and stays short.
            if ((Count + 1) * 4 > Slots.Length * 3)
            {
                Grow();
            }

            var index = Probe(key, out exists);
            ref var slot = ref Slots[index];
            if (!exists)
            {
                slot = new Slot(key.High, key.Low, default);
                Count++;
            }

            return ref slot.Value;
        }

        public bool Remove(KeyDigest key)
        {
            var index = Find(key);
            if (index < 0)
            {
                return false;
            }

            // Backward shift: move later slots of the probe run into the hole when the hole lies on their way from
            // their home slot, so every remaining key is still found before the first empty slot.
            var slots = Slots;
            var mask = slots.Length - 1;
            var hole = index;
            for (var i = (hole + 1) & mask; !slots[i].IsEmpty; i = (i + 1) & mask)
            {
                var home = (int)slots[i].Low & mask;
                if (((i - home) & mask) >= ((i - hole) & mask))
                {
                    slots[hole] = slots[i];
                    hole = i;
                }
            }

            slots[hole] = default;
            Count--;
            return true;
        }

        // The key's slot (found), or the empty slot that ends its probe run, where it would go (not found).
        private int Probe(KeyDigest key, out bool found)
        {
            var slots = Slots;
            var mask = slots.Length - 1;
            for (var i = (int)key.Low & mask; ; i = (i + 1) & mask)
            {
                ref readonly var slot = ref slots[i];
                found = slot.High == key.High && slot.Low == key.Low;
                if (found || slot.IsEmpty)
                {
                    return i;
                }
            }
        }

        private void Grow()
        {
            var old = Slots;
            var slots = new Slot[old.Length * 2];
            var mask = slots.Length - 1;
            foreach (ref readonly var slot in old.AsSpan())
            {
                if (!slot.IsEmpty)
                {
                    var i = (int)slot.Low & mask;
                    while (!slots[i].IsEmpty)
                    {
                        i = (i + 1) & mask;
                    }

                    slots[i] = slot;
                }
            }

            Slots = slots;
        }
    }

    internal struct Slot(ulong high, ulong low, TValue value)
    {
        public readonly ulong High = high;
        public readonly ulong Low = low;
        public TValue Value = value;

        public readonly bool IsEmpty
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => (High | Low) == 0;
        }
    }
}
