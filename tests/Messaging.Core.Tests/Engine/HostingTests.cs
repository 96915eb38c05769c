using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class HostingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddMessaging_registers_the_engine_on_in_memory_roles()
    {
        var services = new ServiceCollection();
        var builder = services.AddMessaging();
        await using var provider = services.BuildServiceProvider();

        Assert.Same(services, builder.Services);
        var messages = Assert.IsType<InMemoryMessageStore>(provider.GetRequiredService<IMessageStore>());

        // Its atomic step writes the default de-duplication store's claims and id index's entries.
        Assert.True(messages.SequencesFor(provider.GetRequiredService<IDeduplicationStore>(), provider.GetRequiredService<IMessageIdIndex>()));
        Assert.False(messages.SequencesFor(new InMemoryDeduplicationStore(), provider.GetRequiredService<IMessageIdIndex>()));
        Assert.IsType<InMemorySequencer>(provider.GetRequiredService<ISequencer>());
        Assert.IsType<InMemoryConversationStore>(provider.GetRequiredService<IConversationStore>());
        Assert.Same(provider.GetRequiredService<IConversationStore>(), provider.GetRequiredService<IConversationIndex>());
        Assert.IsType<InMemoryReceiptStore>(provider.GetRequiredService<IReceiptStore>());
        Assert.IsType<InMemoryMessageTransport>(provider.GetRequiredService<IMessageTransport>());
        Assert.IsType<InMemoryConnectionDirectory>(provider.GetRequiredService<IConnectionDirectory>());
        Assert.IsType<InMemoryPresenceStore>(provider.GetRequiredService<IPresenceStore>());
        Assert.Equal(100, Assert.IsType<DefaultFanoutPolicy>(provider.GetRequiredService<IFanoutPolicy>()).WritePathMaxMembers);
        Assert.IsType<LoggingPushNotifier>(provider.GetRequiredService<IPushNotifier>());
        Assert.IsType<InMemoryContactStore>(provider.GetRequiredService<IContactStore>());
        Assert.IsType<MutualMessageContactPolicy>(provider.GetRequiredService<IContactPolicy>());
        Assert.IsType<UuidV7MessageIdGenerator>(provider.GetRequiredService<IMessageIdGenerator>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.StartsWith("node-", provider.GetRequiredService<MessagingEngine>().NodeId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_registered_before_AddMessaging_or_with_AddSingleton_after_it_wins()
    {
        var before = new InMemoryReceiptStore();
        var after = new InMemoryConversationStore();
        var services = new ServiceCollection();
        services.AddSingleton<IReceiptStore>(before);
        services.AddMessaging(o => o.NodeId = "node-a");
        services.AddSingleton<IConversationStore>(after);
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<MessagingEngine>();

        var created = await engine.CreateDirectConversationAsync("alice", "bob", Ct);

        Assert.Same(before, provider.GetRequiredService<IReceiptStore>());
        Assert.NotNull(await after.GetAsync(created.View.Conversation.Id, Ct));
        Assert.Equal("node-a", engine.NodeId);

        // The replacing conversation store is also the index the engine lists from.
        Assert.Same(after, provider.GetRequiredService<IConversationIndex>());
        Assert.Equal([created.View.Conversation.Id], (await engine.ListConversationsAsync("alice", cancellationToken: Ct)).Select(v => v.Conversation.Id));
    }

    [Fact]
    public async Task A_conversation_store_that_is_not_an_index_without_an_index_of_its_own_fails_at_start_with_the_reason()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // A proxy that implements the conversation store role only, over the in-memory store.
        builder.Services.AddSingleton(CallCountingProxy<IConversationStore>.Wrap(new InMemoryConversationStore(), out _));
        builder.Services.AddMessaging();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains(nameof(IConversationIndex), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calling_AddMessaging_twice_registers_one_engine_and_one_hosted_service()
    {
        var services = new ServiceCollection();
        services.AddMessaging();
        services.AddMessaging(o => o.MaxContentLength = 10);

        Assert.Single(services, d => d.ServiceType == typeof(MessagingEngine));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(IMessageStore));
    }

    [Theory]
    [InlineData(nameof(MessagingOptions.MaxContentLength))]
    [InlineData(nameof(MessagingOptions.MaxGroupMembers))]
    [InlineData(nameof(MessagingOptions.CatchUpBatchSize))]
    [InlineData(nameof(MessagingOptions.PresenceTtl))]
    [InlineData(nameof(MessagingOptions.HeartbeatInterval))]
    [InlineData(nameof(MessagingOptions.PresenceGracePeriod))]
    [InlineData(nameof(MessagingOptions.NodeId))]
    [InlineData(nameof(MessagingOptions.RouteCacheTtl))]
    [InlineData(nameof(MessagingOptions.InboxCommitInterval))]
    [InlineData(nameof(MessagingOptions.InboxCommitInterval) + " too long")]
    [InlineData(nameof(MessagingOptions.ReceiptStatusInterval))]
    [InlineData(nameof(MessagingOptions.ReceiptStatusInterval) + " too long")]
    public async Task Bad_options_fail_the_host_at_start(string option)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMessaging(o => Break(o, option));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(error.Failures, f => f.Contains(option.Split(' ')[0], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_route_cache_ttl_longer_than_a_minute_fails_the_host_at_start_and_zero_turns_the_cache_off()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMessaging(o => o.RouteCacheTtl = TimeSpan.FromMinutes(2));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Contains(error.Failures, f => f.Contains(nameof(MessagingOptions.RouteCacheTtl), StringComparison.Ordinal));

        var off = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        off.Services.AddMessaging(o => o.RouteCacheTtl = TimeSpan.Zero);
        using var started = off.Build();
        await started.StartAsync(Ct);
        await started.StopAsync(Ct);
    }

    [Fact]
    public async Task The_hosted_service_starts_the_engine_with_the_host_and_stopping_aborts_live_connections()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMessaging();
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var engine = host.Services.GetRequiredService<MessagingEngine>();
        var connection = new RecordingClientConnection();
        await using var session = await engine.ConnectAsync("alice", "phone", connection, Ct);
        await connection.WhenSyncCompletedAsync().WaitAsync(EngineHarness.Timeout, Ct);

        await host.StopAsync(Ct);

        Assert.Equal("server shutting down", connection.AbortReason);
    }

    private static void Break(MessagingOptions options, string option)
    {
        switch (option)
        {
            case nameof(MessagingOptions.MaxContentLength): options.MaxContentLength = 0; break;
            case nameof(MessagingOptions.MaxGroupMembers): options.MaxGroupMembers = 1; break;
            case nameof(MessagingOptions.CatchUpBatchSize): options.CatchUpBatchSize = 0; break;
            case nameof(MessagingOptions.PresenceTtl): options.PresenceTtl = TimeSpan.Zero; break;
            case nameof(MessagingOptions.HeartbeatInterval): options.HeartbeatInterval = TimeSpan.FromMinutes(5); break;
            case nameof(MessagingOptions.PresenceGracePeriod): options.PresenceGracePeriod = TimeSpan.FromSeconds(-1); break;
            case nameof(MessagingOptions.NodeId): options.NodeId = " "; break;
            case nameof(MessagingOptions.RouteCacheTtl): options.RouteCacheTtl = TimeSpan.FromSeconds(-1); break;
            case nameof(MessagingOptions.InboxCommitInterval): options.InboxCommitInterval = TimeSpan.Zero; break;
            case nameof(MessagingOptions.InboxCommitInterval) + " too long": options.InboxCommitInterval = TimeSpan.FromMinutes(2); break;
            case nameof(MessagingOptions.ReceiptStatusInterval): options.ReceiptStatusInterval = TimeSpan.FromMilliseconds(-1); break;
            case nameof(MessagingOptions.ReceiptStatusInterval) + " too long": options.ReceiptStatusInterval = TimeSpan.FromSeconds(11); break;
        }
    }
}
