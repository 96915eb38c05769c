namespace Messaging.Conformance;

/// <summary>
/// A message store that forwards every call to another one but never offers <see cref="IAtomicSequencingStore"/>, so an
/// engine on it takes the composite path a store of truth such as Cassandra takes: <see cref="ISequencer"/>, then an
/// <see cref="IDeduplicationStore"/> claim, then an append at the seq. Lets the engine suites run that path on an
/// adapter whose store also has the atomic fast path.
/// </summary>
/// <param name="inner">The real store.</param>
public sealed class CompositePathMessageStore(IMessageStore inner) : IMessageStore
{
    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default) => inner.AppendAsync(message, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
        => inner.ReadAfterAsync(conversationId, afterSeq, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
        => inner.ReadBeforeAsync(conversationId, beforeSeq, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default) => inner.GetAsync(conversationId, seq, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default) => inner.GetLastSeqAsync(conversationId, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default) => inner.GetHistoryStartAsync(conversationId, cancellationToken);
}
