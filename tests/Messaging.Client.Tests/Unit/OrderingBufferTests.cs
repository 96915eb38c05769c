using Messaging.Client.Delivery;
using Messaging.Protocol;

namespace Messaging.Client.Tests.Unit;

public sealed class OrderingBufferTests
{
    [Fact]
    public void Unknown_conversation_starts_after_its_first_message()
    {
        var buffer = new OrderingBuffer();
        var released = new List<MessageData>();

        Assert.Equal(OfferOutcome.Released, buffer.Offer(TestMessages.Create("c", 41), released));
        Assert.Equal(OfferOutcome.Duplicate, buffer.Offer(TestMessages.Create("c", 41), released));
        Assert.Equal(OfferOutcome.Held, buffer.Offer(TestMessages.Create("c", 43), released));

        Assert.Equal([41L], released.Select(m => m.Seq));
        Assert.Equal(new SequenceGap("c", 41, 42), buffer.FindGap("c"));
    }

    [Fact]
    public void An_own_message_coming_back_first_in_an_unknown_conversation_does_not_hold_the_ones_after_it()
    {
        // The client's own seq 1 is known from its status before the conversation is; then the server sends it back as
        // a message (a catch-up of the conversation) ahead of everybody else's.
        var buffer = new OrderingBuffer();
        var released = new List<MessageData>();

        Assert.Equal(OfferOutcome.Pending, buffer.OfferOwn("c", 1, released));
        Assert.Equal(OfferOutcome.Duplicate, buffer.Offer(TestMessages.Create("c", 1), released));
        Assert.Equal(OfferOutcome.Released, buffer.Offer(TestMessages.Create("c", 2), released));

        Assert.Equal([2L], released.Select(m => m.Seq));
        Assert.Equal(2, buffer.GetCursor("c"));
        Assert.Equal(0, buffer.HeldCount);
    }

    [Fact]
    public void Initial_cursors_make_earlier_messages_duplicates()
    {
        var buffer = new OrderingBuffer(new Dictionary<string, long> { ["c"] = 10 });
        var released = new List<MessageData>();

        Assert.Equal(OfferOutcome.Duplicate, buffer.Offer(TestMessages.Create("c", 9), released));
        Assert.Equal(OfferOutcome.Duplicate, buffer.Offer(TestMessages.Create("c", 10), released));
        Assert.Equal(OfferOutcome.Released, buffer.Offer(TestMessages.Create("c", 11), released));
        Assert.Equal(11, buffer.GetCursor("c"));
    }

    [Fact]
    public void High_water_mark_above_the_cursor_is_a_gap_and_below_it_is_not()
    {
        var buffer = new OrderingBuffer(new Dictionary<string, long> { ["c"] = 5 });

        buffer.ObserveHighWater("c", 3);
        Assert.Null(buffer.FindGap("c"));

        buffer.ObserveHighWater("c", 8);
        Assert.Equal(new SequenceGap("c", 5, 8), buffer.FindGap("c"));
    }

    [Fact]
    public void High_water_mark_of_an_unknown_conversation_sets_its_cursor()
    {
        var buffer = new OrderingBuffer();
        var released = new List<MessageData>();

        buffer.ObserveHighWater("c", 7);

        Assert.Null(buffer.FindGap("c"));
        Assert.Equal(OfferOutcome.Duplicate, buffer.Offer(TestMessages.Create("c", 7), released));
        Assert.Equal(OfferOutcome.Held, buffer.Offer(TestMessages.Create("c", 9), released));
        Assert.Equal(new SequenceGap("c", 7, 8), buffer.FindGap("c"));
    }

    [Fact]
    public void Skipping_releases_held_messages_below_and_after_the_skipped_seqs()
    {
        var buffer = new OrderingBuffer(new Dictionary<string, long> { ["c"] = 0 });
        var released = new List<MessageData>();
        buffer.Offer(TestMessages.Create("c", 3), released);
        buffer.Offer(TestMessages.Create("c", 5), released);

        buffer.SkipTo("c", 4, released);

        Assert.Equal([3L, 5L], released.Select(m => m.Seq));
        Assert.Equal(5, buffer.GetCursor("c"));
        Assert.Null(buffer.FindGap("c"));
    }

    [Fact]
    public void Snapshot_holds_the_highest_contiguous_seq_per_conversation()
    {
        var buffer = new OrderingBuffer(new Dictionary<string, long> { ["a"] = 0 });
        var released = new List<MessageData>();
        buffer.Offer(TestMessages.Create("a", 1), released);
        buffer.Offer(TestMessages.Create("a", 3), released);
        buffer.Offer(TestMessages.Create("b", 20), released);

        var cursors = buffer.SnapshotCursors();

        Assert.Equal(1, cursors["a"]);
        Assert.Equal(20, cursors["b"]);
    }
}
