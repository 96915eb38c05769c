using FsCheck;
using FsCheck.Fluent;
using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql;
using Messaging.Stores.Cassandra.Cql.Protocol;
using Messaging.Stores.Cassandra.Cql.Routing;
using Messaging.Stores.Cassandra.Cql.Statements;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Cassandra.Tests.Protocol;

/// <summary>
/// Protocol tests of token-aware routing: tokens, routing keys and the ring, and where a session sends a statement with
/// a bound partition key, against scripted CQL peers that report their own tokens. They test the client's choice of
/// coordinator, not storage (any coordinator gives the same results).
/// </summary>
public sealed class TokenAwareRoutingTests
{
    private const string Select = "SELECT v FROM t WHERE k = ?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_token_is_the_one_cassandra_gives_the_key()
    {
        // SELECT token(k) for an int partition key k = 1 on Murmur3Partitioner (the node driver's cross-check in
        // NodeDriverCrossCheckTests covers every key length).
        Assert.Equal(-4069959284402364209, Murmur3Token.Of(CqlValueCodec.Encode(CqlType.Int, 1)));
        Assert.Equal(0, Murmur3Token.Of([]));
    }

    [Fact]
    public void A_routing_key_is_the_value_of_a_one_column_key_and_the_composite_layout_of_several()
    {
        byte[] conversation = [0x63, 0x31];
        byte[] bucket = [0, 0, 0, 7];

        Assert.Same(conversation, RoutingKey.Of([1], [bucket, conversation]));
        Assert.Equal([0, 2, 0x63, 0x31, 0, 0, 4, 0, 0, 0, 7, 0], RoutingKey.Of([1, 0], [bucket, conversation]));
        Assert.Null(RoutingKey.Of([], [conversation]));
        Assert.Null(RoutingKey.Of([0, 1], [conversation, null]));
        Assert.Null(RoutingKey.Of([2], [conversation]));
    }

    [Fact]
    public void A_token_goes_to_the_node_of_the_next_ring_token_and_then_round_the_ring()
        => Prop.ForAll(
                Gen.Choose(1, 5).SelectMany(nodes => Gen.Choose(int.MinValue, int.MaxValue).Select(t => (long)t * 4_294_967_311L).ArrayOf(12).Select(tokens => (nodes, tokens))).ToArbitrary(),
                Gen.Choose(int.MinValue, int.MaxValue).Select(t => (long)t * 4_294_967_311L).ToArbitrary(),
                (ring, token) =>
                {
                    var (nodes, tokens) = ring;
                    var hosts = Enumerable.Range(0, nodes).Select(n => $"node{n}").ToArray();
                    var owned = tokens.Select((t, i) => (t, hosts[i % nodes])).ToArray();
                    var replicas = new TokenRing<string>(owned).ReplicasOf(token);

                    // The first distinct token at or above the token's, else the smallest: its node owns the token.
                    var sorted = owned.DistinctBy(o => o.t).OrderBy(o => o.t).ToArray();
                    var owner = (sorted.FirstOrDefault(o => o.t >= token) is { Item2: not null } next ? next : sorted[0]).Item2;
                    return replicas.Count == sorted.Select(o => o.Item2).Distinct().Count()
                        && replicas.Distinct().Count() == replicas.Count
                        && replicas[0] == owner;
                })
            .QuickCheckThrowOnFailure();

