using Messaging.Stores.Redis;
using Messaging.Transports.Redis;
using StackExchange.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Hosting;

public sealed class RedisFailureTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Redis_failures_surface_as_backend_exceptions_with_the_redis_error_inside()
    {
        var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync(o => o.BacklogPolicy = BacklogPolicy.FailFast);
        var store = new RedisMessageStore(connection);
        var transport = new RedisMessageTransport(connection);
        var directory = new RedisConnectionDirectory(connection, TimeProvider.System);
        Assert.Equal(0, await store.GetLastSeqAsync("conv", Token));

        await server.DisposeAsync();

        var failures = new[]
        {
            await Assert.ThrowsAsync<MessagingBackendException>(async () => await store.GetLastSeqAsync("conv", Token)),
            await Assert.ThrowsAsync<MessagingBackendException>(async () => await transport.PublishAsync(["n"], new byte[] { 1 }, Token)),
            await Assert.ThrowsAsync<MessagingBackendException>(async () => await directory.GetConnectionsAsync("u", Token)),
        };
        Assert.All(failures, f =>
        {
            Assert.Equal(MessagingErrorKind.Internal, f.Kind);
            Assert.True(f.InnerException is RedisException or RedisTimeoutException, f.InnerException?.GetType().Name);
        });
    }
}
