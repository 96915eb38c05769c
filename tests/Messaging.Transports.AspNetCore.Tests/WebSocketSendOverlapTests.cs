using Messaging.Protocol;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>
/// A connection's sends overlap at the gateway: several of them wait on the store together, they still take their seqs
/// in the order the frames arrived, and a frame of another kind is answered only after them.
/// </summary>
public sealed class WebSocketSendOverlapTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sends_wait_on_the_store_together_commit_in_arrival_order_and_a_later_ping_is_answered_after_them()
    {
        var commits = new HeldCommits();
        await using var server = await ChatServer.StartAsync(o => o.ConfigureServices = services => services.AddSingleton<IMessageStore>(sp => commits.Over(
            (InMemoryDeduplicationStore)sp.GetRequiredService<IDeduplicationStore>(),
            (InMemoryMessageIdIndex)sp.GetRequiredService<IMessageIdIndex>())), Cancellation);
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(server, alice, bob);
        await using var client = await Wire.ConnectReadyAsync(server, alice);

        string[] ids = ["m1", "m2", "m3"];
        try
        {
            foreach (var id in ids)
            {
                await client.SendAsync(new SendMessageFrame(conversation.ConversationId, "text " + id, id));
            }

            await client.SendAsync(PingFrame.Instance);

            // All three commits reached the store while none of them was answered: they are in flight together.
            await commits.WaitForHeldAsync(ids.Length, ProtocolTestClient.DefaultTimeout, Cancellation);
            Assert.DoesNotContain(client.Frames, f => f is StatusUpdateFrame or PongFrame);
        }
        finally
        {
            // Also when the test failed: the server's shutdown would wait for the held sends.
            commits.Release();
        }

        var pong = await client.WaitForAsync<PongFrame>();
        var frames = client.Frames;
        var sent = frames.OfType<StatusUpdateFrame>().Where(s => s.Status == DeliveryStatus.Sent).ToDictionary(s => s.ClientMsgId!, s => s.Seq);
        Assert.Equal(new Dictionary<string, long> { ["m1"] = 1, ["m2"] = 2, ["m3"] = 3 }, sent);
        Assert.True(
            frames.ToList().IndexOf(pong) > frames.Select((f, i) => f is StatusUpdateFrame ? i : -1).Max(),
            "the ping was answered before the sends received ahead of it");
    }

    /// <summary>
    /// The in-memory store's atomic step, whose answers are held until <see cref="Release"/>: each commit is made at
    /// once, in the order the engine issued it (as Redis runs a connection's commands in order), and only its reply
    /// waits, as for a store one round trip away.
    /// </summary>
    private sealed class HeldCommits
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _held = new(0);

        public IMessageStore Over(InMemoryDeduplicationStore deduplication, InMemoryMessageIdIndex messageIds)
            => new Store(this, new InMemoryMessageStore(deduplication, messageIds));

        public void Release() => _released.TrySetResult();

        public async Task WaitForHeldAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await _held.WaitAsync(timeout, cancellationToken), $"only {i} of {count} commits reached the store while none was answered");
            }
        }

        private async ValueTask<AppendResult> HoldAsync(ValueTask<AppendResult> committed)
        {
            var result = await committed;
            _held.Release();
            await _released.Task;
            return result;
        }

        private sealed class Store(HeldCommits owner, InMemoryMessageStore inner) : IMessageStore, IAtomicSequencingStore
        {
            public bool SequencesFor(IDeduplicationStore deduplication, IMessageIdIndex messageIds) => inner.SequencesFor(deduplication, messageIds);

            public ValueTask<AppendResult> SequenceAndAppendAsync(Message draft, TimeSpan deduplicationWindow, CancellationToken cancellationToken = default)
                => owner.HoldAsync(inner.SequenceAndAppendAsync(draft, deduplicationWindow, cancellationToken));

            public ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default)
                => inner.AppendAsync(message, cancellationToken);

            public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
                => inner.ReadAfterAsync(conversationId, afterSeq, limit, cancellationToken);

            public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
                => inner.ReadBeforeAsync(conversationId, beforeSeq, limit, cancellationToken);

            public ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
                => inner.GetAsync(conversationId, seq, cancellationToken);

            public ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default)
                => inner.GetLastSeqAsync(conversationId, cancellationToken);

            public ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default)
                => inner.GetHistoryStartAsync(conversationId, cancellationToken);
        }
    }
}
