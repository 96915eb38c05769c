using System.Diagnostics;
using System.Net;
using Messaging.Protocol;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>Limits per user over all of a user's connections and requests: frame budget, connection cap, REST rate.</summary>
public sealed class UserLimitsTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Frames_of_all_of_a_users_connections_share_one_budget_and_other_users_keep_their_own()
    {
        // Time stands still, so the buckets refill only when the test advances it.
        var time = new FakeTimeProvider();
        await using var server = await ChatServer.StartAsync(o =>
        {
            o.ConfigureGateway = g => (g.RateLimitBurst, g.RateLimitPerSecond, g.UserRateLimitBurst, g.UserRateLimitPerSecond) = (1000, 1000, 10, 1);
            o.ConfigureServices = services => services.AddSingleton<TimeProvider>(time);
        }, Cancellation);
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var connections = new List<ProtocolTestClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                connections.Add(await Wire.ConnectReadyAsync(server, alice, $"tab{i}"));
            }

            await using var other = await Wire.ConnectReadyAsync(server, bob);

            var aliceAnswers = await PingAsync(connections, pingsEach: 5);
            var bobAnswers = await PingAsync([other], pingsEach: 5);

            Assert.Equal(10, aliceAnswers.Count(a => a is PongFrame));
            Assert.Equal(10, aliceAnswers.Count(a => a is ErrorFrame { Code: ErrorCodes.RateLimited }));
            Assert.All(bobAnswers, a => Assert.IsType<PongFrame>(a));

            time.Advance(TimeSpan.FromSeconds(3));
            var refilled = await PingAsync([connections[0]], pingsEach: 5);
            Assert.Equal(3, refilled.Count(a => a is PongFrame));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Connection_over_the_per_user_cap_is_refused_with_429_and_admitted_again_after_one_closes()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => g.MaxConnectionsPerUser = 2, Cancellation);
        var limits = server.Services.GetRequiredService<UserConnectionLimits>();
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var first = await Wire.ConnectReadyAsync(server, alice, "phone");
        await using var second = await Wire.ConnectReadyAsync(server, alice, "laptop");

        var (status, headers) = await Wire.RefusedHandshakeAsync(server.WebSocketUri(alice, "tablet"));
        await using var otherUser = await Wire.ConnectReadyAsync(server, bob);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.True(headers.TryGetValue("Retry-After", out var retryAfter) && int.Parse(retryAfter.Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);

        await first.DisposeAsync();
        await Eventually.TrueAsync(() => limits.ConnectionsOf(alice) == 1, "the closed connection's slot to be given back");
        await using var third = await Wire.ConnectReadyAsync(server, alice, "tablet");

        await third.RoundTripAsync();
        await second.RoundTripAsync();
        Assert.Equal(2, limits.ConnectionsOf(alice));
    }

    [Fact]
    public async Task Rest_requests_over_the_per_user_rate_get_429_with_retry_after_while_other_users_are_served()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => (g.RestRateLimitBurst, g.RestRateLimitPerSecond) = (3, 1), Cancellation);
        using var alice = server.CreateHttpClient(Users.New("alice"));
        using var bob = server.CreateHttpClient(Users.New("bob"));

        // The bucket refills with real time (one request a second), so count what was served against the time taken.
        var elapsed = Stopwatch.StartNew();
        var served = 0;
        HttpResponseMessage? limited = null;
        while (limited is null && served < 50)
        {
            var response = await alice.GetAsync("conversations", Cancellation);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
                break;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
            served++;
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.InRange(served, 3, 3 + (int)Math.Ceiling(elapsed.Elapsed.TotalSeconds));
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");
            var body = System.Text.Json.JsonSerializer.Deserialize(await limited.Content.ReadAsStringAsync(Cancellation), ProtocolJsonContext.Default.ErrorBody);
            Assert.Equal(ErrorCodes.RateLimited, body!.Error.Code);
        }

        var (status, _) = await Rest.GetAsync(bob, "conversations", ProtocolJsonContext.Default.ConversationListBody);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>Sends pings on every connection, then collects each ping's answer: a pong or an error.</summary>
    private static async Task<List<ServerFrame>> PingAsync(IReadOnlyList<ProtocolTestClient> connections, int pingsEach)
    {
        var from = connections.Select(c => c.FrameCount).ToList();
        foreach (var connection in connections)
        {
            for (var i = 0; i < pingsEach; i++)
            {
                await connection.SendAsync(PingFrame.Instance);
            }
        }

        var answers = new List<ServerFrame>();
        for (var i = 0; i < connections.Count; i++)
        {
            answers.AddRange(await AnswersAsync(connections[i], from[i], pingsEach));
        }

        return answers;
    }

    private static async Task<List<ServerFrame>> AnswersAsync(ProtocolTestClient connection, int from, int count)
    {
        static bool IsAnswer(ServerFrame frame) => frame is PongFrame or ErrorFrame;
        while (true)
        {
            var seen = connection.FrameCount;
            var answers = connection.Frames.Take(seen).Skip(from).Where(IsAnswer).ToList();
            if (answers.Count >= count)
            {
                return answers;
            }

            await connection.WaitForAsync<ServerFrame>(IsAnswer, fromIndex: seen);
        }
    }
}
