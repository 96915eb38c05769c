using Xunit;

namespace Messaging.Tests.Engine;

public sealed class TypingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(100)]
    [InlineData(1)]
    public async Task Typing_reaches_the_other_members_but_never_the_typist_and_is_never_stored(int writePathMaxMembers)
    {
        await using var harness = await EngineHarness.StartAsync(o => o.WritePathMaxMembers = writePathMaxMembers);
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, alicePhone) = await harness.ConnectAsync("alice", "phone");
        var (_, aliceLaptop) = await harness.ConnectAsync("alice", "laptop");
        var (_, bob) = await harness.ConnectAsync("bob");
        var (carol, carolConnection) = await harness.ConnectAsync("carol");

        await alice.SetTypingAsync(conversation, true, Ct);
        await carol.SetTypingAsync(conversation, true, Ct);

        await bob.WaitForAsync(events => events.OfType<TypingEvent>().Count() == 2);
        await aliceLaptop.WaitForAsync(events => events.OfType<TypingEvent>().Any());
        await carolConnection.WaitForAsync(events => events.OfType<TypingEvent>().Any());
        Assert.Equal(new TypingEvent(conversation, "carol", true), Assert.Single(aliceLaptop.Events.OfType<TypingEvent>()));
        Assert.Equal(new TypingEvent(conversation, "alice", true), Assert.Single(carolConnection.Events.OfType<TypingEvent>()));
        Assert.DoesNotContain(alicePhone.Events.OfType<TypingEvent>(), t => t.UserId == "alice");
        Assert.Equal(0, await harness.Messages.GetLastSeqAsync(conversation, Ct));
        Assert.Empty(await harness.Engine.GetMessagesAsync("bob", conversation, new MessagePage(null, null, 10), Ct));
    }

    [Fact]
    public async Task Is_typing_is_throttled_per_user_and_conversation_while_stopped_after_it_passes_at_once()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.TypingThrottle = TimeSpan.FromSeconds(2));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var other = await harness.CreateDirectAsync("alice", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");

        await alice.SetTypingAsync(conversation, true, Ct);
        await alice.SetTypingAsync(conversation, true, Ct);
        await alice.SetTypingAsync(other, true, Ct);
        await alice.SetTypingAsync(conversation, false, Ct);
        await alice.SetTypingAsync(conversation, true, Ct);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await alice.SetTypingAsync(conversation, true, Ct);
        await alice.SetTypingAsync(conversation, false, Ct);

        await bob.WaitForAsync(events => events.OfType<TypingEvent>().Count(t => !t.IsTyping) == 2);
        Assert.Equal([true, false, true, false], bob.Events.OfType<TypingEvent>().Select(t => t.IsTyping));
    }

    [Fact]
    public async Task Repeated_stopped_is_throttled_like_is_typing_while_a_change_of_state_passes_at_once()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.TypingThrottle = TimeSpan.FromSeconds(2));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");

        for (var i = 0; i < 100; i++)
        {
            await alice.SetTypingAsync(conversation, false, Ct);
        }

        await alice.SetTypingAsync(conversation, true, Ct);
        for (var i = 0; i < 100; i++)
        {
            await alice.SetTypingAsync(conversation, false, Ct);
        }

        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await alice.SetTypingAsync(conversation, false, Ct);
        await alice.SetTypingAsync(conversation, true, Ct);

        // The last "is typing" is forwarded after every earlier event, so once it arrived nothing else is on its way.
        await bob.WaitForAsync(events => events.OfType<TypingEvent>().Count(t => t.IsTyping) == 2);
        Assert.Equal([false, true, false, false, true], bob.Events.OfType<TypingEvent>().Select(t => t.IsTyping));
    }

    [Fact]
    public async Task Typing_in_a_conversation_of_others_or_in_none_fails_with_the_same_not_found()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (mallory, _) = await harness.ConnectAsync("mallory");

        var foreign = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.SetTypingAsync(conversation, true, Ct));
        var missing = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.SetTypingAsync("no-such-conversation", true, Ct));

        Assert.Equal(missing.Message, foreign.Message);
    }
}
