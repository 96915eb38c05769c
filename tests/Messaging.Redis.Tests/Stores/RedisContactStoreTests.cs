using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

public sealed class RedisContactStoreTests
{
    private static readonly DateTimeOffset Created = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_default_contact_lookup_is_one_command_however_many_groups_the_user_is_in()
    {
        // A private server, so its command statistics count this test's commands only.
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var services = new ServiceCollection();
        services.AddMessaging().UseRedisStores(connection);
        await using var provider = services.BuildServiceProvider();
        var conversations = provider.GetRequiredService<IConversationStore>();
        var contacts = provider.GetRequiredService<IContactStore>();
        var policy = provider.GetRequiredService<IContactPolicy>();
        for (var i = 0; i < 300; i++)
        {
            await conversations.CreateAsync(Group($"g{i}", "carol", "bob", "dave"), Token);
        }

        await conversations.CreateAsync(Direct("bob", "carol"), Token);
        await contacts.RecordMessageAsync("carol", "bob", Token);
        await contacts.RecordMessageAsync("bob", "dave", Token);
        await contacts.RecordMessageAsync("dave", "bob", Token);
        await connection.GetServer(connection.GetEndPoints()[0]).ConfigResetStatisticsAsync();

        var stranger = await policy.IsContactAsync("bob", "carol", Token);
        var contact = await policy.IsContactAsync("bob", "dave", Token);

        var commands = (await RedisCommandStats.ReadAsync(connection)).Where(c => !c.Key.StartsWith("config", StringComparison.Ordinal) && c.Key != "info");
        Assert.Equal([new KeyValuePair<string, long>("scard", 2)], commands);
        Assert.False(stranger);
        Assert.True(contact);
    }

    private static Conversation Group(string id, params string[] members) => new()
    {
        Id = id,
        Kind = ConversationKind.Group,
        Name = id,
        Members = [.. members.Select((m, i) => new ConversationMember(m, i == 0 ? MemberRole.Admin : MemberRole.Member, Created))],
        CreatedAt = Created,
    };

    private static Conversation Direct(string userA, string userB) => new()
    {
        Id = ConversationIds.Direct(userA, userB),
        Kind = ConversationKind.Direct,
        Members = [new ConversationMember(userA, MemberRole.Member, Created), new ConversationMember(userB, MemberRole.Member, Created)],
        CreatedAt = Created,
    };
}
