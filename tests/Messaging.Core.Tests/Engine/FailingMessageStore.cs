using System.Collections.Concurrent;

namespace Messaging.Tests.Engine;

/// <summary>
/// An <see cref="IMessageStore"/> decorator over the in-memory store whose appends fail while <see cref="FailAppend"/>
/// says so.
/// </summary>
internal sealed class FailingMessageStore : IMessageStore
{
    private readonly InMemoryMessageStore _inner = new();
    private readonly ConcurrentDictionary<long, int> _attemptsBySeq = new();

    /// <summary>Decides whether an append of a message fails; receives the message and how many times its seq was tried before.</summary>
    public Func<Message, int, bool> FailAppend { get; set; } = static (_, _) => false;

    /// <summary>How many appends were tried for a seq (tombstones included).</summary>
    public int AttemptsFor(long seq) => _attemptsBySeq.GetValueOrDefault(seq);

    /// <summary>Stores a message behind the engine's back (another writer, or a sequencer that lost state).</summary>
    public ValueTask<AppendResult> AppendDirectlyAsync(Message message) => _inner.AppendAsync(message);

    public ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default)
    {
        var before = _attemptsBySeq.AddOrUpdate(message.Seq, 1, static (_, n) => n + 1) - 1;
        if (FailAppend(message, before))
        {
            throw new IOException($"Injected append failure for seq {message.Seq}.");
        }

        return _inner.AppendAsync(message, cancellationToken);
    }

    public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
        => _inner.ReadAfterAsync(conversationId, afterSeq, limit, cancellationToken);

    public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
        => _inner.ReadBeforeAsync(conversationId, beforeSeq, limit, cancellationToken);

    public ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
        => _inner.GetAsync(conversationId, seq, cancellationToken);

    public ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default)
        => _inner.GetLastSeqAsync(conversationId, cancellationToken);

    public ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default)
        => _inner.GetHistoryStartAsync(conversationId, cancellationToken);
}
