using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Messaging.Client;

/// <summary>
/// Configures a <see cref="MessagingClient"/>. Validated when the client is created; do not change an instance after
/// passing it to a client.
/// </summary>
public sealed class MessagingClientOptions
{
    /// <summary>
    /// The server's base address, <c>http</c> or <c>https</c> (for example <c>http://localhost:5000/</c>). The
    /// WebSocket endpoint is <c>ws</c>/<c>wss</c> at <c>{base}/ws</c>; REST calls go to <c>{base}/conversations</c> and so on.
    /// Required.
    /// </summary>
    public Uri? ServerUri { get; set; }

    /// <summary>
    /// Returns the access token, called before every connection attempt and every REST call (so a refreshed token is
    /// picked up). The token is sent as <c>access_token</c> in the WebSocket URL (as browsers must) and as an
    /// <c>Authorization: Bearer</c> header. <see langword="null"/> sends no credentials.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? AccessTokenProvider { get; set; }

    /// <summary>The device id sent as <c>device_id</c>; the server keeps delivery cursors per device. Default <c>default</c>.</summary>
    public string DeviceId { get; set; } = "default";

    /// <summary>The reconnect back-off policy.</summary>
    public ReconnectOptions Reconnect { get; set; } = new();

    /// <summary>The most unacknowledged messages the outbox holds; a further send fails with <see cref="ClientErrorCodes.OutboxFull"/>. Default 1,000.</summary>
    public int MaxOutboxMessages { get; set; } = 1_000;

    /// <summary>The least time between two <c>is_typing=true</c> frames for one conversation. Default 2 s.</summary>
    public TimeSpan TypingDebounce { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After this long without <see cref="MessagingClient.NotifyTypingAsync"/>, <c>is_typing=false</c> is sent. Default 3 s.</summary>
    public TimeSpan TypingIdleTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>An incoming typing indication ends after this long without a new one. Default 3 s (the protocol's value).</summary>
    public TimeSpan TypingExpiry { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often a <c>ping</c> is sent; it keeps the connection and the device's presence alive. Default 15 s.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A connection that receives nothing (not even <c>pong</c>) for this long is dropped and re-made. Default 45 s.</summary>
    public TimeSpan ServerTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How long opening a connection may take. Default 15 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a received message waits for others before their delivered <c>ack</c> is sent together. Default 100 ms.</summary>
    public TimeSpan AckDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The most message ids in one <c>ack</c> frame. Default 100.</summary>
    public int MaxAckBatchSize { get; set; } = 100;

    /// <summary>The largest frame the client accepts from the server; a larger one drops the connection. Default 1 MiB.</summary>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The highest seq the application already processed per conversation (persisted from
    /// <see cref="MessagingClient.GetCursors"/>), so that a restarted client neither repeats nor misses messages.
    /// </summary>
    public IReadOnlyDictionary<string, long>? InitialCursors { get; set; }

    /// <summary>
    /// An HTTP handler for REST calls and the WebSocket handshake (tests, proxies). The client never disposes it.
    /// <see langword="null"/> uses a handler the client owns.
    /// </summary>
    public HttpMessageHandler? HttpMessageHandler { get; set; }

    /// <summary>
    /// Creates the (unconnected) <see cref="ClientWebSocket"/> for each connection attempt, for example to set
    /// proxy or certificate options or to keep a handle in tests. <see langword="null"/> creates a default one.
    /// </summary>
    public Func<ClientWebSocket>? WebSocketFactory { get; set; }

    /// <summary>The clock for timers (typing, acks, pings, back-off). Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Creates the client's logger. <see langword="null"/> logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal void Validate()
    {
        if (ServerUri is null || !ServerUri.IsAbsoluteUri || (ServerUri.Scheme != Uri.UriSchemeHttp && ServerUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("ServerUri must be an absolute http or https address.");
        }

        if (string.IsNullOrEmpty(DeviceId))
        {
            throw new ArgumentException("DeviceId must not be empty.");
        }

        ArgumentNullException.ThrowIfNull(Reconnect);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        Reconnect.Validate();
        RequirePositive(MaxOutboxMessages, nameof(MaxOutboxMessages));
        RequirePositive(MaxAckBatchSize, nameof(MaxAckBatchSize));
        RequirePositive(MaxFrameBytes, nameof(MaxFrameBytes));
        RequirePositive(TypingDebounce, nameof(TypingDebounce));
        RequirePositive(TypingIdleTimeout, nameof(TypingIdleTimeout));
        RequirePositive(TypingExpiry, nameof(TypingExpiry));
        RequirePositive(PingInterval, nameof(PingInterval));
        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(AckDelay, nameof(AckDelay));
        if (ServerTimeout <= PingInterval)
        {
            throw new ArgumentException("ServerTimeout must be longer than PingInterval.");
        }
    }

    private static void RequirePositive(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentException($"{name} must be at least 1.");
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must be positive.");
        }
    }
}
