namespace Messaging;

/// <summary>Fixed limits of the engine that are not worth an option.</summary>
internal static class EngineLimits
{
    /// <summary>The largest page of <see cref="MessagingEngine.GetMessagesAsync"/>.</summary>
    public const int MaxPageSize = 100;

    /// <summary>The largest <c>limit</c> of <see cref="MessagingEngine.ListConversationsAsync"/> and <see cref="MessagingEngine.ListConversationPageAsync"/>.</summary>
    public const int MaxConversationList = 1_000;

    /// <summary>How many of a user's conversations catch-up and subscriptions consider (most recent first).</summary>
    public const int MaxConversationsPerUser = 10_000;

    /// <summary>The longest group name, in UTF-16 chars.</summary>
    public const int MaxGroupNameLength = 256;

    /// <summary>The longest user, device, conversation or media id accepted from a client.</summary>
    public const int MaxIdLength = 256;

    /// <summary>The most message ids one ack may carry.</summary>
    public const int MaxAckBatch = 1_000;

    /// <summary>The most users one connection may watch for presence.</summary>
    public const int MaxPresenceSubscriptions = 1_000;

    /// <summary>How many times an append of a taken seq is tried before the seq is tombstoned.</summary>
    public const int AppendAttempts = 3;

    /// <summary>How many times a send takes a new seq after finding its seq taken (sequencer behind the store).</summary>
    public const int SeqTakenRetries = 5;

    /// <summary>How far back catch-up looks for a user's newest own message to report its current status.</summary>
    public const int StatusLookBack = 1_024;

    /// <summary>
    /// The most users an envelope is routed to on the routing thread; a larger fan-out hands each connection's pipeline
    /// to the thread pool. Measured in bench/: the hand-off wins clearly for groups of 100 and 1,000; for a group of 10
    /// the two were within noise, so small fan-outs keep the cheaper inline path of direct messages.
    /// </summary>
    public const int InlineFanOut = 16;

    /// <summary>The capacity of a connection's delivery queue; a full queue means a slow consumer.</summary>
    public const int DeliveryQueueCapacity = 4_096;

    /// <summary>How long a connection waits before re-reading the store for a seq that is missing (in flight).</summary>
    public static readonly TimeSpan GapRecheckDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a connection waits on a missing seq before skipping it (never forever).</summary>
    public static readonly TimeSpan GapGiveUpAfter = TimeSpan.FromSeconds(10);
}
