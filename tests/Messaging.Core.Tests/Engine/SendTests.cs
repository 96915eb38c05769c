using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class SendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Send_commits_the_message_and_writes_the_sent_status_to_the_sending_connection_only()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");

        var result = await alice.SendAsync(EventWaits.Text(conversation, "hello", "c-1"), Ct);

        Assert.False(result.Duplicate);
        Assert.Equal(1, result.Message.Seq);
        Assert.Equal("alice", result.Message.SenderId);
        Assert.Equal(result.Message, await harness.Messages.GetAsync(conversation, 1, Ct));
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Sent, 1);
        var sent = aliceConnection.Events.OfType<StatusEvent>().Single(s => s.Status == ReceiptStatus.Sent);
        Assert.Equal((result.Message.MessageId, "c-1"), (sent.MessageId, sent.ClientMsgId));
    }

    [Fact]
    public async Task The_sending_connection_gets_no_copy_but_the_senders_other_device_and_the_recipient_do()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, phone) = await harness.ConnectAsync("alice", "phone");
        var (_, laptop) = await harness.ConnectAsync("alice", "laptop");
        var (_, bob) = await harness.ConnectAsync("bob");

        var first = await alice.SendAsync(EventWaits.Text(conversation, "one"), Ct);
        var second = await alice.SendAsync(EventWaits.Text(conversation, "two"), Ct);

        await laptop.WaitForMessagesAsync(conversation, 2);
        await bob.WaitForMessagesAsync(conversation, 2);
        Assert.Equal([first.Message.MessageId, second.Message.MessageId], laptop.Messages(conversation).Select(m => m.MessageId));
        Assert.Equal([first.Message.MessageId, second.Message.MessageId], bob.Messages(conversation).Select(m => m.MessageId));
        await phone.WaitForStatusAsync(ReceiptStatus.Sent, 2);
        Assert.Empty(phone.Messages(conversation));
    }

    [Fact]
    public async Task Concurrent_senders_get_gap_free_seqs_and_receivers_see_them_in_order()
    {
        await using var harness = await EngineHarness.StartAsync();
        string[] senders = ["s0", "s1", "s2", "s3"];
        var conversation = await harness.CreateGroupAsync("reader", senders);
        var (_, reader) = await harness.ConnectAsync("reader");
        var sessions = new List<MessagingSession>();
        foreach (var sender in senders)
        {
            sessions.Add((await harness.ConnectAsync(sender)).Session);
        }

        var results = await Task.WhenAll(sessions.SelectMany(s => Enumerable.Range(0, 25).Select(i => Task.Run(async () => await s.SendAsync(EventWaits.Text(conversation, $"m{i}"))))));

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), results.Select(r => r.Message.Seq).Order());
        await reader.WaitForMessagesAsync(conversation, 100);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), reader.Messages(conversation).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_repeated_client_msg_id_returns_the_original_id_and_seq_and_stores_nothing()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, connection) = await harness.ConnectAsync("alice");
        var original = await alice.SendAsync(EventWaits.Text(conversation, "hello", "same"), Ct);

        var repeat = await alice.SendAsync(EventWaits.Text(conversation, "hello again", "same"), Ct);

        Assert.True(repeat.Duplicate);
        Assert.Equal((original.Message.MessageId, original.Message.Seq, "hello"), (repeat.Message.MessageId, repeat.Message.Seq, repeat.Message.Content));
        Assert.Equal(1, await harness.Messages.GetLastSeqAsync(conversation, Ct));
        await connection.WaitForAsync(events => events.OfType<StatusEvent>().Count(s => s.Status == ReceiptStatus.Sent && s.Seq == 1) == 2);
    }

    [Fact]
    public async Task A_repeated_client_msg_id_from_a_new_connection_is_still_a_duplicate()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (first, _) = await harness.ConnectAsync("alice");
        var original = await first.SendAsync(EventWaits.Text(conversation, "hello", "retry-me"), Ct);
        await first.DisposeAsync();
        var (second, _) = await harness.ConnectAsync("alice", "laptop");

        var repeat = await second.SendAsync(EventWaits.Text(conversation, "hello", "retry-me"), Ct);

        Assert.True(repeat.Duplicate);
        Assert.Equal(original.Message.MessageId, repeat.Message.MessageId);
    }

    [Fact]
    public async Task Oversize_content_is_rejected_as_too_large_and_nothing_is_stored()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.MaxContentLength = 10);
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");

        var error = await Assert.ThrowsAsync<MessagingValidationException>(async () => await alice.SendAsync(EventWaits.Text(conversation, new string('x', 11)), Ct));

        Assert.Equal(MessagingErrorKind.TooLarge, error.Kind);
        Assert.Equal(0, await harness.Messages.GetLastSeqAsync(conversation, Ct));
        Assert.Equal(10, (await alice.SendAsync(EventWaits.Text(conversation, new string('x', 10)), Ct)).Message.Content.Length);
    }

    [Theory]
    [InlineData("", "c-1", null)]
    [InlineData("hi", "", null)]
    [InlineData("hi", "   ", null)]
    [InlineData("hi", "0123456789abcdefg", null)]
    [InlineData("", "c-1", " ")]
    public async Task Malformed_sends_are_bad_requests_and_store_nothing(string content, string clientMsgId, string? mediaId)
    {
        await using var harness = await EngineHarness.StartAsync(o => o.MaxClientMsgIdLength = 16);
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");

        var error = await Assert.ThrowsAsync<MessagingValidationException>(async () => await alice.SendAsync(new SendMessageRequest(conversation, content, clientMsgId, mediaId), Ct));

        Assert.Equal(MessagingErrorKind.BadRequest, error.Kind);
        Assert.Equal(0, await harness.Messages.GetLastSeqAsync(conversation, Ct));
    }

    [Fact]
    public async Task A_media_message_may_have_empty_content()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var now = harness.Time.GetUtcNow();
        var upload = new MediaRecord { MediaId = "upload-1", OwnerId = "alice", ContentType = "image/png", FileName = "a.png", Length = 3, CreatedAt = now, UpdatedAt = now, CompletedAt = now };
        Assert.Equal(MediaAddResult.Added, await harness.Services.GetRequiredService<IMediaCatalog>().TryAddAsync(upload, new MediaQuota(10, long.MaxValue), Ct));

        var result = await alice.SendAsync(new SendMessageRequest(conversation, string.Empty, "c-1", "upload-1"), Ct);

        Assert.Equal((MessageKind.Media, "upload-1"), (result.Message.Kind, result.Message.MediaId));
    }

    [Fact]
    public async Task Sending_to_a_conversation_of_others_or_to_none_fails_with_the_same_not_found()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (mallory, _) = await harness.ConnectAsync("mallory");

        var foreign = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.SendAsync(EventWaits.Text(conversation, "hi"), Ct));
        var missing = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.SendAsync(EventWaits.Text("no-such-conversation", "hi"), Ct));

        Assert.Equal(missing.Message, foreign.Message);
        Assert.Equal(0, await harness.Messages.GetLastSeqAsync(conversation, Ct));
    }

    [Fact]
    public async Task Sending_advances_the_senders_read_mark_so_nothing_is_unread_for_them()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");

        await alice.SendAsync(EventWaits.Text(conversation, "one"), Ct);
        await alice.SendAsync(EventWaits.Text(conversation, "two"), Ct);

        Assert.Equal(0, (await harness.Engine.GetConversationAsync("alice", conversation, Ct)).UnreadCount);
        Assert.Equal(2, (await harness.Engine.GetConversationAsync("bob", conversation, Ct)).UnreadCount);
        Assert.Equal(new Watermark(2, 2), (await harness.Receipts.GetUserAsync(conversation, "alice", Ct)) with { DeliveredAt = null, ReadAt = null });
    }

    [Fact]
    public async Task The_senders_read_mark_and_the_conversation_index_are_written_together_and_both_before_the_recipient_gets_the_message()
    {
        // The sender's read-mark write is held until the index was touched: written one after the other, the touch
        // would wait for the mark and the send would never finish.
        var store = new InMemoryConversationStore();
        var receipts = new HeldSenderMark(new InMemoryReceiptStore());
        var index = new TouchSignal(store);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s
            .AddSingleton<IConversationStore>(store)
            .AddSingleton<IConversationIndex>(index)
            .AddSingleton<IReceiptStore>(receipts));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");

        var send = alice.SendAsync(EventWaits.Text(conversation, "hi"), Ct).AsTask();
        await receipts.SenderMarkStarted.WaitAsync(EngineHarness.Timeout, Ct);
        await index.Touched.WaitAsync(EngineHarness.Timeout, Ct);
        Assert.False(send.IsCompleted);
        Assert.Empty(bob.Messages(conversation));

        receipts.Release();
        await send.WaitAsync(EngineHarness.Timeout, Ct);
        await bob.WaitForMessagesAsync(conversation, 1);
        Assert.Equal(0, (await harness.Engine.GetConversationAsync("alice", conversation, Ct)).UnreadCount);
        Assert.Equal(conversation, (await harness.Engine.ListConversationsAsync("bob", 10, Ct))[0].Conversation.Id);
    }

    [Fact]
    public async Task A_recipient_who_connects_after_the_sender_was_told_sent_gets_the_message_before_sync_complete()
    {
        // The index touch is held: a device connecting meanwhile lists the conversation without the new message. The
        // sender must not have been told `sent` by then, or a catch-up started after `sent` would miss what it confirmed.
        var store = new InMemoryConversationStore();
        var index = new HeldTouch(store);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s
            .AddSingleton<IConversationStore>(store)
            .AddSingleton<IConversationIndex>(index));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");

        var send = alice.SendAsync(EventWaits.Text(conversation, "while you were away"), Ct).AsTask();
        await index.Entered.WaitAsync(EngineHarness.Timeout, Ct);
        var (_, bob) = await harness.ConnectAsync("bob");
        await bob.WaitForAsync(events => events.OfType<SyncCompleteEvent>().Any());
        var caughtUp = bob.Messages(conversation).Count;
        var confirmed = aliceConnection.Events.OfType<StatusEvent>().Any(s => s.Status == ReceiptStatus.Sent);
        Assert.True(!confirmed || caughtUp == 1, "the sender was told sent before a catch-up that missed the message");

        index.Release();
        var sent = await send.WaitAsync(EngineHarness.Timeout, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Sent, sent.Message.Seq);
        await bob.WaitForMessagesAsync(conversation, 1);

        // Once `sent` is out, a new device's catch-up has the message before its sync_complete.
        var (_, laptop) = await harness.ConnectAsync("bob", "laptop");
        await laptop.WaitForAsync(events => events.OfType<SyncCompleteEvent>().Any());
        var beforeComplete = laptop.Events.TakeWhile(e => e is not SyncCompleteEvent).OfType<MessageEvent>().ToList();
        Assert.Equal(sent.Message.MessageId, Assert.Single(beforeComplete).Message.MessageId);
    }

    [Fact]
    public async Task Sends_and_acks_in_a_direct_conversation_read_it_from_the_store_once_and_still_refuse_non_members()
    {
        var store = new InMemoryConversationStore();
        var conversations = CallCountingProxy<IConversationStore>.Wrap(store, out var calls);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton(conversations).AddSingleton<IConversationIndex>(store));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var (mallory, _) = await harness.ConnectAsync("mallory");
        var group = await harness.CreateGroupAsync("alice", "bob");

        using (CallCountingProxy<IConversationStore>.Record())
        {
            await alice.SendAsync(EventWaits.Text(conversation, "first"), Ct);
            await alice.SendAsync(EventWaits.Text(conversation, "second"), Ct);
            await bob.SendAsync(EventWaits.Text(conversation, "answer"), Ct);
            await bob.AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);
            await alice.SendAsync(EventWaits.Text(group, "one"), Ct);
            await alice.SendAsync(EventWaits.Text(group, "two"), Ct);
        }

        var refused = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.SendAsync(EventWaits.Text(conversation, "let me in"), Ct));
        var missing = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.SendAsync(EventWaits.Text("no-such-conversation", "hi"), Ct));

        // The direct conversation once, the group (whose members may change) for every send.
        Assert.Equal(3, calls.Count(c => c == nameof(IConversationStore.GetAsync)));
        Assert.Equal(missing.Message, refused.Message);
        Assert.Equal(3, (await harness.Messages.ReadAfterAsync(conversation, 0, 10, Ct)).Count);
    }

    [Fact]
    public async Task Sending_never_moves_the_sending_devices_delivered_mark_past_a_message_it_has_not_received()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");

        // Bob's message is committed but still in flight to alice's phone (no fan-out reached it yet).
        var inFlight = new Message { ConversationId = conversation, Seq = 1, MessageId = "m-in-flight", SenderId = "bob", ClientMsgId = "b-1", Content = "hi", Timestamp = harness.Time.GetUtcNow() };
        Assert.Equal(AppendOutcome.Appended, (await harness.Messages.AppendAsync(inFlight, Ct)).Outcome);
        await alice.SendAsync(EventWaits.Text(conversation, "reply"), Ct);

        Assert.Equal(0, (await harness.Engine.GetConversationAsync("alice", conversation, Ct)).UnreadCount);
        Assert.Equal(0, (await harness.Receipts.GetDeviceAsync(conversation, "alice", "phone", Ct)).DeliveredUpTo);
        await alice.DisposeAsync();
        var (_, again) = await harness.ConnectAsync("alice");
        Assert.Contains(inFlight.MessageId, again.Messages(conversation).Select(m => m.MessageId));
    }

    [Theory]
    [InlineData(ReservedDeviceIds.Sender)]
    [InlineData("~other")]
    public async Task Reserved_device_ids_are_refused_at_connect_and_heartbeat(string deviceId)
    {
        await using var harness = await EngineHarness.StartAsync();

        await Assert.ThrowsAsync<MessagingValidationException>(async () => await harness.Engine.ConnectAsync("alice", deviceId, new RecordingClientConnection(), Ct));
        await Assert.ThrowsAsync<MessagingValidationException>(async () => await harness.Engine.HeartbeatAsync("alice", deviceId, Ct));
    }

    [Fact]
    public async Task Members_without_a_live_connection_get_a_push_notification()
    {
        var push = new RecordingPushNotifier();
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IPushNotifier>(push));
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        await harness.ConnectAsync("bob");

        var sent = await alice.SendAsync(EventWaits.Text(conversation, "hi"), Ct);

        var notification = Assert.Single(push.Notifications);
        Assert.Equal(("carol", sent.Message.MessageId), (notification.RecipientId, notification.Message.MessageId));
    }

    [Fact]
    public async Task An_append_that_fails_after_the_seq_was_taken_is_retried_with_the_same_seq()
    {
        var store = new FailingMessageStore { FailAppend = static (_, attempt) => attempt == 0 };
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IMessageStore>(store));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");

        var result = await alice.SendAsync(EventWaits.Text(conversation, "hello"), Ct);

        Assert.Equal(1, result.Message.Seq);
        Assert.Equal(2, store.AttemptsFor(1));
        Assert.Equal(result.Message, await harness.Messages.GetAsync(conversation, 1, Ct));
    }

    [Fact]
    public async Task An_append_that_never_succeeds_is_tombstoned_the_send_fails_and_readers_move_past_the_hole()
    {
        var store = new FailingMessageStore { FailAppend = static (m, _) => m.Content == "doomed" };
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IMessageStore>(store));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bobLive) = await harness.ConnectAsync("bob");

        var error = await Assert.ThrowsAsync<MessagingBackendException>(async () => await alice.SendAsync(EventWaits.Text(conversation, "doomed"), Ct));
        var next = await alice.SendAsync(EventWaits.Text(conversation, "fine"), Ct);

        Assert.Equal(MessagingErrorKind.Internal, error.Kind);
        Assert.Equal(2, next.Message.Seq);
        var hole = Assert.Single(await harness.Messages.ReadAfterAsync(conversation, 0, 1, Ct));
        Assert.Equal(MessageKind.Tombstone, hole.Kind);

        // Live delivery moves past the tombstone without showing it.
        await bobLive.WaitForMessagesAsync(conversation, 1);
        Assert.Equal([2L], bobLive.Messages(conversation).Select(m => m.Seq));

        // So does catch-up of a device that was offline.
        var (_, bobTablet) = await harness.ConnectAsync("bob", "tablet");
        Assert.Equal([2L], bobTablet.Messages(conversation).Select(m => m.Seq));
        Assert.Equal(2, bobTablet.Events.OfType<SyncCompleteEvent>().Single().Cursors[conversation]);
        Assert.DoesNotContain((await harness.Engine.GetMessagesAsync("bob", conversation, new MessagePage(null, null, 10), Ct)), m => m.Kind == MessageKind.Tombstone);
    }

    [Fact]
    public async Task A_seq_taken_in_the_store_fences_the_sequencer_and_the_send_takes_a_new_seq()
    {
        var store = new FailingMessageStore();
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IMessageStore>(store));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        await alice.SendAsync(EventWaits.Text(conversation, "one"), Ct);

        // Another writer stored seqs 2..4 behind this node's sequencer (as after a failover that lost counter state).
        for (var seq = 2; seq <= 4; seq++)
        {
            await store.AppendDirectlyAsync(new Message
            {
                ConversationId = conversation,
                Seq = seq,
                MessageId = $"other-{seq}",
                SenderId = "bob",
                ClientMsgId = $"other-{seq}",
                Content = "elsewhere",
                Timestamp = harness.Time.GetUtcNow(),
            });
        }

        var result = await alice.SendAsync(EventWaits.Text(conversation, "two"), Ct);

        Assert.Equal(5, result.Message.Seq);
        Assert.Equal("two", (await harness.Messages.GetAsync(conversation, 5, Ct))!.Content);
        Assert.Equal("elsewhere", (await harness.Messages.GetAsync(conversation, 2, Ct))!.Content);
    }

    [Fact]
    public async Task A_repeat_within_the_deduplication_window_returns_the_original_and_after_it_is_a_new_message()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.DeduplicationWindow = TimeSpan.FromHours(1));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var original = await alice.SendAsync(EventWaits.Text(conversation, "hello", "c-1"), Ct);

        harness.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromTicks(1));
        var repeat = await alice.SendAsync(EventWaits.Text(conversation, "hello", "c-1"), Ct);
        Assert.True(repeat.Duplicate);
        Assert.Equal(original.Message, repeat.Message);

        harness.Time.Advance(TimeSpan.FromTicks(1));
        var later = await alice.SendAsync(EventWaits.Text(conversation, "hello", "c-1"), Ct);
        Assert.False(later.Duplicate);
        Assert.Equal(2, later.Message.Seq);
        Assert.NotEqual(original.Message.MessageId, later.Message.MessageId);
        Assert.Equal(2, (await harness.Messages.ReadAfterAsync(conversation, 0, 10, Ct)).Count);
    }

    [Fact]
    public async Task A_repeat_of_a_send_that_could_never_be_stored_is_a_new_message()
    {
        var failing = true;
        var store = new FailingMessageStore { FailAppend = (m, _) => failing && m.Kind != MessageKind.Tombstone };
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IMessageStore>(store));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");

        await Assert.ThrowsAsync<MessagingBackendException>(async () => await alice.SendAsync(EventWaits.Text(conversation, "hello", "c-1"), Ct));
        Assert.Null(await harness.Services.GetRequiredService<IDeduplicationStore>().FindAsync(new DeduplicationKey(conversation, "alice", "c-1"), Ct));
        failing = false;
        var repeat = await alice.SendAsync(EventWaits.Text(conversation, "hello", "c-1"), Ct);

        Assert.False(repeat.Duplicate);
        Assert.Equal(2, repeat.Message.Seq);
        Assert.Equal(MessageKind.Tombstone, (await harness.Messages.GetAsync(conversation, 1, Ct))!.Kind);
        Assert.Equal(repeat.Message, await harness.Messages.GetAsync(conversation, 2, Ct));
    }

    [Fact]
    public async Task A_repeat_that_finds_its_claimed_seq_empty_settles_it_with_a_tombstone_and_asks_to_send_again()
    {
        // The composite path (a store of its own is not atomic for the registered de-duplication store), where a
        // claim can be made without its append.
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IMessageStore>(new InMemoryMessageStore()));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");

        // An earlier send took seq 1 and claimed its client message id, then its writer stopped before the append.
        var seq = await harness.Services.GetRequiredService<ISequencer>().NextAsync(conversation, Ct);
        await harness.Services.GetRequiredService<IDeduplicationStore>().ClaimAsync(new DeduplicationKey(conversation, "alice", "c-1"), seq, TimeSpan.FromDays(7), Ct);

        var error = await Assert.ThrowsAsync<MessagingBackendException>(async () => await alice.SendAsync(EventWaits.Text(conversation, "hello", "c-1"), Ct));
        Assert.Equal(MessagingErrorKind.Internal, error.Kind);
        Assert.Equal(MessageKind.Tombstone, (await harness.Messages.GetAsync(conversation, seq, Ct))!.Kind);

        var again = await alice.SendAsync(EventWaits.Text(conversation, "hello", "c-1"), Ct);
        Assert.False(again.Duplicate);
        Assert.Equal(seq + 1, again.Message.Seq);
    }

    [Fact]
    public async Task Concurrent_sends_of_one_client_msg_id_store_at_most_one_message_and_every_answer_is_that_message()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var sessions = new List<MessagingSession>();
        for (var device = 0; device < 4; device++)
        {
            sessions.Add((await harness.ConnectAsync("alice", "device" + device)).Session);
        }

        for (var round = 0; round < 25; round++)
        {
            var clientMsgId = "c-" + round;
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                try
                {
                    return (await sessions[i % sessions.Count].SendAsync(EventWaits.Text(conversation, "hello", clientMsgId), Ct)).Message;
                }
                catch (MessagingBackendException)
                {
                    // "Send it again": this send met another one of the same id in flight.
                    return null;
                }
            })));

            var stored = (await harness.Messages.ReadAfterAsync(conversation, 0, 10_000, Ct)).Where(m => m.Kind != MessageKind.Tombstone && m.ClientMsgId == clientMsgId).ToList();
            Assert.True(stored.Count <= 1, $"round {round}: {stored.Count} messages stored for one client_msg_id");
            Assert.All(answers.OfType<Message>(), answer => Assert.Equal(stored.Single(), answer));

            var again = await sessions[0].SendAsync(EventWaits.Text(conversation, "hello", clientMsgId), Ct);
            Assert.Equal(again.Message, Assert.Single(await harness.Messages.ReadAfterAsync(conversation, 0, 10_000, Ct), m => m.Kind != MessageKind.Tombstone && m.ClientMsgId == clientMsgId));
        }
    }

    // A real receipt store whose writes of a sender's read mark wait until released.
    private sealed class HeldSenderMark(IReceiptStore inner) : IReceiptStore
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task SenderMarkStarted => _started.Task;

        public void Release() => _released.TrySetResult();

        public async ValueTask<Watermark> AdvanceAsync(string conversationId, string userId, string deviceId, long deliveredUpTo, long readUpTo, DateTimeOffset at, CancellationToken cancellationToken = default)
        {
            if (deviceId == ReservedDeviceIds.Sender)
            {
                _started.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }

            return await inner.AdvanceAsync(conversationId, userId, deviceId, deliveredUpTo, readUpTo, at, cancellationToken);
        }

        public ValueTask<Watermark> GetDeviceAsync(string conversationId, string userId, string deviceId, CancellationToken cancellationToken = default)
            => inner.GetDeviceAsync(conversationId, userId, deviceId, cancellationToken);

        public ValueTask<Watermark> GetUserAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
            => inner.GetUserAsync(conversationId, userId, cancellationToken);

        public ValueTask<IReadOnlyList<Watermark>> GetMembersAsync(string conversationId, IReadOnlyList<string> userIds, CancellationToken cancellationToken = default)
            => inner.GetMembersAsync(conversationId, userIds, cancellationToken);

        public ValueTask<IReadOnlyList<Watermark>> GetDeviceManyAsync(string userId, string deviceId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
            => inner.GetDeviceManyAsync(userId, deviceId, conversationIds, cancellationToken);

        public ValueTask<IReadOnlyList<Watermark>> GetUserManyAsync(string userId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
            => inner.GetUserManyAsync(userId, conversationIds, cancellationToken);

        public ValueTask<IReadOnlyList<MemberWatermark>> GetAllAsync(string conversationId, CancellationToken cancellationToken = default)
            => inner.GetAllAsync(conversationId, cancellationToken);
    }

    // The real in-memory index, signalling once a message's activity was recorded.
    private sealed class HeldTouch(InMemoryConversationStore inner) : IConversationIndex
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public void Release() => _released.TrySetResult();

        public async ValueTask TouchAsync(string conversationId, long seq, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
        {
            _entered.TrySetResult();
            await _released.Task.WaitAsync(EngineHarness.Timeout, cancellationToken);
            await inner.TouchAsync(conversationId, seq, timestamp, cancellationToken);
        }

        public ValueTask<IReadOnlyList<ConversationActivity>> ListForUserAsync(string userId, int limit, CancellationToken cancellationToken = default)
            => inner.ListForUserAsync(userId, limit, cancellationToken);
    }

    private sealed class TouchSignal(InMemoryConversationStore inner) : IConversationIndex
    {
        private readonly TaskCompletionSource _touched = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Touched => _touched.Task;

        public async ValueTask TouchAsync(string conversationId, long seq, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
        {
            await inner.TouchAsync(conversationId, seq, timestamp, cancellationToken);
            _touched.TrySetResult();
        }

        public ValueTask<IReadOnlyList<ConversationActivity>> ListForUserAsync(string userId, int limit, CancellationToken cancellationToken = default)
            => inner.ListForUserAsync(userId, limit, cancellationToken);
    }

    private sealed class RecordingPushNotifier : IPushNotifier
    {
        private readonly List<PushNotification> _notifications = [];

        public IReadOnlyList<PushNotification> Notifications
        {
            get
            {
                lock (_notifications)
                {
                    return [.. _notifications];
                }
            }
        }

        public ValueTask NotifyAsync(PushNotification notification, CancellationToken cancellationToken = default)
        {
            lock (_notifications)
            {
                _notifications.Add(notification);
            }

            return ValueTask.CompletedTask;
        }
    }
}
