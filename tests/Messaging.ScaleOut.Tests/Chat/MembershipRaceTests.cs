using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Messaging.ScaleOut.Tests.Infrastructure;

namespace Messaging.ScaleOut.Tests.Chat;

/// <summary>One group's membership changed concurrently through two gateways on one Redis.</summary>
public sealed class MembershipRaceTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const int Racers = 8;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Gateways Gateways => cluster.Gateways;

    [Fact]
    public async Task Concurrent_adds_and_removes_of_one_user_through_two_gateways_write_one_system_message_per_change()
    {
        var (admin, bob, carol) = (NewUser("admin"), NewUser("bob"), NewUser("carol"));
        using var viaFirst = Gateways[0].CreateHttpClient(admin);
        using var viaSecond = Gateways[1].CreateHttpClient(admin);
        var created = await viaFirst.PostAsJsonAsync("conversations", new { type = "group", name = "race", members = new[] { carol } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var group = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("conversation_id").GetString()!;
        const int rounds = 3;

        // Each wave starts from a known state, so exactly one of its changes can take effect.
        for (var round = 0; round < rounds; round++)
        {
            await RaceAsync(Enumerable.Repeat(true, Racers));
            await RaceAsync(Enumerable.Repeat(false, Racers));
        }

        var system = await SystemMessagesAsync();
        Assert.Equal(rounds, system.Count(m => m == $"{admin} added {bob}"));
        Assert.Equal(rounds, system.Count(m => m == $"{admin} removed {bob}"));

        // Mixed: whatever the interleaving, the messages match the transitions.
        await RaceAsync(Enumerable.Range(0, 2 * Racers).Select(i => i % 4 < 2));
        system = await SystemMessagesAsync();
        var members = (await viaSecond.GetFromJsonAsync<JsonElement>($"conversations/{group}", Ct)).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("user_id").GetString());
        Assert.Equal(members.Contains(bob) ? 1 : 0, system.Count(m => m == $"{admin} added {bob}") - system.Count(m => m == $"{admin} removed {bob}"));

        Task RaceAsync(IEnumerable<bool> adds) => Task.WhenAll(adds.Select((add, i) => Task.Run(async () =>
        {
            var client = i % 2 == 0 ? viaFirst : viaSecond;
            using var response = add
                ? await client.PostAsJsonAsync($"conversations/{group}/members", new { user_id = bob }, Ct)
                : await client.DeleteAsync($"conversations/{group}/members/{bob}", Ct);

            // Removing a member who is already gone is a 404; anything else must succeed.
            Assert.True(response.IsSuccessStatusCode || (!add && response.StatusCode == HttpStatusCode.NotFound), $"{(add ? "add" : "remove")}: {(int)response.StatusCode}");
        })));

        async Task<List<string>> SystemMessagesAsync()
        {
            var page = await viaFirst.GetFromJsonAsync<JsonElement>($"conversations/{group}/messages?after=0&limit=100", Ct);
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            Assert.True(messages.Count < 100, "one page holds every message");
            return [.. messages.Select(m => m.GetProperty("content").GetString()!)];
        }
    }

    private static string NewUser(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
