namespace Messaging.ScaleOut.Tests.Infrastructure;

/// <summary>
/// A gateway's backplane that loses envelopes on the way in, as Redis pub/sub may (at-most-once): while
/// <see cref="DropConversation"/> names a conversation, its message envelopes never reach the subscriber.
/// </summary>
internal sealed class DroppingTransport(IMessageTransport inner) : IMessageTransport, IAsyncDisposable
{
    private int _dropped;

    /// <summary>The conversation whose messages are lost, or <see langword="null"/> to lose nothing.</summary>
    public string? DropConversation { get; set; }

    /// <summary>How many message envelopes were lost so far.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public ValueTask PublishAsync(IReadOnlyList<TransportChannel> channels, Envelope envelope, CancellationToken cancellationToken = default)
        => inner.PublishAsync(channels, envelope, cancellationToken);

    public ValueTask<IAsyncDisposable> SubscribeAsync(TransportChannel channel, EnvelopeHandler handler, CancellationToken cancellationToken = default)
        => inner.SubscribeAsync(channel, (envelope, token) =>
        {
            if (envelope is MessageEnvelope message && message.Message.ConversationId == DropConversation)
            {
                Interlocked.Increment(ref _dropped);
                return ValueTask.CompletedTask;
            }

            return handler(envelope, token);
        }, cancellationToken);

    public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
}
