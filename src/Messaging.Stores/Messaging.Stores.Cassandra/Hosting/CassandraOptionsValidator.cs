using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Messaging.Stores.Cassandra.Cql.Connection;

namespace Messaging.Stores.Cassandra;

/// <summary>Checks <see cref="CassandraOptions"/> when the host starts, so a bad setting fails there and not on first use.</summary>
internal sealed partial class CassandraOptionsValidator : IValidateOptions<CassandraOptions>
{
    public ValidateOptionsResult Validate(string? name, CassandraOptions options)
    {
        var failures = new List<string>();
        if (options.ContactPoints.Count == 0)
        {
            failures.Add("Cassandra: at least one contact point is required (ContactPoints, host or host:port).");
        }

        foreach (var contactPoint in options.ContactPoints)
        {
            if (!CqlEndpoint.TryParse(contactPoint, options.Port, out _))
            {
                failures.Add($"Cassandra: the contact point '{contactPoint}' is not host or host:port with a port from 1 to 65535.");
            }
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"Cassandra: Port must be from 1 to 65535 ({options.Port} given).");
        }

        if ((options.Username is null) != (options.Password is null))
        {
            failures.Add("Cassandra: Username and Password are set together or not at all.");
        }

        if (options.Keyspace is not null && !Identifier().IsMatch(options.Keyspace))
        {
            failures.Add($"Cassandra: Keyspace '{options.Keyspace}' must be 1 to 48 letters, digits or underscores.");
        }

        if (options.ConnectionsPerHost is < 1 or > 64)
        {
            failures.Add($"Cassandra: ConnectionsPerHost must be from 1 to 64 ({options.ConnectionsPerHost} given).");
        }

        if (options.MaxRequestsPerConnection is < 1 or > 32768)
        {
            failures.Add($"Cassandra: MaxRequestsPerConnection must be from 1 to 32768 ({options.MaxRequestsPerConnection} given).");
        }

        Positive(failures, nameof(options.RequestTimeout), options.RequestTimeout);
        Positive(failures, nameof(options.ConnectTimeout), options.ConnectTimeout);
        Positive(failures, nameof(options.ReconnectBaseDelay), options.ReconnectBaseDelay);
        if (options.ReconnectMaxDelay < options.ReconnectBaseDelay)
        {
            failures.Add("Cassandra: ReconnectMaxDelay must be at least ReconnectBaseDelay.");
        }

        if (options.Consistency is CassandraConsistency.Serial or CassandraConsistency.LocalSerial || !Enum.IsDefined(options.Consistency))
        {
            failures.Add($"Cassandra: Consistency {options.Consistency} is not a consistency for reads and writes.");
        }

        if (options.SerialConsistency is not (CassandraConsistency.Serial or CassandraConsistency.LocalSerial))
        {
            failures.Add($"Cassandra: SerialConsistency must be Serial or LocalSerial ({options.SerialConsistency} given).");
        }

        if (options.PageSize < 1)
        {
            failures.Add($"Cassandra: PageSize must be positive ({options.PageSize} given).");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            failures.Add($"Cassandra: MaxRetries must be from 0 to 10 ({options.MaxRetries} given).");
        }

        if (string.IsNullOrWhiteSpace(options.LocalDatacenter))
        {
            failures.Add("Cassandra: LocalDatacenter is required (the datacenter of the contact points).");
        }

        if (options.ReplicationFactor is < 1 or > 10)
        {
            failures.Add($"Cassandra: ReplicationFactor must be from 1 to 10 ({options.ReplicationFactor} given).");
        }

        foreach (var (datacenter, factor) in options.Replication)
        {
            if (string.IsNullOrWhiteSpace(datacenter) || factor is < 0 or > 10)
            {
                failures.Add($"Cassandra: Replication '{datacenter}' = {factor} must name a datacenter with 0 to 10 replicas.");
            }
        }

        if (options.Replication.Count > 0 && !options.Replication.Values.Any(f => f > 0))
        {
            failures.Add("Cassandra: Replication must give at least one datacenter a replica.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
        {
            failures.Add($"Cassandra: {name} must be positive and at most a day ({value} given).");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,48}$")]
    private static partial Regex Identifier();
}
