using System.Text;

namespace Messaging.ScaleOut.Tests.Infrastructure;

/// <summary>
/// A gateway's backplane that loses payloads on the way into its inbox, as Redis pub/sub may (at-most-once): while
/// <see cref="DropConversation"/> names a conversation, payloads that mention it (its messages, in the engine's binary
/// envelope, which carries ids as UTF-8) never reach the node.
/// </summary>
internal sealed class DroppingTransport(IMessageTransport inner) : IMessageTransport, IAsyncDisposable
{
    private int _dropped;

    /// <summary>The conversation whose payloads are lost, or <see langword="null"/> to lose nothing.</summary>
    public string? DropConversation { get; set; }

    /// <summary>How many payloads were lost so far.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        => inner.PublishAsync(nodeIds, payload, cancellationToken);

    public ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
        => inner.OpenInboxAsync(nodeId, (payload, token) =>
        {
            if (DropConversation is { } conversation && payload.Span.IndexOf(Encoding.UTF8.GetBytes(conversation)) >= 0)
            {
                Interlocked.Increment(ref _dropped);
                return ValueTask.CompletedTask;
            }

            return handler(payload, token);
        }, cancellationToken);

    public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
}
