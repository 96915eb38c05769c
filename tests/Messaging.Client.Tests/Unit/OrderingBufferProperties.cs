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
}
