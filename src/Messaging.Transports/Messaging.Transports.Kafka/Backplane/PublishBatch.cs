using Confluent.Kafka;

namespace Messaging.Transports.Kafka;

/// <summary>
/// One publish in flight: counts the delivery reports of its messages (one per target node), gives its window slots
/// back when the last arrives, and completes with the first failure, if any.
/// </summary>
internal sealed class PublishBatch
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PublishWindow _window;
    private readonly int _slots;
    private int _remaining;
    private Error? _failure;

    public PublishBatch(PublishWindow window, int messages, int slots)
    {
        _window = window;
        _remaining = messages;
        _slots = slots;
        Report = OnReport;
    }

    /// <summary>Completes when every message was acknowledged; faults with the first failure.</summary>
    public Task Completion => _done.Task;

    /// <summary>The delivery handler of each of the batch's messages (runs on librdkafka's delivery thread).</summary>
    public Action<DeliveryReport<Null, byte[]>> Report { get; }

    /// <summary>Counts messages that were never handed to librdkafka as failed.</summary>
    /// <param name="messages">How many.</param>
    /// <param name="error">Why.</param>
    public void NotProduced(int messages, Error error)
    {
        for (var i = 0; i < messages; i++)
        {
            Complete(error);
        }
    }

    private void OnReport(DeliveryReport<Null, byte[]> report)
    {
        _window.Reported();
        Complete(report.Error.IsError ? report.Error : null);
    }

    private void Complete(Error? error)
    {
        if (error is not null)
        {
            Interlocked.CompareExchange(ref _failure, error, null);
        }

        if (Interlocked.Decrement(ref _remaining) != 0)
        {
            return;
        }

        _window.Release(_slots);
        if (Volatile.Read(ref _failure) is { } failure)
        {
            _done.TrySetException(new MessagingBackendException("Publishing to the Kafka backplane failed: " + failure.Reason, new KafkaException(failure)));
        }
        else
        {
            _done.TrySetResult();
        }
    }
}
