using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql;
using Messaging.Stores.Cassandra.Cql.Statements;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Cassandra.Tests.Live;

/// <summary>
/// The live suite's connection to a real Cassandra node: <c>MESSAGING_TEST_CASSANDRA=host:port</c> names it; without
/// it every live test is skipped with that reason (printed by the run). <c>MESSAGING_TEST_CASSANDRA_DATACENTER</c>
/// names the node's datacenter when it is not <c>datacenter1</c>.
/// </summary>
internal static class CassandraLive
{
    public const string ContactPointVariable = "MESSAGING_TEST_CASSANDRA";
    public const string DatacenterVariable = "MESSAGING_TEST_CASSANDRA_DATACENTER";
    public const string RestartVariable = "MESSAGING_TEST_CASSANDRA_RESTART";

    public static string? ContactPoint => Environment.GetEnvironmentVariable(ContactPointVariable) is { Length: > 0 } value ? value : null;

    public static string? UnavailableReason => ContactPoint is null
        ? $"{ContactPointVariable} is not set: the live Cassandra suite runs against a real node named by it (host:port), e.g. {ContactPointVariable}=127.0.0.1:9042 ./test.sh --filter Cassandra"
        : null;

    public static void SkipWhenUnavailable()
    {
        if (UnavailableReason is { } reason)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("Skipped: " + reason);
            Assert.Skip(reason);
        }
    }

    /// <summary>Options for a keyspace of the live node: one replica, the node's datacenter.</summary>
    public static CassandraOptions Options(string? keyspace)
    {
        var options = new CassandraOptions
        {
            Keyspace = keyspace,
            ReplicationFactor = 1,
            LocalDatacenter = Environment.GetEnvironmentVariable(DatacenterVariable) is { Length: > 0 } dc ? dc : "datacenter1",
            RequestTimeout = TimeSpan.FromSeconds(20),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(250),
            ReconnectMaxDelay = TimeSpan.FromSeconds(2),
        };
        options.ContactPoints.Add(ContactPoint ?? throw new InvalidOperationException(UnavailableReason));
        return options;
    }
}

/// <summary>
/// A fresh keyspace for one test class (created by the schema step, dropped after the class), so live runs never
/// see each other's data. Does nothing when no live node is named.
/// </summary>
public sealed class CassandraKeyspace : IAsyncLifetime
{
    private bool _created;

    /// <summary>The keyspace name: <c>mt_</c> and 24 hex digits.</summary>
    public string Name { get; } = "mt_" + Guid.NewGuid().ToString("N")[..24];

    internal CassandraOptions Options() => CassandraLive.Options(Name);

    internal CassandraStoreContext NewContext(Action<CassandraOptions>? configure = null)
    {
        var options = Options();
        configure?.Invoke(options);
        return new CassandraStoreContext(options);
    }

    public async ValueTask InitializeAsync()
    {
        if (CassandraLive.ContactPoint is null)
        {
            return;
        }

        await CassandraSchema.ApplyAsync(Options(), cancellationToken: TestContext.Current.CancellationToken);
        _created = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_created)
        {
            return;
        }

        await using var session = await CqlSession.ConnectAsync(CassandraLive.Options(null), TimeProvider.System, NullLogger.Instance);
        await session.ExecuteAsync(new CqlStatement($"DROP KEYSPACE IF EXISTS {Name}") { IsIdempotent = true });
    }
}
