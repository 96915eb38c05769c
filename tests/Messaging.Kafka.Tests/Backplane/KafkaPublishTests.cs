using Messaging.Conformance;
using Messaging.Transports.Kafka;

namespace Messaging.Kafka.Tests.Backplane;

// What a publish hands to librdkafka: a payload that is all of its array goes as that array (librdkafka copies it
// before Produce returns), any other slice as a copy of exactly its bytes.
public sealed class KafkaPublishTests(KafkaFixture kafka) : IAsyncLifetime
{
    private readonly KafkaMessageTransport _transport = new(KafkaFixture.Options(kafka.BootstrapServers));
    private readonly string _node = "node-" + Guid.NewGuid().ToString("N");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_slice_of_a_larger_array_arrives_as_exactly_its_bytes_and_a_reused_array_as_it_was_when_published()
    {
        var inbox = new PayloadRecorder();
        await using var open = await _transport.OpenInboxAsync(_node, inbox.HandleAsync, Token);
        byte[] buffer = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

        await _transport.PublishAsync([_node], buffer.AsMemory(2, 5), Token);
        await _transport.PublishAsync([_node], buffer.AsMemory(0, 9), Token);
        await _transport.PublishAsync([_node], buffer, Token);

        // The caller may reuse its array once the publish completed.
        buffer[0] = 42;
        await _transport.PublishAsync([_node], buffer, Token);

        await inbox.WaitForAsync(4);
        Assert.Equal([3, 4, 5, 6, 7], inbox.Received[0]);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9], inbox.Received[1]);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], inbox.Received[2]);
        Assert.Equal([42, 2, 3, 4, 5, 6, 7, 8, 9, 10], inbox.Received[3]);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}
