namespace Messaging;

/// <summary>
/// The engine side of one live client connection, returned by <see cref="MessagingEngine.ConnectAsync"/>. Everything
/// the engine has for the client is written to the connection's <see cref="IClientConnection"/>; the methods here are
/// the client's requests. Failures are <see cref="MessagingException"/>s whose kind maps to the wire error code.
/// Dispose it when the connection closes.
/// </summary>
public sealed class MessagingSession : IAsyncDisposable
{
    private readonly MessagingEngine _engine;
    private readonly ConnectionPipeline _pipeline;
    private Sender? _sender;
    private int _disposed;

    internal MessagingSession(MessagingEngine engine, ConnectionPipeline pipeline)
    {
        _engine = engine;
        _pipeline = pipeline;
    }

    /// <summary>The authenticated user.</summary>
    public string UserId => _pipeline.UserId;

    /// <summary>The client's device.</summary>
    public string DeviceId => _pipeline.DeviceId;

    /// <summary>The connection's id.</summary>
    public string ConnectionId => _pipeline.ConnectionId;

    /// <summary>
    /// Sends a message: authorises, validates, de-duplicates, sequences and appends it; then writes a
    /// <see cref="StatusEvent"/> (<see cref="ReceiptStatus.Sent"/>) to this connection, copies the message to the
    /// user's other devices and fans it out. A repeated client message id stores nothing and returns the original
    /// message with <see cref="SendResult.Duplicate"/> set (and writes the sent status again). Sends may overlap (the
    /// gateway has several of a connection's in flight): they commit in the order they were called, so of two messages
    /// to one conversation the first called gets the lower seq, unless its commit had to be retried after a store
    /// failure; the calls that follow may complete in any order.
    /// </summary>
    /// <param name="request">The message.</param>
    /// <param name="cancellationToken">Cancels the send before it is sequenced (after that it completes regardless).</param>
    /// <returns>The committed message.</returns>
    public ValueTask<SendResult> SendAsync(SendMessageRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _engine.Sending.SendAsync(_sender ?? CreateSender(), request, cancellationToken);
    }

    /// <summary>
    /// Acknowledges messages by id as delivered or read on this device. Unknown ids and ids of conversations the user
    /// is not a member of fail the whole ack with <see cref="MessagingNotFoundException"/> before any mark moves.
    /// Marks never move backwards, so repeated or reordered acks are harmless.
    /// </summary>
    /// <param name="messageIds">The messages (at most 1,000).</param>
    /// <param name="status"><see cref="ReceiptStatus.Delivered"/> or <see cref="ReceiptStatus.Read"/> (read implies delivered).</param>
    /// <param name="cancellationToken">Cancels the ack.</param>
    /// <returns>A task that completes when the marks moved.</returns>
    public ValueTask AckAsync(IReadOnlyList<string> messageIds, ReceiptStatus status, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _engine.Receipts.AckAsync(UserId, DeviceId, messageIds, status, cancellationToken);
    }

    /// <summary>Acknowledges every message of a conversation up to a seq (clamped to the conversation's last seq).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="upToSeq">The seq.</param>
    /// <param name="status"><see cref="ReceiptStatus.Delivered"/> or <see cref="ReceiptStatus.Read"/>.</param>
    /// <param name="cancellationToken">Cancels the ack.</param>
    /// <returns>A task that completes when the marks moved.</returns>
    public ValueTask AckUpToAsync(string conversationId, long upToSeq, ReceiptStatus status, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _engine.Receipts.AckUpToAsync(UserId, DeviceId, conversationId, upToSeq, status, cancellationToken);
    }

    /// <summary>
    /// Streams every message the client is missing — after the given cursors, or after the device's stored delivered
    /// marks when <paramref name="cursors"/> is <see langword="null"/> (conversations not in the dictionary use the
    /// stored marks too; conversations the user is not a member of are ignored) — then writes a
    /// <see cref="SyncCompleteEvent"/>. Live delivery continues without duplicates or reordering.
    /// </summary>
    /// <param name="cursors">The highest seq the client has per conversation, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels waiting for the sync (the sync itself goes on).</param>
    /// <returns>A task that completes when the sync-complete event was written.</returns>
    public async ValueTask SyncAsync(IReadOnlyDictionary<string, long>? cursors, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (cursors is not null && cursors.Count > EngineLimits.MaxConversationsPerUser)
        {
            throw Validation.BadRequest($"A sync may carry at most {EngineLimits.MaxConversationsPerUser} cursors.");
        }

        await _pipeline.SyncAsync(cursors).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the conversation's other members that the user started or stopped typing (throttled, never stored).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="isTyping">Started or stopped.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when forwarded (or throttled).</returns>
    public ValueTask SetTypingAsync(string conversationId, bool isTyping, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _engine.Typing.SetTypingAsync(UserId, conversationId, isTyping, cancellationToken);
    }

    /// <summary>Watches users' presence: writes each one's current presence now, then every change (privacy applied).</summary>
    /// <param name="userIds">The users (at most 1,000 per connection).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when subscribed.</returns>
    public async ValueTask SubscribePresenceAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(userIds);
        foreach (var userId in userIds)
        {
            Validation.RequireUserId(userId, "Every user id");
        }

        cancellationToken.ThrowIfCancellationRequested();
        await _engine.Watchers.WatchAsync(_pipeline, userIds).ConfigureAwait(false);
        foreach (var userId in userIds.Distinct(StringComparer.Ordinal))
        {
            _pipeline.EnqueuePresenceSnapshot(userId);
        }
    }

    /// <summary>Keeps this device online for another <see cref="MessagingOptions.PresenceTtl"/>.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when recorded.</returns>
    public ValueTask HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _engine.Presence.TouchAsync(UserId, DeviceId, cancellationToken);
    }

    /// <summary>Disconnects: stops delivery, unregisters the connection, starts the presence grace period, unsubscribes.</summary>
    /// <returns>A task that completes when detached.</returns>
    public ValueTask DisposeAsync()
        => Interlocked.Exchange(ref _disposed, 1) == 0 ? _engine.DisconnectAsync(_pipeline) : ValueTask.CompletedTask;

    // Made with the first send (a connection that never sends holds none); one per session even when sends race,
    // since its turns order them.
    private Sender CreateSender()
    {
        Interlocked.CompareExchange(ref _sender, new Sender(UserId, DeviceId, _pipeline), null);
        return _sender;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
