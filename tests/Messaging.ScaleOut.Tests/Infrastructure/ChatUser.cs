using Messaging.Client;
using Messaging.Testing;
using Messaging.Protocol;

namespace Messaging.ScaleOut.Tests.Infrastructure;

/// <summary>
/// One user's recorded <see cref="MessagingClient"/> (the client tests' <see cref="RecordingClient"/>) behind a
/// <see cref="FailoverHandler"/> over the cluster's gateways, so its reconnects land on a live gateway.
/// </summary>
internal sealed class ChatUser : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = RecordingClient.Timeout;

    private readonly RecordingClient _recording;
    private int _disposed;

    private ChatUser(RecordingClient recording, FailoverHandler handler)
    {
        _recording = recording;
        Handler = handler;
    }

    public string UserId => _recording.UserId;

    public MessagingClient Client => _recording.Client;

    public FailoverHandler Handler { get; }

    /// <summary>Connects a user to gateway <paramref name="gateway"/> first: a fresh one (the name plus a unique suffix) unless <paramref name="existing"/>.</summary>
    public static async Task<ChatUser> ConnectAsync(Gateways gateways, int gateway, string name, bool existing = false)
    {
        var userId = existing ? name : $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
        var handler = new FailoverHandler(gateways.Addresses, gateway);
        var recording = await RecordingClient.ConnectAsync(gateways.Addresses[gateway], userId, "phone", o =>
        {
            o.HttpMessageHandler = handler;
            o.Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) };
            o.AckDelay = TimeSpan.FromMilliseconds(10);
        });
        return new ChatUser(recording, handler);
    }

    public IReadOnlyList<MessageData> Messages(string conversationId) => _recording.Messages(conversationId);

    public Task<TEvent> WaitForAsync<TEvent>(Func<TEvent, bool> predicate, string what)
        where TEvent : MessagingClientEvent => _recording.WaitForAsync(predicate, what);

    public Task<IReadOnlyList<MessageData>> WaitForMessagesAsync(string conversationId, int count) => _recording.WaitForMessagesAsync(conversationId, count);

    public Task WaitUntilAsync(Func<IReadOnlyList<MessagingClientEvent>, bool> condition, string what) => _recording.WaitUntilAsync(condition, what);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _recording.DisposeAsync();
            Handler.Dispose();
        }
    }
}
