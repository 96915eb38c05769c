using Messaging.Client.Diagnostics;
using Messaging.Protocol;

namespace Messaging.Client;

/// <content>Outgoing traffic: messages through the outbox, read receipts, typing and presence subscriptions.</content>
public sealed partial class MessagingClient
{
    private static readonly TimeSpan OutboxRetryDelay = TimeSpan.FromSeconds(1);

    // Keeps the outbox's send order: one flush at a time writes the entries not yet written on the current connection.
    private readonly SemaphoreSlim _outboxFlush = new(1, 1);
    private readonly HashSet<string> _presenceSubscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unsentReadMarks = new(StringComparer.Ordinal);
    private int _outboxRetryScheduled;

    /// <summary>
    /// Sends a message. It gets a new <c>client_msg_id</c> and stays in the outbox, re-sent with that same id after
    /// every reconnect, until the server stores it (the <c>sent</c> status) or rejects it. A message sent while
    /// disconnected waits in the outbox for the connection.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="content">The text.</param>
    /// <param name="mediaId">An uploaded media id, if any.</param>
    /// <param name="cancellationToken">
    /// Stops waiting and removes the message from the outbox; if it was already written, the server may still store it.
    /// </param>
    /// <returns>The stored message's id and seq.</returns>
    /// <exception cref="MessagingClientException">
    /// The server rejected the message (<see cref="MessagingClientException.Code"/> is the server's error code), or the
    /// outbox is full (<see cref="ClientErrorCodes.OutboxFull"/>). A <c>rate_limited</c> refusal is not final: the
    /// message stays in the outbox and is written again a second later (so under the server's rate limit a message may
    /// be stored after one sent later).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The client was disposed before the server answered.</exception>
    public async Task<SentMessage> SendAsync(string conversationId, string content, string? mediaId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentNullException.ThrowIfNull(content);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var entry = _outbox.Add(new SendMessageFrame(conversationId, content, Guid.NewGuid().ToString(), mediaId));
        try
        {
            await _typingOut.StopAsync(conversationId, cancellationToken).ConfigureAwait(false);
            await FlushOutboxAsync(cancellationToken).ConfigureAwait(false);
            return await entry.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _outbox.Remove(entry);
            throw;
        }
    }

    /// <summary>
    /// Marks every message up to <paramref name="upToSeq"/> in a conversation as read (an <c>ack</c> with
    /// <c>up_to_seq</c>). While disconnected, the highest mark per conversation is kept and sent after reconnecting.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="upToSeq">The highest read seq.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the receipt is written or queued.</returns>
    public async ValueTask MarkReadAsync(string conversationId, long upToSeq, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(upToSeq);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_stateGate)
        {
            if (!_unsentReadMarks.TryGetValue(conversationId, out var known) || known < upToSeq)
            {
                _unsentReadMarks[conversationId] = upToSeq;
            }
        }

        await FlushReadMarksAsync(Volatile.Read(ref _connection), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Tells the conversation's other members that the user is typing. Call it on every keystroke: at most one
    /// <c>is_typing=true</c> is sent per <see cref="MessagingClientOptions.TypingDebounce"/>, and <c>is_typing=false</c>
    /// follows automatically after <see cref="MessagingClientOptions.TypingIdleTimeout"/> without a call, or at once when
    /// a message is sent to the conversation.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the frame, if one was due, is written.</returns>
    public ValueTask NotifyTypingAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _typingOut.NotifyAsync(conversationId, cancellationToken);
    }

    /// <summary>
    /// Subscribes to users' presence: the server pushes their current presence at once and every change after it,
    /// raised as <see cref="PresenceChanged"/>. Subscriptions are renewed after every reconnect.
    /// </summary>
    /// <param name="userIds">The users to watch.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the subscription is written (or kept for the next connection).</returns>
    public async ValueTask SubscribePresenceAsync(IEnumerable<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var users = userIds.Distinct(StringComparer.Ordinal).ToArray();
        foreach (var user in users)
        {
            ArgumentException.ThrowIfNullOrEmpty(user, nameof(userIds));
        }

        lock (_stateGate)
        {
            _presenceSubscriptions.UnionWith(users);
        }

        if (users.Length > 0 && Volatile.Read(ref _connection) is { } connection)
        {
            await connection.TrySendAsync(new PresenceSubscribeFrame(users), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FlushOutboxAsync(CancellationToken cancellationToken)
    {
        await _outboxFlush.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _connection) is not { } connection)
            {
                return;
            }

            foreach (var entry in _outbox.Snapshot())
            {
                if ((entry.SentOnGeneration == connection.Generation && !entry.ResendRequested) || entry.Completion.Task.IsCompleted)
                {
                    continue;
                }

                entry.ResendRequested = false;

                // A failed write leaves the rest for the next connection, which flushes everything again in order.
                if (!await connection.TrySendAsync(entry.Frame, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                entry.SentOnGeneration = connection.Generation;
                _logger.MessageWritten(entry.Frame.ClientMsgId, connection.Generation);
            }
        }
        finally
        {
            _outboxFlush.Release();
        }
    }

    // The server refused a message for now (rate limit): write it again after a pause instead of failing the send.
    private void ScheduleOutboxRetry()
    {
        if (Interlocked.Exchange(ref _outboxRetryScheduled, 1) == 0)
        {
            _ = RetryOutboxAsync();
        }
    }

    private async Task RetryOutboxAsync()
    {
        var token = _disposing.Token;
        try
        {
            await Task.Delay(OutboxRetryDelay, _time, token).ConfigureAwait(false);
            Volatile.Write(ref _outboxRetryScheduled, 0);
            await FlushOutboxAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            _logger.OutboxRetryCancelled();
        }
    }

    private async ValueTask FlushReadMarksAsync(Connection.ServerConnection? connection, CancellationToken cancellationToken)
    {
        if (connection is null)
        {
            return;
        }

        KeyValuePair<string, long>[] marks;
        lock (_stateGate)
        {
            marks = [.. _unsentReadMarks];
        }

        foreach (var (conversationId, upToSeq) in marks)
        {
            if (!await connection.TrySendAsync(new AckUpToFrame(conversationId, upToSeq, DeliveryStatus.Read), cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            lock (_stateGate)
            {
                if (_unsentReadMarks.TryGetValue(conversationId, out var current) && current == upToSeq)
                {
                    _unsentReadMarks.Remove(conversationId);
                }
            }
        }
    }

    private async ValueTask<bool> SendDeliveredAckAsync(IReadOnlyList<string> messageIds, CancellationToken cancellationToken) =>
        Volatile.Read(ref _connection) is { } connection
        && await connection.TrySendAsync(new AckMessagesFrame(messageIds, DeliveryStatus.Delivered), cancellationToken).ConfigureAwait(false);

    private async ValueTask SendTypingAsync(string conversationId, bool isTyping, CancellationToken cancellationToken)
    {
        // Typing is ephemeral: without a connection there is nobody to tell, and nothing to repeat later.
        if (Volatile.Read(ref _connection) is { } connection)
        {
            await connection.TrySendAsync(new TypingFrame(conversationId, isTyping), cancellationToken).ConfigureAwait(false);
        }
    }
}
