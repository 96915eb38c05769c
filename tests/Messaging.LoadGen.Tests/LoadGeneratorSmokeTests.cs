using Messaging.Bench;
using Messaging.LoadGen;
using Messaging.LoadGen.Cli;
using Messaging.Testing;
using Messaging.Transports.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.LoadGen.Tests;

/// <summary>
/// A few seconds of the load generator against an in-process server: the benchmarks themselves are not part of the
/// test run, but the tool that produces their numbers is, so a broken scenario fails the build instead of a report.
/// </summary>
public sealed class LoadGeneratorSmokeTests
{
    [Fact]
    public async Task Direct_scenario_delivers_every_message_it_sends_to_an_in_process_server()
    {
        await using var server = await StartServerAsync();
        var options = LoadGenOptions.Parse(
        [
            "--server", server.BaseUri.ToString(), "--scenario", "direct", "--target", "ours",
            "--rate", "100", "--pairs", "2", "--warmup", "0.5", "--warmup-unchecked", "0.5", "--duration", "1.5",
        ]);

        var result = await LoadRunner.RunAsync(options, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Null(result.Rejected);
        Assert.Equal(0, result.Undelivered);
        Assert.InRange(result.Delivered ?? 0, 1, 1_000);
        Assert.NotNull(result.LatencyMs);
        Assert.Equal(result.Delivered, result.LatencyMs.Count);
        Assert.True(result.LatencyMs.P50 > 0, "A delivery takes some time.");
        Assert.True(result.ClientCpuPerDeliveryUs > 0, "Receiving and parsing a delivery costs the client some CPU.");
    }

    [Fact]
    public async Task A_run_named_ours_before_speaks_our_protocol_and_is_recorded_under_that_name()
    {
        await using var server = await StartServerAsync();
        var options = LoadGenOptions.Parse(
        [
            "--server", server.BaseUri.ToString(), "--scenario", "group", "--target", "ours", "--name", "ours-before",
            "--saturate", "--group-size", "3", "--senders", "1", "--window", "2", "--warmup", "0.5", "--warmup-unchecked", "0.5", "--duration", "1",
        ]);

        var result = await LoadRunner.RunAsync(options, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Equal("ours-before", result.Target);
        Assert.Null(result.Rejected);
        Assert.Equal(0, result.Undelivered);
        Assert.True(result.Delivered > 0, "The group run delivered messages.");
        Assert.Contains("\"target\":\"ours-before\"", result.ToJson(), StringComparison.Ordinal);
        Assert.Contains("\"client_cpu_per_delivery_us\":", result.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sends_the_server_refuses_are_reported_by_their_error_code_and_not_waited_for()
    {
        // 200 messages a second from one connection allowed 20: most are refused for their rate.
        await using var server = await StartServerAsync(gateway: g => (g.RateLimitBurst, g.RateLimitPerSecond) = (20, 20));
        var options = LoadGenOptions.Parse(
        [
            "--server", server.BaseUri.ToString(), "--scenario", "direct", "--target", "ours",
            "--rate", "200", "--pairs", "1", "--warmup", "0.25", "--warmup-unchecked", "0.25", "--duration", "1",
        ]);

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await LoadRunner.RunAsync(options, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.NotNull(result.Rejected);
        Assert.True(result.Rejected.GetValueOrDefault("rate_limited") > 100, $"Most sends are refused: {result.ToJson()}");
        Assert.Contains("\"rejected\":{\"rate_limited\":", result.ToJson(), StringComparison.Ordinal);
        Assert.True(result.Delivered > 0, "The sends within the limit are delivered.");

        // A refused send is settled, not missing: the drain does not wait for it (it would wait 10 s).
        Assert.Equal(0, result.Undelivered);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(8), "The drain ended without waiting for refused sends.");
    }

    [Fact]
    public async Task A_traffic_run_warms_up_until_the_servers_JIT_is_quiet_and_records_what_it_compiled_while_measuring()
    {
        await using var server = await StartServerAsync(configureApp: app => app.MapBenchStats());
        var options = LoadGenOptions.Parse(
        [
            "--server", server.BaseUri.ToString(), "--scenario", "direct", "--target", "ours", "--rate", "100", "--pairs", "2",
            "--warmup", "0.5", "--jit-quiet", "0.75", "--warmup-max", "60", "--duration", "1",
        ]);

        var result = await LoadRunner.RunAsync(options, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.True(result.JitSettled, $"The JIT goes quiet within a minute at 100 messages/s (warm-up {result.WarmupS} s).");
        Assert.True(result.WarmupS >= 1.25, $"At least the minimum warm-up and then the quiet period: {result.WarmupS} s.");
        Assert.NotNull(result.JitMethodsMeasured);
        Assert.NotNull(result.JitMsMeasured);
        Assert.Contains("\"jit_methods_measured\":", result.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_whose_stats_have_no_JIT_counters_gets_the_fixed_warm_up_and_no_JIT_fields()
    {
        // /bench/stats as a bench server built before the JIT counters answers it.
        await using var server = await StartServerAsync(configureApp: app => app.MapGet("/bench/stats", () => Results.Text(
            $"{{\"rss_bytes\":1,\"gc_heap_bytes\":1,\"gc_committed_bytes\":1,\"allocated_bytes\":{GC.GetTotalAllocatedBytes()},\"cpu_ms\":1,\"threads\":1}}",
            "application/json")));
        var options = LoadGenOptions.Parse(
        [
            "--server", server.BaseUri.ToString(), "--scenario", "direct", "--target", "ours", "--rate", "100", "--pairs", "2",
            "--warmup", "0.25", "--warmup-unchecked", "1.5", "--duration", "0.5",
        ]);

        var result = await LoadRunner.RunAsync(options, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.True(result.WarmupS >= 1.5, $"The unchecked warm-up lasts its fixed time: {result.WarmupS} s.");
        Assert.Null(result.JitSettled);
        Assert.Null(result.JitMethodsMeasured);
        Assert.NotNull(result.ServerAllocPerDeliveryBytes);
        Assert.DoesNotContain("jit_", result.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_name_the_target_after_its_kind_unless_told_otherwise()
    {
        Assert.Equal("signalr", LoadGenOptions.Parse(["--server", "http://127.0.0.1:5000", "--target", "signalr", "--saturate"]).Name);
        var before = LoadGenOptions.Parse(["--server", "http://127.0.0.1:5000", "--target", "ours", "--name", "ours-before", "--saturate"]);
        Assert.Equal((TargetKind.Ours, "ours-before"), (before.Target, before.Name));
    }

    [Fact]
    public void Options_refuse_a_server_that_is_not_on_loopback()
    {
        var problem = Assert.Throws<ArgumentException>(() => LoadGenOptions.Parse(["--server", "http://192.0.2.1:5000", "--saturate"]));
        Assert.Contains("loopback", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_need_either_a_rate_or_saturation_for_traffic_scenarios()
    {
        Assert.Throws<ArgumentException>(() => LoadGenOptions.Parse(["--server", "http://127.0.0.1:5000", "--scenario", "direct"]));
        Assert.Throws<ArgumentException>(() => LoadGenOptions.Parse(["--server", "http://127.0.0.1:5000", "--rate", "10", "--saturate"]));
    }

    [Fact]
    public void Payload_carries_its_timestamp_sender_and_number_whatever_its_padding()
    {
        var payload = Scenarios.Payload.Create(123456789, 7, 42, size: 64);

        Assert.Equal(64, payload.Length);
        Assert.True(Scenarios.Payload.TryRead(payload, out var timestamp, out var sender, out var number));
        Assert.Equal((123456789L, 7, 42L), (timestamp, sender, number));
        Assert.False(Scenarios.Payload.TryRead("not a payload", out _, out _, out _));

        Assert.Equal("c3k7696581394474", Scenarios.Payload.SendId(3, (7L << 40) | 42));
        Assert.True(Scenarios.Payload.TryReadSendKey("c3k7696581394474", out var key));
        Assert.Equal((7L << 40) | 42, key);
        Assert.Equal("c12", Scenarios.Payload.SendId(12, null));
        Assert.False(Scenarios.Payload.TryReadSendKey("c12", out _));
        Assert.False(Scenarios.Payload.TryReadSendKey(null, out _));
    }

    // The load generator sends many frames a second on one socket: the gateway's rate limits are lifted, as the bench
    // host lifts them. A saturating sender on a warm in-process server outruns 10,000 frames a second, and a send
    // refused for its rate is never delivered.
    internal static Task<ChatServer> StartServerAsync(
        Action<IServiceCollection>? configureServices = null, Action<WebApplication>? configureApp = null, Action<MessagingGatewayOptions>? gateway = null) =>
        ChatServer.StartAsync(o =>
        {
            o.ConfigureGateway = g =>
            {
                g.RateLimitBurst = 1_000_000;
                g.RateLimitPerSecond = 1_000_000;
                g.UserRateLimitBurst = 1_000_000;
                g.UserRateLimitPerSecond = 1_000_000;
                g.RestRateLimitBurst = 1_000_000;
                g.RestRateLimitPerSecond = 1_000_000;
                gateway?.Invoke(g);
            };
            o.ConfigureServices = configureServices;
            o.ConfigureApp = configureApp;
        }, TestContext.Current.CancellationToken);
}
