namespace Messaging.Stores.Cassandra;

/// <summary>
/// How to reach Cassandra and how requests behave. Validated when the host starts; <see cref="ToString"/> never shows
/// the password.
/// </summary>
public sealed class CassandraOptions
{
    /// <summary>The default CQL native port.</summary>
    public const int DefaultPort = 9042;

    /// <summary>Nodes to connect to, as <c>host</c> or <c>host:port</c> (IPv6 as <c>[::1]:9042</c>). At least one.</summary>
    public IList<string> ContactPoints { get; } = new List<string>();

    /// <summary>The port of a contact point that names none. Default 9042.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The user for PasswordAuthenticator (SASL PLAIN); <see langword="null"/> when the cluster needs no authentication.</summary>
    public string? Username { get; set; }

    /// <summary>The password for PasswordAuthenticator; set with <see cref="Username"/>.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The keyspace of the stores and of the schema step (<c>messaging</c> when <see langword="null"/>); when set, every
    /// connection of the stores also switches to it (<c>USE</c>) after it opens, so it must exist by then (the schema step
    /// creates it).
    /// </summary>
    public string? Keyspace { get; set; }

    /// <summary>Connections opened to each node; requests go round-robin over them. Default 2, at most 64.</summary>
    public int ConnectionsPerHost { get; set; } = 2;

    /// <summary>Requests in flight on one connection (stream ids in use), 1 to 32,768. Default 1,024; more wait for a free id.</summary>
    public int MaxRequestsPerConnection { get; set; } = 1024;

    /// <summary>How long a request waits for its answer before it fails (or, when idempotent, tries another node). Default 12 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>How long opening a connection (TCP, STARTUP, authentication, USE) may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first wait before reconnecting to a node that went down; it doubles on each failure. Default 1 s.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between reconnection attempts. Default 60 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The consistency of a statement that names none. Default <see cref="CassandraConsistency.LocalQuorum"/>.</summary>
    public CassandraConsistency Consistency { get; set; } = CassandraConsistency.LocalQuorum;

    /// <summary>The serial consistency of a lightweight transaction that names none. Default <see cref="CassandraConsistency.LocalSerial"/>.</summary>
    public CassandraConsistency SerialConsistency { get; set; } = CassandraConsistency.LocalSerial;

    /// <summary>Rows per page of a read that names no page size. Default 5,000.</summary>
    public int PageSize { get; set; } = 5000;

    /// <summary>
    /// How many times an idempotent statement is tried again (on the next node) after a timeout, a lost connection or
    /// an overloaded node. Default 2. Non-idempotent statements and lightweight transactions are never tried again
    /// once they may have reached a node.
    /// </summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>
    /// Whether a statement whose partition key the client knows (a prepared statement with its key bound) goes first to
    /// the contact points holding its replicas, found from the tokens each contact point reports for itself
    /// (<c>system.local</c>; Murmur3Partitioner only), then to the others. Default <see langword="true"/>. Routing only
    /// chooses the coordinator: with it off, or without a key, requests go round-robin, with the same results.
    /// </summary>
    public bool TokenAwareRouting { get; set; } = true;

    /// <summary>
    /// The datacenter of the contact points (the nodes this gateway talks to). The client sends requests only to the
    /// contact points, so list nodes of this datacenter; the schema step replicates the keyspace here with
    /// <see cref="ReplicationFactor"/> when <see cref="Replication"/> is empty. Default <c>datacenter1</c>.
    /// </summary>
    public string LocalDatacenter { get; set; } = "datacenter1";

    /// <summary>
    /// Replicas of the keyspace in <see cref="LocalDatacenter"/>, for the schema step (1 to 10). Default 3, so
    /// <see cref="CassandraConsistency.LocalQuorum"/> survives one node down; a single test node needs 1.
    /// </summary>
    public int ReplicationFactor { get; set; } = 3;

    /// <summary>
    /// Replicas per datacenter for the schema step (NetworkTopologyStrategy), for a keyspace spanning several
    /// datacenters; when empty, <see cref="ReplicationFactor"/> replicas in <see cref="LocalDatacenter"/>.
    /// </summary>
    public IDictionary<string, int> Replication { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>
    /// Whether the host runs the schema step (<see cref="CassandraSchema.ApplyAsync"/>) when it starts, before the stores
    /// are used. Default <see langword="false"/>: production schemas are usually applied by an operator
    /// (<c>docs/cassandra-schema.cql</c>).
    /// </summary>
    public bool CreateSchemaAtStart { get; set; }

    /// <summary>Shows the settings with the password redacted.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString() =>
        $"ContactPoints={string.Join(",", ContactPoints)}; Port={Port}; Username={Username ?? "(none)"}; Password={(Password is null ? "(none)" : "***")}; " +
        $"Keyspace={Keyspace ?? "(none)"}; ConnectionsPerHost={ConnectionsPerHost}; RequestTimeout={RequestTimeout}; Consistency={Consistency}; SerialConsistency={SerialConsistency}; " +
        $"TokenAwareRouting={TokenAwareRouting}; LocalDatacenter={LocalDatacenter}; ReplicationFactor={ReplicationFactor}";

    /// <summary>A copy of every setting (the lists and maps copied too).</summary>
    internal CassandraOptions Copy()
    {
        var copy = new CassandraOptions
        {
            Port = Port,
            Username = Username,
            Password = Password,
            Keyspace = Keyspace,
            ConnectionsPerHost = ConnectionsPerHost,
            MaxRequestsPerConnection = MaxRequestsPerConnection,
            RequestTimeout = RequestTimeout,
            ConnectTimeout = ConnectTimeout,
            ReconnectBaseDelay = ReconnectBaseDelay,
            ReconnectMaxDelay = ReconnectMaxDelay,
            Consistency = Consistency,
            SerialConsistency = SerialConsistency,
            PageSize = PageSize,
            MaxRetries = MaxRetries,
            TokenAwareRouting = TokenAwareRouting,
            LocalDatacenter = LocalDatacenter,
            ReplicationFactor = ReplicationFactor,
            CreateSchemaAtStart = CreateSchemaAtStart,
        };
        foreach (var contactPoint in ContactPoints)
        {
            copy.ContactPoints.Add(contactPoint);
        }

        foreach (var (datacenter, factor) in Replication)
        {
            copy.Replication.Add(datacenter, factor);
        }

        return copy;
    }
}
