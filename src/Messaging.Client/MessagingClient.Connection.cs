using Messaging.Client.Connection;
using Messaging.Client.Diagnostics;
using Messaging.Protocol;

namespace Messaging.Client;

/// <content>The connection's life: opening, resynchronising after (re)connects, and reconnecting with back-off.</content>
public sealed partial class MessagingClient
{
    private async Task<ServerConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var token = _options.AccessTokenProvider is { } provider ? await provider(cancellationToken).ConfigureAwait(false) : null;
        var generation = Interlocked.Increment(ref _generation);
        var connection = await ServerConnection.OpenAsync(_options, _baseUri, token, generation, _logger, cancellationToken).ConfigureAwait(false);
        connection.Start(OnFrame);
        _logger.Connected(_options.DeviceId, generation);
        return connection;
    }

    // Makes a freshly opened connection the current one.
    private void Activate(ServerConnection connection)
    {
        Volatile.Write(ref _connection, connection);
        SetState(ConnectionState.Connected, error: null);
    }

    /// <summary>
    /// Runs after every successful (re)connect. The server has already started catch-up from the device's stored
    /// marks; the client adds what only it knows: presence subscriptions, a <c>sync</c> from its own cursors (so
    /// nothing acknowledged-but-unprocessed is missed), unsent read marks, unacknowledged messages and queued acks.
    /// </summary>
    private async Task ResynchronizeAsync(ServerConnection connection, int attempts, CancellationToken cancellationToken)
    {
        try
        {
            string[] subscriptions;
            lock (_stateGate)
            {
                subscriptions = [.. _presenceSubscriptions];
            }

            if (subscriptions.Length > 0)
            {
                await connection.TrySendAsync(new PresenceSubscribeFrame(subscriptions), cancellationToken).ConfigureAwait(false);
            }

            var cursors = GetCursors();
            if (cursors.Count > 0)
            {
                await connection.TrySendAsync(new SyncFrame(cursors), cancellationToken).ConfigureAwait(false);
            }

            await FlushReadMarksAsync(connection, cancellationToken).ConfigureAwait(false);
            await FlushOutboxAsync(cancellationToken).ConfigureAwait(false);
            await _acks.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        if (attempts > 0)
        {
            _events.Publish(new ReconnectedEvent(attempts));
        }
    }

    private async Task SuperviseAsync(ServerConnection connection)
    {
        try
        {
            await SuperviseConnectionsAsync(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nothing below is expected to throw; if it does, the application learns it through the state change
            // instead of a client that silently stopped reconnecting.
            _logger.SupervisorFailed(ex);
            SetState(ConnectionState.Disconnected, ex);
        }
    }

    // Watches the current connection; when it ends, reconnects with back-off unless the client is being disposed,
    // in which case it closes the connection itself.
    private async Task SuperviseConnectionsAsync(ServerConnection connection)
    {
        var token = _disposing.Token;
        while (true)
        {
            Exception? error;
            try
            {
                error = await connection.Completion.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                await connection.CloseAsync().ConfigureAwait(false);
                error = null;
            }

            Interlocked.CompareExchange(ref _connection, null, connection);
            await connection.DisposeAsync().ConfigureAwait(false);
            if (token.IsCancellationRequested)
            {
                return;
            }

            _logger.ConnectionLost(connection.Generation, error);
            if (!_options.Reconnect.Enabled)
            {
                SetState(ConnectionState.Disconnected, error);
                return;
            }

            SetState(ConnectionState.Reconnecting, error);
            var (next, attempts, lastError) = await ReconnectAsync(token).ConfigureAwait(false);
            if (next is null)
            {
                if (!token.IsCancellationRequested)
                {
                    _logger.ReconnectGaveUp(attempts);
                    SetState(ConnectionState.Disconnected, lastError);
                }

                return;
            }

            connection = next;
            Activate(connection);
            await ResynchronizeAsync(connection, attempts, token).ConfigureAwait(false);
        }
    }

    private async Task<(ServerConnection? Connection, int Attempts, Exception? LastError)> ReconnectAsync(CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        var attempt = 0;
        try
        {
            while (_options.Reconnect.MaxAttempts is not { } max || attempt < max)
            {
                attempt++;
                var delay = Backoff.GetDelay(_options.Reconnect, attempt, Random.Shared.NextDouble());
                _logger.ReconnectScheduled(attempt, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                try
                {
                    return (await OpenConnectionAsync(cancellationToken).ConfigureAwait(false), attempt, null);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Also a failing token provider: the next attempt calls it again.
                    _logger.ReconnectFailed(attempt, ex);
                    lastError = ex;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.ReconnectCancelled(attempt);
        }

        return (null, attempt, lastError);
    }
}
