using System.Reflection;
using Messaging.Stores.Cassandra;

namespace Messaging.Cassandra.Tests.Stores;

public sealed class SchemaTests
{
    [Fact]
    public void The_schema_file_is_exactly_what_the_schema_step_runs()
    {
        var file = Path.Combine(RepositoryRoot(), "docs", "cassandra-schema.cql");

        Assert.Equal(CassandraSchema.Script(new CassandraOptions()), File.ReadAllText(file).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Every_statement_can_run_again_without_changing_anything()
    {
        var statements = CassandraSchema.Statements(new CassandraOptions());

        Assert.StartsWith("CREATE KEYSPACE IF NOT EXISTS messaging", statements[0], StringComparison.Ordinal);
        Assert.All(statements.Skip(1), s => Assert.StartsWith("CREATE TABLE IF NOT EXISTS messaging.", s, StringComparison.Ordinal));
        Assert.Equal(11, statements.Count);
    }

    [Fact]
    public void Replication_and_keyspace_come_from_the_options()
    {
        var local = new CassandraOptions { Keyspace = "chat_eu", LocalDatacenter = "eu-west", ReplicationFactor = 5 };
        var spanning = new CassandraOptions();
        spanning.Replication["us-east"] = 3;
        spanning.Replication["eu-west"] = 2;

        Assert.Contains("CREATE KEYSPACE IF NOT EXISTS chat_eu\n    WITH replication = {'class': 'NetworkTopologyStrategy', 'eu-west': 5}", CassandraSchema.Statements(local)[0], StringComparison.Ordinal);
        Assert.All(CassandraSchema.Statements(local).Skip(1), s => Assert.Contains(" chat_eu.", s, StringComparison.Ordinal));
        Assert.Equal("{'class': 'NetworkTopologyStrategy', 'eu-west': 2, 'us-east': 3}", CassandraSchema.ReplicationOf(spanning));
    }

    [Fact]
    public void The_messages_table_is_partitioned_by_conversation_and_bucket_and_clustered_by_seq()
    {
        var messages = CassandraSchema.Statements(new CassandraOptions()).Single(s => s.Contains(" messaging.messages ", StringComparison.Ordinal));

        Assert.Contains("PRIMARY KEY ((conversation_id, bucket), seq)", messages, StringComparison.Ordinal);
        Assert.Contains("CLUSTERING ORDER BY (seq ASC)", messages, StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        var directory = Assembly.GetExecutingAssembly().GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NodeToolsDirectory").Value!;
        return Path.GetFullPath(Path.Combine(directory, "..", ".."));
    }
}
