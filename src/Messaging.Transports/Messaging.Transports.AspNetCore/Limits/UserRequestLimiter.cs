using System.Globalization;
using System.Threading.RateLimiting;
using Messaging.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// A token bucket per authenticated user over every endpoint <c>MapMessaging()</c> maps (REST, media and the
/// WebSocket handshake): <see cref="MessagingGatewayOptions.RestRateLimitBurst"/> requests at once, refilled by
/// <see cref="MessagingGatewayOptions.RestRateLimitPerSecond"/> every second. A request over it gets 429
/// <c>rate_limited</c> with <c>Retry-After</c>. The buckets are System.Threading.RateLimiting's, partitioned by user
/// id; applied by wrapping the gateway's own endpoints, so it needs no middleware in the host's pipeline and never
/// touches the host's other endpoints or its own rate limiter policies. Anonymous requests (tus discovery) pass.
/// </summary>
internal sealed class UserRequestLimiter : IDisposable, IAsyncDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly string _userIdClaimType;
    private readonly ILogger<UserRequestLimiter> _logger;

    public UserRequestLimiter(IOptions<MessagingGatewayOptions> options, ILogger<UserRequestLimiter> logger)
    {
        var value = options.Value;
        _userIdClaimType = value.UserIdClaimType;
        _logger = logger;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = value.RestRateLimitBurst,
            TokensPerPeriod = value.RestRateLimitPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        Func<string, TokenBucketRateLimiterOptions> factory = _ => bucket;
        _limiter = PartitionedRateLimiter.Create<string, string>(userId => RateLimitPartition.GetTokenBucketLimiter(userId, factory), StringComparer.Ordinal);
    }

    /// <summary>Puts the per-user limit in front of every endpoint of <paramref name="endpoints"/>.</summary>
    public static void Apply(IEndpointConventionBuilder endpoints) => endpoints.Add(static endpoint =>
    {
        if (endpoint.RequestDelegate is { } next)
        {
            endpoint.RequestDelegate = context => context.RequestServices.GetRequiredService<UserRequestLimiter>().InvokeAsync(context, next);
        }
    });

    public void Dispose() => _limiter.Dispose();

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();

    private Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var userId = Identifiers.UserIdOf(context.User, _userIdClaimType);
        if (userId is null)
        {
            return next(context);
        }

        using var lease = _limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
        {
            return next(context);
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        _logger.RequestRateLimited(context.Request.Method, context.Request.Path, seconds);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return RestResponses.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, $"Too many requests; retry after {seconds} s.");
    }
}
