using Messaging.Protocol;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Transports.AspNetCore.Tests.Outbox;

public sealed class IdleConnectionSweepTests
{
    [Fact]
    public async Task Only_connections_silent_for_the_idle_timeout_are_closed_with_1008()
    {
        var time = new FakeTimeProvider();
        var options = new MessagingGatewayOptions { IdleTimeout = TimeSpan.FromMinutes(1) };
        using var sweep = new IdleConnectionSweep(Options.Create(options), time);
        await using var silentPair = await SocketPair.OpenAsync();
        await using var activePair = await SocketPair.OpenAsync();
        await using var removedPair = await SocketPair.OpenAsync();
        await using var silent = silentPair.Connect(options, time);
        await using var active = activePair.Connect(options, time);
        await using var removed = removedPair.Connect(options, time);
        sweep.Add(silent);
        sweep.Add(active);
        sweep.Add(removed);
        sweep.Remove(removed);

        time.Advance(TimeSpan.FromSeconds(50));
        active.MarkActive(time.GetTimestamp());
        time.Advance(TimeSpan.FromSeconds(15));

        Assert.Equal(CloseCodes.PolicyViolation, silent.CloseStatus);
        Assert.False(active.IsClosing);
        Assert.False(removed.IsClosing);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(CloseCodes.PolicyViolation, active.CloseStatus);
        Assert.False(removed.IsClosing);
        Assert.Null(await silentPair.ReadAsync());
        Assert.Equal("idle timeout", silentPair.Client.CloseStatusDescription);
    }
}
