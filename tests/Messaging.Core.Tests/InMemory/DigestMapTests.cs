using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Messaging.Tests.InMemory;

// DigestMap is an open-addressing table with linear probing and backward-shift removal: checked against a Dictionary
// on keys made to collide (one stripe, few home slots, runs that wrap around the end of the table).
public sealed class DigestMapTests
{
    private enum Operation
    {
        Set,
        Add,
        Remove,
        Find,
    }

    [Fact]
    public void Every_sequence_of_changes_reads_like_a_dictionary_on_colliding_keys()
    {
        // One stripe (same top bits of the high lane); low lanes 0..47 land on few home slots of a 16- to 128-slot
        // table, and multiples of 16 all start at slot 0, so runs are long, overlap and wrap.
        var keys = Gen.Choose(0, 47).Select(low => new KeyDigest(0xAB00_0000_0000_0001UL | ((ulong)low << 8), (ulong)(low % 3 == 0 ? low * 16 : low)));
        var operations = from operation in Gen.Elements(Enum.GetValues<Operation>())
                         from key in keys
                         from value in Gen.Choose(1, 1000)
                         select (operation, key, value);

        Prop.ForAll(Gen.ListOf(operations).ToArbitrary(), steps =>
        {
            var map = new DigestMap<long>();
            var model = new Dictionary<KeyDigest, long>();
            foreach (var (operation, key, value) in steps)
            {
                switch (operation)
                {
                    case Operation.Set:
                        map.Set(key, value);
                        model[key] = value;
                        break;
                    case Operation.Add:
                        using (var stripe = map.Enter(key))
                        {
                            ref var slot = ref stripe.GetValueRefOrAddDefault(key, out var exists);
                            Assert.Equal(model.ContainsKey(key), exists);
                            Assert.Equal(model.GetValueOrDefault(key), slot);
                            slot += value;
                            model[key] = slot;
                        }

                        break;
                    case Operation.Remove:
                        using (var stripe = map.Enter(key))
                        {
                            Assert.Equal(model.Remove(key), stripe.Remove(key));
                        }

                        break;
                    case Operation.Find:
                        Assert.Equal(model.TryGetValue(key, out var expected), map.TryGetValue(key, out var found));
                        Assert.Equal(expected, found);
                        break;
                }

                Assert.Equal(model.Count, map.Count);
            }

            // Every key still there is found, and every key removed is gone.
            for (var low = 0; low < 48; low++)
            {
                var key = new KeyDigest(0xAB00_0000_0000_0001UL | ((ulong)low << 8), (ulong)(low % 3 == 0 ? low * 16 : low));
                Assert.Equal(model.TryGetValue(key, out var expected), map.TryGetValue(key, out var found));
                Assert.Equal(expected, found);
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_map_grown_to_a_hundred_thousand_digests_finds_each_and_forgets_the_removed_half()
    {
        var map = new DigestMap<long>();
        var digests = Enumerable.Range(0, 100_000).Select(i => KeyDigest.Of($"m{i}")).ToArray();
        for (var i = 0; i < digests.Length; i++)
        {
            map.Set(digests[i], i);
        }

        for (var i = 0; i < digests.Length; i += 2)
        {
            using var stripe = map.Enter(digests[i]);
            Assert.True(stripe.Remove(digests[i]));
        }

        Assert.Equal(50_000, map.Count);
        for (var i = 0; i < digests.Length; i++)
        {
            Assert.Equal(i % 2 == 1, map.TryGetValue(digests[i], out var value));
            Assert.Equal(i % 2 == 1 ? i : 0, value);
        }
    }

    [Fact]
    public void No_digest_is_all_zeros_which_marks_an_empty_slot()
    {
        Assert.All(Enumerable.Range(0, 10_000), i => Assert.NotEqual(0UL, KeyDigest.Of($"k{i}").High & 1));
        Assert.NotEqual(0UL, KeyDigest.Of(string.Empty).High & 1);
        Assert.NotEqual(0UL, KeyDigest.Of(string.Empty, string.Empty, string.Empty).High & 1);
    }

    [Fact]
    public void A_message_log_keeps_seqs_added_out_of_order_in_seq_order()
    {
        var log = new MessageLog("c1");
        long[] order = [5, 1, 9, 3, 7, 2, 10, 4, 8, 6];
        foreach (var seq in order)
        {
            log.Add(new Message { ConversationId = "c1", Seq = seq, MessageId = $"m{seq}", SenderId = "alice", ClientMsgId = $"k{seq}", Content = $"#{seq}", Timestamp = DateTimeOffset.UnixEpoch });
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(seq => $"#{seq}"), Enumerable.Range(0, log.Count).Select(i => log.At(i).Content));
        Assert.Equal(10, log.LastSeq);
        Assert.Equal("#7", log.Get(7)!.Content);
        Assert.Null(log.Get(11));
        Assert.Equal(4, log.FirstIndexAbove(4));
        Assert.Equal(0, log.FirstIndexAbove(0));
        Assert.Equal(10, log.FirstIndexAbove(10));
    }
}
