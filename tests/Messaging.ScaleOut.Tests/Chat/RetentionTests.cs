using System.Net.Http.Json;
using System.Text.Json;
using Messaging.Protocol;
using Messaging.ScaleOut.Tests.Infrastructure;
using Messaging.Testing;

namespace Messaging.ScaleOut.Tests.Chat;

/// <summary>
/// A cluster whose Redis message store keeps only the newest <see cref="Retention"/> messages per conversation, with a
/// group that outgrew it: whoever catches up gets what is kept at once, with the right cursor, and live messages
/// follow without delay; REST says where the history starts and counts only what can be read.
/// </summary>
public sealed class RetentionTests
{
    private const int Retention = 50;

    // Well under the engine's 10 s gap give-up, so a reader that waits for a removed seq fails here.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Offline_member_new_device_new_member_and_a_restarted_client_catch_up_on_the_kept_history_at_once()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateways = await Gateways.StartAsync(redis, configureStores: s => s.MessageRetention = Retention);
        await using var alice = await ChatUser.ConnectAsync(gateways, 0, "alice");
        string bob = Unique("bob"), carol = Unique("carol"), dave = Unique("dave"), erin = Unique("erin");
        await using var carolPhone = await gateways[2].ConnectAsync(carol, "phone", Ct);
        var group = (await alice.Client.CreateGroupAsync("team", [bob, carol, erin], Ct)).ConversationId;
        var sender = new Sender(alice, group);
        await sender.RunAsync((2 * Retention) + 20);
        var last = sender.Sent[^1].Seq;
        var historyStart = last - Retention + 1;

        // Bob was offline all along; Carol's tablet is a brand-new device; both land on another gateway than Alice's.
        await using var bobPhone = await gateways[1].ConnectAsync(bob, "phone", Ct);
        await using var carolTablet = await gateways[1].ConnectAsync(carol, "tablet", Ct);
        await AssertCaughtUpAsync(bobPhone, group, historyStart, last);
        await AssertCaughtUpAsync(carolTablet, group, historyStart, last);

        // Erin's client restarts from a cursor it persisted long ago, below the history start.
        await using var erinLaptop = await RecordingClient.ConnectAsync(gateways.Addresses[2], erin, "laptop", o => o.InitialCursors = new Dictionary<string, long> { [group] = 3 });
        var erinReceived = await erinLaptop.WaitForMessagesAsync(group, Retention).WaitAsync(Prompt, Ct);
        Assert.Equal(Seqs(historyStart, last), erinReceived.Select(m => m.Seq));

        // Dave joins after the group outgrew the retention (the join is one more seq).
        await alice.Client.AddMemberAsync(group, dave, Ct);
        await using var davePhone = await gateways[2].ConnectAsync(dave, "phone", Ct);
        var daveSync = await davePhone.WaitForAsync<SyncCompleteFrame>(timeout: Prompt);
        Assert.Equal(last + 1, daveSync.Cursors[group]);
        var daveSeqs = MessagesBefore(davePhone, daveSync, group);
        Assert.NotEmpty(daveSeqs);
        Assert.Equal(Seqs(daveSeqs[0], last + 1), daveSeqs);

        var live = await alice.Client.SendAsync(group, "live", cancellationToken: Ct);
        Assert.Equal(last + 2, live.Seq);
        foreach (var client in new[] { bobPhone, carolTablet, davePhone })
        {
            await client.WaitForAsync<MessageFrame>(f => f.Message.Seq == live.Seq, Prompt);
        }

        await erinLaptop.WaitForMessagesAsync(group, Retention + 2).WaitAsync(Prompt, Ct);
        Assert.Equal(live.Seq, erinLaptop.Client.GetCursors()[group]);
    }

    [Fact]
    public async Task Rest_says_where_the_history_starts_counts_only_readable_messages_as_unread_and_pages_skip_removed_seqs()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateways = await Gateways.StartAsync(redis, count: 2, configureStores: s => s.MessageRetention = Retention);
        await using var alice = await ChatUser.ConnectAsync(gateways, 0, "alice");
        var bob = Unique("bob");
        var group = (await alice.Client.CreateGroupAsync("team", [bob], Ct)).ConversationId;
        await new Sender(alice, group).RunAsync(Retention + 30);
        using var http = gateways[1].CreateHttpClient(bob);

        var conversation = await GetJsonAsync(http, $"conversations/{group}");
        var listed = (await GetJsonAsync(http, "conversations")).GetProperty("conversations").EnumerateArray().Single();
        var last = conversation.GetProperty("last_seq").GetInt64();
        var historyStart = last - Retention + 1;
        foreach (var body in new[] { conversation, listed })
        {
            Assert.Equal(historyStart, body.GetProperty("history_start_seq").GetInt64());
            Assert.Equal(Retention, body.GetProperty("unread_count").GetInt64());
        }

        var fromStart = await GetSeqsAsync(http, $"conversations/{group}/messages?after=0&limit=100");
        var oldest = await GetSeqsAsync(http, $"conversations/{group}/messages?before={historyStart + 2}&limit=100");
        Assert.Equal(Seqs(historyStart, last), fromStart);
        Assert.Equal([historyStart + 1, historyStart], oldest);
        Assert.Empty(await GetSeqsAsync(http, $"conversations/{group}/messages?before={historyStart}&limit=100"));

        // A read mark inside the kept history counts from the mark, the same on every gateway.
        await using var bobPhone = await gateways[1].ConnectAsync(bob, "phone", Ct);
        await bobPhone.SendAsync(new AckUpToFrame(group, last - 7, DeliveryStatus.Read));
        await bobPhone.RoundTripAsync();
        using var otherGateway = gateways[0].CreateHttpClient(bob);
        Assert.Equal(7, (await GetJsonAsync(otherGateway, $"conversations/{group}")).GetProperty("unread_count").GetInt64());
        Assert.Equal(historyStart, (await alice.Client.GetConversationAsync(group, Ct)).HistoryStartSeq);
    }

    // Catch-up wrote exactly the kept messages, in order, then sync_complete with the last seq, all without waiting.
    private static async Task AssertCaughtUpAsync(ProtocolTestClient client, string conversationId, long first, long last)
    {
        var sync = await client.WaitForAsync<SyncCompleteFrame>(timeout: Prompt);
        Assert.Equal(last, sync.Cursors[conversationId]);
        Assert.Equal(Seqs(first, last), MessagesBefore(client, sync, conversationId));
    }

    private static List<long> MessagesBefore(ProtocolTestClient client, SyncCompleteFrame sync, string conversationId)
    {
        var frames = client.Frames;
        return [.. frames.Take(frames.ToList().IndexOf(sync)).OfType<MessageFrame>().Where(f => f.Message.ConversationId == conversationId).Select(f => f.Message.Seq)];
    }

    private static List<long> Seqs(long first, long last) => [.. Enumerable.Range(0, (int)(last - first + 1)).Select(i => first + i)];

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), Ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static async Task<List<long>> GetSeqsAsync(HttpClient http, string path)
        => [.. (await GetJsonAsync(http, path)).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64())];
}
