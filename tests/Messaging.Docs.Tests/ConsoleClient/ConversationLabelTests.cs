using ChatClient;
using Messaging.Client;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Docs.Tests.ConsoleClient;

/// <summary>
/// How the console client labels what arrives in a chat that is not open: by the conversation's name, looked up from
/// the server when the conversation is new to it. Real server, real clients over loopback.
/// </summary>
public sealed class ConversationLabelTests : IClassFixture<ChatServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ChatServerFixture _fixture;

    public ConversationLabelTests(ChatServerFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task A_message_in_a_group_created_after_start_is_labelled_with_the_group_name()
    {
        var (alice, bob) = (Unique("alice"), Unique("bob"));
        await using var aliceClient = NewClient(alice);
        await using var bobClient = NewClient(bob);
        var app = new ChatApp(bobClient, new Terminal(), bob);
        await using var events = bobClient.ReadEventsAsync(TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        await bobClient.ConnectAsync(TestContext.Current.CancellationToken);
        await aliceClient.ConnectAsync(TestContext.Current.CancellationToken);

        var group = await aliceClient.CreateGroupAsync("Weekend", [bob], TestContext.Current.CancellationToken);
        await aliceClient.SendAsync(group.ConversationId, "who brings the tent?", cancellationToken: TestContext.Current.CancellationToken);

        var received = await NextMessageAsync(events);
        var line = await app.DescribeAsync(received);

        Assert.NotNull(line);
        Assert.StartsWith("[Weekend] ", line, StringComparison.Ordinal);
        Assert.EndsWith($" {alice}: who brings the tent?", line, StringComparison.Ordinal);
        Assert.DoesNotContain(group.ConversationId, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_in_a_new_direct_chat_is_labelled_with_the_other_member()
    {
        var (carol, bob) = (Unique("carol"), Unique("bob"));
        await using var carolClient = NewClient(carol);
        await using var bobClient = NewClient(bob);
        var app = new ChatApp(bobClient, new Terminal(), bob);
        await using var events = bobClient.ReadEventsAsync(TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        await bobClient.ConnectAsync(TestContext.Current.CancellationToken);
        await carolClient.ConnectAsync(TestContext.Current.CancellationToken);

        var chat = await carolClient.CreateDirectConversationAsync(bob, TestContext.Current.CancellationToken);
        await carolClient.SendAsync(chat.ConversationId, "hi", cancellationToken: TestContext.Current.CancellationToken);
        await carolClient.SendAsync(chat.ConversationId, "there", cancellationToken: TestContext.Current.CancellationToken);

        Assert.StartsWith($"[{carol}] ", await app.DescribeAsync(await NextMessageAsync(events)), StringComparison.Ordinal);
        Assert.StartsWith($"[{carol}] ", await app.DescribeAsync(await NextMessageAsync(events)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_is_called_by_its_name_and_a_direct_chat_by_the_other_member()
    {
        var group = new ConversationBody
        {
            ConversationId = "c1",
            Type = ConversationType.Group,
            Name = "Weekend",
            Members = [new("alice", ConversationRole.Admin), new("bob", ConversationRole.Member)],
            CreatedAt = DateTimeOffset.UnixEpoch,
            LastSeq = 0,
            UnreadCount = 0,
        };
        var direct = group with { Type = ConversationType.Direct, Name = null };
        var unnamed = group with { Name = null };

        Assert.Equal("Weekend", ConversationNames.Of(group, "bob"));
        Assert.Equal("alice", ConversationNames.Of(direct, "bob"));
        Assert.Equal("bob", ConversationNames.Of(direct, "alice"));
        Assert.Equal("c1", ConversationNames.Of(unnamed, "bob"));
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..20];

    private static async Task<MessageReceivedEvent> NextMessageAsync(IAsyncEnumerator<MessagingClientEvent> events)
    {
        while (await events.MoveNextAsync().AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken))
        {
            if (events.Current is MessageReceivedEvent received)
            {
                return received;
            }
        }

        throw new InvalidOperationException("The client's events ended before a message arrived.");
    }

    private MessagingClient NewClient(string user) => new(new MessagingClientOptions
    {
        ServerUri = _fixture.Server.BaseUri,
        AccessTokenProvider = _ => ValueTask.FromResult(user),
    });
}
