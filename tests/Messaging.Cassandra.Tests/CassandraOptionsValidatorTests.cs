using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql.Connection;

namespace Messaging.Cassandra.Tests;

public sealed class CassandraOptionsValidatorTests
{
    [Fact]
    public void Defaults_with_a_contact_point_are_valid()
    {
        Assert.True(new CassandraOptionsValidator().Validate(null, Options("127.0.0.1")).Succeeded);
    }

    public static TheoryData<string, string> Invalid() => new()
    {
        { "no contact point", "at least one contact point" },
        { "bad port", "not host or host:port" },
        { "user without password", "Username and Password" },
        { "keyspace", "Keyspace" },
        { "connections", "ConnectionsPerHost" },
        { "streams", "MaxRequestsPerConnection" },
        { "timeout", "RequestTimeout" },
        { "reconnect", "ReconnectMaxDelay" },
        { "serial as consistency", "Consistency" },
        { "quorum as serial", "SerialConsistency" },
        { "page size", "PageSize" },
        { "retries", "MaxRetries" },
        { "datacenter", "LocalDatacenter" },
        { "replication factor", "ReplicationFactor" },
        { "replication entry", "Replication 'dc2'" },
        { "replication without replicas", "at least one datacenter" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Bad_settings_fail_at_start_with_a_clear_message(string setting, string message)
    {
        var options = Options("[::1]:9042", "cassandra.internal");
        switch (setting)
        {
            case "no contact point": options.ContactPoints.Clear(); break;
            case "bad port": options.ContactPoints.Add("host:70000"); break;
            case "user without password": options.Username = "messaging"; break;
            case "keyspace": options.Keyspace = "bad-name; DROP"; break;
            case "connections": options.ConnectionsPerHost = 0; break;
            case "streams": options.MaxRequestsPerConnection = 40_000; break;
            case "timeout": options.RequestTimeout = TimeSpan.Zero; break;
            case "reconnect": options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(1); break;
            case "serial as consistency": options.Consistency = CassandraConsistency.Serial; break;
            case "quorum as serial": options.SerialConsistency = CassandraConsistency.Quorum; break;
            case "page size": options.PageSize = 0; break;
            case "retries": options.MaxRetries = -1; break;
            case "datacenter": options.LocalDatacenter = " "; break;
            case "replication factor": options.ReplicationFactor = 0; break;
            case "replication entry": options.Replication["dc2"] = 11; break;
            case "replication without replicas": options.Replication["dc1"] = 0; break;
        }

        var result = new CassandraOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_is_never_shown()
    {
        var options = Options("127.0.0.1");
        options.Username = "messaging";
        options.Password = "s3cret";

        Assert.DoesNotContain("s3cret", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("messaging", options.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", 9042)]
    [InlineData("10.0.0.1:9142", "10.0.0.1", 9142)]
    [InlineData("cassandra.internal", "cassandra.internal", 9042)]
    [InlineData("[::1]:9043", "::1", 9043)]
    [InlineData("[::1]", "::1", 9042)]
    public void Contact_points_parse_with_the_default_port(string text, string host, int port)
    {
        Assert.True(CqlEndpoint.TryParse(text, 9042, out var endpoint));
        Assert.Equal(new CqlEndpoint(host, port), endpoint);
    }

    private static CassandraOptions Options(params string[] contactPoints)
    {
        var options = new CassandraOptions();
        foreach (var contactPoint in contactPoints)
        {
            options.ContactPoints.Add(contactPoint);
        }

        return options;
    }

    [Theory]
    [InlineData(0, 1, 100, "MaxAttempts")]
    [InlineData(10_001, 1, 100, "MaxAttempts")]
    [InlineData(100, -1, 100, "RetryBaseDelay")]
    [InlineData(100, 20, 10, "RetryMaxDelay")]
    [InlineData(100, 1, 10_001, "RetryMaxDelay")]
    public void Bad_sequencer_options_are_named(int attempts, int baseMs, int maxMs, string named)
    {
        var options = new CassandraSequencerOptions { MaxAttempts = attempts, RetryBaseDelay = TimeSpan.FromMilliseconds(baseMs), RetryMaxDelay = TimeSpan.FromMilliseconds(maxMs) };

        var result = new CassandraSequencerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new CassandraSequencerOptionsValidator().Validate(null, new CassandraSequencerOptions()).Succeeded);
    }

    [Fact]
    public void A_copy_keeps_every_setting()
    {
        // Every settable property gets a value other than its default, so a setting Copy forgets shows up here.
        var options = Options("10.0.0.1:9142", "10.0.0.2");
        options.Replication.Add("dc2", 2);
        foreach (var property in typeof(CassandraOptions).GetProperties().Where(p => p.CanWrite))
        {
            var current = property.GetValue(options);
            object changed = current switch
            {
                int i => i + 1,
                bool b => !b,
                TimeSpan t => t + TimeSpan.FromSeconds(1),
                CassandraConsistency c => c == CassandraConsistency.One ? CassandraConsistency.Two : CassandraConsistency.One,
                _ => property.PropertyType == typeof(string) ? "changed" : throw new InvalidOperationException($"{property.Name}: give the test a value of {property.PropertyType.Name}"),
            };
            property.SetValue(options, changed);
        }

        var copy = options.Copy();

        foreach (var property in typeof(CassandraOptions).GetProperties())
        {
            var (original, copied) = (property.GetValue(options), property.GetValue(copy));
            if (original is System.Collections.IEnumerable items and not string)
            {
                Assert.NotSame(original, copied);
                Assert.Equal(items.Cast<object>(), ((System.Collections.IEnumerable)copied!).Cast<object>());
            }
            else
            {
                Assert.True(Equals(original, copied), $"{property.Name}: {original} copied as {copied}");
            }
        }
    }
}
