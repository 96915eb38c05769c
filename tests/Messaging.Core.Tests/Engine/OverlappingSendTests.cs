using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

/// <summary>
/// Sends of one session that overlap (the gateway keeps several of a connection's sends in flight) commit in the order
/// they were called, whatever order the steps before their commits finish in (<see cref="CommitTurns"/>).
/// </summary>
public sealed class OverlappingSendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_send_authorised_before_an_earlier_one_waits_for_it_and_takes_the_later_seq()
    {
        var reads = new HeldReads(new InMemoryConversationStore());
        await using var harness = await EngineHarness.StartAsync(configureServices: services => services.AddSingleton<IConversationStore>(reads));
        var group = await harness.CreateGroupAsync("alice", "bob");
        var (alice, connection) = await harness.ConnectAsync("alice");

        // Groups are read on every send: the first send's read is held, the second's is not.
        var release = reads.HoldNextRead();
        var first = alice.SendAsync(EventWaits.Text(group, "one", "c-1"), Ct).AsTask();
        var second = alice.SendAsync(EventWaits.Text(group, "two", "c-2"), Ct).AsTask();
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        release();
        Assert.Equal(1, (await first.WaitAsync(EngineHarness.Timeout, Ct)).Message.Seq);
        Assert.Equal(2, (await second.WaitAsync(EngineHarness.Timeout, Ct)).Message.Seq);
        await connection.WaitForStatusAsync(ReceiptStatus.Sent, 2);
    }

    [Fact]
    public async Task An_earlier_send_that_fails_before_its_commit_lets_the_later_ones_commit()
    {
        var reads = new HeldReads(new InMemoryConversationStore());
        await using var harness = await EngineHarness.StartAsync(configureServices: services => services.AddSingleton<IConversationStore>(reads));
        var group = await harness.CreateGroupAsync("alice", "bob");
        var foreign = await harness.CreateGroupAsync("carol", "dave");
        var (alice, _) = await harness.ConnectAsync("alice");

        var release = reads.HoldNextRead();
        var refused = alice.SendAsync(EventWaits.Text(foreign, "not a member"), Ct).AsTask();
        var accepted = alice.SendAsync(EventWaits.Text(group, "member"), Ct).AsTask();
        Assert.False(accepted.IsCompleted);

        release();
        await Assert.ThrowsAsync<MessagingNotFoundException>(() => refused.WaitAsync(EngineHarness.Timeout, Ct));
        Assert.Equal(1, (await accepted.WaitAsync(EngineHarness.Timeout, Ct)).Message.Seq);
    }

    [Fact]
    public async Task On_the_composite_path_a_send_waits_for_the_seq_of_an_earlier_one_before_taking_its_own()
    {
        // A store without the atomic step: the engine takes a seq from the sequencer, claims the id, then appends.
        var store = new FailingMessageStore();
        var sequencer = new HeldSequencer(new InMemorySequencer(store));
        await using var harness = await EngineHarness.StartAsync(configureServices: services =>
        {
            services.AddSingleton<IMessageStore>(store);
            services.AddSingleton<ISequencer>(sequencer);
        });
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");

        var release = sequencer.HoldNext();
        var first = alice.SendAsync(EventWaits.Text(conversation, "one"), Ct).AsTask();
        var second = alice.SendAsync(EventWaits.Text(conversation, "two"), Ct).AsTask();
        Assert.False(second.IsCompleted);

        release();
        Assert.Equal(1, (await first.WaitAsync(EngineHarness.Timeout, Ct)).Message.Seq);
        Assert.Equal(2, (await second.WaitAsync(EngineHarness.Timeout, Ct)).Message.Seq);
    }

    [Fact]
    public async Task Turns_open_in_order_once_every_earlier_turn_is_settled_in_any_order()
    {
        var turns = new CommitTurns();
        var (one, two, three, four) = (turns.Take(), turns.Take(), turns.Take(), turns.Take());
        Assert.Equal((1, 2, 3, 4), (one, two, three, four));
        Assert.True(turns.WaitAsync(one, Ct).IsCompleted);

        var waitingThree = turns.WaitAsync(three, Ct).AsTask();
        var waitingFour = turns.WaitAsync(four, Ct).AsTask();
        turns.Settle(two);
        turns.Settle(two);
        Assert.False(waitingThree.IsCompleted);

        turns.Settle(one);
        await waitingThree.WaitAsync(EngineHarness.Timeout, Ct);
        Assert.False(waitingFour.IsCompleted);

        turns.Settle(three);
        await waitingFour.WaitAsync(EngineHarness.Timeout, Ct);
        turns.Settle(four);
        Assert.True(turns.WaitAsync(turns.Take(), Ct).IsCompleted);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_turn_to_its_owner_to_settle()
    {
        var turns = new CommitTurns();
        var (one, two, three) = (turns.Take(), turns.Take(), turns.Take());
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waitingTwo = turns.WaitAsync(two, cancel.Token).AsTask();
        var waitingThree = turns.WaitAsync(three, Ct).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waitingTwo);
        turns.Settle(two);
        Assert.False(waitingThree.IsCompleted);
        Assert.Equal(1, turns.Waiting);

        turns.Settle(one);
        await waitingThree.WaitAsync(EngineHarness.Timeout, Ct);
        Assert.Equal(0, turns.Waiting);
    }

    /// <summary>A sequencer whose next answer can be held until the test releases it (the seq is taken when released).</summary>
    private sealed class HeldSequencer(ISequencer inner) : ISequencer
    {
        private readonly NextCallHold _hold = new();

        public Action HoldNext() => _hold.HoldNext();

        public async ValueTask<long> NextAsync(string conversationId, CancellationToken cancellationToken = default)
        {
            await _hold.PassAsync(cancellationToken);
            return await inner.NextAsync(conversationId, cancellationToken);
        }

        public ValueTask<long> CurrentAsync(string conversationId, CancellationToken cancellationToken = default)
            => inner.CurrentAsync(conversationId, cancellationToken);

        public ValueTask FenceAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
            => inner.FenceAsync(conversationId, seq, cancellationToken);
    }

    /// <summary>The in-memory conversation store and index, whose next read of a conversation can be held until released.</summary>
    private sealed class HeldReads(InMemoryConversationStore inner) : ConversationReadDecorator(inner)
    {
        private readonly NextCallHold _hold = new();

        public Action HoldNextRead() => _hold.HoldNext();

        public override async ValueTask<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken = default)
        {
            await _hold.PassAsync(cancellationToken);
            return await base.GetAsync(conversationId, cancellationToken);
        }
    }

    /// <summary>Holds the next call that passes it until the test releases it; later calls pass at once.</summary>
    private sealed class NextCallHold
    {
        private TaskCompletionSource? _hold;

        /// <summary>Holds the next call; the returned action releases it.</summary>
        public Action HoldNext()
        {
            var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _hold, hold);
            return () => hold.TrySetResult();
        }

        public async ValueTask PassAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _hold, null) is { } hold)
            {
                await hold.Task.WaitAsync(cancellationToken);
            }
        }
    }
}
