namespace Messaging;

/// <summary>
/// This node's inbox on the backplane, opened once at engine start: each payload is decoded and handed to the
/// <see cref="EnvelopeRouter"/> (a batch, envelope by envelope, in order). A payload that does not decode (an unknown
/// version, corrupt bytes) is logged and dropped; the inbox goes on.
/// </summary>
/// <remarks>
/// When the transport keeps positions (<see cref="IPositionedTransport"/>) and the node id is configured (so a restart
/// comes back as the same node), the inbox is opened after the position this node last committed: what was published
/// to it while it was down is read, not lost. The position of the last handled payload is committed every
/// <see cref="MessagingOptions.InboxCommitInterval"/> and once more when the inbox closes, never once per payload (a
/// commit is a round trip to the backplane, Kafka's an offset commit of the node's group). A node that crashed reads
/// again at most what it handled after its last commit; every message in it reaches a connection through its
/// pipeline, whose cursor drops a seq the connection already has, so nothing read twice reaches a client twice.
/// Without a configured node id (generated anew each start) the inbox opens at the end, as nothing could resume it.
/// </remarks>
internal sealed class NodeInbox
{
    // The position of "nothing handled or committed".
    private const long None = -1;

    private readonly EngineContext _context;
    private readonly IMessageTransport _transport;
    private readonly EnvelopeRouter _router;
    private readonly IPositionedTransport? _positions;
    private readonly PeriodicLoop? _commits;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IAsyncDisposable? _open;
    private long _handled = None;

    // Written only by the commit loop and by closing, which stops the loop first.
    private long _committed = None;

    public NodeInbox(EngineContext context, IMessageTransport transport, EnvelopeRouter router)
    {
        _context = context;
        _transport = transport;
        _router = router;
        if (context.NodeIdConfigured && transport is IPositionedTransport positions)
        {
            _positions = positions;
            _commits = new PeriodicLoop("inbox position commit", context.Options.InboxCommitInterval, context.Time, context.Logger, CommitAsync);
        }
    }

    /// <summary>Opens the inbox (no-op when open): after the committed position when the node resumes, else at the end.</summary>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>A task that completes when payloads published from now on are received.</returns>
    /// <exception cref="MessagingBackendException">The backplane refused to open the inbox.</exception>
    public async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _open) is not null)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_open is not null)
            {
                return;
            }

            if (_positions is { } positions)
            {
                var committed = await positions.GetCommittedAsync(_context.NodeId, cancellationToken).ConfigureAwait(false);
                _committed = committed ?? None;
                Volatile.Write(ref _handled, _committed);
                _open = await positions.OpenInboxAfterAsync(_context.NodeId, committed, HandleAtAsync, cancellationToken).ConfigureAwait(false);
                _context.Logger.InboxResumed(_context.NodeId, committed);
                _commits!.Start();
            }
            else
            {
                _open = await _transport.OpenInboxAsync(_context.NodeId, HandleAsync, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not (MessagingException or OperationCanceledException))
        {
            throw new MessagingBackendException("The node's backplane inbox could not be opened.", exception);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the inbox (no-op when closed) and commits the position of the last payload it handled.</summary>
    /// <returns>A task that completes when no payload is handled any more.</returns>
    public async ValueTask CloseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _open, null) is { } open)
            {
                if (_commits is not null)
                {
                    await _commits.StopAsync().ConfigureAwait(false);
                }

                await open.DisposeAsync().ConfigureAwait(false);

                // Nothing is handled any more: a restart resumes exactly after what this node handled.
                await CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            _context.Logger.InboxCloseFailed(_context.NodeId, exception);
        }
        finally
        {
            _gate.Release();
        }
    }

    private ValueTask HandleAtAsync(long position, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        Handle(payload);

        // The handler is called one payload at a time, in position order.
        Volatile.Write(ref _handled, position);
        return ValueTask.CompletedTask;
    }

    private ValueTask HandleAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        Handle(payload);
        return ValueTask.CompletedTask;
    }

    private void Handle(ReadOnlyMemory<byte> payload)
    {
        var routed = new List<NodeEnvelope>(1);
        try
        {
            EnvelopeCodec.DecodePayload(payload.Span, routed);
        }
        catch (InvalidDataException exception)
        {
            _context.Logger.MalformedEnvelope(_context.NodeId, payload.Length, exception);
            return;
        }

        foreach (var envelope in routed)
        {
            _router.Route(envelope);
        }
    }

    // Records the last handled position when it moved; a failure is logged and the next commit records a later one.
    private async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        var handled = Volatile.Read(ref _handled);
        if (_positions is not { } positions || handled <= _committed)
        {
            return;
        }

        try
        {
            await positions.CommitAsync(_context.NodeId, handled, cancellationToken).ConfigureAwait(false);
            _committed = handled;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            _context.Logger.InboxCommitFailed(_context.NodeId, handled, exception);
        }
    }
}
