using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql;
using Messaging.Stores.Cassandra.Cql.Connection;
using Messaging.Stores.Cassandra.Cql.Protocol;
using Messaging.Stores.Cassandra.Cql.Statements;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Cassandra.Tests.Protocol;

/// <summary>
/// Protocol tests: the client's connection and pool behaviour against a scripted CQL peer on a loopback socket (stream
/// ids, ordering, framing across reads, closes, timeouts, re-preparation, authentication, paging, errors). They test
/// the protocol client, not storage.
/// </summary>
public sealed class ConnectionProtocolTests
{
    private static readonly CqlColumn Value = new("ks", "t", "v", CqlType.Varchar);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Answers_arriving_out_of_order_reach_their_own_requests()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => o.ConnectionsPerHost = 1);

        var queries = Enumerable.Range(0, 5).Select(i => session.ExecuteAsync(new CqlStatement($"SELECT {i}"), Ct)).ToArray();
        var received = new List<PeerRequest>();
        for (var i = 0; i < queries.Length; i++)
        {
            received.Add(await peer.NextAsync());
        }

        Assert.Equal(5, received.Select(r => r.Stream).Distinct().Count());
        foreach (var request in Enumerable.Reverse(received))
        {
            await request.ReplyAsync(Rows(request.Text));
        }

        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal($"SELECT {i}", (await queries[i]).Rows.Single()["v"]);
        }
    }

    [Fact]
    public async Task A_stream_id_is_reused_only_after_its_answer()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.MaxRequestsPerConnection = 2; });

        var first = session.ExecuteAsync(new CqlStatement("first"), Ct);
        var second = session.ExecuteAsync(new CqlStatement("second"), Ct);
        var a = await peer.NextAsync();
        var b = await peer.NextAsync();
        Assert.NotEqual(a.Stream, b.Stream);

        // Both ids are taken: a third request waits for one of them to be answered.
        var third = session.ExecuteAsync(new CqlStatement("third"), Ct);
        Assert.False(peer.Requests.Reader.TryRead(out _));
        await b.ReplyAsync(Rows("second"));
        var c = await peer.NextAsync();

        Assert.Equal(b.Stream, c.Stream);
        Assert.Equal("second", (await second).Rows[0]["v"]);
        await c.ReplyAsync(Rows("third"));
        await a.ReplyAsync(Rows("first"));
        Assert.Equal("third", (await third).Rows[0]["v"]);
        Assert.Equal("first", (await first).Rows[0]["v"]);
    }

    [Fact]
    public async Task A_timed_out_request_keeps_its_stream_id_until_the_late_answer_which_is_dropped()
    {
        var time = new FakeTimeProvider();
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.MaxRequestsPerConnection = 2; o.RequestTimeout = TimeSpan.FromSeconds(2); }, time);

        var late = session.ExecuteAsync(new CqlStatement("late"), Ct);
        var lateRequest = await peer.NextAsync();
        time.Advance(TimeSpan.FromSeconds(2));
        var timeout = await Assert.ThrowsAsync<CassandraException>(() => late);
        Assert.Equal(CassandraErrorKind.RequestTimeout, timeout.Kind);

        // The timed-out id stays taken: with two ids, one request in flight takes the other and a third waits.
        var next = session.ExecuteAsync(new CqlStatement("next"), Ct);
        var nextRequest = await peer.NextAsync();
        Assert.NotEqual(lateRequest.Stream, nextRequest.Stream);
        var third = session.ExecuteAsync(new CqlStatement("third"), Ct);

        // The late answer frees the id and is dropped; the third request is sent on it and gets its own answer.
        await lateRequest.ReplyAsync(Rows("stale"));
        var thirdRequest = await peer.NextAsync();
        Assert.Equal("third", thirdRequest.Text);
        Assert.Equal(lateRequest.Stream, thirdRequest.Stream);
        await thirdRequest.ReplyAsync(Rows("third"));
        await nextRequest.ReplyAsync(Rows("next"));
        Assert.Equal("third", (await third).Rows[0]["v"]);
        Assert.Equal("next", (await next).Rows[0]["v"]);
    }

    [Fact]
    public async Task A_connection_whose_requests_keep_timing_out_is_closed_and_replaced()
    {
        var time = new FakeTimeProvider();
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.MaxRequestsPerConnection = 2; o.RequestTimeout = TimeSpan.FromSeconds(1); }, time);
        var host = session.Hosts.Single();

        var a = session.ExecuteAsync(new CqlStatement("a"), Ct);
        var b = session.ExecuteAsync(new CqlStatement("b"), Ct);
        await peer.NextAsync();
        await peer.NextAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CassandraErrorKind.RequestTimeout, (await Assert.ThrowsAsync<CassandraException>(() => a)).Kind);
        Assert.Equal(CassandraErrorKind.RequestTimeout, (await Assert.ThrowsAsync<CassandraException>(() => b)).Kind);

        // Over half of its ids wait for answers that do not come: the connection is given up and a new one opened.
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return peer.ReadyConnections >= 2 && host.IsUp; }, "a new connection");
        var c = session.ExecuteAsync(new CqlStatement("c"), Ct);
        var request = await peer.NextAsync();
        await request.ReplyAsync(Rows("c"));
        Assert.Equal("c", (await c).Rows[0]["v"]);
    }

    [Fact]
    public async Task A_cancelled_request_fails_at_once_and_its_late_answer_is_dropped()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.MaxRequestsPerConnection = 1; });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var cancelled = session.ExecuteAsync(new CqlStatement("slow") { IsIdempotent = true }, cancel.Token);
        var slow = await peer.NextAsync();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        // The only id is parked until the late answer; the next request waits for it and then gets its own answer.
        var next = session.ExecuteAsync(new CqlStatement("next"), Ct);
        await slow.ReplyAsync(Rows("slow"));
        var request = await peer.NextAsync();
        Assert.Equal(slow.Stream, request.Stream);
        await request.ReplyAsync(Rows("next"));
        Assert.Equal("next", (await next).Rows[0]["v"]);
    }

    [Fact]
    public async Task Requests_waiting_for_a_stream_id_fail_at_once_when_the_connection_closes()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.MaxRequestsPerConnection = 1; o.RequestTimeout = TimeSpan.FromMinutes(5); });

        var sent = session.ExecuteAsync(new CqlStatement("sent"), Ct);
        await peer.NextAsync();
        var waiting = session.ExecuteAsync(new CqlStatement("waiting"), Ct);
        peer.Refuse = true;
        peer.DropConnections();

        Assert.Equal(CassandraErrorKind.ConnectionFailed, (await Assert.ThrowsAsync<CassandraException>(() => sent)).Kind);
        // Not after the five-minute request timeout: a waiter for an id of a closed connection wakes up with it.
        var failure = await Assert.ThrowsAsync<CassandraException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(CassandraErrorKind.NoHostAvailable, failure.Kind);
    }

    [Fact]
    public async Task Frames_split_across_reads_and_several_frames_in_one_read_are_all_read()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => o.ConnectionsPerHost = 1);

        var one = session.ExecuteAsync(new CqlStatement("one"), Ct);
        var request = await peer.NextAsync();
        await request.Connection.WriteAsync(CqlFraming.Response(request.Stream, Rows(new string('x', 300))), chunk: 1);
        Assert.Equal(new string('x', 300), (await one).Rows[0]["v"]);

        var two = session.ExecuteAsync(new CqlStatement("two"), Ct);
        var three = session.ExecuteAsync(new CqlStatement("three"), Ct);
        var r2 = await peer.NextAsync();
        var r3 = await peer.NextAsync();
        byte[] both = [.. CqlFraming.Response(r3.Stream, Rows(r3.Text)), .. CqlFraming.Response(r2.Stream, Rows(r2.Text))];
        await r2.Connection.WriteAsync(both, chunk: 7);
        Assert.Equal("two", (await two).Rows[0]["v"]);
        Assert.Equal("three", (await three).Rows[0]["v"]);
    }

    [Fact]
    public async Task A_server_closing_mid_request_fails_the_request_clearly_and_the_pool_reconnects()
    {
        var time = new FakeTimeProvider();
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.ReconnectBaseDelay = TimeSpan.FromSeconds(1); }, time);
        var host = session.Hosts.Single();

        var pending = session.ExecuteAsync(new CqlStatement("INSERT ...") { IsIdempotent = false }, Ct);
        await peer.NextAsync();
        peer.Refuse = true;
        peer.DropConnections();

        var failure = await Assert.ThrowsAsync<CassandraException>(() => pending);
        Assert.Equal(CassandraErrorKind.ConnectionFailed, failure.Kind);
        Assert.Contains("closed before the answer came", failure.Message, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => !host.IsUp, "the node marked down");
        var down = await Assert.ThrowsAsync<CassandraException>(() => session.ExecuteAsync(new CqlStatement("SELECT 1"), Ct));
        Assert.Equal(CassandraErrorKind.NoHostAvailable, down.Kind);

        // Attempts back off while the node refuses; once it answers again the node is up and requests flow.
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return host.ReconnectAttempts >= 2; }, "two reconnection attempts");
        peer.Refuse = false;
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(10)); return host.IsUp; }, "the node up again");
        var query = session.ExecuteAsync(new CqlStatement("SELECT 2"), Ct);
        var request = await peer.NextAsync();
        await request.ReplyAsync(Rows("back"));
        Assert.Equal("back", (await query).Rows[0]["v"]);
    }

    [Fact]
    public async Task A_timeout_is_retried_on_the_next_node_only_for_an_idempotent_statement()
    {
        var time = new FakeTimeProvider();
        await using var first = ScriptedCqlPeer.Start();
        await using var second = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync([first, second], o => { o.ConnectionsPerHost = 1; o.RequestTimeout = TimeSpan.FromSeconds(1); }, time);

        async Task<(PeerRequest Request, ScriptedCqlPeer Peer)> NextOnEitherAsync()
        {
            var a = first.Requests.Reader.WaitToReadAsync(Ct).AsTask();
            var b = second.Requests.Reader.WaitToReadAsync(Ct).AsTask();
            var peer = await Task.WhenAny(a, b) == a ? first : second;
            return (await peer.NextAsync(), peer);
        }

        var write = session.ExecuteAsync(new CqlStatement("INSERT counter"), Ct);
        var (_, writePeer) = await NextOnEitherAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CassandraErrorKind.RequestTimeout, (await Assert.ThrowsAsync<CassandraException>(() => write)).Kind);
        Assert.False(first.Requests.Reader.TryRead(out _) || second.Requests.Reader.TryRead(out _));

        var lwt = session.ExecuteAsync(new CqlStatement("INSERT ... IF NOT EXISTS") { IsIdempotent = true, SerialConsistency = CassandraConsistency.LocalSerial }, Ct);
        await NextOnEitherAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CassandraErrorKind.RequestTimeout, (await Assert.ThrowsAsync<CassandraException>(() => lwt)).Kind);
        Assert.False(first.Requests.Reader.TryRead(out _) || second.Requests.Reader.TryRead(out _));

        var read = session.ExecuteAsync(new CqlStatement("SELECT") { IsIdempotent = true }, Ct);
        var (_, readPeer) = await NextOnEitherAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        var (retry, retryPeer) = await NextOnEitherAsync();
        Assert.NotSame(readPeer, retryPeer);
        await retry.ReplyAsync(Rows("retried"));
        Assert.Equal("retried", (await read).Rows[0]["v"]);
        Assert.NotNull(writePeer);
    }

    [Fact]
    public async Task An_unprepared_execute_is_prepared_again_and_executed_once_more()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => o.ConnectionsPerHost = 1);
        byte[] id = [1, 2, 3, 4];
        var bind = new CqlPreparedMetadata([0], [new CqlColumn("ks", "t", "k", CqlType.Int)]);
        var result = new CqlRowsMetadata(1, [Value]);

        var preparing = session.PrepareAsync("SELECT v FROM t WHERE k = ?", Ct);
        var prepare = await peer.NextAsync();
        await prepare.ReplyAsync(new PreparedResult(id, bind, result));
        var prepared = await preparing;

        var executing = session.ExecuteAsync(new CqlStatement(prepared, 42), Ct);
        var execute = await peer.NextAsync();
        var parameters = Assert.IsType<ExecuteRequest>(execute.Request).Parameters;
        Assert.Equal(CqlValueCodec.Encode(CqlType.Int, 42), parameters.Values[0]);
        Assert.False(parameters.SkipMetadata);
        await execute.ReplyAsync(new ErrorResponse(CqlErrorCodes.Unprepared, "Prepared query with ID 01020304 not found") { UnpreparedId = id });

        var again = await peer.NextAsync();
        Assert.Equal("SELECT v FROM t WHERE k = ?", Assert.IsType<PrepareRequest>(again.Request).Query);
        await again.ReplyAsync(new PreparedResult(id, bind, result));
        var retried = await peer.NextAsync();
        Assert.Equal(id, Assert.IsType<ExecuteRequest>(retried.Request).Id);
        await retried.ReplyAsync(new RowsResult(new CqlRowsMetadata(1, null), [[CqlValueCodec.Encode(CqlType.Varchar, "found")]]));

        Assert.Equal("found", (await executing).Rows[0]["v"]);
    }

    [Fact]
    public async Task A_second_unprepared_answer_fails_with_the_unprepared_kind()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => o.ConnectionsPerHost = 1);
        byte[] id = [9];
        var prepared = new CqlPrepared("SELECT 1", id, new CqlPreparedMetadata([], []), new CqlRowsMetadata(1, [Value]));

        var executing = session.ExecuteAsync(new CqlStatement(prepared), Ct);
        await (await peer.NextAsync()).ReplyAsync(new ErrorResponse(CqlErrorCodes.Unprepared, "unknown") { UnpreparedId = id });
        await (await peer.NextAsync()).ReplyAsync(new PreparedResult(id, prepared.Bind, prepared.Result));
        await (await peer.NextAsync()).ReplyAsync(new ErrorResponse(CqlErrorCodes.Unprepared, "unknown again") { UnpreparedId = id });

        Assert.Equal(CassandraErrorKind.Unprepared, (await Assert.ThrowsAsync<CassandraException>(() => executing)).Kind);
    }

    [Fact]
    public async Task Password_authentication_sends_sasl_plain_and_wrong_credentials_fail_at_connect()
    {
        await using var peer = ScriptedCqlPeer.Start("messaging", "s3cret");
        await using (var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.Username = "messaging"; o.Password = "s3cret"; }))
        {
            Assert.True(session.Hosts.Single().IsUp);
        }

        Assert.Equal("\0messaging\0s3cret"u8.ToArray(), peer.Tokens[0]);
        var refused = await Assert.ThrowsAsync<CassandraException>(() => ConnectAsync(peer, o => { o.Username = "messaging"; o.Password = "wrong"; }));
        Assert.Equal(CassandraErrorKind.BadCredentials, refused.Kind);
        var missing = await Assert.ThrowsAsync<CassandraException>(() => ConnectAsync(peer, _ => { }));
        Assert.Equal(CassandraErrorKind.BadCredentials, missing.Kind);
    }

    [Fact]
    public async Task Paging_follows_the_paging_state_across_pages()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => o.ConnectionsPerHost = 1);

        var reading = Task.Run(async () =>
        {
            var rows = new List<string>();
            await foreach (var row in session.ReadAllAsync(new CqlStatement("SELECT v FROM t") { PageSize = 2, IsIdempotent = true }, Ct))
            {
                rows.Add((string)row["v"]!);
            }

            return rows;
        });
        byte[]?[] states = [null, [0xA1], [0xB2]];
        for (var page = 0; page < 3; page++)
        {
            var request = await peer.NextAsync();
            var parameters = Assert.IsType<QueryRequest>(request.Request).Parameters;
            Assert.Equal(2, parameters.PageSize);
            Assert.Equal(states[page], parameters.PagingState);
            var next = page < 2 ? states[page + 1] : null;
            await request.ReplyAsync(new RowsResult(new CqlRowsMetadata(1, [Value], next), page < 2
                ? [[CqlValueCodec.Encode(CqlType.Varchar, $"r{page * 2}")], [CqlValueCodec.Encode(CqlType.Varchar, $"r{(page * 2) + 1}")]]
                : [[CqlValueCodec.Encode(CqlType.Varchar, "r4")]]));
        }

        Assert.Equal(["r0", "r1", "r2", "r3", "r4"], await reading);
    }

    [Fact]
    public async Task Statements_carry_their_consistency_serial_consistency_and_a_client_timestamp()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.Consistency = CassandraConsistency.LocalQuorum; }, time);

        var defaults = session.ExecuteAsync(new CqlStatement("INSERT a", "x", 1L), Ct);
        var first = await peer.NextAsync();
        await first.ReplyAsync(new VoidResult());
        await defaults;
        var lwt = session.ExecuteAsync(new CqlStatement("INSERT b IF NOT EXISTS") { Consistency = CassandraConsistency.One, SerialConsistency = CassandraConsistency.Serial }, Ct);
        var second = await peer.NextAsync();
        await second.ReplyAsync(new VoidResult());
        await lwt;
        var batch = session.ExecuteBatchAsync(new CqlBatch([new CqlStatement("INSERT c"), new CqlStatement("INSERT d", 5)], CqlBatchType.Unlogged) { Timestamp = 77 }, Ct);
        var third = await peer.NextAsync();
        await third.ReplyAsync(new VoidResult());
        await batch;

        var p1 = ((QueryRequest)first.Request).Parameters;
        var p2 = ((QueryRequest)second.Request).Parameters;
        Assert.Equal(CassandraConsistency.LocalQuorum, p1.Consistency);
        Assert.Null(p1.SerialConsistency);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds() * 1000, p1.Timestamp);
        Assert.Equal([CqlValueCodec.Encode(CqlType.Varchar, "x"), CqlValueCodec.Encode(CqlType.Bigint, 1L)], p1.Values);
        Assert.Equal(CassandraConsistency.One, p2.Consistency);
        Assert.Equal(CassandraConsistency.Serial, p2.SerialConsistency);
        Assert.True(p2.Timestamp > p1.Timestamp, "client timestamps increase even when the clock stands still");
        var b = Assert.IsType<BatchRequest>(third.Request);
        Assert.Equal(CqlBatchType.Unlogged, b.Type);
        Assert.Equal(77, b.Timestamp);
        Assert.Equal(["INSERT c", "INSERT d"], b.Entries.Select(e => e.Query));
    }

    public static TheoryData<int, CassandraErrorKind> ErrorCodes() => new()
    {
        { CqlErrorCodes.ServerError, CassandraErrorKind.ServerError },
        { CqlErrorCodes.ProtocolError, CassandraErrorKind.ProtocolError },
        { CqlErrorCodes.BadCredentials, CassandraErrorKind.BadCredentials },
        { CqlErrorCodes.Unavailable, CassandraErrorKind.Unavailable },
        { CqlErrorCodes.Overloaded, CassandraErrorKind.Overloaded },
        { CqlErrorCodes.IsBootstrapping, CassandraErrorKind.IsBootstrapping },
        { CqlErrorCodes.TruncateError, CassandraErrorKind.TruncateError },
        { CqlErrorCodes.WriteTimeout, CassandraErrorKind.WriteTimeout },
        { CqlErrorCodes.ReadTimeout, CassandraErrorKind.ReadTimeout },
        { CqlErrorCodes.ReadFailure, CassandraErrorKind.ReadFailure },
        { CqlErrorCodes.FunctionFailure, CassandraErrorKind.FunctionFailure },
        { CqlErrorCodes.WriteFailure, CassandraErrorKind.WriteFailure },
        { CqlErrorCodes.SyntaxError, CassandraErrorKind.SyntaxError },
        { CqlErrorCodes.Unauthorized, CassandraErrorKind.Unauthorized },
        { CqlErrorCodes.Invalid, CassandraErrorKind.Invalid },
        { CqlErrorCodes.ConfigError, CassandraErrorKind.ConfigError },
        { CqlErrorCodes.AlreadyExists, CassandraErrorKind.AlreadyExists },
    };

    [Theory]
    [MemberData(nameof(ErrorCodes))]
    public async Task Each_error_code_fails_a_non_idempotent_statement_with_its_typed_exception(int code, CassandraErrorKind kind)
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => { o.ConnectionsPerHost = 1; o.MaxRetries = 0; });

        var executing = session.ExecuteAsync(new CqlStatement("INSERT x"), Ct);
        var error = new ErrorResponse(code, "from the peer")
        {
            Consistency = CassandraConsistency.Quorum,
            Required = 3,
            Alive = 1,
            Received = 1,
            BlockFor = 2,
            WriteType = "SIMPLE",
            Keyspace = "ks",
            Name = "messages",
            ArgumentTypes = [],
        };
        var request = await peer.NextAsync();
        await request.ReplyAsync(error);
        if (code is CqlErrorCodes.Unavailable or CqlErrorCodes.IsBootstrapping)
        {
            // The coordinator did not try the request: it goes to the next node (this one again, the only one) once.
            await (await peer.NextAsync()).ReplyAsync(error);
        }

        var exception = await Assert.ThrowsAnyAsync<CassandraException>(() => executing);
        Assert.Equal(kind, exception.Kind);
        Assert.Equal(code, exception.ErrorCode);
        Assert.Contains("from the peer", exception.Message, StringComparison.Ordinal);
        switch (exception)
        {
            case CassandraUnavailableException unavailable:
                Assert.Equal((CassandraConsistency.Quorum, 3, 1), (unavailable.Consistency, unavailable.Required, unavailable.Alive));
                break;
            case CassandraReplicaException replica:
                Assert.Equal((CassandraConsistency.Quorum, 1, 2), (replica.Consistency, replica.Received, replica.BlockFor));
                Assert.Equal(code is CqlErrorCodes.WriteTimeout or CqlErrorCodes.WriteFailure ? "SIMPLE" : null, replica.WriteType);
                break;
            case CassandraAlreadyExistsException exists:
                Assert.Equal(("ks", "messages"), (exists.Keyspace, exists.Table));
                break;
            default:
                Assert.DoesNotContain(code, new[] { CqlErrorCodes.Unavailable, CqlErrorCodes.WriteTimeout, CqlErrorCodes.ReadTimeout, CqlErrorCodes.AlreadyExists });
                break;
        }
    }

    [Fact]
    public async Task A_write_timeout_of_a_lightweight_transaction_is_never_retried()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => o.ConnectionsPerHost = 1);

        var cas = session.ExecuteAsync(new CqlStatement("UPDATE t SET v = 1 WHERE k = 1 IF v = 0") { IsIdempotent = true, SerialConsistency = CassandraConsistency.LocalSerial }, Ct);
        await (await peer.NextAsync()).ReplyAsync(new ErrorResponse(CqlErrorCodes.WriteTimeout, "CAS timeout") { Consistency = CassandraConsistency.LocalSerial, WriteType = "CAS" });
        var exception = await Assert.ThrowsAsync<CassandraReplicaException>(() => cas);
        Assert.Equal("CAS", exception.WriteType);

        var plain = session.ExecuteAsync(new CqlStatement("INSERT t (k, v) VALUES (1, 1)") { IsIdempotent = true }, Ct);
        await (await peer.NextAsync()).ReplyAsync(new ErrorResponse(CqlErrorCodes.WriteTimeout, "timeout") { WriteType = "SIMPLE" });
        await (await peer.NextAsync()).ReplyAsync(new VoidResult());
        await plain;
        Assert.False(peer.Requests.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Event_frames_are_ignored_and_requests_still_complete()
    {
        await using var peer = ScriptedCqlPeer.Start();
        await using var session = await ConnectAsync(peer, o => o.ConnectionsPerHost = 1);

        var query = session.ExecuteAsync(new CqlStatement("SELECT"), Ct);
        var request = await peer.NextAsync();
        var writer = new CqlWriter();
        writer.WriteString("STATUS_CHANGE");
        writer.WriteString("DOWN");
        writer.WriteByte(4);
        writer.WriteRaw([127, 0, 0, 2]);
        writer.WriteInt(9042);
        var header = new CqlFrameHeader(CqlFrameHeader.ResponseVersion, CqlFrameFlags.None, -1, CqlOpcode.Event, writer.Length);
        var frame = new byte[CqlFrameHeader.Size + writer.Length];
        header.Write(frame);
        writer.WrittenSpan.CopyTo(frame.AsSpan(CqlFrameHeader.Size));
        await request.Connection.WriteAsync(frame);
        await request.ReplyAsync(Rows("after the event") with { Warnings = ["Aggregation query used without partition key"] });

        Assert.Equal("after the event", (await query).Rows[0]["v"]);
    }

    [Fact]
    public async Task Requests_go_round_robin_over_nodes_and_a_node_that_cannot_be_reached_is_skipped()
    {
        await using var first = ScriptedCqlPeer.Start();
        await using var second = ScriptedCqlPeer.Start();
        var closed = ScriptedCqlPeer.Start();
        var unreachable = closed.ContactPoint;
        await closed.DisposeAsync();
        await using var session = await ConnectAsync([first, second], o => { o.ConnectionsPerHost = 2; o.ContactPoints.Add(unreachable); });

        Assert.Equal([true, true, false], session.Hosts.Select(h => h.IsUp));
        var queries = Enumerable.Range(0, 6).Select(i => session.ExecuteAsync(new CqlStatement($"q{i}"), Ct)).ToArray();
        var counts = new Dictionary<ScriptedCqlPeer, int> { [first] = 0, [second] = 0 };
        for (var answered = 0; answered < 6;)
        {
            foreach (var peer in new[] { first, second })
            {
                while (peer.Requests.Reader.TryRead(out var request))
                {
                    counts[peer]++;
                    answered++;
                    await request.ReplyAsync(new VoidResult());
                }
            }

            await Task.WhenAny(first.Requests.Reader.WaitToReadAsync(Ct).AsTask(), second.Requests.Reader.WaitToReadAsync(Ct).AsTask(), Task.WhenAll(queries));
        }

        await Task.WhenAll(queries);
        Assert.Equal(3, counts[first]);
        Assert.Equal(3, counts[second]);
    }

    [Fact]
    public async Task No_reachable_contact_point_fails_the_connect_with_no_host_available()
    {
        var closed = ScriptedCqlPeer.Start();
        var contactPoint = closed.ContactPoint;
        await closed.DisposeAsync();
        var options = new CassandraOptions { ConnectionsPerHost = 1 };
        options.ContactPoints.Add(contactPoint);

        var exception = await Assert.ThrowsAsync<CassandraException>(() => CqlSession.ConnectAsync(options, TimeProvider.System, NullLogger.Instance, Ct));

        Assert.Equal(CassandraErrorKind.NoHostAvailable, exception.Kind);
        Assert.Contains(contactPoint, exception.Message, StringComparison.Ordinal);
    }

    private static RowsResult Rows(string value) => new(new CqlRowsMetadata(1, [Value]), [[CqlValueCodec.Encode(CqlType.Varchar, value)]]);

    private static Task<CqlSession> ConnectAsync(ScriptedCqlPeer peer, Action<CassandraOptions> configure, TimeProvider? time = null) =>
        ConnectAsync([peer], configure, time);

    private static Task<CqlSession> ConnectAsync(ScriptedCqlPeer[] peers, Action<CassandraOptions> configure, TimeProvider? time = null)
        => ScriptedCqlPeer.ConnectAsync(peers, configure, time);
}
