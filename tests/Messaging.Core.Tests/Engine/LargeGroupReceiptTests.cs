using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

// Groups above 16 members take the sampled shortcut in StatusNotifier (a few members' marks decide that an ack cannot
// move any sender's aggregate); these check that it never loses or adds a status.
public sealed class LargeGroupReceiptTests
{
    private const int Size = 30;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(ReceiptStatus.Delivered, 1)]
    [InlineData(ReceiptStatus.Delivered, 15)]
    [InlineData(ReceiptStatus.Read, 29)]
    public async Task In_a_large_group_the_sender_gets_one_status_exactly_when_the_last_other_member_acks(ReceiptStatus status, int lastIndex)
    {
        await using var harness = await EngineHarness.StartAsync();
        var (conversation, sessions, connections) = await ConnectGroupAsync(harness, Size);
        var senderConnection = connections[0];

        await sessions[0].SendAsync(EventWaits.Text(conversation, "hello, large group"), Ct);
        var order = Enumerable.Range(1, Size - 1).Where(i => i != lastIndex).OrderBy(i => (i * 7919) % 31).Append(lastIndex).ToList();
        foreach (var i in order)
        {
            await sessions[i].AckUpToAsync(conversation, 1, status, Ct);
        }

        await senderConnection.WaitForStatusAsync(status, 1);
        Assert.Equal(1, senderConnection.Events.OfType<StatusEvent>().Count(s => s.Status == status));
    }

    [Fact]
    public async Task In_a_large_group_each_sender_gets_the_status_of_their_newest_message_once_everyone_else_passed_it()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (conversation, sessions, connections) = await ConnectGroupAsync(harness, Size);

        await sessions[0].SendAsync(EventWaits.Text(conversation, "from u0"), Ct);
        await sessions[1].SendAsync(EventWaits.Text(conversation, "from u1"), Ct);

        // Everyone but u0 and u1 reads both messages in two steps; then u1 reads u0's, and u0 reads u1's last.
        for (var i = Size - 1; i >= 2; i--)
        {
            await sessions[i].AckUpToAsync(conversation, 1, ReceiptStatus.Read, Ct);
        }

        for (var i = 2; i < Size; i++)
        {
            await sessions[i].AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);
        }

        await sessions[1].AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);
        await connections[0].WaitForStatusAsync(ReceiptStatus.Read, 1);
        await sessions[0].AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);
        await connections[1].WaitForStatusAsync(ReceiptStatus.Read, 2);

        Assert.Equal([(ReceiptStatus.Delivered, 1L), (ReceiptStatus.Read, 1L)], connections[0].Events.OfType<StatusEvent>().Where(s => s.Status != ReceiptStatus.Sent).Select(s => (s.Status, s.Seq)));
        Assert.Equal([(ReceiptStatus.Delivered, 2L), (ReceiptStatus.Read, 2L)], connections[1].Events.OfType<StatusEvent>().Where(s => s.Status != ReceiptStatus.Sent).Select(s => (s.Status, s.Seq)));
    }

    [Fact]
    public async Task In_a_large_group_acking_in_step_few_acks_read_every_members_marks()
    {
        // 300 members ack one message, one after the other in a scattered order: only the acks of the last members
        // can move the sender's aggregate, and the sampled check must tell the others so without reading everyone.
        const int Members = 300;
        var receipts = CallCountingProxy<IReceiptStore>.Wrap(new InMemoryReceiptStore(), out var calls);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton(receipts));
        var (conversation, sessions, connections) = await ConnectGroupAsync(harness, Members);

        await sessions[0].SendAsync(EventWaits.Text(conversation, "hello, everyone"), Ct);
        using (CallCountingProxy<IReceiptStore>.Record())
        {
            foreach (var i in Enumerable.Range(1, Members - 1).OrderBy(i => (i * 7919) % 1009))
            {
                await sessions[i].AckUpToAsync(conversation, 1, ReceiptStatus.Delivered, Ct);
            }
        }

        await connections[0].WaitForStatusAsync(ReceiptStatus.Delivered, 1);
        var fullReads = calls.Count(c => c == nameof(IReceiptStore.GetAllAsync));
        Assert.True(fullReads <= (Members - 1) / 10, $"{fullReads} of {Members - 1} acks read every member's marks");
    }

    [Fact]
    public async Task In_a_large_group_acking_in_step_an_ack_reads_a_few_members_marks()
    {
        // 300 members ack five messages, each in its own scattered order. Members who have not acked a message yet
        // stay behind until they do, so the check of the next ack starts with the members the last one found behind
        // instead of a fresh spread sample of sqrt(2N) = 24 members.
        const int Members = 300;
        const int Messages = 5;
        var receipts = CallCountingProxy<IReceiptStore>.WrapWithArguments(new InMemoryReceiptStore(), out var invocations);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton(receipts));
        var (conversation, sessions, connections) = await ConnectGroupAsync(harness, Members);

        var acks = 0;
        using (CallCountingProxy<IReceiptStore>.Record())
        {
            for (var seq = 1; seq <= Messages; seq++)
            {
                await sessions[0].SendAsync(EventWaits.Text(conversation, "message " + seq), Ct);
                foreach (var i in Enumerable.Range(1, Members - 1).OrderBy(i => (i * (7919 + seq)) % 1009))
                {
                    await sessions[i].AckUpToAsync(conversation, seq, ReceiptStatus.Delivered, Ct);
                    acks++;
                }

                await connections[0].WaitForStatusAsync(ReceiptStatus.Delivered, seq);
            }
        }

        // Every status arrived once, for each message in turn.
        Assert.Equal(Enumerable.Range(1, Messages).Select(seq => (long)seq), connections[0].Events.OfType<StatusEvent>().Where(s => s.Status == ReceiptStatus.Delivered).Select(s => s.Seq));
        var marksRead = invocations.Sum(call => call.Method switch
        {
            nameof(IReceiptStore.GetMembersAsync) => ((IReadOnlyList<string>)call.Arguments[1]!).Count,
            nameof(IReceiptStore.GetAllAsync) => Members,
            _ => 0,
        });
        // A sample alone reads 26 marks per ack here (24 probes, and every member's marks for the last acks).
        Assert.True(marksRead <= acks * 15, $"{marksRead} marks read for {acks} acks");
    }

    [Fact]
    public async Task In_a_large_group_only_the_acks_that_may_move_an_aggregate_read_the_acked_messages()
    {
        // 100 members ack one message in a scattered order: the sampled check tells most acks that they cannot move
        // the sender's aggregate, and those acks must not read the acked range's messages from the store. With 14
        // probes about 2/15 of the acks still pass the check (and the last ones must): a tenth or so, not all 99.
        const int Members = 100;
        var messages = CallCountingProxy<IMessageStore>.Wrap(new InMemoryMessageStore(), out var calls, everyFlow: true);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton(messages));
        var (conversation, sessions, connections) = await ConnectGroupAsync(harness, Members);
        await sessions[0].SendAsync(EventWaits.Text(conversation, "hello, everyone"), Ct);
        foreach (var connection in connections.Skip(1))
        {
            await connection.WaitForMessagesAsync(conversation, 1);
        }

        calls.Clear();
        foreach (var i in Enumerable.Range(1, Members - 1).OrderBy(i => (i * 7919) % 1009))
        {
            await sessions[i].AckUpToAsync(conversation, 1, ReceiptStatus.Delivered, Ct);
        }

        await connections[0].WaitForStatusAsync(ReceiptStatus.Delivered, 1);
        var reads = calls.Count(c => c == nameof(IMessageStore.ReadAfterAsync));
        Assert.True(reads <= (Members - 1) / 5, $"{reads} of {Members - 1} acks read the acked messages");
    }

    // A group of u0..u(size-1) created by u0, every member connected once.
    private static async Task<(string Conversation, List<MessagingSession> Sessions, List<RecordingClientConnection> Connections)> ConnectGroupAsync(EngineHarness harness, int size)
    {
        var ids = Enumerable.Range(0, size).Select(i => "u" + i).ToArray();
        var conversation = await harness.CreateGroupAsync(ids[0], ids[1..]);
        var sessions = new List<MessagingSession>();
        var connections = new List<RecordingClientConnection>();
        foreach (var id in ids)
        {
            var (session, connection) = await harness.ConnectAsync(id);
            sessions.Add(session);
            connections.Add(connection);
        }

        return (conversation, sessions, connections);
    }
}
