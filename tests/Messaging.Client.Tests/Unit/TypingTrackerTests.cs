using Messaging.Client.Typing;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Client.Tests.Unit;

public sealed class TypingTrackerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<(string ConversationId, string UserId, bool IsTyping)> _changes = [];
    private readonly TypingTracker _tracker;

    public TypingTrackerTests()
    {
        _tracker = new TypingTracker(_time, TimeSpan.FromSeconds(3), (c, u, typing) => _changes.Add((c, u, typing)));
    }

    [Fact]
    public void Typing_expires_three_seconds_after_the_last_event()
    {
        _tracker.OnTyping("c", "bob", true);
        _time.Advance(TimeSpan.FromSeconds(2));
        _tracker.OnTyping("c", "bob", true);
        _time.Advance(TimeSpan.FromMilliseconds(2999));

        Assert.Equal([("c", "bob", true)], _changes);
        Assert.True(_tracker.IsTyping("c", "bob"));

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([("c", "bob", true), ("c", "bob", false)], _changes);
        Assert.False(_tracker.IsTyping("c", "bob"));
    }

    [Fact]
    public void An_explicit_stop_is_reported_once_and_cancels_the_expiry()
    {
        _tracker.OnTyping("c", "bob", true);
        _tracker.OnTyping("c", "bob", false);
        _tracker.OnTyping("c", "bob", false);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal([("c", "bob", true), ("c", "bob", false)], _changes);
    }

    [Fact]
    public void A_message_from_the_typist_ends_the_typing_indication()
    {
        _tracker.OnTyping("c", "bob", true);
        _tracker.OnTyping("c", "carol", true);

        _tracker.OnMessage("c", "bob");

        Assert.Equal([("c", "bob", true), ("c", "carol", true), ("c", "bob", false)], _changes);
        Assert.True(_tracker.IsTyping("c", "carol"));
    }

    [Fact]
    public void A_stop_without_a_start_reports_nothing()
    {
        _tracker.OnTyping("c", "bob", false);
        _tracker.OnMessage("c", "bob");

        Assert.Empty(_changes);
    }

    [Fact]
    public void A_timer_that_fires_early_by_the_wall_clock_still_expires_the_indication()
    {
        var changes = new List<bool>();
        var clock = new LaggingTimeProvider(_time);
        using var tracker = new TypingTracker(clock, TimeSpan.FromSeconds(3), (_, _, typing) => changes.Add(typing));

        tracker.OnTyping("c", "bob", true);
        clock.Lag = TimeSpan.FromMilliseconds(1);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal([true], changes);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([true, false], changes);
    }

    public void Dispose() => _tracker.Dispose();
}
