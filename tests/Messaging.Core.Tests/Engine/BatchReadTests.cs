using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class BatchReadTests
{
    private const int Conversations = 1_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Connecting_a_user_in_a_thousand_conversations_makes_a_bounded_number_of_store_calls_and_catches_up_exactly()
    {
        var store = new InMemoryConversationStore();
        var conversationStore = CallCountingProxy<IConversationStore>.Wrap(store, out var conversationCalls, everyFlow: true);
        var index = CallCountingProxy<IConversationIndex>.Wrap(store, out var indexCalls, everyFlow: true);
        var receipts = CallCountingProxy<IReceiptStore>.Wrap(new InMemoryReceiptStore(), out var receiptCalls, everyFlow: true);
        var messages = CallCountingProxy<IMessageStore>.Wrap(new InMemoryMessageStore(), out var messageCalls, everyFlow: true);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s
            .AddSingleton(conversationStore).AddSingleton(index).AddSingleton(receipts).AddSingleton(messages));

        // Every conversation has one message from the peer, which bob's phone already has, except the first few; in two
        // of them bob answered, and the peer's device acknowledged the answer while bob was away.
        var missed = new HashSet<int> { 0, 1, 2, 3, 4 };
        var answered = new HashSet<int> { 10, 11 };
        var ids = new string[Conversations];
        var answers = new Dictionary<string, Message>(StringComparer.Ordinal);
        var now = harness.Time.GetUtcNow();
        for (var i = 0; i < Conversations; i++)
        {
            var peer = $"peer{i}";
            var id = ids[i] = await harness.CreateDirectAsync("bob", peer);
            await messages.AppendAsync(DeliveryTests.StoredMessage(id, 1, harness) with { SenderId = peer }, Ct);
            await index.TouchAsync(id, 1, now, Ct);
            if (!missed.Contains(i))
            {
                await receipts.AdvanceAsync(id, "bob", "phone", 1, 0, now, Ct);
            }

            if (answered.Contains(i))
            {
                var answer = answers[id] = DeliveryTests.StoredMessage(id, 2, harness) with { SenderId = "bob" };
                await messages.AppendAsync(answer, Ct);
                await index.TouchAsync(id, 2, now, Ct);
                await receipts.AdvanceAsync(id, "bob", ReservedDeviceIds.Sender, 2, 2, now, Ct);
                await receipts.AdvanceAsync(id, "bob", "phone", 2, 0, now, Ct);
                await receipts.AdvanceAsync(id, peer, "phone", 2, 0, now, Ct);
            }
        }

        conversationCalls.Clear();
        indexCalls.Clear();
        receiptCalls.Clear();
        messageCalls.Clear();
        var (_, connection) = await harness.ConnectAsync("bob");

        // The user's conversations, departures and marks are batch reads; only the conversations with something to
        // send read messages (one read each for the five missed, a look back for each of the two statuses) and the
        // two with bob's own messages read their members' marks.
        Assert.All(indexCalls, c => Assert.Equal(nameof(IConversationIndex.ListForUserAsync), c));
        Assert.InRange(indexCalls.Count, 1, 2);
        Assert.Equal([nameof(IConversationStore.ListDepartedAsync)], conversationCalls);
        Assert.Equal(2, receiptCalls.Count(c => c == nameof(IReceiptStore.GetDeviceManyAsync)));
        Assert.Equal(answered.Count, receiptCalls.Count(c => c == nameof(IReceiptStore.GetAllAsync)));
        Assert.Equal(2 + answered.Count, receiptCalls.Count);
        Assert.InRange(messageCalls.Count, missed.Count, (missed.Count + answered.Count) * 2);

        // Exactly the missed messages, then the statuses of bob's answers, and every conversation's cursor.
        var delivered = connection.Events.OfType<MessageEvent>().Select(e => e.Message).ToList();
        Assert.Equal(missed.Select(i => (ids[i], 1L)).Order(), delivered.Select(m => (m.ConversationId, m.Seq)).Order());
        var statuses = connection.Events.OfType<StatusEvent>().ToList();
        Assert.Equal(
            answered.Select(i => (answers[ids[i]].MessageId, ReceiptStatus.Delivered)).Order(),
            statuses.Select(s => (s.MessageId, s.Status)).Order());
        var complete = Assert.Single(connection.Events.OfType<SyncCompleteEvent>());
        Assert.Equal(Conversations, complete.Cursors.Count);
        Assert.All(ids.Select((id, i) => (id, i)), c => Assert.Equal(answered.Contains(c.i) ? 2 : 1, complete.Cursors[c.id]));
    }
}
