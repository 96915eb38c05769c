using Messaging.Client;
using Messaging.Protocol;

namespace Messaging.ScaleOut.Tests.Infrastructure;

/// <summary>
/// One user's <see cref="MessagingClient"/> behind a <see cref="FailoverHandler"/> over the cluster's gateways, with
/// every event recorded and awaitable conditions over them (each bounded by <see cref="Timeout"/>).
/// </summary>
internal sealed class ChatUser : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly Lock _gate = new();
    private readonly List<MessagingClientEvent> _events = [];
    private readonly List<(Func<List<MessagingClientEvent>, bool> Condition, TaskCompletionSource Signal)> _waiters = [];
    private readonly Task _pump;
    private int _disposed;

    private ChatUser(string userId, MessagingClient client, FailoverHandler handler)
    {
        UserId = userId;
        Client = client;
        Handler = handler;
        _pump = PumpAsync();
    }

    public string UserId { get; }

    public MessagingClient Client { get; }

    public FailoverHandler Handler { get; }

    /// <summary>Connects a user to gateway <paramref name="gateway"/> first: a fresh one (the name plus a unique suffix) unless <paramref name="existing"/>.</summary>
    public static async Task<ChatUser> ConnectAsync(Gateways gateways, int gateway, string name, bool existing = false)
    {
        var userId = existing ? name : $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
        var handler = new FailoverHandler(gateways.Addresses, gateway);
        var client = new MessagingClient(new MessagingClientOptions
        {
            ServerUri = gateways.Addresses[gateway],
            HttpMessageHandler = handler,
            AccessTokenProvider = _ => ValueTask.FromResult(userId),
            DeviceId = "phone",
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) },
            AckDelay = TimeSpan.FromMilliseconds(10),
        });
        var user = new ChatUser(userId, client, handler);
        await client.ConnectAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        return user;
    }

    /// <summary>The messages received in a conversation, in the order the client raised them.</summary>
    public IReadOnlyList<MessageData> Messages(string conversationId) => Snapshot<MessageReceivedEvent>()
        .Select(e => e.Message).Where(m => m.ConversationId == conversationId).ToArray();

    public IReadOnlyList<TEvent> Snapshot<TEvent>()
        where TEvent : MessagingClientEvent
    {
        lock (_gate)
        {
            return [.. _events.OfType<TEvent>()];
        }
    }

    /// <summary>Waits for an event of a kind that matches <paramref name="predicate"/>, recorded before or after the call.</summary>
    public async Task<TEvent> WaitForAsync<TEvent>(Func<TEvent, bool> predicate, string what)
        where TEvent : MessagingClientEvent
    {
        await WaitUntilAsync(events => events.OfType<TEvent>().Any(predicate), what);
        return Snapshot<TEvent>().First(predicate);
    }

    /// <summary>Waits until at least <paramref name="count"/> messages of a conversation arrived.</summary>
    public async Task<IReadOnlyList<MessageData>> WaitForMessagesAsync(string conversationId, int count)
    {
        await WaitUntilAsync(
            events => events.OfType<MessageReceivedEvent>().Count(e => e.Message.ConversationId == conversationId) >= count,
            $"{count} messages in {conversationId}");
        return Messages(conversationId);
    }

    public async Task WaitUntilAsync(Func<List<MessagingClientEvent>, bool> condition, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_events))
            {
                return;
            }

            _waiters.Add((condition, signal));
        }

        try
        {
            await signal.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{UserId}: timed out waiting for {what}; received {Snapshot<MessagingClientEvent>().Count} events.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Client.DisposeAsync();
        await _pump.WaitAsync(Timeout);
        Handler.Dispose();
    }

    private async Task PumpAsync()
    {
        await foreach (var clientEvent in Client.ReadEventsAsync())
        {
            lock (_gate)
            {
                _events.Add(clientEvent);
                _waiters.RemoveAll(waiter => waiter.Condition(_events) && waiter.Signal.TrySetResult());
            }
        }
    }
}
