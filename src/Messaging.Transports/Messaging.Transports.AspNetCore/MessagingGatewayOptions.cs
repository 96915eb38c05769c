using System.Security.Claims;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// Options of the WebSocket and REST gateway, configured by
/// <c>services.AddMessagingGateway(o => ...)</c> and validated at start.
/// </summary>
public sealed class MessagingGatewayOptions
{
    /// <summary>
    /// The claim that holds the authenticated user id; when the principal lacks it, the identity's name is used.
    /// Default <see cref="ClaimTypes.NameIdentifier"/>.
    /// </summary>
    public string UserIdClaimType { get; set; } = ClaimTypes.NameIdentifier;

    /// <summary>
    /// The largest WebSocket message (and REST request body) accepted, in bytes. A larger WebSocket message closes
    /// the connection with 1009. Default 128 KiB, room for the largest content even when every character is escaped.
    /// </summary>
    public int MaxFrameBytes { get; set; } = 128 * 1024;

    /// <summary>
    /// Frames buffered for one connection's socket writer. The engine waits for room here before each delivery, so
    /// catch-up is paced to the client's reading speed; a client that stops reading while deliveries keep arriving
    /// fills the engine's own delivery queue instead and is closed with 1013 (it resumes by catch-up). Frames the
    /// gateway writes itself (errors, pongs) that find the buffer full also close the connection with 1013.
    /// Default 8,192.
    /// </summary>
    public int SendQueueCapacity { get; set; } = 8192;

    /// <summary>Interval of the server's WebSocket keep-alive pings. Default 30 seconds; <see cref="TimeSpan.Zero"/> disables them.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A connection that sends no frame for this long is closed with 1008. Clients send <c>ping</c> every heartbeat
    /// interval (30 seconds by default). Checked by one sweep of all connections every quarter of this time (at most
    /// every 5 seconds), so the close comes up to a quarter later. Default 2 minutes.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long to wait for the client's close frame after the server closed, before dropping the connection. Default 5 seconds.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Frames a connection may send in a burst (the token bucket size). Default 100.</summary>
    public int RateLimitBurst { get; set; } = 100;

    /// <summary>Frames per second a connection may sustain (the bucket refill rate). Default 20.</summary>
    public int RateLimitPerSecond { get; set; } = 20;

    /// <summary>
    /// Frames one user may send in a burst over all of their WebSocket connections to this gateway node together (a
    /// second token bucket, shared by the user's connections, checked after the connection's own). A frame over it
    /// gets an <c>error</c> <c>rate_limited</c> and nothing is stored. The bucket lives while the user has a
    /// connection to the node. Default 200, room for several devices and tabs catching up and acknowledging at once.
    /// </summary>
    public int UserRateLimitBurst { get; set; } = 200;

    /// <summary>Frames per second one user may sustain over all of their connections to this node. Default 50.</summary>
    public int UserRateLimitPerSecond { get; set; } = 50;

    /// <summary>
    /// Live WebSocket connections one user may hold on this gateway node; one more is refused at the handshake with
    /// 429 and <c>Retry-After</c>, before the upgrade. Counted per node: behind a load balancer a user may hold this
    /// many on every node. Default 32 (phones, laptops and many browser tabs).
    /// </summary>
    public int MaxConnectionsPerUser { get; set; } = 32;

    /// <summary>
    /// Requests one user may make in a burst to the REST API, the media endpoints and the WebSocket handshake
    /// together, on this node (a token bucket per authenticated user). A request over it gets 429
    /// <c>rate_limited</c> with <c>Retry-After</c>. Default 100.
    /// </summary>
    public int RestRateLimitBurst { get; set; } = 100;

    /// <summary>Requests per second one user may sustain (the REST bucket's refill, added once a second). Default 20.</summary>
    public int RestRateLimitPerSecond { get; set; } = 20;

    /// <summary>
    /// Origins allowed to open the WebSocket (for example <c>https://chat.example.com</c>), or <c>*</c> for any origin.
    /// Empty (the default): same origin only, that is an <c>Origin</c> whose host and port are the request's
    /// <c>Host</c> (the scheme is not compared, so TLS ended at a proxy still counts as same origin). A handshake with
    /// an <c>Origin</c> header that is not allowed gets 403. Requests without <c>Origin</c> (non-browser clients)
    /// are always allowed. A list replaces the same-origin default: list the gateway's own public origin too if its
    /// pages connect. Behind a proxy that rewrites <c>Host</c>, either let the forwarded-headers middleware restore
    /// it (<c>ForwardedHeaders.XForwardedHost</c>) or list the public origins here.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = new List<string>();
}
