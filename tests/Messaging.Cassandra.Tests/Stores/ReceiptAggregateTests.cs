using Messaging.Stores.Cassandra;

namespace Messaging.Cassandra.Tests.Stores;

// A user's marks are the maximum over the user's device rows, each with the earliest time a device reached it.
public sealed class ReceiptAggregateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_aggregate_takes_each_highest_mark_with_its_time()
    {
        var phone = new Watermark(10, 4, T0.AddSeconds(1), T0.AddSeconds(2));
        var laptop = new Watermark(7, 6, T0.AddSeconds(3), T0.AddSeconds(4));

        Assert.Equal(new Watermark(10, 6, T0.AddSeconds(1), T0.AddSeconds(4)), CassandraReceiptStore.Combine(phone, laptop));
        Assert.Equal(CassandraReceiptStore.Combine(phone, laptop), CassandraReceiptStore.Combine(laptop, phone));
    }

    [Fact]
    public void Of_equal_marks_the_earlier_time_is_kept()
    {
        var first = new Watermark(5, 5, T0, T0);
        var later = new Watermark(5, 5, T0.AddMinutes(1), T0.AddMinutes(1));

        Assert.Equal(first, CassandraReceiptStore.Combine(later, first));
        Assert.Equal(first, CassandraReceiptStore.Combine(Watermark.None, first));
        Assert.Equal(Watermark.None, CassandraReceiptStore.Combine(Watermark.None, Watermark.None));
    }
}
