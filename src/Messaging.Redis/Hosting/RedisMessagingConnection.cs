using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Redis;

// The one multiplexer the stores and the backplane share, lent to both as if the host owned it. Disposed by the
// container after the adapters (it is created before them), closing the connection only when it was made here.
internal sealed partial class RedisMessagingConnection : IAsyncDisposable
{
    private readonly bool _owned;

    public RedisMessagingConnection(IOptions<RedisMessagingOptions> options, ILogger<RedisMessagingConnection>? logger = null)
    {
        var value = options.Value;
        if (value.ConnectionMultiplexer is { } borrowed)
        {
            Multiplexer = borrowed;
            return;
        }

        var configuration = ConfigurationOptions.Parse(value.ConnectionString!);

        // Keep retrying in the background instead of failing the host when Redis is briefly unreachable.
        configuration.AbortOnConnectFail = false;
        if (logger is not null)
        {
            LogConnecting(logger, configuration.ToString(includePassword: false));
        }

        // DI constructs services synchronously; with AbortOnConnectFail off this returns once the first attempt ends,
        // connected or not, and the adapters' calls fail as backend errors until Redis is reachable.
        Multiplexer = ConnectionMultiplexer.Connect(configuration);
        _owned = true;
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public ValueTask DisposeAsync() => _owned ? Multiplexer.DisposeAsync() : ValueTask.CompletedTask;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Connecting the shared Redis connection of the stores and the backplane ({Configuration}).")]
    private static partial void LogConnecting(ILogger logger, string configuration);
}
