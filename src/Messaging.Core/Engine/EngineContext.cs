using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>
/// What every part of one engine shares: the node's id, the options, the clock, the log and the instruments. It holds
/// no role: each part receives the roles it uses in its own constructor (see <see cref="EngineRoles"/>).
/// </summary>
internal sealed class EngineContext
{
    public required string NodeId { get; init; }

    /// <summary>Whether <see cref="NodeId"/> was configured (the same at every start), not generated for this run.</summary>
    public required bool NodeIdConfigured { get; init; }

    public required MessagingOptions Options { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILogger Logger { get; init; }

    public required MessagingMetrics Metrics { get; init; }

    /// <summary>The current server time.</summary>
    public DateTimeOffset Now => Time.GetUtcNow();
}
