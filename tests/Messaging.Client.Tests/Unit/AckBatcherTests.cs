using Messaging.Client.Delivery;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Client.Tests.Unit;

public sealed class AckBatcherTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<string[]> _frames = [];
    private readonly AckBatcher _batcher;
    private bool _connected = true;

    public AckBatcherTests()
    {
        _batcher = new AckBatcher(_time, TimeSpan.FromMilliseconds(100), maxBatch: 3, (ids, _) =>
        {
            if (_connected)
            {
                _frames.Add([.. ids]);
            }

            return ValueTask.FromResult(_connected);
        }, NullLogger.Instance);
    }

    [Fact]
    public void Ids_are_acknowledged_together_after_the_delay()
    {
        _batcher.Add("m1");
        _batcher.Add("m2");
        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Empty(_frames);

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([["m1", "m2"]], _frames);
        Assert.Equal(0, _batcher.PendingCount);
    }

    [Fact]
    public void A_full_batch_is_acknowledged_at_once()
    {
        _batcher.Add("m1");
        _batcher.Add("m2");
        _batcher.Add("m3");
        _batcher.Add("m4");

        Assert.Equal([["m1", "m2", "m3"]], _frames);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal([["m1", "m2", "m3"], ["m4"]], _frames);
    }

    [Fact]
    public async Task Ids_that_could_not_be_written_are_kept_in_order_for_the_next_flush()
    {
        _connected = false;
        _batcher.Add("m1");
        _batcher.Add("m2");
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, _batcher.PendingCount);

        _connected = true;
        _batcher.Add("m3");
        await _batcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal([["m1", "m2", "m3"]], _frames);
        Assert.Equal(0, _batcher.PendingCount);
    }

    public void Dispose() => _batcher.Dispose();
}
