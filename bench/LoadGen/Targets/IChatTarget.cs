namespace Messaging.LoadGen.Targets;

/// <summary>Receives what a connection gets: delivered payloads and presence changes.</summary>
internal interface IDeliverySink
{
    /// <summary>A message reached the connection; <paramref name="payload"/> is what the sender sent.</summary>
    void OnMessage(string payload);

    /// <summary>A presence frame reached the connection (ours only).</summary>
    void OnPresence(string userId, bool online) { }

    /// <summary>The server confirmed a send (ours: <c>status_update</c> <c>sent</c>).</summary>
    void OnSent() { }

    /// <summary>Catch-up finished (ours: <c>sync_complete</c>).</summary>
    void OnSyncComplete() { }

    /// <summary>
    /// The server refused a frame (ours: <c>error</c>): a refused send is never delivered, so a run that counts only
    /// what arrived would report it as lost without saying why.
    /// </summary>
    /// <param name="code">The error code.</param>
    /// <param name="sendId">The refused send's <see cref="Scenarios.Payload.SendId"/>, or <see langword="null"/>.</param>
    void OnRejected(string code, string? sendId) { }
}

/// <summary>One server under test, seen the same way whatever its protocol.</summary>
internal interface IChatTarget : IAsyncDisposable
{
    /// <summary>Opens a connection as <paramref name="user"/>; <paramref name="sourceIndex"/> picks the 127.0.0.x source address.</summary>
    Task<IChatConnection> ConnectAsync(string user, IDeliverySink sink, int sourceIndex = 0, CancellationToken cancellationToken = default);

    /// <summary>The route <paramref name="from"/> sends to in order to reach <paramref name="to"/> 1:1.</summary>
    Task<string> DirectRouteAsync(string from, string to, CancellationToken cancellationToken = default);

    /// <summary>Creates a group of <paramref name="members"/> (the first is its creator) and returns its route.</summary>
    Task<string> CreateGroupAsync(string name, IReadOnlyList<string> members, CancellationToken cancellationToken = default);

    /// <summary>The server's own memory report.</summary>
    Task<Measurement.ServerStats?> StatsAsync(bool collect, CancellationToken cancellationToken = default);
}

/// <summary>One live connection.</summary>
internal interface IChatConnection : IAsyncDisposable
{
    /// <summary>Sends <paramref name="payload"/> to a route from <see cref="IChatTarget"/>.</summary>
    /// <param name="sendKey">
    /// The sender's key for this message, which a refusal names back (<see cref="IDeliverySink.OnRejected"/>), when the
    /// protocol can carry it (ours: in the <c>client_msg_id</c>).
    /// </param>
    ValueTask SendAsync(string route, bool group, string payload, CancellationToken cancellationToken = default, long? sendKey = null);

    /// <summary>Makes this connection receive a group's messages (a no-op where membership is server state).</summary>
    Task JoinAsync(string groupRoute, CancellationToken cancellationToken = default);

    /// <summary>Sends an application-level heartbeat (where the protocol has one).</summary>
    ValueTask PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks for presence changes of <paramref name="userIds"/> (ours only).</summary>
    ValueTask SubscribePresenceAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken = default);

    /// <summary>Whether the connection is still open.</summary>
    bool IsOpen { get; }

    /// <summary>Drops the connection at once, without a close handshake.</summary>
    void Abort();
}
