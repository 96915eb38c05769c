using Messaging.Protocol;

namespace Messaging.Client.Tests.Unit;

public sealed class OutboxTests
{
    [Fact]
    public async Task Completing_by_client_msg_id_resolves_the_entry_and_removes_it()
    {
        var outbox = new Outbox.Outbox(capacity: 10);
        var first = outbox.Add(new SendMessageFrame("c", "one", "id-1"));
        var second = outbox.Add(new SendMessageFrame("c", "two", "id-2"));

        var result = new SentMessage("c", "id-2", "m2", 2, DateTimeOffset.UnixEpoch);
        Assert.True(outbox.TryComplete("id-2", result));
        Assert.False(outbox.TryComplete("id-2", result));

        Assert.Same(result, await second.Completion.Task);
        Assert.False(first.Completion.Task.IsCompleted);
        Assert.Equal([first], outbox.Snapshot());
    }

    [Fact]
    public async Task Failing_by_client_msg_id_faults_the_entry_with_the_server_code()
    {
        var outbox = new Outbox.Outbox(capacity: 10);
        var entry = outbox.Add(new SendMessageFrame("c", "one", "id-1"));

        Assert.True(outbox.TryFail("id-1", new MessagingClientException(ErrorCodes.NotFound, "no such conversation")));

        var error = await Assert.ThrowsAsync<MessagingClientException>(() => entry.Completion.Task);
        Assert.Equal(ErrorCodes.NotFound, error.Code);
        Assert.Equal(0, outbox.Count);
    }

    [Fact]
    public void A_full_outbox_refuses_further_messages_with_outbox_full()
    {
        var outbox = new Outbox.Outbox(capacity: 2);
        outbox.Add(new SendMessageFrame("c", "one", "id-1"));
        outbox.Add(new SendMessageFrame("c", "two", "id-2"));

        var error = Assert.Throws<MessagingClientException>(() => outbox.Add(new SendMessageFrame("c", "three", "id-3")));

        Assert.Equal(ClientErrorCodes.OutboxFull, error.Code);
        Assert.Equal(2, outbox.Count);
    }

    [Fact]
    public void Snapshot_keeps_send_order()
    {
        var outbox = new Outbox.Outbox(capacity: 10);
        var ids = Enumerable.Range(1, 5).Select(i => outbox.Add(new SendMessageFrame("c", $"m{i}", $"id-{i}"))).ToArray();
        outbox.Remove(ids[2]);

        Assert.Equal(["id-1", "id-2", "id-4", "id-5"], outbox.Snapshot().Select(e => e.Frame.ClientMsgId));
    }

    [Fact]
    public async Task Fail_all_faults_every_pending_entry()
    {
        var outbox = new Outbox.Outbox(capacity: 10);
        var entries = Enumerable.Range(1, 3).Select(i => outbox.Add(new SendMessageFrame("c", "x", $"id-{i}"))).ToArray();

        outbox.FailAll(new ObjectDisposedException("client"));

        foreach (var entry in entries)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => entry.Completion.Task);
        }

        Assert.Equal(0, outbox.Count);
    }
}
