using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Messaging.Client.Connection;

namespace Messaging.Client.Tests.Unit;

public sealed class BackoffProperties
{
    private static readonly ReconnectOptions Policy = new()
    {
        InitialDelay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromSeconds(10),
        Multiplier = 2,
        JitterRatio = 0.5,
    };

    [Property(MaxTest = 500)]
    public Property Delay_never_exceeds_the_maximum_and_never_drops_below_the_jitter_floor() =>
        Prop.ForAll(Gen.Choose(1, 10_000).ToArbitrary(), Gen.Choose(0, 999).ToArbitrary(), (attempt, permille) =>
        {
            var delay = Backoff.GetDelay(Policy, attempt, permille / 1000.0);
            var unjittered = Backoff.GetDelay(Policy, attempt, 0);

            Assert.InRange(delay, unjittered * (1 - Policy.JitterRatio), unjittered);
            Assert.True(delay <= Policy.MaxDelay);
        });

    [Property(MaxTest = 200)]
    public Property Unjittered_delay_grows_with_each_attempt_until_it_reaches_the_maximum() =>
        Prop.ForAll(Gen.Choose(1, 200).ToArbitrary(), attempt =>
        {
            var now = Backoff.GetDelay(Policy, attempt, 0);
            var next = Backoff.GetDelay(Policy, attempt + 1, 0);

            Assert.True(next >= now);
            Assert.True(next > now || next == Policy.MaxDelay);
        });

    [Fact]
    public void First_retry_waits_the_initial_delay_and_later_ones_double()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), Backoff.GetDelay(Policy, 1, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(200), Backoff.GetDelay(Policy, 2, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(400), Backoff.GetDelay(Policy, 3, 0));
        Assert.Equal(TimeSpan.FromSeconds(10), Backoff.GetDelay(Policy, 60, 0));
    }

    [Theory]
    [InlineData(-1, 1000, 2, 0.1)]
    [InlineData(100, 50, 2, 0.1)]
    [InlineData(100, 1000, 0.5, 0.1)]
    [InlineData(100, 1000, 2, 1.5)]
    public void Invalid_policies_are_rejected_when_the_client_is_created(int initialMs, int maxMs, double multiplier, double jitter)
    {
        var options = new MessagingClientOptions
        {
            ServerUri = new Uri("http://127.0.0.1:1/"),
            Reconnect = new ReconnectOptions
            {
                InitialDelay = TimeSpan.FromMilliseconds(initialMs),
                MaxDelay = TimeSpan.FromMilliseconds(maxMs),
                Multiplier = multiplier,
                JitterRatio = jitter,
            },
        };

        Assert.Throws<ArgumentException>(() => new MessagingClient(options));
    }
}
