using Messaging.Protocol;

namespace Messaging.Client.Tests.Unit;

/// <summary>Client behaviour that needs no server: failed connects, the outbox while disconnected, disposal, events.</summary>
public sealed class MessagingClientOfflineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static MessagingClient CreateClient() => new(new MessagingClientOptions
    {
        ServerUri = ClosedPort.Create(),
        AccessTokenProvider = _ => ValueTask.FromResult("alice"),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    });

    [Fact]
    public async Task Connect_to_an_unreachable_server_fails_with_connection_failed_and_leaves_the_client_disconnected()
    {
        await using var client = CreateClient();

        var error = await Assert.ThrowsAsync<MessagingClientException>(() => client.ConnectAsync(TestContext.Current.CancellationToken));

        Assert.Equal(ClientErrorCodes.ConnectionFailed, error.Code);
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task A_throwing_handler_stops_neither_the_other_handlers_nor_later_events()
    {
        await using var client = CreateClient();
        var states = new List<ConnectionState>();
        var sawDisconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionStateChanged += (_, _) => throw new InvalidOperationException("handler bug");
        client.ConnectionStateChanged += (_, e) =>
        {
            states.Add(e.State);
            if (e.State == ConnectionState.Disconnected)
            {
                sawDisconnected.TrySetResult();
            }
        };

        await Assert.ThrowsAsync<MessagingClientException>(() => client.ConnectAsync(TestContext.Current.CancellationToken));
        await sawDisconnected.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal([ConnectionState.Connecting, ConnectionState.Disconnected], states);
    }

    [Fact]
    public async Task Every_event_reader_gets_the_events_in_order_and_ends_when_the_client_is_disposed()
    {
        var client = CreateClient();
        var first = client.ReadEventsAsync(TestContext.Current.CancellationToken);
        var second = client.ReadEventsAsync(TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<MessagingClientException>(() => client.ConnectAsync(TestContext.Current.CancellationToken));
        await client.DisposeAsync();

        ConnectionState[] expected = [ConnectionState.Connecting, ConnectionState.Disconnected];
        Assert.Equal(expected, await StatesAsync(first).WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(expected, await StatesAsync(second).WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_message_sent_while_disconnected_waits_in_the_outbox_until_cancelled()
    {
        await using var client = CreateClient();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var send = client.SendAsync("c1", "hello", cancellationToken: cancel.Token);

        Assert.False(send.IsCompleted);
        Assert.Equal(1, client.PendingMessageCount);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Equal(0, client.PendingMessageCount);
    }

    [Fact]
    public async Task Disposing_fails_pending_sends_and_later_calls()
    {
        var client = CreateClient();
        var send = client.SendAsync("c1", "hello", cancellationToken: TestContext.Current.CancellationToken);

        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => send);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SendAsync("c1", "again", cancellationToken: TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ConnectAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Rest_calls_to_an_unreachable_server_fail_with_connection_failed()
    {
        await using var client = CreateClient();

        var error = await Assert.ThrowsAsync<MessagingClientException>(() => client.GetPresenceAsync("bob", TestContext.Current.CancellationToken));

        Assert.Equal(ClientErrorCodes.ConnectionFailed, error.Code);
    }

    [Fact]
    public void Invalid_options_are_rejected_at_construction()
    {
        Assert.Throws<ArgumentException>(() => new MessagingClient(new MessagingClientOptions()));
        Assert.Throws<ArgumentException>(() => new MessagingClient(new MessagingClientOptions { ServerUri = new Uri("ftp://127.0.0.1/") }));
        Assert.Throws<ArgumentException>(() => new MessagingClient(new MessagingClientOptions
        {
            ServerUri = new Uri("http://127.0.0.1/"),
            PingInterval = TimeSpan.FromSeconds(30),
            ServerTimeout = TimeSpan.FromSeconds(10),
        }));
    }

    private static async Task<ConnectionState[]> StatesAsync(IAsyncEnumerable<MessagingClientEvent> events)
    {
        var states = new List<ConnectionState>();
        await foreach (var clientEvent in events)
        {
            if (clientEvent is ConnectionStateChangedEvent change)
            {
                states.Add(change.State);
            }
        }

        return [.. states];
    }
}
