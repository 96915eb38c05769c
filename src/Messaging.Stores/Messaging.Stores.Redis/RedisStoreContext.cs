using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

// What every store of this package shares: the connection (owned or borrowed) and the tuning options. One context
// per registration, so all stores run on one multiplexer.
internal sealed class RedisStoreContext : IAsyncDisposable
{
    // messageRetention: messages kept per conversation, null to keep every message.
    public RedisStoreContext(RedisConnection connection, int? messageRetention, TimeSpan deduplicationWindow, int presenceShards)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (messageRetention is { } retention)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(retention, nameof(messageRetention));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(deduplicationWindow, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(presenceShards);
        Connection = connection;
        MessageRetention = messageRetention;
        DeduplicationWindow = deduplicationWindow;
        PresenceShards = presenceShards;
    }

    public RedisConnection Connection { get; }

    public int? MessageRetention { get; }

    public TimeSpan DeduplicationWindow { get; }

    public int PresenceShards { get; }

    public static RedisStoreContext Create(RedisConnection connection, RedisStoreOptions? options)
    {
        options ??= new RedisStoreOptions();
        return new RedisStoreContext(connection, options.MessageRetention, options.DeduplicationWindow, options.PresenceShards);
    }

    public async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var multiplexer = await Connection.GetAsync(cancellationToken).ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    public static Task<T> Guard<T>(Task<T> task, CancellationToken cancellationToken)
        => RedisConnection.Guard(task, "The Redis store failed.", cancellationToken);

    public static Task Guard(Task task, CancellationToken cancellationToken)
        => RedisConnection.Guard(task, "The Redis store failed.", cancellationToken);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
