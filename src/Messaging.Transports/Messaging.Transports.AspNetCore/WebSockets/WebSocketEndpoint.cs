using System.Buffers;
using System.Net.WebSockets;
using Messaging.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// <c>GET /ws</c>: checks the handshake (authenticated user, allowed Origin, <c>device_id</c>, the user's connection
/// cap on this node), accepts the WebSocket, connects a session to the engine and runs the receive loop until either
/// side closes.
/// </summary>
internal sealed class WebSocketEndpoint(
    MessagingEngine engine,
    IOptions<MessagingGatewayOptions> options,
    GatewayMetrics metrics,
    ILogger<WebSocketEndpoint> logger,
    IHostApplicationLifetime lifetime,
    EncodedMessageCache messages,
    IdleConnectionSweep idleSweep,
    UserConnectionLimits userLimits,
    TimeProvider? time = null)
{
    // A refused connection is not a matter of time: one of the user's other connections has to close first.
    private const int ConnectionCapRetryAfterSeconds = 10;

    private readonly MessagingGatewayOptions _options = options.Value;
    private readonly OriginPolicy _origins = new(options.Value);
    private const int InitialReceiveBufferSize = 4096;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "A WebSocket upgrade request is required.").ConfigureAwait(false);
            return;
        }

        if (!_origins.IsAllowed(context.Request))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "Origin not allowed.").ConfigureAwait(false);
            return;
        }

        var userId = Identifiers.UserIdOf(context.User, _options.UserIdClaimType);
        if (userId is null)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "Authentication required.").ConfigureAwait(false);
            return;
        }

        var deviceId = context.Request.Query["device_id"].ToString();
        if (deviceId.Length == 0)
        {
            deviceId = Identifiers.DefaultDeviceId;
        }
        else if (!Identifiers.IsValidDeviceId(deviceId))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "device_id must be 1-64 letters, digits or - _ . :").ConfigureAwait(false);
            return;
        }

        var user = userLimits.TryOpen(userId);
        if (user is null)
        {
            context.Response.Headers.RetryAfter = ConnectionCapRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, $"At most {_options.MaxConnectionsPerUser} connections per user; close one first.").ConfigureAwait(false);
            return;
        }

        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = _options.KeepAliveInterval,
            }).ConfigureAwait(false);
            await RunAsync(socket, user, deviceId, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            user.Close();
        }
    }

    private async Task RunAsync(WebSocket socket, UserConnectionLimits.UserConnections user, string deviceId, CancellationToken requestAborted)
    {
        var userId = user.UserId;
        var connection = new WebSocketClientConnection(socket, _options, _time, logger, metrics, messages);
        metrics.ConnectionOpened();
        using var stopping = lifetime.ApplicationStopping.Register(static state => ((WebSocketClientConnection)state!).Close(CloseCodes.EndpointUnavailable, "server shutting down"), connection);
        idleSweep.Add(connection);
        MessagingSession? session = null;
        FrameDispatcher? dispatcher = null;
        try
        {
            session = await engine.ConnectAsync(userId, deviceId, connection, requestAborted).ConfigureAwait(false);
            logger.Connected(connection.ConnectionId, userId, deviceId);
            dispatcher = new FrameDispatcher(session, connection, user, _options, _time, logger, metrics);
            await ReceiveAsync(socket, connection, dispatcher, requestAborted).ConfigureAwait(false);
        }
        catch (MessagingException exception)
        {
            logger.ConnectFailed(userId, exception);
            connection.Close(CloseCodes.InternalServerError, "could not connect");
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            logger.TransportEnded(connection.ConnectionId, exception);
        }
        finally
        {
            if (dispatcher is not null)
            {
                // Sends still in flight finish (or stop before their commit) before the session goes.
                await dispatcher.CompleteAsync().ConfigureAwait(false);
            }

            if (session is not null)
            {
                await DisconnectAsync(session, connection).ConfigureAwait(false);
            }

            idleSweep.Remove(connection);
            connection.Close(CloseCodes.NormalClosure, string.Empty);
            await connection.WhenSendsCompletedAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            metrics.ConnectionClosed();
            logger.Disconnected(connection.ConnectionId, connection.CloseStatus ?? (int?)socket.CloseStatus, socket.CloseStatusDescription);
        }
    }

    private async Task DisconnectAsync(MessagingSession session, WebSocketClientConnection connection)
    {
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The socket is gone either way; the engine's presence sweep and directory TTL clean up after it.
            logger.DisconnectFailed(connection.ConnectionId, exception);
        }
    }

    /// <summary>
    /// Reads text frames up to <see cref="MessagingGatewayOptions.MaxFrameBytes"/> and hands each complete one to the
    /// dispatcher. Between frames it waits with a zero-byte read and holds no buffer: one is rented when data arrives
    /// and returned when the frame is complete, so an idle connection costs no receive buffer.
    /// </summary>
    private async Task ReceiveAsync(WebSocket socket, WebSocketClientConnection connection, FrameDispatcher dispatcher, CancellationToken cancellationToken)
    {
        var maxFrameBytes = _options.MaxFrameBytes;
        byte[]? buffer = null;
        var length = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result;
                if (buffer is null)
                {
                    result = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                    if (result.MessageType != WebSocketMessageType.Close && !result.EndOfMessage)
                    {
                        // A frame with a payload is arriving: read it into a buffer.
                        buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBufferSize);
                        continue;
                    }
                }
                else
                {
                    if (length == buffer.Length)
                    {
                        buffer = Grow(buffer, length, maxFrameBytes + 1);
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    connection.Close(CloseCodes.NormalClosure, string.Empty);
                    return;
                }

                length += result.Count;
                if (connection.IsClosing)
                {
                    // Closing: whatever still arrives is dropped while waiting for the client's close frame.
                    length = 0;
                    ReturnAtEndOfMessage(ref buffer, result);
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    connection.Close(CloseCodes.InvalidMessageType, "binary frames are not supported");
                    length = 0;
                    ReturnAtEndOfMessage(ref buffer, result);
                    continue;
                }

                if (length > maxFrameBytes)
                {
                    connection.Close(CloseCodes.MessageTooBig, "frame too large");
                    length = 0;
                    ReturnAtEndOfMessage(ref buffer, result);
                    continue;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                // One clock read per frame, for the idle sweep and both rate limits.
                var receivedAt = _time.GetTimestamp();
                connection.MarkActive(receivedAt);
                await dispatcher.HandleAsync(buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, length), receivedAt, cancellationToken).ConfigureAwait(false);
                length = 0;
                ReturnAtEndOfMessage(ref buffer, result);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void ReturnAtEndOfMessage(ref byte[]? buffer, ValueWebSocketReceiveResult result)
    {
        if (result.EndOfMessage && buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }

    private static byte[] Grow(byte[] buffer, int length, int limit)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit));
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private Task RefuseAsync(HttpContext context, int status, string code, string message)
    {
        logger.HandshakeRefused(status, message);
        return RestResponses.WriteErrorAsync(context, status, code, message);
    }
}
