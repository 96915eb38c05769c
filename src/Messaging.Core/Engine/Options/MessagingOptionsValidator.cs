using Microsoft.Extensions.Options;

namespace Messaging;

/// <summary>Validates <see cref="MessagingOptions"/>; registered by <c>AddMessaging</c> and run at start.</summary>
internal sealed class MessagingOptionsValidator : IValidateOptions<MessagingOptions>
{
    /// <summary>The largest <see cref="MessagingOptions.CatchUpBatchSize"/> accepted.</summary>
    internal const int MaxCatchUpBatchSize = 10_000;

    /// <summary>The largest <see cref="MessagingOptions.RouteCacheTtl"/> accepted.</summary>
    internal static readonly TimeSpan MaxRouteCacheTtl = TimeSpan.FromMinutes(1);

    /// <summary>The largest <see cref="MessagingOptions.InboxCommitInterval"/> accepted.</summary>
    internal static readonly TimeSpan MaxInboxCommitInterval = TimeSpan.FromMinutes(1);

    /// <summary>The largest <see cref="MessagingOptions.ReceiptStatusInterval"/> accepted.</summary>
    internal static readonly TimeSpan MaxReceiptStatusInterval = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (options.NodeId is { } nodeId && (string.IsNullOrWhiteSpace(nodeId) || nodeId.Length > EngineLimits.MaxIdLength))
        {
            failures.Add($"{nameof(MessagingOptions.NodeId)} must be null (generated) or 1..{EngineLimits.MaxIdLength} non-blank characters.");
        }

        RequirePositive(failures, options.MaxContentLength, nameof(MessagingOptions.MaxContentLength));
        RequirePositive(failures, options.MaxClientMsgIdLength, nameof(MessagingOptions.MaxClientMsgIdLength));
        RequirePositive(failures, options.WritePathMaxMembers, nameof(MessagingOptions.WritePathMaxMembers));
        if (options.MaxGroupMembers < 2)
        {
            failures.Add($"{nameof(MessagingOptions.MaxGroupMembers)} must be at least 2.");
        }

        if (options.CatchUpBatchSize is < 1 or > MaxCatchUpBatchSize)
        {
            failures.Add($"{nameof(MessagingOptions.CatchUpBatchSize)} must be between 1 and {MaxCatchUpBatchSize}.");
        }

        RequirePositive(failures, options.DeduplicationWindow, nameof(MessagingOptions.DeduplicationWindow));
        RequirePositive(failures, options.PresenceTtl, nameof(MessagingOptions.PresenceTtl));
        RequirePositive(failures, options.HeartbeatInterval, nameof(MessagingOptions.HeartbeatInterval));
        RequirePositive(failures, options.PresenceSweepInterval, nameof(MessagingOptions.PresenceSweepInterval));
        RequireNonNegative(failures, options.PresenceGracePeriod, nameof(MessagingOptions.PresenceGracePeriod));
        RequireNonNegative(failures, options.TypingThrottle, nameof(MessagingOptions.TypingThrottle));

        RequirePositive(failures, options.EventLogBufferCapacity, nameof(MessagingOptions.EventLogBufferCapacity));
        RequirePositive(failures, options.EventLogRetryInterval, nameof(MessagingOptions.EventLogRetryInterval));
        RequireNonNegative(failures, options.RouteCacheTtl, nameof(MessagingOptions.RouteCacheTtl));
        if (options.RouteCacheTtl > MaxRouteCacheTtl)
        {
            failures.Add($"{nameof(MessagingOptions.RouteCacheTtl)} must be at most {MaxRouteCacheTtl.TotalSeconds} s: messages routed with a stale entry wait that long for their catch-up.");
        }

        RequireNonNegative(failures, options.ReceiptStatusInterval, nameof(MessagingOptions.ReceiptStatusInterval));
        if (options.ReceiptStatusInterval > MaxReceiptStatusInterval)
        {
            failures.Add($"{nameof(MessagingOptions.ReceiptStatusInterval)} must be at most {MaxReceiptStatusInterval.TotalSeconds} s: a sender waits that long for the status of a busy conversation.");
        }

        RequirePositive(failures, options.InboxCommitInterval, nameof(MessagingOptions.InboxCommitInterval));
        if (options.InboxCommitInterval > MaxInboxCommitInterval)
        {
            failures.Add($"{nameof(MessagingOptions.InboxCommitInterval)} must be at most {MaxInboxCommitInterval.TotalSeconds} s: a crashed node reads again what it handled in the last interval.");
        }

        if (options.HeartbeatInterval >= options.PresenceTtl)
        {
            failures.Add($"{nameof(MessagingOptions.HeartbeatInterval)} must be shorter than {nameof(MessagingOptions.PresenceTtl)}, or live devices would flap offline.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequirePositive(List<string> failures, int value, string name)
    {
        if (value <= 0)
        {
            failures.Add($"{name} must be positive.");
        }
    }

    private static void RequirePositive(List<string> failures, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{name} must be positive.");
        }
    }

    private static void RequireNonNegative(List<string> failures, TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero)
        {
            failures.Add($"{name} must not be negative.");
        }
    }
}
