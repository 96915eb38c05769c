using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

// "contacts" visibility: a conversation someone else created, or a group someone else put the user in, never makes
// anyone a contact; it takes a message from each side of their direct conversation.
public sealed class ContactPrivacyTests
{
    private static readonly PresenceInfo Hidden = new("bob", PresenceStatus.Offline, null);
    private static readonly PresenceInfo Online = new("bob", PresenceStatus.Online, null);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stranger_who_creates_a_direct_conversation_and_messages_the_user_sees_no_presence()
    {
        await using var harness = await EngineHarness.StartAsync();
        await harness.Engine.SetPresenceVisibilityAsync("bob", PresenceVisibility.Contacts, Ct);
        await harness.ConnectAsync("bob");
        var (mallory, watcher) = await harness.ConnectAsync("mallory");

        var created = await harness.Engine.CreateDirectConversationAsync("mallory", "bob", Ct);
        await mallory.SendAsync(EventWaits.Text(created.View.Conversation.Id, "hello?"), Ct);
        await mallory.SubscribePresenceAsync(["bob"], Ct);

        Assert.True(created.Created);
        await watcher.WaitForAsync(events => events.Presences("bob").Count == 1);
        Assert.Equal([Hidden], watcher.Events.Presences("bob"));
        Assert.Equal(Hidden, await harness.Engine.GetPresenceAsync("mallory", "bob", Ct));
    }

    [Fact]
    public async Task A_stranger_who_puts_the_user_in_groups_sees_no_presence_even_after_both_wrote_there()
    {
        await using var harness = await EngineHarness.StartAsync();
        await harness.Engine.SetPresenceVisibilityAsync("bob", PresenceVisibility.Contacts, Ct);
        var (bob, _) = await harness.ConnectAsync("bob");
        var (mallory, watcher) = await harness.ConnectAsync("mallory");

        var created = await harness.CreateGroupAsync("mallory", "bob");
        var other = await harness.CreateGroupAsync("mallory", "carol");
        await harness.Engine.AddMemberAsync("mallory", other, "bob", Ct);
        await mallory.SendAsync(EventWaits.Text(created, "welcome"), Ct);
        await bob.SendAsync(EventWaits.Text(created, "thanks"), Ct);
        await mallory.SubscribePresenceAsync(["bob"], Ct);

        await watcher.WaitForAsync(events => events.Presences("bob").Count == 1);
        Assert.Equal([Hidden], watcher.Events.Presences("bob"));
        Assert.Equal(Hidden, await harness.Engine.GetPresenceAsync("mallory", "bob", Ct));
    }

