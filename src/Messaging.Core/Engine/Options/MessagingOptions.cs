namespace Messaging;

/// <summary>
/// Options of the messaging engine, configured through <c>services.AddMessaging(o =&gt; ...)</c> and validated when
/// the host starts (bad values fail the start, not the first use).
/// </summary>
public sealed class MessagingOptions
{
    /// <summary>
    /// The id of this gateway node, unique among the nodes of one backplane; generated when <see langword="null"/>.
    /// Set it to the same value each time a node starts (a host name, a pod's ordinal): on a backplane that keeps
    /// positions (<see cref="IPositionedTransport"/>, Kafka) a node with a configured id resumes its inbox where it
    /// left off, while a generated id starts a new inbox at its end.
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>The longest message content, in UTF-16 chars (default 16,384). Longer content fails with <c>too_large</c>.</summary>
    public int MaxContentLength { get; set; } = 16_384;

    /// <summary>The longest <c>client_msg_id</c>, in UTF-16 chars (default 128).</summary>
    public int MaxClientMsgIdLength { get; set; } = 128;

    /// <summary>The most members a group may have, its creator included (default 1,024; at least 2).</summary>
    public int MaxGroupMembers { get; set; } = 1024;

    /// <summary>The largest member count that the default fan-out policy still serves by write path (default 100).</summary>
    public int WritePathMaxMembers { get; set; } = 100;

    /// <summary>
    /// How long a repeated <c>client_msg_id</c> is recognised as a duplicate (default 7 days; must be positive). Each
    /// send claims its <c>(conversation, sender, client_msg_id)</c> in <see cref="IDeduplicationStore"/> (or through
    /// <see cref="IAtomicSequencingStore"/>) for exactly this long: a repeat within it returns the original message,
    /// after it the same client message id is a new message.
    /// </summary>
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a device stays online after a connect or heartbeat (default 60 s).</summary>
    public TimeSpan PresenceTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often clients are expected to heartbeat, and how often the node refreshes its connection directory entries
    /// and the presence leases of its live connections (default 30 s; less than <see cref="PresenceTtl"/>).
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a device stays online after it disconnects, so a quick reconnect is not seen (default 5 s).</summary>
    public TimeSpan PresenceGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the node looks for lapsed presence leases and publishes offline changes (default 1 s): the longest an
    /// offline change waits after the lease lapsed. With a store that forecasts its next expiry
    /// (<see cref="IPresenceExpiryForecast"/>) the node asks the store only once a lease may have lapsed.
    /// </summary>
    public TimeSpan PresenceSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The shortest time between two forwarded "is typing" events of one user in one conversation (default 2 s).</summary>
    public TimeSpan TypingThrottle { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The shortest time between two <c>delivered</c> / <c>read</c> status publications caused by one member's marks in
    /// one conversation (default 100 ms; zero publishes every move at once; at most 10 s). The first move publishes at
    /// once; the moves within the next interval (acks, and the sender's own read mark moving with each message sent)
    /// are merged and published together when it ends. Statuses are watermarks, so the merged status stands for every
    /// message it covers: a busy conversation sends one status per interval instead of one per message. Groups of more
    /// than 16 members publish every move at once: their statuses are computed from each move's own marks, most acks
    /// moving no sender's status at all.
    /// </summary>
    public TimeSpan ReceiptStatusInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many messages catch-up and gap filling read from the store at a time (default 256).</summary>
    public int CatchUpBatchSize { get; set; } = 256;

    /// <summary>
    /// How long a node reuses what the connection directory said about a user's nodes or a conversation's followers
    /// before it reads it again (default 1 s; zero turns the cache off; at most 1 minute). A connection gets one extra
    /// catch-up from the store this long after it connected, which delivers anything another node routed with an
    /// older answer, so a longer TTL means fewer directory reads but later delivery of such messages.
    /// </summary>
    public TimeSpan RouteCacheTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many events the node holds for the <see cref="IEventLog"/> while they wait to be appended, over all
    /// conversations (default 10,000; at least 1). Beyond it a message is kept only as its seq and read back from the
    /// store when the log takes events again; membership and receipt events beyond it are dropped and logged. Used only
    /// when an event log is registered.
    /// </summary>
    public int EventLogBufferCapacity { get; set; } = 10_000;

    /// <summary>How long the node waits before appending again events the <see cref="IEventLog"/> refused (default 1 s; positive).</summary>
    public TimeSpan EventLogRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often a node that resumes its inbox (a configured <see cref="NodeId"/> on an <see cref="IPositionedTransport"/>)
    /// commits the position of the last payload it handled (default 1 s; positive, at most 1 minute); it also commits
    /// when it stops. One commit per interval, never one per payload: a commit is a round trip to the backplane (on
    /// Kafka an offset commit of the node's group). A node that crashes reads again at most what it handled in the
    /// last interval, and its connections drop what they already have. Not used otherwise.
    /// </summary>
    public TimeSpan InboxCommitInterval { get; set; } = TimeSpan.FromSeconds(1);
}
