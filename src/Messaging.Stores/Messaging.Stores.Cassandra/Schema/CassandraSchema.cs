using System.Globalization;
using System.Text;
using Messaging.Stores.Cassandra.Cql;
using Messaging.Stores.Cassandra.Cql.Statements;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Stores.Cassandra;

/// <summary>
/// The schema step: the keyspace (replication from <see cref="CassandraOptions.Replication"/>, or
/// <see cref="CassandraOptions.ReplicationFactor"/> in <see cref="CassandraOptions.LocalDatacenter"/>) and every table
/// of the stores, each created only if it does not exist, so running it again changes nothing. A host runs it once
/// per deployment (<see cref="ApplyAsync"/>, or <see cref="CassandraOptions.CreateSchemaAtStart"/>), or an operator
/// runs <see cref="Script"/> with <c>cqlsh</c>: <c>docs/cassandra-schema.cql</c> is that script for the default options.
/// </summary>
public static class CassandraSchema
{
    /// <summary>The statements the step runs, in order.</summary>
    /// <param name="options">The keyspace and replication to use.</param>
    /// <returns>Each statement without its trailing semicolon.</returns>
    public static IReadOnlyList<string> Statements(CassandraOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ks = CassandraNames.KeyspaceOf(options);
        return
        [
            $"CREATE KEYSPACE IF NOT EXISTS {ks}\n    WITH replication = {ReplicationOf(options)}\n    AND durable_writes = true",
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.Messages} (
                conversation_id text,
                bucket bigint,
                seq bigint,
                message_id text,
                sender_id text,
                client_msg_id text,
                content text,
                media_id text,
                media_type text,
                media_length bigint,
                media_name text,
                sent_at bigint,
                kind text,
                PRIMARY KEY ((conversation_id, bucket), seq)
            ) WITH CLUSTERING ORDER BY (seq ASC)
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.ConversationSeq} (
                conversation_id text PRIMARY KEY,
                last_seq bigint,
                history_start bigint
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.DeduplicationClaims} (
                conversation_id text,
                sender_id text,
                client_msg_id text,
                seq bigint,
                PRIMARY KEY ((conversation_id), sender_id, client_msg_id)
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.MessageIds} (
                message_id text PRIMARY KEY,
                conversation_id text,
                seq bigint
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.Conversations} (
                conversation_id text PRIMARY KEY,
                kind text,
                name text,
                created_at bigint,
                members list<text>,
                version bigint
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.ConversationActivity} (
                conversation_id text PRIMARY KEY,
                last_seq bigint,
                last_activity bigint
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.UserConversations} (
                user_id text,
                conversation_id text,
                PRIMARY KEY ((user_id), conversation_id)
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.UserDepartures} (
                user_id text,
                conversation_id text,
                left_at_seq bigint,
                left_at bigint,
                PRIMARY KEY ((user_id), conversation_id)
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.Receipts} (
                conversation_id text,
                user_id text,
                device_id text,
                delivered_upto bigint,
                delivered_at bigint,
                read_upto bigint,
                read_at bigint,
                PRIMARY KEY ((conversation_id), user_id, device_id)
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.{CassandraNames.SequenceCounters} (
                conversation_id text PRIMARY KEY,
                last bigint,
                owner uuid
            )
            """,
        ];
    }

    /// <summary>The statements as a script for <c>cqlsh -f</c>: a header comment, then each statement ended by a semicolon.</summary>
    /// <param name="options">The keyspace and replication to use.</param>
    /// <returns>The script.</returns>
    public static string Script(CassandraOptions options)
    {
        var script = new StringBuilder();
        script.Append("-- The schema of Messaging.Stores.Cassandra, as its schema step runs it (CassandraSchema.ApplyAsync).\n");
        script.Append("-- Every statement is IF NOT EXISTS: running the script again changes nothing.\n");
        script.Append("-- Keyspace ").Append(CassandraNames.KeyspaceOf(options)).Append(", replication ").Append(ReplicationOf(options)).Append(".\n");
        foreach (var statement in Statements(options))
        {
            script.Append('\n').Append(statement).Append(";\n");
        }

        return script.ToString();
    }

    /// <summary>
    /// Runs the schema step: connects without switching to the keyspace (it may not exist yet) and runs
    /// <see cref="Statements"/> one by one, each waiting for the cluster's schema agreement as the coordinator reports it.
    /// </summary>
    /// <param name="options">How to connect, the keyspace and the replication.</param>
    /// <param name="logger">Logs each statement; none when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the step (statements already run stay applied; running again is harmless).</param>
    /// <returns>A task that completes when every table exists.</returns>
    /// <exception cref="CassandraException">A node refused a statement or none could be reached.</exception>
    public static async Task ApplyAsync(CassandraOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var withoutKeyspace = options.Copy();
        withoutKeyspace.Keyspace = null;
        var log = logger ?? NullLogger.Instance;
        await using var session = await CqlSession.ConnectAsync(withoutKeyspace, TimeProvider.System, log, cancellationToken).ConfigureAwait(false);
        await RunStatementsAsync(session, options, log, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task RunStatementsAsync(CqlSession session, CassandraOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var statement in Statements(options))
        {
            CassandraLog.SchemaStatement(logger, statement.AsSpan(0, statement.IndexOf('(') is > 0 and var end ? end : statement.Length).ToString().Trim());

            // DDL is idempotent here (IF NOT EXISTS), so a timeout may be tried on the next node.
            await session.ExecuteAsync(new CqlStatement(statement) { IsIdempotent = true }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The replication map of the keyspace, as CQL.</summary>
    /// <param name="options">The options.</param>
    /// <returns>For example <c>{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}</c>.</returns>
    internal static string ReplicationOf(CassandraOptions options)
    {
        var factors = options.Replication.Count > 0
            ? options.Replication.OrderBy(p => p.Key, StringComparer.Ordinal).ToList()
            : [new KeyValuePair<string, int>(options.LocalDatacenter, options.ReplicationFactor)];
        var text = new StringBuilder("{'class': 'NetworkTopologyStrategy'");
        foreach (var (datacenter, factor) in factors)
        {
            text.Append(", '").Append(datacenter.Replace("'", "''", StringComparison.Ordinal)).Append("': ").Append(factor.ToString(CultureInfo.InvariantCulture));
        }

        return text.Append('}').ToString();
    }
}