    [Fact]
    public async Task A_statement_goes_to_the_node_owning_its_key_and_to_another_when_that_node_is_down()
    {
        await using var low = ScriptedCqlPeer.Start();
        await using var high = ScriptedCqlPeer.Start();
        low.RingTokens = ["0"];
        high.RingTokens = [long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        await using var session = await ConnectAsync([low, high], _ => { });
        Assert.Equal(1, low.RingQueries);
        Assert.Equal(1, high.RingQueries);
        Assert.Equal(session.Hosts, session.RingHosts.OrderBy(h => h == session.Hosts[0] ? 0 : 1));
        var prepared = await PrepareAsync(session, low, high);

        // Keys with a token at or below 0 belong to the node holding token 0; the others to the one holding the maximum.
        var keys = Enumerable.Range(1, 40).ToArray();
        foreach (var key in keys)
        {
            var expected = Murmur3Token.Of(CqlValueCodec.Encode(CqlType.Int, key)) <= 0 ? low : high;
            Assert.Same(expected, await ExecuteAsync(session, prepared, key, low, high));
        }

        Assert.Contains(keys, k => Murmur3Token.Of(CqlValueCodec.Encode(CqlType.Int, k)) <= 0);
        Assert.Contains(keys, k => Murmur3Token.Of(CqlValueCodec.Encode(CqlType.Int, k)) > 0);

        // The owner down: its keys go to the node that is up.
        high.Refuse = true;
        high.DropConnections();
        await Eventually.TrueAsync(() => !session.Hosts[1].IsUp, "the node marked down");
        var highKey = keys.First(k => Murmur3Token.Of(CqlValueCodec.Encode(CqlType.Int, k)) > 0);
        Assert.Same(low, await ExecuteAsync(session, prepared, highKey, low, high));
    }

    [Fact]
    public async Task Without_tokens_or_with_routing_off_statements_go_round_robin()
    {
        await using var first = ScriptedCqlPeer.Start();
        await using var second = ScriptedCqlPeer.Start();
        first.RingTokens = ["0"];
        second.RingTokens = ["1"];
        second.Partitioner = "org.apache.cassandra.dht.RandomPartitioner";
        await using (var unrouted = await ConnectAsync([first, second], o => o.TokenAwareRouting = false))
        {
            Assert.Equal(0, first.RingQueries + second.RingQueries);
            await AssertRoundRobinAsync(unrouted, first, second);
        }

        // Neither node reports Murmur3 tokens (one reports no tokens, the other another partitioner), and then one
        // answers without the partitioner column: the session connects and routes round-robin.
        first.RingTokens = null;
        await using (var session = await ConnectAsync([first, second], _ => { }))
        {
            Assert.Equal((1, 1), (first.RingQueries, second.RingQueries));
            Assert.Empty(session.RingHosts);
            await AssertRoundRobinAsync(session, first, second);
        }

        first.RingTokens = ["0"];
        first.Partitioner = null;
        await using var withoutColumn = await ConnectAsync([first, second], _ => { });
        Assert.Empty(withoutColumn.RingHosts);
        await AssertRoundRobinAsync(withoutColumn, first, second);
    }

    [Fact]
    public async Task A_node_that_was_down_at_connect_reports_its_tokens_once_it_is_up()
    {
        var time = new FakeTimeProvider();
        await using var low = ScriptedCqlPeer.Start();
        await using var high = ScriptedCqlPeer.Start();
        low.RingTokens = ["0"];
        high.RingTokens = [long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        high.Refuse = true;
        await using var session = await ConnectAsync([low, high], o => o.ReconnectBaseDelay = TimeSpan.FromSeconds(1), time);
        Assert.Equal(0, high.RingQueries);
        var prepared = await PrepareAsync(session, low, high);
        var highKey = Enumerable.Range(1, 40).First(k => Murmur3Token.Of(CqlValueCodec.Encode(CqlType.Int, k)) > 0);
        Assert.Same(low, await ExecuteAsync(session, prepared, highKey, low, high));

        high.Refuse = false;
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(2)); return session.Hosts[1].IsUp; }, "the node up");
        time.Advance(TimeSpan.FromSeconds(30));
        await ExecuteAsync(session, prepared, highKey, low, high);
        await Eventually.TrueAsync(() => Volatile.Read(ref high.RingQueries) == 1, "the node asked for its tokens");

        await Eventually.TrueAsync(async () => await ExecuteAsync(session, prepared, highKey, low, high) == high, "the key routed to its owner");
    }

    private static async Task AssertRoundRobinAsync(CqlSession session, ScriptedCqlPeer first, ScriptedCqlPeer second)
    {
        var prepared = await PrepareAsync(session, first, second);
        var answered = new List<ScriptedCqlPeer>();
        foreach (var key in Enumerable.Range(1, 6))
        {
            answered.Add(await ExecuteAsync(session, prepared, key, first, second));
        }

        Assert.Equal(3, answered.Count(p => p == first));
        Assert.Equal(3, answered.Count(p => p == second));
    }

    private static async Task<CqlPrepared> PrepareAsync(CqlSession session, params ScriptedCqlPeer[] peers)
    {
        var preparing = session.PrepareAsync(Select, Ct);
        var (request, _) = await NextOfAsync(peers);
        await request.ReplyAsync(new PreparedResult([1, 2, 3, 4], new CqlPreparedMetadata([0], [new CqlColumn("ks", "t", "k", CqlType.Int)]), new CqlRowsMetadata(1, [new CqlColumn("ks", "t", "v", CqlType.Varchar)])));
        return await preparing;
    }

    // Runs the prepared statement for a key and answers it from whichever peer it reached; returns that peer.
    private static async Task<ScriptedCqlPeer> ExecuteAsync(CqlSession session, CqlPrepared prepared, int key, params ScriptedCqlPeer[] peers)
    {
        var executing = session.ExecuteAsync(new CqlStatement(prepared, key), Ct);
        var (request, peer) = await NextOfAsync(peers);
        Assert.Equal(CqlValueCodec.Encode(CqlType.Int, key), Assert.IsType<ExecuteRequest>(request.Request).Parameters.Values[0]);
        await request.ReplyAsync(new RowsResult(new CqlRowsMetadata(1, null), [[CqlValueCodec.Encode(CqlType.Varchar, "v")]]));
        await executing;
        return peer;
    }

    private static async Task<(PeerRequest Request, ScriptedCqlPeer Peer)> NextOfAsync(ScriptedCqlPeer[] peers)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            foreach (var peer in peers)
            {
                if (peer.Requests.Reader.TryRead(out var request))
                {
                    return (request, peer);
                }
            }

            await Task.WhenAny(peers.Select(p => p.Requests.Reader.WaitToReadAsync(timeout.Token).AsTask()));
            timeout.Token.ThrowIfCancellationRequested();
        }
    }

    // One connection per peer, so every request of a session to a peer arrives on the same connection.
    private static Task<CqlSession> ConnectAsync(ScriptedCqlPeer[] peers, Action<CassandraOptions> configure, TimeProvider? time = null)
        => ScriptedCqlPeer.ConnectAsync(
            peers,
            options =>
            {
                options.ConnectionsPerHost = 1;
                configure(options);
            },
            time);
}
