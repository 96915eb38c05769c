using Messaging.Client.Typing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Client.Tests.Unit;

public sealed class TypingDebouncerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<(string ConversationId, bool IsTyping)> _sent = [];
    private readonly TypingDebouncer _debouncer;

    public TypingDebouncerTests()
    {
        _debouncer = new TypingDebouncer(_time, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), (conversationId, isTyping, _) =>
        {
            lock (_sent)
            {
                _sent.Add((conversationId, isTyping));
            }

            return ValueTask.CompletedTask;
        }, NullLogger.Instance);
    }

    [Fact]
    public async Task Keystrokes_within_the_debounce_interval_send_one_typing_frame()
    {
        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMilliseconds(1400));
        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);

        Assert.Equal([("c", true)], _sent);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);

        Assert.Equal([("c", true), ("c", true)], _sent);
    }

    [Fact]
    public async Task A_quiet_period_sends_typing_false_once()
    {
        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.Equal([("c", true)], _sent);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([("c", true), ("c", false)], _sent);

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, _sent.Count);
    }

    [Fact]
    public async Task Each_keystroke_postpones_the_automatic_stop()
    {
        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(2));
        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(2));
        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.DoesNotContain(("c", false), _sent);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(("c", false), _sent[^1]);
    }

    [Fact]
    public async Task Stop_sends_typing_false_at_once_only_when_typing_was_announced()
    {
        await _debouncer.StopAsync("c", TestContext.Current.CancellationToken);
        Assert.Empty(_sent);

        await _debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);
        await _debouncer.StopAsync("c", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([("c", true), ("c", false)], _sent);
    }

    [Fact]
    public async Task Conversations_are_debounced_independently()
    {
        await _debouncer.NotifyAsync("a", TestContext.Current.CancellationToken);
        await _debouncer.NotifyAsync("b", TestContext.Current.CancellationToken);
        await _debouncer.NotifyAsync("a", TestContext.Current.CancellationToken);

        Assert.Equal([("a", true), ("b", true)], _sent);
    }

    [Fact]
    public async Task A_timer_that_fires_early_by_the_wall_clock_still_sends_the_stop()
    {
        var sent = new List<bool>();
        var clock = new LaggingTimeProvider(_time);
        using var debouncer = new TypingDebouncer(clock, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), (_, isTyping, _) =>
        {
            sent.Add(isTyping);
            return ValueTask.CompletedTask;
        }, NullLogger.Instance);

        await debouncer.NotifyAsync("c", TestContext.Current.CancellationToken);
        clock.Lag = TimeSpan.FromMilliseconds(1);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal([true], sent);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([true, false], sent);
    }

    public void Dispose() => _debouncer.Dispose();
}
