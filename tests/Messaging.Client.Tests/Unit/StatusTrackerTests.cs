using Messaging.Client.Delivery;
using Messaging.Protocol;

namespace Messaging.Client.Tests.Unit;

public sealed class StatusTrackerTests
{
    [Fact]
    public void Each_status_is_news_once_and_never_goes_backwards()
    {
        var tracker = new StatusTracker(capacity: 10);

        Assert.True(tracker.TryAdvance("m1", DeliveryStatus.Sent));
        Assert.False(tracker.TryAdvance("m1", DeliveryStatus.Sent));
        Assert.True(tracker.TryAdvance("m1", DeliveryStatus.Read));
        Assert.False(tracker.TryAdvance("m1", DeliveryStatus.Delivered));
        Assert.True(tracker.TryAdvance("m2", DeliveryStatus.Delivered));
    }

    [Fact]
    public void Oldest_messages_are_forgotten_beyond_the_capacity()
    {
        var tracker = new StatusTracker(capacity: 2);
        tracker.TryAdvance("m1", DeliveryStatus.Read);
        tracker.TryAdvance("m2", DeliveryStatus.Read);
        tracker.TryAdvance("m3", DeliveryStatus.Read);

        Assert.True(tracker.TryAdvance("m1", DeliveryStatus.Sent));
        Assert.False(tracker.TryAdvance("m3", DeliveryStatus.Sent));
    }
}
