using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Messaging.Client.Delivery;
using Messaging.Protocol;

namespace Messaging.Client.Tests.Unit;

/// <summary>Laws of the ordering buffer: whatever order and repetition the transport produces, each seq is released once, in order.</summary>
public sealed class OrderingBufferProperties
{
    // 1..n, plus up to n random repeats, shuffled; the cursor is known to start at 0.
    private static readonly Gen<long[]> ShuffledWithDuplicates =
        from n in Gen.Choose(1, 80)
        from repeats in Gen.Choose(1, n).ListOf()
        from order in Gen.Shuffle(Enumerable.Range(1, n).Concat(repeats.Take(n)).Select(i => (long)i).ToArray())
        select order;

    [Property(MaxTest = 300)]
    public Property Random_permutations_with_duplicates_of_1_to_n_are_released_exactly_once_in_order() =>
        Prop.ForAll(ShuffledWithDuplicates.ToArbitrary(), order =>
        {
            var buffer = new OrderingBuffer(new Dictionary<string, long> { ["c"] = 0 });
            var released = new List<MessageData>();
            foreach (var seq in order)
            {
                buffer.Offer(TestMessages.Create("c", seq), released);
            }

            var n = order.Max();
            Assert.Equal(Enumerable.Range(1, (int)n).Select(i => (long)i), released.Select(m => m.Seq));
            Assert.Equal(released.Count, released.Select(m => m.MessageId).Distinct().Count());
            Assert.Equal(0, buffer.HeldCount);
            Assert.Equal(n, buffer.GetCursor("c"));
        });

    [Property(MaxTest = 200)]
    public Property Released_prefix_is_always_contiguous_and_nothing_is_released_past_a_gap() =>
        Prop.ForAll(ShuffledWithDuplicates.ToArbitrary(), order =>
        {
            var buffer = new OrderingBuffer(new Dictionary<string, long> { ["c"] = 0 });
            var released = new List<MessageData>();
            var seen = new HashSet<long>();
            foreach (var seq in order)
            {
                buffer.Offer(TestMessages.Create("c", seq), released);
                seen.Add(seq);

                // Released is exactly the longest run 1..k of seqs seen so far.
                var k = 0L;
                while (seen.Contains(k + 1))
                {
                    k++;
                }

                Assert.Equal(k, released.Count);
                Assert.Equal(seen.Count - k, buffer.HeldCount);
            }
        });

    [Property(MaxTest = 200)]
    public Property Interleaved_conversations_are_ordered_independently() =>
        Prop.ForAll(ShuffledWithDuplicates.ToArbitrary(), ShuffledWithDuplicates.ToArbitrary(), (first, second) =>
        {
            var buffer = new OrderingBuffer(new Dictionary<string, long> { ["a"] = 0, ["b"] = 0 });
            var released = new List<MessageData>();
            var offers = first.Select(s => TestMessages.Create("a", s))
                .Zip(second.Select(s => TestMessages.Create("b", s)), (x, y) => new[] { x, y })
                .SelectMany(pair => pair)
                .Concat(first.Skip(second.Length).Select(s => TestMessages.Create("a", s)))
                .Concat(second.Skip(first.Length).Select(s => TestMessages.Create("b", s)));
            foreach (var message in offers)
            {
                buffer.Offer(message, released);
            }

            Assert.Equal(Enumerable.Range(1, (int)first.Max()).Select(i => (long)i), released.Where(m => m.ConversationId == "a").Select(m => m.Seq));
            Assert.Equal(Enumerable.Range(1, (int)second.Max()).Select(i => (long)i), released.Where(m => m.ConversationId == "b").Select(m => m.Seq));
        });

    [Property(MaxTest = 200)]
    public Property Skipping_missing_seqs_releases_every_present_seq_once_in_order() =>
        Prop.ForAll(ShuffledWithDuplicates.ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (order, dropPercent) =>
        {
            // Seqs "tombstoned" on the server never arrive; history says they do not exist.
            var n = (int)order.Max();
            var missing = Enumerable.Range(1, n).Where(i => (i * 37 % 100) < dropPercent && i != n).Select(i => (long)i).ToHashSet();
            var buffer = new OrderingBuffer(new Dictionary<string, long> { ["c"] = 0 });
            var released = new List<MessageData>();
            foreach (var seq in order.Where(s => !missing.Contains(s)))
            {
                buffer.Offer(TestMessages.Create("c", seq), released);
            }

            foreach (var seq in missing.Order())
            {
                buffer.SkipTo("c", seq, released);
            }

            Assert.Equal(Enumerable.Range(1, n).Select(i => (long)i).Where(s => !missing.Contains(s)), released.Select(m => m.Seq));
            Assert.Equal(0, buffer.HeldCount);
        });

    private static readonly Gen<(int Start, int Count, int OwnPercent, int Seed)> OwnStatusScenario =
        from start in Gen.Choose(1, 60)
        from count in Gen.Choose(1, 40)
        from ownPercent in Gen.Choose(0, 100)
        from seed in Gen.Choose(0, int.MaxValue)
        select (start, count, ownPercent, seed);

    [Property(MaxTest = 300)]
    public Property The_clients_own_seqs_fill_their_place_without_being_released() =>
        Prop.ForAll(ShuffledWithDuplicates.ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (order, ownPercent) =>
        {
            var n = (int)order.Max();
            var own = Enumerable.Range(1, n).Where(i => (i * 53 % 100) < ownPercent).Select(i => (long)i).ToHashSet();
            var buffer = new OrderingBuffer(new Dictionary<string, long> { ["c"] = 0 });
            var released = new List<MessageData>();
            foreach (var seq in order)
            {
                if (own.Contains(seq))
                {
                    buffer.OfferOwn("c", seq, released);
                }
                else
                {
                    buffer.Offer(TestMessages.Create("c", seq), released);
                }
            }

            Assert.Equal(Enumerable.Range(1, n).Select(i => (long)i).Where(s => !own.Contains(s)), released.Select(m => m.Seq));
            Assert.Equal(n, buffer.GetCursor("c"));
            Assert.Equal(0, buffer.HeldCount);
        });

    [Property(MaxTest = 300)]
    public Property Without_a_known_cursor_own_statuses_that_overtake_messages_do_not_swallow_them() =>
        Prop.ForAll(OwnStatusScenario.ToArbitrary(), scenario =>
        {
            var (start, count, ownPercent, seed) = scenario;
            // The server sends others' messages in order from the device's mark (start); the client's own sent
            // statuses interleave anywhere, possibly before the first message and repeated.
            var seqs = Enumerable.Range(start, count).Select(i => (long)i).ToArray();
            var own = seqs.Where(s => (s * 53 % 100) < ownPercent && s != start).ToHashSet();
            var random = new Random(seed);
            var ownEvents = own.Concat(own.Where(_ => random.Next(2) == 0)).OrderBy(_ => random.Next()).ToList();
            var messages = new Queue<long>(seqs.Where(s => !own.Contains(s)));
            var buffer = new OrderingBuffer();
            var released = new List<MessageData>();
            while (messages.Count > 0 || ownEvents.Count > 0)
            {
                if (ownEvents.Count > 0 && (messages.Count == 0 || random.Next(2) == 0))
                {
                    buffer.OfferOwn("c", ownEvents[0], released);
                    ownEvents.RemoveAt(0);
                }
                else
                {
                    buffer.Offer(TestMessages.Create("c", messages.Dequeue()), released);
                }
            }

            Assert.Equal(seqs.Where(s => !own.Contains(s)), released.Select(m => m.Seq));
            Assert.Equal(start + count - 1, buffer.GetCursor("c"));
        });
}