    [Fact]
    public async Task Once_both_wrote_in_their_direct_conversation_presence_is_shown_and_pushed()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.PresenceGracePeriod = TimeSpan.FromSeconds(5));
        await harness.Engine.SetPresenceVisibilityAsync("bob", PresenceVisibility.Contacts, Ct);
        var (bob, _) = await harness.ConnectAsync("bob");
        var (carol, watcher) = await harness.ConnectAsync("carol");
        await carol.SubscribePresenceAsync(["bob"], Ct);
        await watcher.WaitForAsync(events => events.Presences("bob").Count == 1);
        var direct = (await harness.Engine.CreateDirectConversationAsync("carol", "bob", Ct)).View.Conversation.Id;

        await carol.SendAsync(EventWaits.Text(direct, "hi bob"), Ct);
        Assert.Equal(Hidden, await harness.Engine.GetPresenceAsync("carol", "bob", Ct));
        await bob.SendAsync(EventWaits.Text(direct, "hi carol"), Ct);

        // Becoming contacts republishes bob's presence, so the watcher sees it without waiting for a change.
        await watcher.WaitForAsync(events => events.Presences("bob").Contains(Online));
        Assert.Equal([Hidden, Online], watcher.Events.Presences("bob"));
        Assert.Equal(Online, await harness.Engine.GetPresenceAsync("carol", "bob", Ct));

        harness.Time.Advance(TimeSpan.FromSeconds(10));
        var leftAt = harness.Time.GetUtcNow();
        await bob.DisposeAsync();
        harness.Time.Advance(TimeSpan.FromSeconds(6));
        var offline = new PresenceInfo("bob", PresenceStatus.Offline, leftAt);
        await watcher.WaitForAsync(events => events.Presences("bob").Contains(offline));
        Assert.Equal(offline, await harness.Engine.GetPresenceAsync("carol", "bob", Ct));
    }

    [Fact]
    public async Task The_contact_lookup_reads_no_conversations_however_many_groups_the_user_is_in()
    {
        var store = new InMemoryConversationStore();
        var conversations = CallCountingProxy<IConversationStore>.Wrap(store, out var conversationCalls);
        var index = CallCountingProxy<IConversationIndex>.Wrap(store, out var indexCalls);
        var contacts = new CountingContactStore();
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton(conversations).AddSingleton(index).AddSingleton<IContactStore>(contacts));
        await harness.Engine.SetPresenceVisibilityAsync("bob", PresenceVisibility.Contacts, Ct);
        await harness.Engine.HeartbeatAsync("bob", "phone", Ct);
        for (var i = 0; i < 1_000; i++)
        {
            await harness.CreateGroupAsync("carol", "bob", "dave");
        }

        var (bob, _) = await harness.ConnectAsync("bob", "laptop");
        var (dave, _) = await harness.ConnectAsync("dave");
        var direct = await harness.CreateDirectAsync("bob", "dave");
        await bob.SendAsync(EventWaits.Text(direct, "hi dave"), Ct);
        await dave.SendAsync(EventWaits.Text(direct, "hi bob"), Ct);
        var lookupsBefore = contacts.Lookups;

        // Deliveries and receipts of the sends above go on in the background and read the conversation; only what
        // the look-ups themselves call is recorded.
        PresenceInfo stranger, contact;
        using (CallCountingProxy<IConversationStore>.Record())
        using (CallCountingProxy<IConversationIndex>.Record())
        {
            stranger = await harness.Engine.GetPresenceAsync("carol", "bob", Ct);
            contact = await harness.Engine.GetPresenceAsync("dave", "bob", Ct);
        }

        Assert.Empty(conversationCalls);
        Assert.Empty(indexCalls);
        Assert.Equal(Hidden, stranger);
        Assert.Equal(Online, contact);
        Assert.Equal(2, contacts.Lookups - lookupsBefore);
    }

    [Fact]
    public async Task Each_direction_of_a_pair_is_written_once_per_node_not_once_per_message()
    {
        var contacts = new CountingContactStore();
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IContactStore>(contacts));
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var group = await harness.CreateGroupAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");

        await alice.SendTextsAsync(direct, 5);
        await alice.SendTextsAsync(group, 3);
        await bob.SendTextsAsync(direct, 4);

        Assert.Equal([("alice", "bob"), ("bob", "alice")], contacts.Records);
        Assert.True(await contacts.AreContactsAsync("alice", "bob", Ct));
    }

    // Records what the engine asks of the real in-memory store.
    private sealed class CountingContactStore : IContactStore
    {
        private readonly InMemoryContactStore _inner = new();
        private readonly ConcurrentQueue<(string SenderId, string RecipientId)> _records = new();
        private int _lookups;

        public IReadOnlyList<(string SenderId, string RecipientId)> Records => [.. _records];

        public int Lookups => Volatile.Read(ref _lookups);

        public ValueTask<bool> RecordMessageAsync(string senderId, string recipientId, CancellationToken cancellationToken = default)
        {
            _records.Enqueue((senderId, recipientId));
            return _inner.RecordMessageAsync(senderId, recipientId, cancellationToken);
        }

        public ValueTask<bool> AreContactsAsync(string userId, string otherUserId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _lookups);
            return _inner.AreContactsAsync(userId, otherUserId, cancellationToken);
        }
    }
}

/// <summary>
/// Forwards every call of an interface to a real implementation and records the names of the methods called in the
/// asynchronous flow of a <see cref="Record"/> scope (work started elsewhere, before or meanwhile, is not recorded).
/// </summary>
/// <typeparam name="T">The interface.</typeparam>
public class CallCountingProxy<T> : DispatchProxy
    where T : class
{
    private static readonly AsyncLocal<bool> Recording = new();

    private T _inner = null!;
    private ConcurrentQueue<string> _calls = null!;
    private ConcurrentQueue<(string Method, object?[] Arguments)>? _invocations;
    private bool _everyFlow;

    /// <summary>Records the calls made in this asynchronous flow until disposed.</summary>
    public static IDisposable Record()
    {
        Recording.Value = true;
        return new Scope();
    }

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The real implementation.</param>
    /// <param name="calls">Receives the names of the methods called.</param>
    /// <param name="everyFlow">
    /// Records the calls of every flow, not only those in a <see cref="Record"/> scope (for work that runs on the thread
    /// pool without the caller's context, when nothing else runs meanwhile).
    /// </param>
    public static T Wrap(T inner, out ConcurrentQueue<string> calls, bool everyFlow = false)
    {
        var proxy = Create<T, CallCountingProxy<T>>();
        var counting = (CallCountingProxy<T>)(object)proxy;
        counting._inner = inner;
        counting._calls = calls = new ConcurrentQueue<string>();
        counting._everyFlow = everyFlow;
        return proxy;
    }

    /// <summary>Wraps <paramref name="inner"/>, recording the arguments of each call too.</summary>
    /// <param name="inner">The real implementation.</param>
    /// <param name="invocations">Receives the names of the methods called and their arguments.</param>
    /// <returns>The proxy.</returns>
    public static T WrapWithArguments(T inner, out ConcurrentQueue<(string Method, object?[] Arguments)> invocations)
    {
        var proxy = Wrap(inner, out _);
        ((CallCountingProxy<T>)(object)proxy)._invocations = invocations = new();
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (_everyFlow || Recording.Value)
        {
            _calls.Enqueue(targetMethod.Name);
            _invocations?.Enqueue((targetMethod.Name, args ?? []));
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => Recording.Value = false;
    }
}
