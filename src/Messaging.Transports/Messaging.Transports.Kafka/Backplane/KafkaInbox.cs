using System.Threading.Channels;
using Confluent.Kafka;

namespace Messaging.Transports.Kafka;

/// <summary>
/// One open inbox: a consumer assigned to partition 0 of the node's topic at a start offset, read on its own thread
/// (librdkafka's consume call blocks), and a loop that calls the handler one payload at a time.
/// </summary>
/// <remarks>
/// The consumer thread takes a slot of the inbox's queue before each fetch, so when the handler falls
/// <see cref="KafkaTransportOptions.InboxQueueCapacity"/> payloads behind, fetching pauses (the payloads wait in Kafka;
/// nothing is dropped). A handler that throws is logged and the next payload follows. Once
/// <see cref="DisposeAsync"/> completes the handler is not called again and the consumer is closed.
/// </remarks>
internal sealed class KafkaInbox : IAsyncDisposable
{
    // Set while the handler runs, so that a handler disposing its own inbox does not wait for itself.
    private static readonly AsyncLocal<KafkaInbox?> Current = new();

    private readonly KafkaMessageTransport _owner;
    private readonly IConsumer<Ignore, byte[]> _consumer;
    private readonly PositionedInboxHandler _handler;
    private readonly SemaphoreSlim _space;
    private readonly Channel<(long Position, byte[] Payload)> _queue = Channel.CreateUnbounded<(long, byte[])>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _consumerClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _handling = Task.CompletedTask;
    private int _disposed;

    public KafkaInbox(KafkaMessageTransport owner, string nodeId, IConsumer<Ignore, byte[]> consumer, PositionedInboxHandler handler, int capacity)
    {
        _owner = owner;
        NodeId = nodeId;
        _consumer = consumer;
        _handler = handler;
        _space = new SemaphoreSlim(capacity, capacity);
    }

    public string NodeId { get; }

    /// <summary>Starts reading partition 0 of <paramref name="topic"/> at <paramref name="offset"/>.</summary>
    public void Start(string topic, Offset offset)
    {
        _consumer.Assign(new TopicPartitionOffset(topic, KafkaNames.InboxPartition, offset));
        _handling = HandleAsync();
        var thread = new Thread(Consume) { IsBackground = true, Name = "Kafka inbox " + NodeId };
        thread.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _consumerClosed.Task.ConfigureAwait(false);
        if (Current.Value != this)
        {
            await _handling.ConfigureAwait(false);
        }

        _owner.Remove(this);
    }

    private void Consume()
    {
        var token = _stopping.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                // Blocking waits on this thread are its purpose: it exists because librdkafka's consume call blocks.
                _space.Wait(token);
                ConsumeResult<Ignore, byte[]>? result;
                try
                {
                    result = _consumer.Consume(token);
                }
                catch (ConsumeException exception)
                {
                    _space.Release();
                    _owner.LogConsumeFailed(NodeId, exception);
                    continue;
                }

                if (result is null || result.IsPartitionEOF)
                {
                    _space.Release();
                    continue;
                }

                // We never publish a null value: an empty payload may come back as one.
                _queue.Writer.TryWrite((result.Offset.Value, result.Message.Value ?? []));
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (Exception exception)
        {
            // A fatal client error: nothing more can be read with this consumer.
            _owner.LogInboxStopped(NodeId, exception);
        }
        finally
        {
            _queue.Writer.TryComplete();
            Close();
        }
    }

    private void Close()
    {
        try
        {
            _consumer.Close();
        }
        catch (KafkaException exception)
        {
            _owner.LogConsumeFailed(NodeId, exception);
        }
        finally
        {
            _consumer.Dispose();
            _consumerClosed.TrySetResult();
        }
    }

    private async Task HandleAsync()
    {
        await Task.Yield();
        Current.Value = this;
        var token = _stopping.Token;
        try
        {
            await foreach (var (position, payload) in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                try
                {
                    await _handler(position, payload, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception)
                {
                    _owner.LogHandlerFailed(NodeId, exception);
                }
                finally
                {
                    _space.Release();
                }

                if (token.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
    }
}
