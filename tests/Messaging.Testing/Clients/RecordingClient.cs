using Messaging.Client;
using Messaging.Protocol;
using Xunit;

namespace Messaging.Testing;

/// <summary>
/// A <see cref="MessagingClient"/> for one user and device whose events are recorded through
/// <see cref="MessagingClient.ReadEventsAsync"/>, with awaitable conditions on them (each with a timeout).
/// </summary>
public sealed class RecordingClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly object _gate = new();
    private readonly List<MessagingClientEvent> _events = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Signal)> _waiters = [];
    private readonly Task _pump;

    private RecordingClient(MessagingClient client, string userId)
    {
        Client = client;
        UserId = userId;
        _pump = PumpAsync(client.ReadEventsAsync());
    }

    public MessagingClient Client { get; }

    public string UserId { get; }

    /// <summary>Creates and connects a client for <paramref name="userId"/> against <paramref name="baseUri"/>.</summary>
    public static async Task<RecordingClient> ConnectAsync(Uri baseUri, string userId, string deviceId = "default", Action<MessagingClientOptions>? configure = null)
    {
        var recording = Create(baseUri, userId, deviceId, configure);
        await recording.Client.ConnectAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        return recording;
    }

    public static Task<RecordingClient> ConnectAsync(ChatServer server, string userId, string deviceId = "default", Action<MessagingClientOptions>? configure = null) =>
        ConnectAsync(server.BaseUri, userId, deviceId, configure);

    /// <summary>Creates a client without connecting it.</summary>
    public static RecordingClient Create(Uri baseUri, string userId, string deviceId = "default", Action<MessagingClientOptions>? configure = null)
    {
        var options = new MessagingClientOptions
        {
            ServerUri = baseUri,
            AccessTokenProvider = _ => ValueTask.FromResult(userId),
            DeviceId = deviceId,
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(500) },
            AckDelay = TimeSpan.FromMilliseconds(20),
        };
        configure?.Invoke(options);
        return new RecordingClient(new MessagingClient(options), userId);
    }

    public IReadOnlyList<MessagingClientEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The messages received in a conversation, in the order they were raised.</summary>
    public IReadOnlyList<MessageData> Messages(string conversationId) =>
        Events.OfType<MessageReceivedEvent>().Select(e => e.Message).Where(m => m.ConversationId == conversationId).ToArray();

    /// <summary>The statuses raised for one message, in order.</summary>
    public IReadOnlyList<DeliveryStatus> Statuses(string messageId) =>
        Events.OfType<MessageStatusChangedEvent>().Where(e => e.MessageId == messageId).Select(e => e.Status).ToArray();

    /// <summary>Waits until <paramref name="condition"/> holds over the recorded events.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<MessagingClientEvent>, bool> condition, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_events))
            {
                return;
            }

            _waiters.Add((() => condition(_events), signal));
        }

        try
        {
            await signal.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{UserId}/{Client.DeviceId}: timed out waiting for {what}. Events: {string.Join(", ", Events.Select(Describe))}");
        }
    }

    /// <summary>Waits for the first recorded event of a kind that matches <paramref name="predicate"/>.</summary>
    public async Task<TEvent> WaitForAsync<TEvent>(Func<TEvent, bool> predicate, string what)
        where TEvent : MessagingClientEvent
    {
        await WaitUntilAsync(events => events.OfType<TEvent>().Any(predicate), what);
        return Events.OfType<TEvent>().First(predicate);
    }

    /// <summary>Waits until <paramref name="count"/> messages of a conversation were received.</summary>
    public async Task<IReadOnlyList<MessageData>> WaitForMessagesAsync(string conversationId, int count)
    {
        await WaitUntilAsync(
            events => events.OfType<MessageReceivedEvent>().Count(e => e.Message.ConversationId == conversationId) >= count,
            $"{count} messages in {conversationId}");
        return Messages(conversationId);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _pump.WaitAsync(Timeout);
    }

    private static string Describe(MessagingClientEvent clientEvent) => clientEvent switch
    {
        MessageReceivedEvent e => $"message({e.Message.ConversationId}#{e.Message.Seq})",
        MessageStatusChangedEvent e => $"status({e.Seq}:{e.Status})",
        ConnectionStateChangedEvent e => $"state({e.State})",
        _ => clientEvent.GetType().Name,
    };

    private async Task PumpAsync(IAsyncEnumerable<MessagingClientEvent> events)
    {
        await foreach (var clientEvent in events)
        {
            lock (_gate)
            {
                _events.Add(clientEvent);
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Condition())
                    {
                        _waiters[i].Signal.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }
}
