namespace Messaging;

/// <summary>
/// This node's inbox on the backplane, opened once at engine start: each payload is decoded and handed to the
/// <see cref="EnvelopeRouter"/> (a batch, envelope by envelope, in order). A payload that does not decode (an unknown version, corrupt bytes) is logged and
/// dropped; the inbox goes on.
/// </summary>
internal sealed class NodeInbox(EngineContext context, IMessageTransport transport, EnvelopeRouter router)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IAsyncDisposable? _open;

    /// <summary>Opens the inbox (no-op when open).</summary>
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
            if (_open is null)
            {
                _open = await transport.OpenInboxAsync(context.NodeId, HandleAsync, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Closes the inbox (no-op when closed).</summary>
    /// <returns>A task that completes when no payload is handled any more.</returns>
    public async ValueTask CloseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _open, null) is { } open)
            {
                await open.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            context.Logger.InboxCloseFailed(context.NodeId, exception);
        }
        finally
        {
            _gate.Release();
        }
    }

    private ValueTask HandleAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var routed = new List<NodeEnvelope>(1);
        try
        {
            EnvelopeCodec.DecodePayload(payload.Span, routed);
        }
        catch (InvalidDataException exception)
        {
            context.Logger.MalformedEnvelope(context.NodeId, payload.Length, exception);
            return ValueTask.CompletedTask;
        }

        foreach (var envelope in routed)
        {
            router.Route(envelope);
        }

        return ValueTask.CompletedTask;
    }
}
