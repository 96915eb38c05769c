namespace Messaging.Conformance;

/// <summary>
/// What an adapter under test guarantees beyond the role's baseline. Each suite reads the flags that concern its role;
/// a test of a guarantee the adapter does not declare is reported as skipped with the reason, never passed silently.
/// </summary>
public sealed record AdapterCapabilities
{
    /// <summary>
    /// The guarantees of an adapter held in process memory: ordered per inbox, driven by the injected
    /// <see cref="TimeProvider"/>, and (for transports) inbox positions; no durability, one node; the message store
    /// takes the composite path (no atomic sequencing).
    /// </summary>
    public static AdapterCapabilities InMemory { get; } = new()
    {
        OrderedPerChannel = true,
        ClockFromTimeProvider = true,
        Positions = true,
    };

    /// <summary>
    /// State outlives an adapter instance: a second instance from the suite's factory, created after the first was
    /// disposed, sees what the first stored (a server-backed adapter; a restarted node).
    /// </summary>
    public bool SurvivesRestart { get; init; }

    /// <summary>
    /// Several live instances from the suite's factory share one state or backplane, as gateway nodes in different
    /// processes would (for transports: a publish on one instance reaches subscribers of another).
    /// </summary>
    public bool MultiNode { get; init; }

    /// <summary>The message store also implements <see cref="IAtomicSequencingStore"/>.</summary>
    public bool AtomicSequencing { get; init; }

    /// <summary>
    /// The message store can be configured to keep only the newest messages of each conversation (a retention), so
    /// the suite can check where its history starts once older messages were removed; see
    /// <see cref="MessageStoreConformanceTests.CreateWithRetentionAsync"/>.
    /// </summary>
    public bool Retention { get; init; }

    /// <summary>A transport delivers the payloads one publisher sends to one node's inbox in publish order.</summary>
    public bool OrderedPerChannel { get; init; }

    /// <summary>
    /// A transport implements <see cref="IPositionedTransport"/>: inbox payloads have positions, nodes commit them, and
    /// an inbox reopened after a position gets what was published meanwhile (a durable backplane).
    /// </summary>
    public bool Positions { get; init; }

    /// <summary>
    /// Expiry (connection directory TTLs, de-duplication windows) follows the <see cref="TimeProvider"/> passed to the factory, so tests can
    /// advance a fake clock; adapters whose expiry runs on a server's clock leave this off.
    /// </summary>
    public bool ClockFromTimeProvider { get; init; }
}
