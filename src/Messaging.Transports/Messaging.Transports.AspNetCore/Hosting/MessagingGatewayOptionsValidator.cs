using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore.Hosting;

/// <summary>Rejects gateway options that cannot work, at start rather than on the first connection.</summary>
internal sealed class MessagingGatewayOptionsValidator : IValidateOptions<MessagingGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, MessagingGatewayOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.UserIdClaimType))
        {
            failures.Add($"{nameof(options.UserIdClaimType)} must name a claim type.");
        }

        if (options.MaxFrameBytes < 1024)
        {
            failures.Add($"{nameof(options.MaxFrameBytes)} must be at least 1024 bytes.");
        }

        if (options.SendQueueCapacity < 1)
        {
            failures.Add($"{nameof(options.SendQueueCapacity)} must be positive.");
        }

        if (options.KeepAliveInterval < TimeSpan.Zero)
        {
            failures.Add($"{nameof(options.KeepAliveInterval)} must not be negative.");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(options.IdleTimeout)} must be positive.");
        }

        if (options.CloseTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(options.CloseTimeout)} must be positive.");
        }

        if (options.RateLimitBurst < 1)
        {
            failures.Add($"{nameof(options.RateLimitBurst)} must be positive.");
        }

        if (options.RateLimitPerSecond < 1)
        {
            failures.Add($"{nameof(options.RateLimitPerSecond)} must be positive.");
        }

        RequirePositive(failures, options.UserRateLimitBurst, nameof(options.UserRateLimitBurst));
        RequirePositive(failures, options.UserRateLimitPerSecond, nameof(options.UserRateLimitPerSecond));
        RequirePositive(failures, options.MaxConnectionsPerUser, nameof(options.MaxConnectionsPerUser));
        RequirePositive(failures, options.RestRateLimitBurst, nameof(options.RestRateLimitBurst));
        RequirePositive(failures, options.RestRateLimitPerSecond, nameof(options.RestRateLimitPerSecond));

        foreach (var origin in options.AllowedOrigins)
        {
            if (origin == OriginPolicy.AnyOrigin)
            {
                continue;
            }

            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || origin.EndsWith('/'))
            {
                failures.Add($"{nameof(options.AllowedOrigins)} entry \"{origin}\" must be an origin such as https://chat.example.com (scheme, host and optional port) or *.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequirePositive(List<string> failures, int value, string name)
    {
        if (value < 1)
        {
            failures.Add($"{name} must be positive.");
        }
    }
}
