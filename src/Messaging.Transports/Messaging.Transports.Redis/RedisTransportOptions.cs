using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Transports.Redis;

/// <summary>Options of the Redis backplane (<see cref="RedisMessageTransport"/> and <see cref="RedisConnectionDirectory"/>).</summary>
/// <remarks>
/// Set exactly one of <see cref="ConnectionString"/> (the adapter creates, owns and disposes the connection) and
/// <see cref="ConnectionMultiplexer"/> (the host owns it; the adapter never disposes it). Validated when the host
/// starts.
/// </remarks>
public sealed class RedisTransportOptions
{
    /// <summary>The default of <see cref="SubscriptionQueueCapacity"/>.</summary>
    public const int DefaultSubscriptionQueueCapacity = 10_000;

    /// <summary>The default of <see cref="DirectoryTtl"/>.</summary>
    public static readonly TimeSpan DefaultDirectoryTtl = TimeSpan.FromSeconds(90);

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>localhost:6379,password=...</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A connection owned by the host, shared with other parts of the application.</summary>
    public IConnectionMultiplexer? ConnectionMultiplexer { get; set; }

    /// <summary>How many payloads each node inbox buffers before dropping (at least 1).</summary>
    public int SubscriptionQueueCapacity { get; set; } = DefaultSubscriptionQueueCapacity;

    /// <summary>How long a node's directory entries live without a refresh.</summary>
    public TimeSpan DirectoryTtl { get; set; } = DefaultDirectoryTtl;

    /// <summary>The options as text, with any password in the connection string redacted.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString()
        => $"ConnectionString={RedisConnection.Redact(ConnectionString)}, ConnectionMultiplexer={(ConnectionMultiplexer is null ? "(none)" : "(host-owned)")}, SubscriptionQueueCapacity={SubscriptionQueueCapacity}, DirectoryTtl={DirectoryTtl}";

    // Null when valid, else every problem found.
    internal string? Validate()
    {
        var problems = new List<string>();
        if (RedisConnection.ValidateSource(ConnectionString, ConnectionMultiplexer) is { } source)
        {
            problems.Add(source);
        }

        if (SubscriptionQueueCapacity < 1)
        {
            problems.Add("SubscriptionQueueCapacity must be at least 1.");
        }

        if (DirectoryTtl < TimeSpan.FromSeconds(1))
        {
            problems.Add("DirectoryTtl must be at least one second.");
        }

        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
