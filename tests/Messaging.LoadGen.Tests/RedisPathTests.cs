using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Proxy;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.LoadGen.Tests;

/// <summary>
/// The measuring side of the Redis path against a real <c>redis-server</c>: the delaying, counting proxy and the
/// <c>roundtrips</c> scenario through it.
/// </summary>
public sealed class RedisPathTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Proxy_holds_each_reply_for_the_delay_without_queueing_pipelined_replies_behind_each_other()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var proxy = new RedisDelayProxy(new IPEndPoint(IPAddress.Loopback, redis.Port), Delay);
        proxy.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(proxy.Endpoint, TestContext.Current.CancellationToken);
        var stream = client.GetStream();

        // Three sequential requests wait for three delayed replies.
        var sequential = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await ReadPongsAsync(stream, 1);
        }

        Assert.True(sequential.Elapsed >= (Delay * 3) - TimeSpan.FromMilliseconds(15), $"Three sequential round trips took {sequential.Elapsed}.");

        // Three pipelined requests are one round trip: each reply is due its own arrival plus the delay.
        var pipelined = Stopwatch.StartNew();
        await stream.WriteAsync("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        await ReadPongsAsync(stream, 3);
        Assert.InRange(pipelined.Elapsed, Delay - TimeSpan.FromMilliseconds(15), (Delay * 3) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(6, proxy.Commands);
    }

    [Fact]
    public async Task Proxy_counts_a_script_call_once_while_commandstats_also_count_the_commands_inside_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var proxy = new RedisDelayProxy(new IPEndPoint(IPAddress.Loopback, redis.Port), TimeSpan.Zero);
        proxy.Start();
        var redisEndpoint = new IPEndPoint(IPAddress.Loopback, redis.Port);
        var before = await RedisServerStats.FetchAsync(redisEndpoint, TestContext.Current.CancellationToken);

        using var client = new TcpClient();
        await client.ConnectAsync(proxy.Endpoint, TestContext.Current.CancellationToken);
        var script = "redis.call('set', KEYS[1], '1'); return redis.call('get', KEYS[1])";
        await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes($"*4\r\n$4\r\nEVAL\r\n${script.Length}\r\n{script}\r\n$1\r\n1\r\n$1\r\nk\r\n"), TestContext.Current.CancellationToken);
        var reply = new byte[64];
        var read = await client.GetStream().ReadAsync(reply, TestContext.Current.CancellationToken);
        var executed = await RedisServerStats.FetchAsync(redisEndpoint, TestContext.Current.CancellationToken) - before;

        Assert.Equal("$1\r\n1\r\n", Encoding.ASCII.GetString(reply, 0, read));
        Assert.Equal((1, 1), (proxy.Commands, proxy.ScriptCalls));
        Assert.Equal((3, 1), (executed.Total, executed.ScriptCalls));
        Assert.True(executed.CpuSeconds >= 0, $"Redis's CPU time only grows: {executed}.");
    }

    [Fact]
    public async Task Roundtrips_scenario_measures_the_sequential_redis_round_trips_of_a_send_and_its_commands()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var proxy = new RedisDelayProxy(new IPEndPoint(IPAddress.Loopback, redis.Port), TimeSpan.Zero);
        proxy.Start();
        await using var server = await LoadGeneratorSmokeTests.StartServerAsync(services =>
            services.AddMessaging().UseRedis($"127.0.0.1:{proxy.Endpoint.Port}"));
        var options = LoadGenOptions.Parse(
        [
            "--server", server.BaseUri.ToString(), "--scenario", "roundtrips", "--target", "ours", "--messages", "3",
            "--redis-proxy", $"http://{proxy.ControlEndpoint}", "--delay-ms", "40", "--redis", $"127.0.0.1:{redis.Port}",
        ]);

        var result = await LoadRunner.RunAsync(options, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        var trips = Assert.IsType<RoundTrips>(result.RoundTrips);
        Assert.InRange(trips.BeforeSent, 1, 20);
        Assert.InRange(trips.BeforeDelivery, trips.BeforeSent, 20);
        // At least one delayed round trip shows in the delivery time (the rounding the scenario applies: half a delay).
        Assert.True(trips.DeliveredMs >= trips.BaseDeliveredMs + 20, $"The delay shows in the delivery time: {trips}.");
        var redisUsage = Assert.IsType<RedisUsage>(result.Redis);
        Assert.True(redisUsage.CommandsSent > 0, "A send runs Redis commands.");
        Assert.True(redisUsage.Commands >= redisUsage.CommandsSent, $"Redis executes at least what was sent: {redisUsage}.");
        Assert.Equal(TimeSpan.Zero, proxy.Delay);
    }

    [Fact]
    public async Task Cross_node_direct_run_splits_each_pair_between_two_gateways_and_counts_redis_commands_per_message()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = await LoadGeneratorSmokeTests.StartServerAsync(services =>
            services.AddMessaging().UseRedis(redis.ConnectionString));
        await using var second = await LoadGeneratorSmokeTests.StartServerAsync(services =>
            services.AddMessaging().UseRedis(redis.ConnectionString));
        var options = LoadGenOptions.Parse(
        [
            "--server", first.BaseUri.ToString(), "--server2", second.BaseUri.ToString(), "--scenario", "direct", "--target", "ours",
            "--rate", "50", "--pairs", "2", "--warmup", "0.5", "--warmup-unchecked", "0.5", "--duration", "1.5", "--redis", redis.ConnectionString,
        ]);

        var result = await LoadRunner.RunAsync(options, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Equal(2, result.Gateways);
        Assert.Null(result.Rejected);
        Assert.Equal(0, result.Undelivered);
        Assert.True(result.Delivered > 0, "Messages crossed from one gateway to the other.");
        var redisUsage = Assert.IsType<RedisUsage>(result.Redis);
        Assert.True(redisUsage.Commands >= 1, $"Every message sent across gateways goes through Redis: {redisUsage}.");
        Assert.True(redisUsage.CpuUs > 0, $"Redis spent CPU time on the messages: {redisUsage}.");
        Assert.Null(redisUsage.CommandsSent);
    }

    private static async Task ReadPongsAsync(NetworkStream stream, int count)
    {
        var expected = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("+PONG\r\n", count)));
        var buffer = new byte[expected.Length];
        await stream.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken);
        Assert.Equal(expected, buffer);
    }
}
