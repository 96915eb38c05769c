using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

// What every store of this package shares: the connection (owned or borrowed) and the tuning options. One context
// per registration, so all stores run on one multiplexer.
internal sealed class RedisStoreContext : IAsyncDisposable
{
    // 0 unknown, 1 standalone (a primary, possibly with replicas), 2 anything else (cluster, proxy).
    private int _topology;

    // messageRetention: messages kept per conversation, null to keep every message.
    public RedisStoreContext(RedisConnection connection, int? messageRetention, int presenceShards)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (messageRetention is { } retention)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(retention, nameof(messageRetention));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(presenceShards);
        Connection = connection;
        MessageRetention = messageRetention;
        PresenceShards = presenceShards;
    }

    public RedisConnection Connection { get; }

    public int? MessageRetention { get; }

    public int PresenceShards { get; }

    public static RedisStoreContext Create(RedisConnection connection, RedisStoreOptions? options)
    {
        options ??= new RedisStoreOptions();
        return new RedisStoreContext(connection, options.MessageRetention, options.PresenceShards) { HotWindow = options.HotWindow };
    }

    // Messages kept per conversation when the message store is the hot window in front of a durable store.
    public int HotWindow { get; private init; } = RedisStoreOptions.DefaultHotWindow;

    // Whether the message store removes the message id entries (RedisMessageIdIndex) of the messages its retention
    // removes: when Redis is the only message store, its id index is the one registered. Not for a hot window, whose
    // id index is the durable store's (its removed messages are still there).
    public bool RemovesIdEntries { get; private init; } = true;

    // The same connection, for the message store as a hot window: it keeps the newest HotWindow messages (or fewer,
    // when MessageRetention says so).
    public RedisStoreContext AsHotWindow()
        => new(Connection, Math.Min(HotWindow, MessageRetention ?? int.MaxValue), PresenceShards) { HotWindow = HotWindow, RemovesIdEntries = false };

    public async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var multiplexer = await Connection.GetAsync(cancellationToken).ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    public ValueTask<IConnectionMultiplexer> GetMultiplexerAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Connection.GetAsync(cancellationToken);
    }

    // Whether the server is known to be standalone (not a Redis Cluster, not a proxy that routes by key), so a script
    // may also write keys of other slots (the message id entry in message_append.lua) instead of taking a second
    // round trip. False until a connected server was seen.
    public bool IsStandalone(IConnectionMultiplexer multiplexer)
    {
        var known = Volatile.Read(ref _topology);
        if (known != 0)
        {
            return known == 1;
        }

        foreach (var server in multiplexer.GetServers())
        {
            if (server.IsConnected)
            {
                known = server.ServerType == ServerType.Standalone ? 1 : 2;
                Volatile.Write(ref _topology, known);
                return known == 1;
            }
        }

        return false;
    }

    public static Task<T> Guard<T>(Task<T> task, CancellationToken cancellationToken)
        => RedisConnection.Guard(task, "The Redis store failed.", cancellationToken);

    public static Task Guard(Task task, CancellationToken cancellationToken)
        => RedisConnection.Guard(task, "The Redis store failed.", cancellationToken);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
